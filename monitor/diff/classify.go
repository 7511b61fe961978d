package diff

import (
	"slices"
	"strings"

	"github.com/takedownhq/takedown/internal/base/event"
)

// Rule maps changes of one field of some probes to an event kind.
type Rule struct {
	// Probes the rule applies to; empty means any.
	Probes []event.Probe
	// Fields are names matched against the change's dotted path: equal to
	// it, or equal to its last segments ("statuses" matches
	// "registration.statuses"). Empty means any field.
	Fields   []string
	Kind     event.Kind
	Severity event.Severity
}

// Class is what a change means for the history.
type Class struct {
	Kind     event.Kind     `json:"kind"`
	Severity event.Severity `json:"severity"`
}

var registry = []event.Probe{event.ProbeRDAP, event.ProbeWHOIS}

// Rules are consulted in order; the first match wins. The field names cover
// the spellings the probes are likely to use (snake case of RDAP and WHOIS
// terms). A caller with other field names may prepend rules once, before
// any Classify call (Rules is not guarded for concurrent writes).
var Rules = []Rule{
	{Probes: []event.Probe{event.ProbeDelegation}, Kind: event.NSChanged, Severity: event.SevWarning},

	{Probes: []event.Probe{event.ProbeDNS}, Fields: []string{"ns"}, Kind: event.NSChanged, Severity: event.SevNotice},
	{Probes: []event.Probe{event.ProbeDNS}, Fields: []string{"rcode"}, Kind: event.DNSChanged, Severity: event.SevNotice},
	{Probes: []event.Probe{event.ProbeDNS}, Kind: event.DNSChanged, Severity: event.SevInfo},

	{Probes: registry, Fields: []string{"statuses", "status"}, Kind: event.StatusChanged, Severity: event.SevNotice},
	{Probes: registry, Fields: []string{"registry_domain_id", "handle", "roid"}, Kind: event.Reregistered, Severity: event.SevCritical},
	{Probes: registry, Fields: []string{"created", "creation_date", "registration_date"}, Kind: event.Reregistered, Severity: event.SevCritical},
	{Probes: registry, Fields: []string{"registrar", "registrar_iana_id", "registrar_id"}, Kind: event.RegistrarChanged, Severity: event.SevWarning},
	{Probes: registry, Fields: []string{"registrant", "registrant_org", "registrant_name"}, Kind: event.RegistrantChanged, Severity: event.SevWarning},
	{Probes: registry, Fields: []string{"expires", "expiry", "expiration", "expiration_date", "expiry_date"}, Kind: event.ExpiryChanged, Severity: event.SevInfo},
	{Probes: registry, Fields: []string{"nameservers", "name_servers", "ns"}, Kind: event.NSChanged, Severity: event.SevNotice},
	{Probes: registry, Fields: []string{"found"}, Kind: event.RegistrationChanged, Severity: event.SevWarning},
	{Probes: registry, Kind: event.RegistrationChanged, Severity: event.SevInfo},

	{Probes: []event.Probe{event.ProbeCert}, Fields: []string{"sha256", "fingerprint"}, Kind: event.CertChanged, Severity: event.SevNotice},
	{Probes: []event.Probe{event.ProbeCert}, Kind: event.CertChanged, Severity: event.SevInfo},

	{Probes: []event.Probe{event.ProbeHTTP}, Fields: []string{"title", "text_hash", "status"}, Kind: event.HTTPChanged, Severity: event.SevNotice},
	{Probes: []event.Probe{event.ProbeHTTP}, Kind: event.HTTPChanged, Severity: event.SevInfo},

	// The networks list moves only when hosting does; a stale mark or a new
	// abuse address changes "addresses" alone.
	{Probes: []event.Probe{event.ProbeHosting}, Fields: []string{"networks"}, Kind: event.HostingChanged, Severity: event.SevWarning},
	{Probes: []event.Probe{event.ProbeHosting}, Kind: event.FieldChanged, Severity: event.SevInfo},
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
func Classify(probe event.Probe, c Change) Class {
	cl := Class{Kind: event.FieldChanged, Severity: event.SevInfo}
	for _, r := range Rules {
		if r.matches(probe, c.Field) {
			cl = Class{Kind: r.Kind, Severity: r.Severity}
			break
		}
	}
	appeared := c.Old == "" || c.New == ""
	switch cl.Kind {
	case event.StatusChanged:
		if lifecycleStatus(c) {
			cl.Severity = event.SevWarning
		}
	case event.Reregistered:
		if appeared {
			cl = Class{Kind: event.RegistrationChanged, Severity: event.SevNotice}
		}
	case event.RegistrarChanged, event.RegistrantChanged:
		if appeared {
			cl.Severity = event.SevNotice
		}
	}
	return cl
}

func (r Rule) matches(probe event.Probe, field string) bool {
	if len(r.Probes) > 0 && !slices.Contains(r.Probes, probe) {
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
