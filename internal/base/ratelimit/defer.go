package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// A worker that waits for a server's token holds its worker meanwhile;
// with RDAP at one query a second per server, a few hundred domains of one
// registry would hold every worker and starve the cheap probes. So a
// caller may say how long it is willing to wait (Deferrable): when the
// token is due later, Wait reserves it and returns a DeferredError that
// tells when it is due. The caller gives its worker back and runs again at
// that moment, when Wait hands it a reserved token: a deferral costs no
// extra token, however many probes are deferred, and they come back
// spaced as the rate allows.

// DeferredError is ErrDeferred with the moment the query may go.
type DeferredError struct {
	Server string
	// Until is when the server's token reserved for the caller is due, or
	// its backoff ends.
	Until time.Time
	Cause error // ErrBackoff while the server is penalised, nil otherwise
}

func (e *DeferredError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %v until %s: %v", e.Server, ErrDeferred, e.Until.Format(time.RFC3339Nano), e.Cause)
	}
	return fmt.Sprintf("%s: %v until %s", e.Server, ErrDeferred, e.Until.Format(time.RFC3339Nano))
}

func (e *DeferredError) Is(target error) bool { return target == ErrDeferred }
func (e *DeferredError) Unwrap() error        { return e.Cause }

// DeferredUntil returns when a deferred query may go: the latest Until of
// the DeferredErrors in err's tree, or false when err holds none.
func DeferredUntil(err error) (time.Time, bool) {
	var de *DeferredError
	if !errors.As(err, &de) {
		return time.Time{}, false
	}
	return de.Until, true
}

type deferKey struct{}

type deferHint struct {
	key     string
	maxWait time.Duration
}

// Deferrable marks ctx as a caller that waits at most maxWait for a token
// and otherwise wants a DeferredError; key names the caller across its
// retries (a domain and probe kind).
func Deferrable(ctx context.Context, key string, maxWait time.Duration) context.Context {
	return context.WithValue(ctx, deferKey{}, deferHint{key: key, maxWait: max(maxWait, 0)})
}

// ticketTTL is how long a token reserved for a deferred caller waits for
// it past its time; a caller that never came back (another daemon ran the
// check) only wastes its token.
const ticketTTL = time.Minute

// Budget is a rate shared with other processes: the slots of a server's
// queries kept in one place (the store's TakeRateSlot on PostgreSQL).
type Budget interface {
	// TakeRateSlot takes the next free slot of server, interval apart, not
	// before now, and returns its time.
	TakeRateSlot(ctx context.Context, server string, now time.Time, interval time.Duration) (time.Time, error)
}

// reserve returns when the caller's query may go: the earliest token
// reserved for a deferred caller if it is due within maxWait, else the
// next token of s (the cluster's, with a Budget, or this process's), which
// it takes. Reserved tokens serve whichever caller of the server comes
// first: a deferred check that another daemon ran leaves its token to
// this daemon's next query, so deferring wastes no rate.
func (l *Limiter) reserve(ctx context.Context, name string, s *server, h deferHint, now time.Time) time.Time {
	l.mu.Lock()
	for len(s.tickets) > 0 && now.Sub(s.tickets[0]) > ticketTTL {
		s.tickets = s.tickets[1:]
	}
	if len(s.tickets) > 0 && s.tickets[0].Sub(now) <= h.maxWait {
		at := s.tickets[0]
		s.tickets = s.tickets[1:]
		l.mu.Unlock()
		return at
	}
	l.mu.Unlock()
	if l.opt.Budget != nil {
		iv := time.Duration(float64(time.Second) / l.opt.Rate)
		if at, err := l.opt.Budget.TakeRateSlot(ctx, name, now, iv); err == nil {
			return at
		}
		// The shared budget is out of reach: this process's own rate
		// still bounds what it sends.
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return now.Add(s.lim.ReserveN(now, 1).DelayFrom(now))
}

// keep holds the token due at for a deferred caller.
func (l *Limiter) keep(s *server, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, _ := slices.BinarySearchFunc(s.tickets, at, func(a, b time.Time) int { return a.Compare(b) })
	s.tickets = slices.Insert(s.tickets, i, at)
}

// waitDeferrable is Wait for a Deferrable caller.
func (l *Limiter) waitDeferrable(ctx context.Context, name string, h deferHint) error {
	for {
		l.mu.Lock()
		s := l.get(name)
		until, lastErr := s.until, s.lastErr
		l.mu.Unlock()
		now := l.opt.Now()
		if d := until.Sub(now); d > 0 {
			if d > h.maxWait {
				return &DeferredError{Server: name, Until: until, Cause: fmt.Errorf("%w (last: %s)", ErrBackoff, lastErr)}
			}
			if err := sleep(ctx, d); err != nil {
				return fmt.Errorf("%s: wait for backoff: %w", name, err)
			}
			continue
		}
		at := l.reserve(ctx, name, s, h, now)
		d := at.Sub(now)
		if d > h.maxWait {
			l.keep(s, at)
			return &DeferredError{Server: name, Until: at}
		}
		if err := sleep(ctx, d); err != nil {
			// The token is spent either way; keep it for the retry.
			l.keep(s, at)
			return fmt.Errorf("%s: wait for rate limit: %w", name, err)
		}
		return nil
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
