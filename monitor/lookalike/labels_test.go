package lookalike

import "testing"

func TestBrandAsLabel(t *testing.T) {
	ix, err := NewIndex([]string{"paypal.com", "bankofamerica.com", "ups.com"}, IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		brand string // "" for no match
		kind  string
		score float64
	}{
		{"paypal.com.secure-login.top", "paypal.com", KindLabel, scoreLabelDomain},
		{"login-paypal.verify-account.xyz", "paypal.com", KindLabel, scoreLabelKeyword},
		{"www.paypal.account-review.info", "paypal.com", KindLabel, scoreLabelWhole},
		{"paypal-x7k2.example.net", "paypal.com", KindLabel, scoreLabelToken},
		{"ups.com.track-parcel.top", "ups.com", KindLabel, scoreLabelDomain},
		{"ups.example.net", "", "", 0},         // short brand as a bare label: everywhere
		{"www.paypal.com", "", "", 0},          // the brand's own subdomain
		{"paypalmania.example.org", "", "", 0}, // not a token, not keywords
		{"bankofamerica.com.login.example.org", "bankofamerica.com", KindLabel, scoreLabelDomain},
		{"paypal-login.com", "paypal.com", KindKeywords, 0.85}, // registrable label wins as before
	}
	for _, tc := range cases {
		m, ok := ix.Match(tc.name)
		if ok != (tc.brand != "") || m.Brand != tc.brand || m.Kind != tc.kind || m.Score != tc.score {
			t.Errorf("Match(%q) = %+v %v, want %s %s %.2f", tc.name, m, ok, tc.brand, tc.kind, tc.score)
		}
	}
}

func TestSuspicion(t *testing.T) {
	ix, _ := NewIndex([]string{"paypal.com"}, IndexOptions{})
	for _, tc := range []struct {
		host     string
		min, max int
	}{
		{"paypal.com.secure-login.top", SuspicionAlert, 1000},
		{"login-paypal.verify-account.xyz", SuspicionAlert, 1000},
		{"www.paypa1-account.info", SuspicionAlert, 1000},
		{"blog.gardening-tips.org", 0, 50},
	} {
		if s := ix.Suspicion(tc.host); s < tc.min || s > tc.max {
			t.Errorf("Suspicion(%s) = %d, want [%d,%d]", tc.host, s, tc.min, tc.max)
		}
	}
}
