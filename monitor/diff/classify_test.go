package diff

import (
	"fmt"
	"testing"

	"github.com/takedownhq/takedown/internal/base/event"
)

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		probe event.Probe
		c     Change
		want  Class
	}{
		{event.ProbeDelegation, Change{Field: "ns", List: true, Old: "a.example", New: "ns1.fbi.seized.gov", Added: []string{"ns1.fbi.seized.gov"}, Removed: []string{"a.example"}}, Class{event.NSChanged, event.SevWarning}},
		{event.ProbeDelegation, Change{Field: "rcode", Old: "NOERROR", New: "NXDOMAIN"}, Class{event.NSChanged, event.SevWarning}},
		{event.ProbeDNS, Change{Field: "a", List: true, Old: "192.0.2.1", New: "192.0.2.2"}, Class{event.DNSChanged, event.SevInfo}},
		{event.ProbeDNS, Change{Field: "aaaa", List: true, New: "2001:db8::1", Added: []string{"2001:db8::1"}}, Class{event.DNSChanged, event.SevInfo}},
		{event.ProbeDNS, Change{Field: "ns", List: true, Old: "a", New: "b"}, Class{event.NSChanged, event.SevNotice}},
		{event.ProbeDNS, Change{Field: "rcode", Old: "NOERROR", New: "NXDOMAIN"}, Class{event.DNSChanged, event.SevNotice}},
		{event.ProbeRDAP, Change{Field: "statuses", List: true, Old: "active", New: "active, client transfer prohibited", Added: []string{"client transfer prohibited"}}, Class{event.StatusChanged, event.SevNotice}},
		{event.ProbeRDAP, Change{Field: "statuses", List: true, Old: "active", New: "server hold", Added: []string{"server hold"}, Removed: []string{"active"}}, Class{event.StatusChanged, event.SevWarning}},
		{event.ProbeWHOIS, Change{Field: "statuses", List: true, Removed: []string{"serverUpdateProhibited https://icann.org/epp#serverUpdateProhibited"}, Old: "x", New: "y"}, Class{event.StatusChanged, event.SevWarning}},
		{event.ProbeWHOIS, Change{Field: "status", Old: "ok", New: "clientHold"}, Class{event.StatusChanged, event.SevWarning}},
		{event.ProbeRDAP, Change{Field: "statuses", List: true, Added: []string{"redemption period"}, Old: "a", New: "b"}, Class{event.StatusChanged, event.SevWarning}},
		{event.ProbeRDAP, Change{Field: "registrar", Old: "NameCheap, Inc.", New: "GoDaddy.com, LLC"}, Class{event.RegistrarChanged, event.SevWarning}},
		{event.ProbeRDAP, Change{Field: "registrar_iana_id", Old: "1068", New: "146"}, Class{event.RegistrarChanged, event.SevWarning}},
		{event.ProbeRDAP, Change{Field: "registrar", Old: "", New: "NameCheap, Inc."}, Class{event.RegistrarChanged, event.SevNotice}},
		{event.ProbeWHOIS, Change{Field: "registrant_org", Old: "Example Holdings", New: "U.S. Immigration and Customs Enforcement"}, Class{event.RegistrantChanged, event.SevWarning}},
		{event.ProbeRDAP, Change{Field: "registry_domain_id", Old: "1_DOMAIN_COM-VRSN", New: "2_DOMAIN_COM-VRSN"}, Class{event.Reregistered, event.SevCritical}},
		{event.ProbeRDAP, Change{Field: "created", Old: "2020-11-02T00:00:00Z", New: "2026-01-14T00:00:00Z"}, Class{event.Reregistered, event.SevCritical}},
		{event.ProbeRDAP, Change{Field: "registry_domain_id", Old: "", New: "2_DOMAIN_COM-VRSN"}, Class{event.RegistrationChanged, event.SevNotice}},
		{event.ProbeRDAP, Change{Field: "created", Old: "2020-11-02T00:00:00Z", New: ""}, Class{event.RegistrationChanged, event.SevNotice}},
		{event.ProbeRDAP, Change{Field: "expires", Old: "2026-11-02", New: "2027-11-02"}, Class{event.ExpiryChanged, event.SevInfo}},
		{event.ProbeRDAP, Change{Field: "found", Old: "true", New: "false"}, Class{event.RegistrationChanged, event.SevWarning}},
		{event.ProbeRDAP, Change{Field: "nameservers", List: true, Old: "a", New: "b"}, Class{event.NSChanged, event.SevNotice}},
		{event.ProbeRDAP, Change{Field: "updated", Old: "a", New: "b"}, Class{event.RegistrationChanged, event.SevInfo}},
		{event.ProbeRDAP, Change{Field: "registration.statuses", List: true, Added: []string{"server hold"}, Old: "a", New: "b"}, Class{event.StatusChanged, event.SevWarning}},
		{event.ProbeCert, Change{Field: "sha256", Old: "aa", New: "bb"}, Class{event.CertChanged, event.SevNotice}},
		{event.ProbeCert, Change{Field: "issuer", Old: "R3", New: "E5"}, Class{event.CertChanged, event.SevInfo}},
		{event.ProbeCert, Change{Field: "leaf.sha256", Old: "aa", New: "bb"}, Class{event.CertChanged, event.SevNotice}},
		{event.ProbeHTTP, Change{Field: "title", Old: "Fox Cloud", New: "This domain has been seized"}, Class{event.HTTPChanged, event.SevNotice}},
		{event.ProbeHTTP, Change{Field: "text_hash", Old: "aa", New: "bb"}, Class{event.HTTPChanged, event.SevNotice}},
		{event.ProbeHTTP, Change{Field: "final_url", Old: "a", New: "b"}, Class{event.HTTPChanged, event.SevInfo}},
		{"lookalike", Change{Field: "x", Old: "a", New: "b"}, Class{event.FieldChanged, event.SevInfo}},
		{event.ProbeDNS, Change{Field: "sha256", Old: "a", New: "b"}, Class{event.DNSChanged, event.SevInfo}},
	} {
		t.Run(string(c.probe)+"/"+c.c.Field, func(t *testing.T) {
			if got := Classify(c.probe, c.c); got != c.want {
				t.Errorf("Classify(%s, %s) = %+v, want %+v", c.probe, c.c.Summary(), got, c.want)
			}
		})
	}
}

// The daemon's path: diff two snapshots, classify each change.
func ExampleDiff() {
	old := []byte(`{"ns":["dns1.registrar-servers.com","dns2.registrar-servers.com"],"rcode":"NOERROR"}`)
	new := []byte(`{"ns":["ns1.fbi.seized.gov","ns2.fbi.seized.gov"],"rcode":"NOERROR"}`)
	changes, _ := Diff(old, new)
	for _, c := range changes {
		cl := Classify(event.ProbeDelegation, c)
		fmt.Println(cl.Kind, cl.Severity, c.Summary())
	}
	// Output:
	// ns_changed warning ns: +ns1.fbi.seized.gov +ns2.fbi.seized.gov -dns1.registrar-servers.com -dns2.registrar-servers.com
}
