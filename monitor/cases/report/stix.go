package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// stixSCONamespace is the namespace STIX 2.1 (section 2.9) gives for the
// UUIDv5 identifiers of cyber-observable objects, so that two producers
// name the same domain with the same identifier.
const stixSCONamespace = "00abedb4-aa42-466c-9c01-fed23315a9b7"

// stixTime is STIX's timestamp with the millisecond precision its created
// and modified properties require.
func stixTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// stixID returns a random identifier for a domain object or relationship.
func stixID(typ string) string { return typ + "--" + uuid4() }

// scoID returns a cyber-observable's deterministic identifier: the UUIDv5
// of the canonical JSON (RFC 8785; our values need no escaping beyond what
// encoding/json does with HTML escaping off) of its ID contributing
// properties.
func scoID(typ string, props map[string]any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(props) // maps of strings always encode; keys come sorted
	return typ + "--" + uuid5(stixSCONamespace, strings.TrimSuffix(b.String(), "\n"))
}

// stixQuote quotes s as a STIX pattern string literal.
func stixQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

type stixObject map[string]any

// stixInfraType is the infrastructure-type-ov value a reason's site is.
var stixInfraType = map[string]string{
	ReasonPhishing: "phishing",
	ReasonMalware:  "hosting-malware",
	ReasonBrand:    "unknown",
	ReasonFraud:    "unknown",
}

