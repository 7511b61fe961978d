package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// A deferrable caller that would wait past its bound gets its worker back
// with the moment its token is due; callers deferred together come back
// spaced at the rate, and each finds its token then.
func TestDeferrableTellsWhenAndKeepsTheToken(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := New(Options{Rate: 1, Burst: 1, Now: c.now})
	ctx := context.Background()
	var until []time.Time
	for i := range 4 {
		err := l.Wait(Deferrable(ctx, fmt.Sprintf("d%d/rdap", i), 100*time.Millisecond), "rdap.example")
		if i == 0 {
			if err != nil {
				t.Fatalf("first query waited: %v", err)
			}
			continue
		}
		at, ok := DeferredUntil(err)
		if !ok || !errors.Is(err, ErrDeferred) {
			t.Fatalf("caller %d: %v, want a DeferredError", i, err)
		}
		until = append(until, at)
	}
	for i, at := range until {
		if want := c.now().Add(time.Duration(i+1) * time.Second); !at.Equal(want) {
			t.Errorf("caller %d due at %v, want %v", i+1, at, want)
		}
	}
	// At its moment caller 2 comes back and goes at once, on its token.
	c.set(until[1])
	if err := l.Wait(Deferrable(ctx, "d2/rdap", 100*time.Millisecond), "rdap.example"); err != nil {
		t.Fatalf("caller 2 at its time: %v", err)
	}
	// Caller 1 never came back (another daemon ran it): its token serves
	// the next caller; after that the tokens left are in the future, and
	// a newcomer queues behind them.
	if err := l.Wait(Deferrable(ctx, "new/rdap", 100*time.Millisecond), "rdap.example"); err != nil {
		t.Fatalf("the token left by caller 1 was not used: %v", err)
	}
	at, ok := DeferredUntil(l.Wait(Deferrable(ctx, "new2/rdap", 100*time.Millisecond), "rdap.example"))
	if !ok || !at.After(until[2]) {
		t.Fatalf("a newcomer went at %v (%v), want after the last reserved token %v", at, ok, until[2])
	}
}

// A penalised server defers a deferrable caller until the penalty ends.
func TestDeferrableBackoff(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := New(Options{Rate: 10, BaseBackoff: 10 * time.Second, Now: c.now})
	l.Penalize("whois.example", errors.New("refused"))
	err := l.Wait(Deferrable(context.Background(), "x", time.Second), "whois.example")
	at, ok := DeferredUntil(err)
	if !ok || !errors.Is(err, ErrBackoff) || at.Sub(c.now()) < 7*time.Second {
		t.Fatalf("penalised server: %v (until %v)", err, at)
	}
}

type fakeBudget struct {
	mu   sync.Mutex
	next map[string]time.Time
}

func (b *fakeBudget) TakeRateSlot(_ context.Context, server string, now time.Time, iv time.Duration) (time.Time, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	at := now
	if n := b.next[server]; n.After(now) {
		at = n
	}
	b.next[server] = at.Add(iv)
	return at, nil
}

// Two limiters sharing a budget space their queries together, as two
// daemons sharing PostgreSQL's rate_budget do.
func TestBudgetIsShared(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	b := &fakeBudget{next: map[string]time.Time{}}
	l1 := New(Options{Rate: 1, Now: c.now, Budget: b})
	l2 := New(Options{Rate: 1, Now: c.now, Budget: b})
	ctx := context.Background()
	if err := l1.Wait(Deferrable(ctx, "a", 0), "rdap.example"); err != nil {
		t.Fatal(err)
	}
	at, ok := DeferredUntil(l2.Wait(Deferrable(ctx, "b", 0), "rdap.example"))
	if !ok || !at.Equal(c.now().Add(time.Second)) {
		t.Fatalf("second daemon's query due at %v (%v), want a second later", at, ok)
	}
}

func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
