package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestExposition(t *testing.T) {
	m := New()
	m.ObserveCheck("dns", OutcomeOK, 20*time.Millisecond)
	m.ObserveCheck("dns", OutcomeOK, 30*time.Millisecond)
	m.ObserveCheck("whois", OutcomeTimeout, 5*time.Second)
	m.ObserveEvent("state_changed")
	m.ObserveEvent("<script>") // a bad label must not become a series
	m.SetOutboxDepths(map[string]int{"pending": 3})
	m.SetDomainStates(map[string]int{"seized": 2, "active": 5})
	m.SetDomainStates(map[string]int{"seized": 3})
	m.ObserveCycle(1500*time.Millisecond, time.Unix(1700000000, 0))

	body := scrape(t, m)
	for _, want := range []string{
		`takedown_checks_total{outcome="ok",probe="dns"} 2`,
		`takedown_checks_total{outcome="timeout",probe="whois"} 1`,
		`takedown_probe_duration_seconds_count{probe="dns"} 2`,
		`takedown_probe_duration_seconds_bucket{probe="dns",le="0.025"} 1`,
		`takedown_events_total{kind="state_changed"} 1`,
		`takedown_events_total{kind="other"} 1`,
		`takedown_outbox_depth{status="pending"} 3`,
		`takedown_outbox_depth{status="failed"} 0`,
		`takedown_domains{state="seized"} 3`,
		`takedown_last_cycle_duration_seconds 1.5`,
		`takedown_last_cycle_end_timestamp_seconds 1.7e+09`,
		`takedown_cycles_total 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
	if strings.Contains(body, `state="active"`) {
		t.Error("a state gone from the counts is still exported")
	}
	if strings.Contains(body, "<script>") {
		t.Error("a hostile label value reached the exposition")
	}
}

func TestLabel(t *testing.T) {
	for in, want := range map[string]string{
		"DNS": "dns", "": "none", "rdap": "rdap", "a b": "other",
		strings.Repeat("x", 41): "other", "feed:nrd": "feed:nrd",
	} {
		t.Run(in, func(t *testing.T) {
			if got := label(in); got != want {
				t.Errorf("label(%q) = %q, want %q", in, got, want)
			}
		})
	}
}
