package risk

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/takedownhq/takedown/internal/base/event"
)

func n(v int) *int { return &v }

var bank = Brand{Name: "Example Bank", Domains: []string{"example-bank.com", "examplebank.co.uk"}}

func TestAssess(t *testing.T) {
	cases := []struct {
		name    string
		s       Signals
		level   event.RiskLevel
		reasons []string // substrings that must each appear in some reason
	}{
		{"not registered", Signals{Domain: "examp1e-bank.com"}, event.RiskNone, []string{"not registered"}},
		{"registered, nothing served",
			Signals{Registered: true}, event.RiskRegistered, []string{"registered, no address records"}},
		{"an unrelated site is live, not phishing",
			Signals{Registered: true, Resolves: true, HTTPStatus: 200, FinalURL: "https://examp1e-bank.com/", PageTLSH: n(3), PageSsdeep: n(0), Visual: n(41)},
			event.RiskLive, []string{"serves a page of its own (HTTP 200)"}},
		{"a parked page never reaches phishing_like, ads with the brand's name and all",
			Signals{Registered: true, Resolves: true, ParkingNS: []string{"parking-ns-sedo"}, ParkingPage: []string{"parking-page-for-sale"}, HTTPStatus: 200,
				PageTLSH: n(72), Visual: n(85), BrandInText: true, BrandInTitle: true, PasswordField: true},
			event.RiskParked, []string{"parking name servers (parking-ns-sedo)", "parking page (parking-page-for-sale)"}},
		{"a defensive redirect to the brand never reaches phishing_like",
			Signals{Registered: true, Resolves: true, HTTPStatus: 200, FinalURL: "https://www.example-bank.com/login", PageTLSH: n(100), PageSsdeep: n(100), Visual: n(100),
				LoginForm: true, PasswordField: true, BrandInTitle: true, FaviconSame: true},
			event.RiskRegistered, []string{"redirects to the brand's own www.example-bank.com (defensive registration)"}},
		{"a catch-all MX is mail_capable",
			Signals{Registered: true, Resolves: true, MX: []string{"mx.examp1e-bank.com"}, MXAccepts: "accepts", MXCode: 250},
			event.RiskMailCapable, []string{"MX mx.examp1e-bank.com accepts mail for a random recipient (RCPT TO 250)"}},
		{"an MX that rejects unknown recipients is only noted",
			Signals{Registered: true, Resolves: true, MX: []string{"mx.examp1e-bank.com"}, MXAccepts: "rejects", MXCode: 550},
			event.RiskRegistered, []string{"rejects unknown recipients (RCPT TO 550)"}},
		{"a clone of the brand's page is phishing_like",
			Signals{Registered: true, Resolves: true, Certificate: true, HTTPStatus: 200, FinalURL: "https://examp1e-bank.com/", PageTLSH: n(95), PageSsdeep: n(94)},
			event.RiskPhishingLike, []string{"page similar to Example Bank's: TLSH 95, ssdeep 94 (threshold 70)"}},
		{"a login form carrying the brand's name is phishing_like",
			Signals{Registered: true, Resolves: true, HTTPStatus: 200, PageTLSH: n(12), LoginForm: true, BrandInTitle: true},
			event.RiskPhishingLike, []string{`login form with the brand's name "Example Bank" in its title`}},
		{"a login form without the brand's name is only live",
			Signals{Registered: true, Resolves: true, HTTPStatus: 200, LoginForm: true},
			event.RiskLive, []string{"login form, without the brand's name"}},
		{"a screenshot like the brand's is phishing_like",
			Signals{Registered: true, Resolves: true, HTTPStatus: 200, Visual: n(88)},
			event.RiskPhishingLike, []string{"screenshot similar to Example Bank's: 88 (threshold 80)"}},
		{"a clone on parking name servers is still phishing_like: parking does not hide it",
			Signals{Registered: true, Resolves: true, ParkingNS: []string{"parking-ns-bodis"}, HTTPStatus: 200, PageTLSH: n(91), PasswordField: true, BrandInText: true},
			event.RiskPhishingLike, []string{"parking name servers (parking-ns-bodis)", "TLSH 91"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Assess(tc.s, bank, Thresholds{})
			if r.Level != tc.level {
				t.Errorf("level %s, want %s", r.Level, tc.level)
			}
			lo, hi := base[tc.level], base[tc.level]+band(tc.level)-1
			if r.Score < lo || r.Score > hi {
				t.Errorf("score %d outside [%d,%d]", r.Score, lo, hi)
			}
			all := strings.Join(r.Reasons, "\n")
			for _, want := range tc.reasons {
				if !strings.Contains(all, want) {
					t.Errorf("no reason contains %q", want)
				}
			}
			if t.Failed() {
				t.Logf("reasons:\n  %s", strings.Join(r.Reasons, "\n  "))
			}
		})
	}
}

// Levels are ordered and their score bands do not overlap, so a score
// alone tells the level.
func TestLevelsOrdered(t *testing.T) {
	levels := event.RiskLevels
	for i := 1; i < len(levels); i++ {
		if levels[i].Rank() <= levels[i-1].Rank() {
			t.Errorf("%s does not rank above %s", levels[i], levels[i-1])
		}
		if base[levels[i]] < base[levels[i-1]]+band(levels[i-1]) && levels[i-1] != event.RiskNone {
			t.Errorf("score bands of %s and %s overlap", levels[i-1], levels[i])
		}
	}
}

func TestJSONShape(t *testing.T) {
	r := Assess(Signals{Registered: true, Resolves: true, MX: []string{"mx.example.org"}, MXAccepts: "accepts", MXCode: 250}, bank, Thresholds{})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if len(m) != 3 || m["level"] != "mail_capable" || m["score"] == nil || m["reasons"] == nil {
		t.Errorf("JSON %s", b)
	}
	sb, _ := json.Marshal(Signals{Domain: "examp1e-bank.com", Registered: true, PageTLSH: n(0)})
	if !strings.Contains(string(sb), `"page_tlsh":0`) || strings.Contains(string(sb), "visual") {
		t.Errorf("signals JSON %s: a measured 0 must show, an unmeasured value must not", sb)
	}
}

// An escalation is a rise above registered, and the first judgement of a
// look-alike counts from none.
func TestEscalation(t *testing.T) {
	for _, tc := range []struct {
		prev, cur event.RiskLevel
		from      event.RiskLevel
		ok        bool
	}{
		{"", event.RiskRegistered, event.RiskNone, false},
		{"", event.RiskParked, event.RiskNone, true},
		{event.RiskNone, event.RiskLive, event.RiskNone, true},
		{event.RiskLive, event.RiskMailCapable, event.RiskLive, true},
		{event.RiskPhishingLike, event.RiskLive, event.RiskPhishingLike, false},
		{event.RiskLive, event.RiskLive, event.RiskLive, false},
		{event.RiskParked, event.RiskRegistered, event.RiskParked, false},
	} {
		from, ok := Escalation(tc.prev, tc.cur)
		if from != tc.from || ok != tc.ok {
			t.Errorf("Escalation(%q, %q) = %q, %v; want %q, %v", tc.prev, tc.cur, from, ok, tc.from, tc.ok)
		}
	}
}

func TestLevelSeverity(t *testing.T) {
	want := map[event.RiskLevel]string{event.RiskNone: "info", event.RiskRegistered: "info", event.RiskParked: "info",
		event.RiskLive: "notice", event.RiskMailCapable: "warning", event.RiskPhishingLike: "critical"}
	for l, w := range want {
		if got := string(Severity(l)); got != w {
			t.Errorf("Severity(%s) = %s, want %s", l, got, w)
		}
	}
}
