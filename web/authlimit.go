package web

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"
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

// errLocked is returned by failLimiter.try for an address over its limit.
var errLocked = errors.New("too many failed authentications from this address")

type failState struct {
	start time.Time // window start
	fails int
}

// failLimiter counts failed authentications per client address. The check,
// the token comparison and the count happen under one lock, so parallel
// guesses cannot all pass the check before any failure is counted. Safe for
// concurrent use.
type failLimiter struct {
	now func() time.Time

	mu      sync.Mutex
	clients map[netip.Addr]*failState
}

func newFailLimiter(now func() time.Time) *failLimiter {
	return &failLimiter{now: now, clients: map[netip.Addr]*failState{}}
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
// address is over its limit; a failed check is counted.
func (l *failLimiter) try(remote string, check func() bool) (bool, time.Duration, error) {
	key := clientKey(remote)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.clients[key]
	if st != nil && now.Sub(st.start) >= authWindow {
		delete(l.clients, key)
		st = nil
	}
	if st != nil && st.fails >= authMaxFails {
		return false, st.start.Add(authWindow).Sub(now), errLocked
	}
	if check() {
		return true, 0, nil
	}
	if st == nil {
		if len(l.clients) >= authMaxClients {
			l.prune(now)
		}
		if len(l.clients) >= authMaxClients {
			// Too many failing addresses to track: refuse the new one
			// rather than forget the others.
			return false, authWindow, errLocked
		}
		st = &failState{start: now}
		l.clients[key] = st
	}
	st.fails++
	return false, 0, nil
}

func (l *failLimiter) prune(now time.Time) {
	for k, st := range l.clients {
		if now.Sub(st.start) >= authWindow {
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
