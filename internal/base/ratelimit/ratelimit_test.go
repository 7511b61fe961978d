package ratelimit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestWaitSpacesQueriesPerServer(t *testing.T) {
	l := New(Options{Rate: 20, Burst: 1})
	ctx := context.Background()
	start := time.Now()
	for range 5 {
		if err := l.Wait(ctx, "a:43"); err != nil {
			t.Fatal(err)
		}
	}
	// 1 immediate + 4 spaced by 50ms.
	if got := time.Since(start); got < 180*time.Millisecond {
		t.Fatalf("5 queries at 20/s took %s, want >= 200ms", got)
	}
	// Another server has its own bucket. rate.Limiter refuses at once a wait
	// longer than the deadline, so a 10ms deadline tells "must wait 50ms"
	// from "free now" without timing anything.
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if err := l.Wait(short, "a:43"); err == nil {
		t.Fatal("a:43 allowed a query inside its 50ms spacing")
	}
	if err := l.Wait(short, "b:43"); err != nil {
		t.Fatalf("fresh server b:43 had to wait: %v", err)
	}
}

func TestWaitSharedByWorkers(t *testing.T) {
	l := New(Options{Rate: 50, Burst: 1})
	var wg sync.WaitGroup
	start := time.Now()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Wait(context.Background(), "s"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := time.Since(start); got < 120*time.Millisecond {
		t.Fatalf("8 concurrent queries at 50/s took %s, want >= 140ms", got)
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestPenalizeDoublesToCapAndOKClears(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := New(Options{Rate: 1000, BaseBackoff: time.Second, MaxBackoff: 8 * time.Second, Now: c.now})
	refused := errors.New("connection refused")
	want := []time.Duration{1, 2, 4, 8, 8, 8}
	for i, w := range want {
		l.Penalize("s", refused)
		d, strikes := l.Backoff("s")
		lo, hi := time.Duration(float64(w*time.Second)*0.79), time.Duration(float64(w*time.Second)*1.21)
		if d < lo || d > hi || strikes != i+1 {
			t.Fatalf("strike %d: backoff %s (strikes %d), want %s ±20%%", i+1, d, strikes, w*time.Second)
		}
		c.add(20 * time.Second) // let it expire so the next penalty is measured alone
	}
	l.OK("s")
	if d, strikes := l.Backoff("s"); d != 0 || strikes != 0 {
		t.Fatalf("after OK: %s, %d strikes", d, strikes)
	}
}

func TestWaitFailsFastWhenPenaltyOutlastsDeadline(t *testing.T) {
	l := New(Options{BaseBackoff: time.Minute})
	l.Penalize("s", errors.New("rate limit exceeded"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	err := l.Wait(ctx, "s")
	if !errors.Is(err, ErrBackoff) {
		t.Fatalf("err = %v, want ErrBackoff", err)
	}
	if time.Since(start) > 500*time.Millisecond {
		t.Fatal("Wait slept instead of failing fast")
	}
}

func TestWaitSitsOutShortPenalty(t *testing.T) {
	l := New(Options{Rate: 1000, BaseBackoff: 150 * time.Millisecond, MaxBackoff: 150 * time.Millisecond})
	l.Penalize("s", errors.New("refused"))
	start := time.Now()
	if err := l.Wait(context.Background(), "s"); err != nil {
		t.Fatal(err)
	}
	if got := time.Since(start); got < 110*time.Millisecond {
		t.Fatalf("waited %s, want the ~150ms penalty", got)
	}
}

func TestWaitHonoursCancel(t *testing.T) {
	l := New(Options{BaseBackoff: time.Hour})
	l.Penalize("s", nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	if err := l.Wait(ctx, "s"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestRetryAfterHintHonoured(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := New(Options{BaseBackoff: time.Second, MaxBackoff: time.Hour, Now: c.now})
	l.Penalize("s", After(90*time.Second, errors.New("429")))
	if d, _ := l.Backoff("s"); d != 90*time.Second {
		t.Fatalf("backoff %s, want the server's 90s", d)
	}
}

func TestReferralCacheExpires(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := New(Options{ReferralTTL: time.Hour, Now: c.now})
	if _, ok := l.Referral("whois:com"); ok {
		t.Fatal("empty cache hit")
	}
	l.SetReferral("whois:com", "whois.verisign-grs.com:43")
	if v, ok := l.Referral("whois:com"); !ok || v != "whois.verisign-grs.com:43" {
		t.Fatalf("got %q %v", v, ok)
	}
	c.add(61 * time.Minute)
	if _, ok := l.Referral("whois:com"); ok {
		t.Fatal("stale referral served")
	}
}
