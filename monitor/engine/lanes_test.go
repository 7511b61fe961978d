package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/base/ratelimit"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// countingProber counts its probes per domain; lim, when set, is the
// server's rate limit it waits for first, as the RDAP probe does.
type countingProber struct {
	kind event.Probe
	lim  *ratelimit.Limiter
	mu   sync.Mutex
	n    map[string]int
}

func (p *countingProber) Kind() event.Probe { return p.kind }
func (p *countingProber) Probe(ctx context.Context, d string) (any, error) {
	if p.lim != nil {
		if err := p.lim.Wait(ctx, "rdap.example"); err != nil {
			return nil, err
		}
	}
	p.mu.Lock()
	p.n[d]++
	p.mu.Unlock()
	return map[string]string{"name": d}, nil
}

func (p *countingProber) counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for k, v := range p.n {
		out[k] = v
	}
	return out
}

// DNS checks keep their schedule while RDAP, at two queries a second on
// one server, has far more due than it may ask: a probe waiting for its
// token gives its worker back and is re-dued for the token's time (the
// local queue keeps a domain's kinds of one slot in one job, so DNS waits
// at most RateWait there); the shared queue also runs DNS in its own lane.
func TestDNSStaysOnScheduleWhileRDAPIsLimited(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			const domains = 40
			var add []store.NewDomain
			for i := range domains {
				add = append(add, store.NewDomain{Name: fmt.Sprintf("d%02d.example", i)})
			}
			if _, err := st.AddDomains(ctx, add); err != nil {
				t.Fatal(err)
			}
			dns := &countingProber{kind: event.ProbeDNS, n: map[string]int{}}
			rdap := &countingProber{kind: event.ProbeRDAP, n: map[string]int{}, lim: ratelimit.New(ratelimit.Options{Rate: 2})}
			opt := Options{Workers: 4, Spread: true, ProbeTimeout: 30 * time.Second, RateWait: 100 * time.Millisecond,
				Schedules: map[event.Probe]string{event.ProbeDNS: "@every 1s", event.ProbeRDAP: "@every 1s"}, Poll: time.Second}
			if shared {
				opt.Queue, opt.Worker, opt.LeasePoll = st, "w1", 50*time.Millisecond
			}
			m := New(st, []Prober{dns, rdap}, nil, opt)
			done := make(chan error, 1)
			go func() { done <- m.Run(ctx) }()
			const run = 6 * time.Second
			time.Sleep(run)
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			// 6s of a 1s schedule: every domain's DNS about six times, at
			// least three (a tick finding the catch-up check still queued
			// skips it). Waiting in line for RDAP tokens, 40 due a second
			// for 2 allowed, would manage a fraction.
			dc := dns.counts()
			for i := range domains {
				name := fmt.Sprintf("d%02d.example", i)
				if dc[name] < 3 {
					t.Errorf("%s: %d DNS checks in %s, want >= 3 (all: %v)", name, dc[name], run, dc)
					break
				}
			}
			total := 0
			for _, n := range rdap.counts() {
				total += n
			}
			if max := int(run.Seconds()*2) + 2; total > max || total < 6 {
				t.Errorf("%d RDAP queries in %s at 2/s: want 6..%d", total, run, max)
			}
		})
	}
}

// Domains added while Run runs are checked at the next poll, on either
// queue: the poll reads only what lies above the highest ID it read.
func TestDomainsAddedWhileRunningAreChecked(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			add := func(names ...string) {
				var ds []store.NewDomain
				for _, n := range names {
					ds = append(ds, store.NewDomain{Name: n})
				}
				if _, err := st.AddDomains(ctx, ds); err != nil {
					t.Fatal(err)
				}
			}
			add("a.example", "b.example")
			dns := &countingProber{kind: event.ProbeDNS, n: map[string]int{}}
			opt := Options{Workers: 2, ProbeTimeout: 5 * time.Second, Poll: 50 * time.Millisecond,
				Schedules: map[event.Probe]string{event.ProbeDNS: "@every 1h"}}
			if shared {
				opt.Queue, opt.Worker, opt.LeasePoll = st, "w1", 20*time.Millisecond
			}
			m := New(st, []Prober{dns}, nil, opt)
			done := make(chan error, 1)
			go func() { done <- m.Run(ctx) }()
			time.Sleep(200 * time.Millisecond)
			add("c.example", "d.example")
			deadline := time.Now().Add(5 * time.Second)
			for len(dns.counts()) < 4 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if c := dns.counts(); len(c) != 4 {
				t.Errorf("checked %v, want all four", c)
			}
		})
	}
}