func encodeSTIX(w io.Writer, p *prepared) error {
	now := stixTime(p.now)
	first, last := firstLast(&p.Evidence, p.now)
	var objs []stixObject
	common := func(typ string) stixObject {
		return stixObject{"type": typ, "spec_version": "2.1", "id": stixID(typ), "created": now, "modified": now}
	}
	var identity string
	if name := firstNonEmpty(p.Reporter.Org, p.Reporter.Name); name != "" {
		o := common("identity")
		o["name"] = name
		o["identity_class"] = "organization"
		if p.Reporter.Email != "" {
			o["contact_information"] = p.Reporter.Email
		}
		identity = o["id"].(string)
		objs = append(objs, o)
	}
	sdo := func(typ string) stixObject {
		o := common(typ)
		if identity != "" {
			o["created_by_ref"] = identity
		}
		return o
	}

	// The observables: the domain, what it resolves to, its URLs, its certificate.
	var observed []string
	var addrIDs []string
	for _, a := range cleanAddrs(p.DNS.Addresses, maxList) {
		typ := "ipv6-addr"
		if a.Is4() {
			typ = "ipv4-addr"
		}
		o := stixObject{"type": typ, "spec_version": "2.1", "id": scoID(typ, map[string]any{"value": a.String()}), "value": a.String()}
		addrIDs = append(addrIDs, o["id"].(string))
		objs = append(objs, o)
	}
	dom := stixObject{"type": "domain-name", "spec_version": "2.1", "id": scoID("domain-name", map[string]any{"value": p.Case.Domain}), "value": p.Case.Domain}
	if len(addrIDs) > 0 {
		dom["resolves_to_refs"] = addrIDs
	}
	domID := dom["id"].(string)
	objs = append(objs, dom)
	observed = append(observed, domID)
	observed = append(observed, addrIDs...)
	var urlIDs []string
	for _, u := range p.Content.URLs {
		o := stixObject{"type": "url", "spec_version": "2.1", "id": scoID("url", map[string]any{"value": u}), "value": u}
		urlIDs = append(urlIDs, o["id"].(string))
		objs = append(objs, o)
	}
	observed = append(observed, urlIDs...)
	if k := p.Cert; k != nil && (k.SHA256 != "" || k.Serial != "" || k.Issuer != "" || k.Subject != "") {
		contrib := map[string]any{}
		o := stixObject{"type": "x509-certificate", "spec_version": "2.1"}
		if k.SHA256 != "" {
			o["hashes"] = map[string]string{"SHA-256": k.SHA256}
			contrib["hashes"] = o["hashes"]
		}
		if k.Serial != "" {
			o["serial_number"] = k.Serial
			contrib["serial_number"] = k.Serial
		}
		if len(contrib) == 0 {
			o["id"] = stixID("x509-certificate") // nothing contributes: a random id, as the spec says
		} else {
			o["id"] = scoID("x509-certificate", contrib)
		}
		for key, v := range map[string]string{"issuer": k.Issuer, "subject": k.Subject} {
			if v != "" {
				o[key] = v
			}
		}
		if !k.NotBefore.IsZero() {
			o["validity_not_before"] = stixTime(k.NotBefore)
		}
		if !k.NotAfter.IsZero() {
			o["validity_not_after"] = stixTime(k.NotAfter)
		}
		objs = append(objs, o)
		observed = append(observed, o["id"].(string))
	}

	od := sdo("observed-data")
	od["first_observed"] = stixTime(first)
	od["last_observed"] = stixTime(last)
	od["number_observed"] = 1
	od["object_refs"] = observed
	objs = append(objs, od)

	infra := sdo("infrastructure")
	infra["name"] = reasonLabel(p.Case.Reason) + " site " + p.Case.Domain
	infra["infrastructure_types"] = []string{stixInfraType[p.Case.Reason]}
	infra["first_seen"] = stixTime(first)
	infra["last_seen"] = stixTime(last)
	if p.Case.DomainUnicode != "" {
		infra["aliases"] = []string{p.Case.DomainUnicode}
	}
	objs = append(objs, infra)

	ind := sdo("indicator")
	ind["name"] = reasonLabel(p.Case.Reason) + " domain " + p.Case.Domain
	if p.Content.Brand != "" {
		ind["description"] = "Imitates " + p.Content.Brand
	}
	ind["indicator_types"] = []string{"malicious-activity"}
	ind["pattern"] = stixPattern(p.Case.Domain, p.Content.URLs)
	ind["pattern_type"] = "stix"
	ind["pattern_version"] = "2.1"
	ind["valid_from"] = stixTime(first)
	if p.Risk.Score > 0 {
		ind["confidence"] = min(max(p.Risk.Score, 0), 100)
	}
	ind["labels"] = []string{p.Case.Reason}
	objs = append(objs, ind)

	rel := func(src, typ, dst string) {
		r := sdo("relationship")
		r["relationship_type"] = typ
		r["source_ref"] = src
		r["target_ref"] = dst
		objs = append(objs, r)
	}
	rel(ind["id"].(string), "based-on", od["id"].(string))
	rel(ind["id"].(string), "indicates", infra["id"].(string))
	for _, id := range append(append([]string{domID}, urlIDs...), addrIDs...) {
		rel(infra["id"].(string), "consists-of", id)
	}

	note := sdo("note")
	note["abstract"] = stixAbstract(p)
	note["content"] = stixNoteContent(p)
	if a := firstNonEmpty(p.Reporter.Name, p.Reporter.Org); a != "" {
		note["authors"] = []string{a}
	}
	note["object_refs"] = []string{ind["id"].(string), od["id"].(string), infra["id"].(string), domID}
	objs = append(objs, note)

	bundle := map[string]any{"type": "bundle", "id": stixID("bundle"), "objects": objs}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(bundle); err != nil {
		return err
	}
	return nil
}

// stixPattern is one observation expression per observable, joined by OR:
// any of them seen is a sighting of the site.
func stixPattern(domain string, urls []string) string {
	parts := []string{"[domain-name:value = " + stixQuote(domain) + "]"}
	for _, u := range urls {
		parts = append(parts, "[url:value = "+stixQuote(u)+"]")
	}
	return strings.Join(parts, " OR ")
}

func stixAbstract(p *prepared) string {
	s := reasonLabel(p.Case.Reason) + " on " + p.Case.Domain
	if p.Risk.Level != "" {
		s += fmt.Sprintf(", risk %s (score %d)", p.Risk.Level, p.Risk.Score)
	}
	return s
}

func stixNoteContent(p *prepared) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Why %s is reported (%s):\n", p.Case.Domain, p.Case.Reason)
	for _, r := range p.Risk.Reasons {
		b.WriteString("- " + r + "\n")
	}
	if len(p.Risk.Reasons) == 0 {
		b.WriteString("- no risk reasons recorded\n")
	}
	if p.Case.Note != "" {
		b.WriteString("\nAnalyst note:\n" + p.Case.Note + "\n")
	}
	return b.String()
}

func firstNonEmpty(list ...string) string {
	for _, s := range list {
		if s != "" {
			return s
		}
	}
	return ""
}
