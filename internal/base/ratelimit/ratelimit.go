// Package ratelimit keeps takedown polite to the servers it asks: one token
// bucket per server (golang.org/x/time/rate), shared by every worker, plus an
// exponential, capped penalty for servers that refused or rate-limited us,
// and a small TTL cache for referrals (which WHOIS server answers for a TLD).
//
// WHOIS operators ban clients that hammer them; a ban costs days of data, a
// short wait costs nothing. So every probe calls Wait before it dials,
// Penalize when the server said no, and OK when it answered.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ErrBackoff reports that a server is being left alone after refusals and the
// caller's deadline ends before the penalty does. Callers treat it as a
// failed probe, never as an answer.
var ErrBackoff = errors.New("server in backoff")

// ErrDeferred reports that this process's own pacing (the rate limit or a
// server's backoff) could not let a query through before the caller's
// deadline. Nothing was asked: the daemon retries later and records no
// observation, because the server said nothing about the domain.
var ErrDeferred = errors.New("deferred by the local rate limit")

// Options tune a Limiter. Zero values take the defaults in the comments.
type Options struct {
	// Rate is queries per second per server. Default 1.
	Rate float64
	// Burst is how many queries may go at once after a quiet spell. Default 1.
	Burst int
	// BaseBackoff is the first penalty after a refusal. Default 2s.
	BaseBackoff time.Duration
	// MaxBackoff caps the doubling penalty. Default 10m.
	MaxBackoff time.Duration
	// ReferralTTL is how long a cached referral is trusted. Default 24h.
	ReferralTTL time.Duration
	// Now is the clock; tests replace it. Default time.Now.
	Now func() time.Time
	// Budget, when set, spaces each server's queries at Rate across every
	// process that shares it (the cluster-wide budget kept in PostgreSQL);
	// when it cannot be reached, this process's own bucket spaces them.
	// Default nil: the rate is this process's.
	Budget Budget
}

// Limiter is a registry of per-server rate limits and penalties. It is safe
// for concurrent use; the zero value is not usable, call New.
type Limiter struct {
	opt Options

	mu      sync.Mutex
	servers map[string]*server
	refs    map[string]referral
}

type server struct {
	lim     *rate.Limiter
	strikes int       // refusals in a row
	until   time.Time // no query before this
	lastErr string
	tickets []time.Time // tokens reserved for deferred callers, earliest first
}

type referral struct {
	value string
	at    time.Time
}

