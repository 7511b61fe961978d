package ratelimit

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestFailFastDoesNotSitOutPenalty: a one-shot run must not sleep through a
// backoff its deadline would allow; it is told at once that the server is
// in backoff. Without FailFast the same wait sleeps.
func TestFailFastDoesNotSitOutPenalty(t *testing.T) {
	l := New(Options{Rate: 1000, BaseBackoff: 300 * time.Millisecond, MaxBackoff: 300 * time.Millisecond})
	l.Penalize("s", errors.New("connection refused"))
	start := time.Now()
	err := l.Wait(FailFast(context.Background()), "s")
	if !errors.Is(err, ErrBackoff) || !errors.Is(err, ErrDeferred) {
		t.Fatalf("err = %v, want ErrBackoff and ErrDeferred", err)
	}
	if got := time.Since(start); got > 100*time.Millisecond {
		t.Fatalf("FailFast Wait took %s", got)
	}
	// A server not in backoff passes under FailFast too.
	if err := l.Wait(FailFast(context.Background()), "other"); err != nil {
		t.Fatalf("server without penalty: %v", err)
	}
}
