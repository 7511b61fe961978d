package lifecycle

import (
	"slices"
	"testing"
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