// New returns a Limiter with opt's settings (defaults where zero).
func New(opt Options) *Limiter {
	if opt.Rate <= 0 {
		opt.Rate = 1
	}
	if opt.Burst <= 0 {
		opt.Burst = 1
	}
	if opt.BaseBackoff <= 0 {
		opt.BaseBackoff = 2 * time.Second
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 10 * time.Minute
	}
	if opt.MaxBackoff < opt.BaseBackoff {
		opt.MaxBackoff = opt.BaseBackoff
	}
	if opt.ReferralTTL <= 0 {
		opt.ReferralTTL = 24 * time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Limiter{opt: opt, servers: map[string]*server{}, refs: map[string]referral{}}
}

// PerSecond is New with only the rate set: the usual way to build the WHOIS
// limiter from config.Network.WhoisRate.
func PerSecond(qps float64) *Limiter { return New(Options{Rate: qps}) }

func (l *Limiter) get(name string) *server {
	s := l.servers[name]
	if s == nil {
		s = &server{lim: rate.NewLimiter(rate.Limit(l.opt.Rate), l.opt.Burst)}
		l.servers[name] = s
	}
	return s
}

// Wait blocks until a query to server is allowed: first any penalty, then a
// rate token. It returns early with an error wrapping ErrBackoff when the
// penalty outlasts ctx's deadline, or ctx's error when ctx ends, so a worker
// never sleeps past its own deadline. A Deferrable ctx waits no longer than
// it said and gets a *DeferredError telling when to come back instead.
func (l *Limiter) Wait(ctx context.Context, server string) error {
	if h, ok := ctx.Value(deferKey{}).(deferHint); ok {
		return l.waitDeferrable(ctx, server, h)
	}
	for {
		l.mu.Lock()
		s := l.get(server)
		until, lastErr, lim := s.until, s.lastErr, s.lim
		l.mu.Unlock()

		if d := until.Sub(l.opt.Now()); d > 0 {
			if dl, ok := ctx.Deadline(); (ok && dl.Before(until)) || failFast(ctx) {
				return fmt.Errorf("%s: %w: %w for %s more (last: %s)", server, ErrDeferred, ErrBackoff, d.Round(time.Millisecond), lastErr)
			}
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("%s: wait for backoff: %w", server, ctx.Err())
			case <-t.C:
			}
			continue // a new penalty may have landed meanwhile
		}
		if l.opt.Budget != nil {
			now := l.opt.Now()
			at, err := l.opt.Budget.TakeRateSlot(ctx, server, now, time.Duration(float64(time.Second)/l.opt.Rate))
			if err == nil {
				if dl, ok := ctx.Deadline(); ok && dl.Before(at) {
					return &DeferredError{Server: server, Until: at}
				}
				if err := sleep(ctx, at.Sub(now)); err != nil {
					return fmt.Errorf("%s: wait for rate limit: %w", server, err)
				}
				return nil
			}
		}
		// A token that comes just before the deadline leaves the query no
		// time: it would time out, and the timeout would put the server in
		// backoff for a slowness of our own making. Wait at most half the
		// time left; later than that, defer.
		wctx := ctx
		if dl, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			wctx, cancel = context.WithDeadline(ctx, l.opt.Now().Add(dl.Sub(l.opt.Now())/2))
			defer cancel()
		}
		if err := lim.Wait(wctx); err != nil {
			if ctx.Err() == nil {
				// x/time/rate refuses a wait that would outlast the deadline.
				return fmt.Errorf("%s: %w: %v", server, ErrDeferred, err)
			}
			return fmt.Errorf("%s: wait for rate limit: %w", server, err)
		}
		return nil
	}
}

// Penalize records that server refused, reset, timed out or answered "rate
// limit exceeded". The penalty doubles with each strike from BaseBackoff up to
// MaxBackoff, with ±20% jitter so a fleet of workers does not come back in
// step. An error that carries a RetryAfter hint (see After) is honoured when
// longer.
func (l *Limiter) Penalize(server string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.get(server)
	s.strikes++
	d := l.opt.BaseBackoff
	for i := 1; i < s.strikes && d < l.opt.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, l.opt.MaxBackoff)
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	var ra *retryAfter
	if errors.As(err, &ra) && ra.d > d {
		d = min(ra.d, l.opt.MaxBackoff)
	}
	until := l.opt.Now().Add(d)
	if until.After(s.until) {
		s.until = until
	}
	if err != nil {
		s.lastErr = err.Error()
	}
}

// OK records a good answer from server and clears its strikes.
func (l *Limiter) OK(server string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.get(server)
	s.strikes = 0
	s.until = time.Time{}
	s.lastErr = ""
}

// Backoff reports how long server is still penalised (0 if not) and its
// strike count; for logs, metrics and tests.
func (l *Limiter) Backoff(server string) (time.Duration, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.servers[server]
	if !ok {
		return 0, 0
	}
	return max(0, s.until.Sub(l.opt.Now())), s.strikes
}

// Referral returns a cached referral for key (e.g. "whois:com") if it is
// younger than ReferralTTL.
func (l *Limiter) Referral(key string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.refs[key]
	if !ok || l.opt.Now().Sub(r.at) > l.opt.ReferralTTL {
		delete(l.refs, key)
		return "", false
	}
	return r.value, true
}

// SetReferral caches value for key.
func (l *Limiter) SetReferral(key, value string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refs[key] = referral{value: value, at: l.opt.Now()}
}

type retryAfter struct {
	d   time.Duration
	err error
}

func (r *retryAfter) Error() string { return r.err.Error() }
func (r *retryAfter) Unwrap() error { return r.err }

// After wraps err with a server's own retry hint (HTTP Retry-After), which
// Penalize honours when it is longer than the computed backoff.
func After(d time.Duration, err error) error {
	if err == nil {
		err = errors.New("retry later")
	}
	return &retryAfter{d: d, err: err}
}
