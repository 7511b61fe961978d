package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// MinTokenLen is the shortest token the server accepts: a short token is
// guessed long before the failure limit matters.
const MinTokenLen = 16

// ErrTokenTooShort is returned by New for a token under MinTokenLen.
var ErrTokenTooShort = fmt.Errorf("web: the token must be at least %d characters", MinTokenLen)

// Failure limits per client address: at most authMaxFails wrong tokens
// (bearer or login) in authWindow; then every attempt from that address is
// answered 429 until the window ends, a right token included, so guessing
// cannot go on. Addresses are grouped by /64 for IPv6.
const (
	authMaxFails   = 10
	authWindow     = 10 * time.Minute
	authMaxClients = 10000 // bound on the addresses remembered
)

// The global budget: an address with a failure in its window (or an
// attempt in flight) has its next attempts checked in one slow lane shared
// by every such address, authSlowEvery apart after a burst of authSlowBurst;
// an attempt that would wait more than authSlowMaxWait is answered 429
// unchecked. Guessing from many addresses is then as slow as from one,
// while a fresh address (the analyst) is checked at once.
const (
	authSlowEvery   = 500 * time.Millisecond
	authSlowBurst   = 4
	authSlowMaxWait = 2 * time.Second
	// authFreshParallel attempts of an address without failures may be
	// checked at once, outside the lane.
	authFreshParallel = 4
)

// errLocked is returned by failLimiter.try for an address over its limit.
var errLocked = errors.New("too many failed authentications from this address")

type failState struct {
	start    time.Time // window start
	fails    int
	inflight int // attempts being checked or waiting in the slow lane
}

// failLimiter counts failed authentications per client address. The check,
// the token comparison and the count happen under one lock, so parallel
// guesses cannot all pass the check before any failure is counted. Safe for
// concurrent use.
type failLimiter struct {
	now func() time.Time

	slow *rate.Limiter // the global lane

	mu      sync.Mutex
	clients map[netip.Addr]*failState
}

func newFailLimiter(now func() time.Time) *failLimiter {
	return &failLimiter{now: now, clients: map[netip.Addr]*failState{},
		slow: rate.NewLimiter(rate.Every(authSlowEvery), authSlowBurst)}
}

// clientKey is the address a request's failures count against.
func clientKey(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.Addr()
	}
	return ip
}

// try runs check for the client at remote unless it is locked out. It
// returns whether check passed, and errLocked (with the wait) when the
// address is over its limit or the global lane is full; a failed check is
// counted. An address that failed before, or has more than a few attempts
// in flight, waits its turn in the global lane first.
func (l *failLimiter) try(ctx context.Context, remote string, check func() bool) (bool, time.Duration, error) {
	key := clientKey(remote)
	l.mu.Lock()
	st, wait, err := l.state(key, l.now())
	if err != nil {
		l.mu.Unlock()
		return false, wait, err
	}
	// Parallel first attempts of a fresh address beyond a few are treated
	// as guesses too; a client's parallel API calls stay within them.
	suspect := st.fails > 0 || st.inflight >= authFreshParallel
	st.inflight++
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		st.inflight--
		l.mu.Unlock()
	}()
	if suspect {
		now := time.Now()
		r := l.slow.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > authSlowMaxWait {
			r.CancelAt(now)
			return false, d, errLocked
		} else if d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return false, 0, ctx.Err()
			}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if st.fails >= authMaxFails {
		return false, st.start.Add(authWindow).Sub(l.now()), errLocked
	}
	if check() {
		if st.fails == 0 && st.inflight == 1 {
			delete(l.clients, key) // nothing to remember of a client that got in
		}
		return true, 0, nil
	}
	st.fails++
	return false, 0, nil
}

// state returns key's window, made when new; errLocked when the address is
// over its limit or too many addresses are tracked. Called with l.mu held.
func (l *failLimiter) state(key netip.Addr, now time.Time) (*failState, time.Duration, error) {
	st := l.clients[key]
	if st != nil && now.Sub(st.start) >= authWindow && st.inflight == 0 {
		delete(l.clients, key)
		st = nil
	}
	if st != nil && st.fails >= authMaxFails {
		return nil, st.start.Add(authWindow).Sub(now), errLocked
	}
	if st == nil {
		if len(l.clients) >= authMaxClients {
			l.prune(now)
		}
		if len(l.clients) >= authMaxClients {
			// Too many failing addresses to track: refuse the new one
			// rather than forget the others.
			return nil, authWindow, errLocked
		}
		st = &failState{start: now}
		l.clients[key] = st
	}
	return st, 0, nil
}

func (l *failLimiter) prune(now time.Time) {
	for k, st := range l.clients {
		if now.Sub(st.start) >= authWindow && st.inflight == 0 || st.fails == 0 && st.inflight == 0 {
			delete(l.clients, k)
		}
	}
}

// tooMany answers a locked-out client.
func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	s.log.Warn("authentication locked out", "remote", r.RemoteAddr, "seconds", int(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(wait.Seconds()+0.5))))
	s.fail(w, r, http.StatusTooManyRequests, "too many failed authentications from this address; try again later")
}
