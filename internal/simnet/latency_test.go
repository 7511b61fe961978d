package simnet

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestParseDelay(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Delay
		bad  bool
	}{
		{in: "20ms-80ms", want: Delay{20 * time.Millisecond, 80 * time.Millisecond}},
		{in: "50ms", want: Delay{50 * time.Millisecond, 50 * time.Millisecond}},
		{in: "0", want: Delay{}},
		{in: "80ms-20ms", bad: true},
		{in: "-5ms", bad: true},
		{in: "1m", bad: true},
		{in: "fast", bad: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDelay(tc.in)
			if (err != nil) != tc.bad || (!tc.bad && got != tc.want) {
				t.Fatalf("ParseDelay(%q) = %v, %v", tc.in, got, err)
			}
		})
	}
}

// Each kind of server takes its own latency; the resolver's cached
// answers take none, and the default is none at all.
func TestLatencyPerService(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := StartNet(ctx, NetOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.AddSite(Site{Domain: "example.org"}); err != nil {
		t.Fatal(err)
	}
	timed := func(fn func()) time.Duration {
		start := time.Now()
		fn()
		return time.Since(start)
	}
	ask := func() {
		m := new(dns.Msg)
		m.SetQuestion("example.org.", dns.TypeA)
		if _, err := dns.Exchange(m, n.DNS.ResolverAddr()); err != nil {
			t.Fatal(err)
		}
	}
	rdap := func() {
		resp, err := http.Get(n.RDAP.BaseURL() + "domain/example.org")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	whois := func() { query(t, n.Whois.Server("org").Addr(), "example.org") }
	if d := timed(rdap) + timed(whois); d > 100*time.Millisecond {
		t.Fatalf("no latency configured, yet RDAP and WHOIS took %s", d)
	}
	n.SetLatency(Latency{DNS: Delay{30 * time.Millisecond, 30 * time.Millisecond}, RDAP: Delay{150 * time.Millisecond, 200 * time.Millisecond},
		WHOIS: Delay{100 * time.Millisecond, 100 * time.Millisecond}})
	n.DNS.FlushCache()
	if d := timed(ask); d < 60*time.Millisecond { // root → registry → name server, uncached: three answers at least two of which are walked
		t.Errorf("uncached resolution took %s, want ≥ 60ms", d)
	}
	if d := timed(ask); d > 25*time.Millisecond {
		t.Errorf("cached resolution took %s, want no delay", d)
	}
	if d := timed(rdap); d < 150*time.Millisecond {
		t.Errorf("RDAP took %s, want ≥ 150ms", d)
	}
	if d := timed(whois); d < 100*time.Millisecond {
		t.Errorf("WHOIS took %s, want ≥ 100ms", d)
	}
}
