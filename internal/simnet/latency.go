package simnet

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"
)

// Delay is how long a server takes to answer: a duration drawn uniformly
// from [Min, Max] for each answer. The zero Delay answers at once.
type Delay struct{ Min, Max time.Duration }

// Latency is how long each kind of simnet server takes to answer. The zero
// Latency, the default, answers at once, as the tests want.
type Latency struct {
	DNS   Delay // each authoritative answer (root, registries, name servers); the resolver adds none
	RDAP  Delay // each RDAP response
	WHOIS Delay // each WHOIS answer, registry and referral servers alike
	Web   Delay // each TLS handshake and each HTTP(S) response
}

// RealisticLatency is roughly what a monitor meets on the internet: DNS
// 20–80 ms per authoritative answer, RDAP 200–600 ms, WHOIS 100–400 ms, web
// 50–250 ms per handshake and per response.
var RealisticLatency = Latency{
	DNS:   Delay{20 * time.Millisecond, 80 * time.Millisecond},
	RDAP:  Delay{200 * time.Millisecond, 600 * time.Millisecond},
	WHOIS: Delay{100 * time.Millisecond, 400 * time.Millisecond},
	Web:   Delay{50 * time.Millisecond, 250 * time.Millisecond},
}

// maxDelay bounds a configured delay: simnet is for tests and benchmarks.
const maxDelay = 30 * time.Second

// ParseDelay reads "20ms-80ms", or "50ms" for a fixed delay, or "0".
func ParseDelay(s string) (Delay, error) {
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		hi = lo
	}
	a, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return Delay{}, fmt.Errorf("latency %q: %w", s, err)
	}
	b, err := time.ParseDuration(strings.TrimSpace(hi))
	if err != nil {
		return Delay{}, fmt.Errorf("latency %q: %w", s, err)
	}
	if a < 0 || b < a || b > maxDelay {
		return Delay{}, fmt.Errorf("latency %q: want MIN-MAX with 0 ≤ MIN ≤ MAX ≤ %s", s, maxDelay)
	}
	return Delay{a, b}, nil
}

func (d Delay) String() string {
	if d.Min == d.Max {
		return d.Min.String()
	}
	return d.Min.String() + "-" + d.Max.String()
}

// draw picks one answer's delay.
func (d Delay) draw() time.Duration {
	if d.Max <= d.Min {
		return d.Min
	}
	return d.Min + rand.N(d.Max-d.Min+1)
}

// delay is a server's current Delay, changeable while it runs.
type delay struct{ p atomic.Pointer[Delay] }

func (l *delay) set(d Delay) { l.p.Store(&d) }

// wait sleeps for one answer's delay, or until ctx ends.
func (l *delay) wait(ctx context.Context) {
	d := l.p.Load()
	if d == nil || d.Max <= 0 {
		return
	}
	t := time.NewTimer(d.draw())
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// SetLatency changes every server's latency; it applies to answers begun
// after it returns.
func (n *Net) SetLatency(l Latency) {
	n.DNS.latency.set(l.DNS)
	n.RDAP.latency.set(l.RDAP)
	n.Whois.latency.set(l.WHOIS)
	n.Web.latency.set(l.Web)
}
