package diff

import (
	"strings"
)

// Event kinds of field changes.
const (
	KindNSChanged           = "ns_changed"
	KindDNSChanged          = "dns_changed"
	KindStatusChanged       = "status_changed"
	KindRegistrarChanged    = "registrar_changed"
	KindRegistrantChanged   = "registrant_changed"
	KindReregistered        = "reregistered" // a hint; the lifecycle verdict decides
	KindExpiryChanged       = "expiry_changed"
	KindRegistrationChanged = "registration_changed"
	KindCertChanged         = "cert_changed"
	KindHTTPChanged         = "http_changed"
	KindFieldChanged        = "field_changed"
)

// Severities, the same words as the store's.
const (
	SevInfo     = "info"
	SevNotice   = "notice"
	SevWarning  = "warning"
	SevCritical = "critical"
)

// Probe names the rules use.
const (
	ProbeDelegation = "delegation"
	ProbeDNS        = "dns"
	ProbeRDAP       = "rdap"
	ProbeWhois      = "whois"
	ProbeCert       = "cert"
	ProbeHTTP       = "http"
)

// Rule maps changes of one field of some probes to an event kind.
type Rule struct {
	// Probes the rule applies to; empty means any.
	Probes []string
	// Fields are names matched against the change's dotted path: equal to
	// it, or equal to its last segments ("statuses" matches
	// "registration.statuses"). Empty means any field.
	Fields   []string
	Kind     string
	Severity string
}

// Class is what a change means for the history.
type Class struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
}

var registry = []string{ProbeRDAP, ProbeWhois}

// Rules are consulted in order; the first match wins. The field names cover
// the spellings the probes are likely to use (snake case of RDAP and WHOIS
// terms). A caller with other field names may prepend rules once, before
// any Classify call (Rules is not guarded for concurrent writes).
var Rules = []Rule{
	{Probes: []string{ProbeDelegation}, Kind: KindNSChanged, Severity: SevWarning},

	{Probes: []string{ProbeDNS}, Fields: []string{"ns"}, Kind: KindNSChanged, Severity: SevNotice},
	{Probes: []string{ProbeDNS}, Fields: []string{"rcode"}, Kind: KindDNSChanged, Severity: SevNotice},
	{Probes: []string{ProbeDNS}, Kind: KindDNSChanged, Severity: SevInfo},

	{Probes: registry, Fields: []string{"statuses", "status"}, Kind: KindStatusChanged, Severity: SevNotice},
	{Probes: registry, Fields: []string{"registry_domain_id", "handle", "roid"}, Kind: KindReregistered, Severity: SevCritical},
	{Probes: registry, Fields: []string{"created", "creation_date", "registration_date"}, Kind: KindReregistered, Severity: SevCritical},
	{Probes: registry, Fields: []string{"registrar", "registrar_iana_id", "registrar_id"}, Kind: KindRegistrarChanged, Severity: SevWarning},
	{Probes: registry, Fields: []string{"registrant", "registrant_org", "registrant_name"}, Kind: KindRegistrantChanged, Severity: SevWarning},
	{Probes: registry, Fields: []string{"expires", "expiry", "expiration", "expiration_date", "expiry_date"}, Kind: KindExpiryChanged, Severity: SevInfo},
	{Probes: registry, Fields: []string{"nameservers", "name_servers", "ns"}, Kind: KindNSChanged, Severity: SevNotice},
	{Probes: registry, Fields: []string{"found"}, Kind: KindRegistrationChanged, Severity: SevWarning},
	{Probes: registry, Kind: KindRegistrationChanged, Severity: SevInfo},

	{Probes: []string{ProbeCert}, Fields: []string{"sha256", "fingerprint"}, Kind: KindCertChanged, Severity: SevNotice},
	{Probes: []string{ProbeCert}, Kind: KindCertChanged, Severity: SevInfo},

	{Probes: []string{ProbeHTTP}, Fields: []string{"title", "text_hash", "status"}, Kind: KindHTTPChanged, Severity: SevNotice},
	{Probes: []string{ProbeHTTP}, Kind: KindHTTPChanged, Severity: SevInfo},
}

// Classify returns the event kind and severity of a change seen by a probe.
// On top of the first matching rule:
//   - a status change that adds or removes a server* status (registry
//     locks, serverHold), clientHold or a redemption or delete status is a
//     warning;
//   - a registry domain ID or creation date that appears or disappears (a
//     first registry answer, a deletion) is a registration change of notice,
//     not a re-registration hint: that needs an old and a new value;
//   - a registrar or registrant that appears or disappears is a notice.
//
// Changes no rule covers are field_changed, info.
func Classify(probe string, c Change) Class {
	cl := Class{Kind: KindFieldChanged, Severity: SevInfo}
	for _, r := range Rules {
		if r.matches(probe, c.Field) {
			cl = Class{Kind: r.Kind, Severity: r.Severity}
			break
		}
	}
	appeared := c.Old == "" || c.New == ""
	switch cl.Kind {
	case KindStatusChanged:
		if lifecycleStatus(c) {
			cl.Severity = SevWarning
		}
	case KindReregistered:
		if appeared {
			cl = Class{Kind: KindRegistrationChanged, Severity: SevNotice}
		}
	case KindRegistrarChanged, KindRegistrantChanged:
		if appeared {
			cl.Severity = SevNotice
		}
	}
	return cl
}

func (r Rule) matches(probe, field string) bool {
	if len(r.Probes) > 0 && !containsString(r.Probes, probe) {
		return false
	}
	if len(r.Fields) == 0 {
		return true
	}
	for _, f := range r.Fields {
		if field == f || strings.HasSuffix(field, "."+f) {
			return true
		}
	}
	return false
}

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// lifecycleStatus reports whether a status change touches a status that
// moves a domain through its lifecycle or marks a registry action.
func lifecycleStatus(c Change) bool {
	items := append(append([]string(nil), c.Added...), c.Removed...)
	if !c.List {
		items = append(items, c.Old, c.New)
	}
	for _, s := range items {
		k := letters(s)
		switch {
		case strings.HasPrefix(k, "server"),
			strings.HasPrefix(k, "clienthold"),
			strings.HasPrefix(k, "redemption"),
			strings.HasPrefix(k, "pendingdelete"),
			strings.HasPrefix(k, "pendingrestore"):
			return true
		}
	}
	return false
}

// letters lower-cases the ASCII letters of a status and drops the rest:
// "server hold", "serverHold" and "SERVER-HOLD" all give "serverhold".
func letters(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < 64; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteByte(c)
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		}
	}
	return b.String()
}
