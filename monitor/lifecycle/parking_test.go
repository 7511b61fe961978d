package lifecycle

import (
	"strings"
	"testing"

	"github.com/takedownhq/takedown/monitor/event"
)

// Parking with the embedded indicator file: the cases of issue 13.
func TestParkingWithDefaultIndicators(t *testing.T) {
	forSale := &Page{Title: "examp1e-bank.com", Text: "This domain may be for sale! Buy this domain now. Related searches: Online Banking"}
	dropped := reg("pendingDelete")
	caught := with(reg(), func(r *Registration) { r.RegistryDomainID = "4100000_DOMAIN_COM-VRSN"; r.Created = day("2026-01-12") })
	cases := []verdictCase{
		{
			name:    "sedoparking name servers with a for-sale page are parked, not active",
			ev:      Evidence{Delegation: deleg("ns1.sedoparking.com", "ns2.sedoparking.com"), DNS: dnsA("192.0.2.80"), Registry: reg(), HTTP: forSale},
			state:   event.StateParked,
			reasons: []string{"delegation ns1.sedoparking.com matches parking-ns-sedo", "matches parking-page-for-sale"},
		},
		{
			name:    "bodis name servers alone are parked",
			ev:      Evidence{Delegation: deleg("NS1.BODIS.COM.", "ns2.bodis.com"), Registry: reg()},
			state:   event.StateParked,
			reasons: []string{"matches parking-ns-bodis"},
		},
		{
			name:  "a name server merely ending in dan.com is not Dan.com",
			ev:    Evidence{Delegation: deleg("ns1.jordan.com", "ns2.jordan.com"), DNS: dnsA("192.0.2.10"), Registry: reg(), HTTP: shop},
			state: event.StateActive,
			not:   []string{"parking-ns-dan"},
		},
		{
			name:    "for-sale wording alone on ordinary hosting only corroborates parking",
			ev:      Evidence{Delegation: deleg(normalNS...), DNS: dnsA("192.0.2.10"), Registry: reg(), HTTP: &Page{Text: "Make an offer: this domain is for sale."}},
			state:   event.StateActive,
			suspect: event.StateParked,
		},
		{
			name:    "for-sale wording and ad links together are parked off parking name servers too",
			ev:      Evidence{Delegation: deleg(normalNS...), DNS: dnsA("192.0.2.10"), Registry: reg(), HTTP: forSale},
			state:   event.StateParked,
			reasons: []string{"matches parking-page-for-sale", "matches parking-page-ads"},
		},
		{
			name:    "a dropped domain caught and parked is reregistered, not parked",
			ev:      Evidence{Delegation: deleg("ns1.parkingcrew.net", "ns2.parkingcrew.net"), Registry: caught, HTTP: forSale},
			prev:    Previous{State: event.StatePendingDelete, TakenDown: true, Registry: dropped},
			state:   event.StateReregistered,
			reasons: []string{"(reregistered)", "matches parking-ns-parkingcrew"},
		},
		{
			name:    "and stays reregistered while it sits on parking",
			ev:      Evidence{Delegation: deleg("ns1.parkingcrew.net", "ns2.parkingcrew.net"), Registry: caught, HTTP: forSale},
			prev:    Previous{State: event.StateReregistered, TakenDown: true, Registry: caught},
			state:   event.StateReregistered,
			reasons: []string{"re-registered earlier"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := c.ev
			ev.Now = now
			v := Default().Judge(ev, c.prev)
			if v.State != c.state || v.Suspect != c.suspect {
				t.Errorf("state %q suspect %q, want %q %q", v.State, v.Suspect, c.state, c.suspect)
			}
			all := strings.Join(v.Reasons, "\n")
			for _, want := range c.reasons {
				if !strings.Contains(all, want) {
					t.Errorf("no reason contains %q", want)
				}
			}
			for _, not := range c.not {
				if strings.Contains(all, not) {
					t.Errorf("a reason contains %q", not)
				}
			}
			if t.Failed() {
				t.Logf("reasons:\n  %s", strings.Join(v.Reasons, "\n  "))
			}
		})
	}
}

// Every parking signature names a source.
func TestParkingSignaturesHaveSources(t *testing.T) {
	n := 0
	for _, s := range Default().Signatures {
		if !strings.HasPrefix(s.ID, "parking-") {
			continue
		}
		n++
		if s.State != event.StateParked || len(s.Sources) == 0 {
			t.Errorf("%s: state %q, %d sources", s.ID, s.State, len(s.Sources))
		}
	}
	if n < 10 {
		t.Errorf("%d parking signatures", n)
	}
}
