package web

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGuessingFromManyAddressesIsSlow: 100 loopback addresses (127.0.0.x)
// guessing 10 wrong tokens each, in parallel, get few of their guesses
// checked (the global lane), while the right token from a fresh address
// gets in within a second.
func TestGuessingFromManyAddressesIsSlow(t *testing.T) {
	const token = "s3cret-Token-0f-the-SOC"
	hs, _ := newTestServer(t, Options{Token: token})
	bearer := func(c *http.Client, tok string) int {
		req, _ := http.NewRequest("GET", hs.URL+"/api/v1/overview", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := c.Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	var checked, refused atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for a := 2; a < 102; a++ {
		c := clientFrom(t, fmt.Sprintf("127.0.0.%d", a))
		wg.Go(func() {
			for i := range 10 {
				switch bearer(c, fmt.Sprintf("wrong-guess-%03d-%d", a, i)) {
				case http.StatusUnauthorized:
					checked.Add(1)
				case http.StatusTooManyRequests:
					refused.Add(1)
				}
			}
		})
	}
	// The analyst arrives in the middle of the attack.
	time.Sleep(300 * time.Millisecond)
	t0 := time.Now()
	status := bearer(clientFrom(t, "127.0.0.200"), token)
	took := time.Since(t0)
	wg.Wait()
	elapsed := time.Since(start)
	rate := float64(checked.Load()) / elapsed.Seconds()
	t.Logf("1000 guesses from 100 addresses: %d checked, %d refused unchecked in %s (%.0f checked guesses/s); right token from a fresh address: %d in %s",
		checked.Load(), refused.Load(), elapsed.Round(time.Millisecond), rate, status, took.Round(time.Millisecond))
	if status != http.StatusOK || took > time.Second {
		t.Errorf("right token during the attack: %d after %s", status, took)
	}
	// At most one free guess per address, the rest through the lane.
	if max := int64(100*authFreshParallel) + int64(elapsed/authSlowEvery) + authSlowBurst; checked.Load() > max {
		t.Errorf("%d guesses checked in %s, want at most %d", checked.Load(), elapsed, max)
	}
	if checked.Load() >= 1000 {
		t.Error("every guess was checked")
	}
}
