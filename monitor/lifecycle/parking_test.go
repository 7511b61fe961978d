package lifecycle

import (
	"slices"
	"testing"

	"github.com/takedownhq/takedown/internal/base/event"
)

func TestParkingSignals(t *testing.T) {
	ind := Default()
	for _, tc := range []struct {
		name         string
		ns           []string
		title, text  string
		wantNS, page []string
	}{
		{"sedo name servers", []string{"NS1.SEDOPARKING.COM."}, "", "", []string{"parking-ns-sedo"}, nil},
		{"for-sale page", []string{"dns1.registrar-servers.com"}, "examp1e.com - This domain is for sale",
			"This domain may be for sale. Buy this domain today.", nil, []string{"parking-page-for-sale", "parking-page-title"}},
		{"ordinary page", []string{"dns1.registrar-servers.com"}, "Example Bank — Log in", "Welcome. Log in to your account.", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns, page := ind.Parking(tc.ns, tc.title, tc.text)
			slices.Sort(page)
			if !slices.Equal(ns, tc.wantNS) || !slices.Equal(page, tc.page) {
				t.Errorf("Parking = %v, %v; want %v, %v", ns, page, tc.wantNS, tc.page)
			}
		})
	}
}

// The embedded indicator file judges parking on its own signatures, and
// parking never hides a re-registration: a dropped domain caught by a
// drop-catcher and parked at once is re-registered (critical), and stays
// so on the next check while it sits on the parking name servers.
func TestParkingWithEmbeddedIndicators(t *testing.T) {
	ind := Default()
	parkedNS := deleg("ns1.sedoparking.com", "ns2.sedoparking.com")
	forSale := &Page{Title: "examp1e.com - This domain is for sale", Text: "This domain may be for sale. Buy this domain today."}
	caught := with(reg("addPeriod"), func(r *Registration) {
		r.RegistryDomainID = "3001234_DOMAIN_COM-VRSN"
		r.Registrar = "DropCatch.com 1 LLC"
		r.Created = day("2026-01-14")
	})
	for _, tc := range []struct {
		name string
		ev   Evidence
		prev Previous
		want event.State
	}{
		{"parking name servers", Evidence{Delegation: parkedNS, Registry: reg()}, Previous{State: event.StateActive, Registry: reg()}, event.StateParked},
		{"parking name servers and a for-sale page", Evidence{Delegation: parkedNS, Registry: reg(), HTTP: forSale}, Previous{State: event.StateActive, Registry: reg()}, event.StateParked},
		{"caught after the drop and parked", Evidence{Delegation: parkedNS, Registry: caught, HTTP: forSale},
			Previous{State: event.StateDeleted, Registry: reg("pendingDelete")}, event.StateReregistered},
		{"still parked on the next check", Evidence{Delegation: parkedNS, Registry: caught, HTTP: forSale},
			Previous{State: event.StateReregistered, Registry: caught}, event.StateReregistered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.ev.Now = day("2026-02-01") // before the registration expires
			v := ind.Judge(tc.ev, tc.prev)
			if v.State != tc.want {
				t.Fatalf("state %s, want %s; reasons %v", v.State, tc.want, v.Reasons)
			}
		})
	}
}
