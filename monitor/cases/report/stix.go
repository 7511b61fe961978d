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
	first, last := firstLast(&p.Evidence, p.now)
	b := &stixBundle{now: stixTime(p.now)}
	b.reporter(p)
	obs := b.observables(p)
	od := b.sdo("observed-data")
	od["first_observed"] = stixTime(first)
	od["last_observed"] = stixTime(last)
	od["number_observed"] = 1
	od["object_refs"] = obs.all
	b.add(od)
	infra := b.infrastructure(p, first, last)
	ind := b.indicator(p, first)
	b.rel(ind, "based-on", od)
	b.rel(ind, "indicates", infra)
	for _, id := range append(append([]string{obs.domain}, obs.urls...), obs.addrs...) {
		b.rel(infra, "consists-of", stixObject{"id": id})
	}
	note := b.sdo("note")
	note["abstract"] = stixAbstract(p)
	note["content"] = stixNoteContent(p)
	if a := firstNonEmpty(p.Reporter.Name, p.Reporter.Org); a != "" {
		note["authors"] = []string{a}
	}
	note["object_refs"] = []string{ind.id(), od.id(), infra.id(), obs.domain}
	b.add(note)

	bundle := map[string]any{"type": "bundle", "id": stixID("bundle"), "objects": b.objs}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(bundle); err != nil {
		return err
	}
	return nil
}

func (o stixObject) id() string { return o["id"].(string) }

// stixBundle is the objects of a bundle being built, in their order.
type stixBundle struct {
	now      string
	identity string // the reporter's identity, "" for none
	objs     []stixObject
}

func (b *stixBundle) add(o stixObject) { b.objs = append(b.objs, o) }

func (b *stixBundle) common(typ string) stixObject {
	return stixObject{"type": typ, "spec_version": "2.1", "id": stixID(typ), "created": b.now, "modified": b.now}
}

// sdo is a domain object, created by the reporter when there is one.
func (b *stixBundle) sdo(typ string) stixObject {
	o := b.common(typ)
	if b.identity != "" {
		o["created_by_ref"] = b.identity
	}
	return o
}

func (b *stixBundle) rel(src stixObject, typ string, dst stixObject) {
	r := b.sdo("relationship")
	r["relationship_type"] = typ
	r["source_ref"] = src.id()
	r["target_ref"] = dst.id()
	b.add(r)
}

// reporter adds the reporter's identity, when named.
func (b *stixBundle) reporter(p *prepared) {
	name := firstNonEmpty(p.Reporter.Org, p.Reporter.Name)
	if name == "" {
		return
	}
	o := b.common("identity")
	o["name"] = name
	o["identity_class"] = "organization"
	if p.Reporter.Email != "" {
		o["contact_information"] = p.Reporter.Email
	}
	b.identity = o.id()
	b.add(o)
}

// stixObserved are the IDs of the observables added.
type stixObserved struct {
	domain      string
	addrs, urls []string
	all         []string // domain, addresses, URLs, certificate
}

// observables adds the domain, what it resolves to, its URLs and its
// certificate.
func (b *stixBundle) observables(p *prepared) stixObserved {
	var obs stixObserved
	for _, a := range cleanAddrs(p.DNS.Addresses, maxList) {
		typ := "ipv6-addr"
		if a.Is4() {
			typ = "ipv4-addr"
		}
		o := stixObject{"type": typ, "spec_version": "2.1", "id": scoID(typ, map[string]any{"value": a.String()}), "value": a.String()}
		obs.addrs = append(obs.addrs, o.id())
		b.add(o)
	}
	dom := stixObject{"type": "domain-name", "spec_version": "2.1", "id": scoID("domain-name", map[string]any{"value": p.Case.Domain}), "value": p.Case.Domain}
	if len(obs.addrs) > 0 {
		dom["resolves_to_refs"] = obs.addrs
	}
	obs.domain = dom.id()
	b.add(dom)
	for _, u := range p.Content.URLs {
		o := stixObject{"type": "url", "spec_version": "2.1", "id": scoID("url", map[string]any{"value": u}), "value": u}
		obs.urls = append(obs.urls, o.id())
		b.add(o)
	}
	obs.all = append(append([]string{obs.domain}, obs.addrs...), obs.urls...)
	if o := stixCert(p.Cert); o != nil {
		b.add(o)
		obs.all = append(obs.all, o.id())
	}
	return obs
}

// stixCert is the certificate's observable, nil when nothing of it is known.
func stixCert(k *Cert) stixObject {
	if k == nil || (k.SHA256 == "" && k.Serial == "" && k.Issuer == "" && k.Subject == "") {
		return nil
	}
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
	return o
}

func (b *stixBundle) infrastructure(p *prepared, first, last time.Time) stixObject {
	infra := b.sdo("infrastructure")
	infra["name"] = reasonLabel(p.Case.Reason) + " site " + p.Case.Domain
	infra["infrastructure_types"] = []string{stixInfraType[p.Case.Reason]}
	infra["first_seen"] = stixTime(first)
	infra["last_seen"] = stixTime(last)
	if p.Case.DomainUnicode != "" {
		infra["aliases"] = []string{p.Case.DomainUnicode}
	}
	b.add(infra)
	return infra
}

func (b *stixBundle) indicator(p *prepared, first time.Time) stixObject {
	ind := b.sdo("indicator")
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
	b.add(ind)
	return ind
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
