package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestShortTokenRefused(t *testing.T) {
	st := openStore(t)
	for _, tok := range []string{"x", strings.Repeat("a", MinTokenLen-1)} {
		if _, err := New(st, Options{Token: tok}); !errors.Is(err, ErrTokenTooShort) {
			t.Errorf("token of %d characters: err = %v, want ErrTokenTooShort", len(tok), err)
		}
	}
	if _, err := New(st, Options{Token: strings.Repeat("a", MinTokenLen)}); err != nil {
		t.Errorf("token of %d characters refused: %v", MinTokenLen, err)
	}
}

// clientFrom is a client whose connections come from a given loopback
// source address, so tests can play two client addresses on loopback.
func clientFrom(t *testing.T, src string) *http.Client {
	c := client(t)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c.Transport = &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}
	return c
}

// TestWrongBearersLimitedPerAddress: after authMaxFails wrong bearer tokens
// an address gets 429 (with Retry-After), even for the right token, while
// another address is unaffected.
func TestWrongBearersLimitedPerAddress(t *testing.T) {
	const token = "s3cret-Token-0f-the-SOC"
	hs, _ := newTestServer(t, Options{Token: token})
	bearer := func(c *http.Client, tok string) response {
		req, _ := http.NewRequest("GET", hs.URL+"/api/v1/domains", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		return do(t, c, req)
	}
	attacker := clientFrom(t, "127.0.0.1")
	unauthorized, limited := 0, 0
	for i := range 200 {
		switch r := bearer(attacker, "guess-"+string(rune('a'+i%26))); r.status {
		case http.StatusUnauthorized:
			unauthorized++
		case http.StatusTooManyRequests:
			limited++
			if r.header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		default:
			t.Fatalf("wrong bearer: status %d", r.status)
		}
	}
	if unauthorized != authMaxFails || limited != 200-authMaxFails {
		t.Fatalf("%d answered 401 and %d 429; want %d guesses, then only 429", unauthorized, limited, authMaxFails)
	}
	if r := bearer(attacker, token); r.status != http.StatusTooManyRequests {
		t.Fatalf("right token from a locked-out address: status %d, want 429", r.status)
	}
	other := clientFrom(t, "127.0.0.2")
	if r := bearer(other, token); r.status != http.StatusOK {
		t.Fatalf("right token from another address: status %d", r.status)
	}
}

// TestParallelWrongLoginsLimited: 100 wrong logins at once from one address
// get at most authMaxFails verdicts; the rest are refused unchecked.
func TestParallelWrongLoginsLimited(t *testing.T) {
	const token = "s3cret-Token-0f-the-SOC"
	hs, _ := newTestServer(t, Options{Token: token})
	c := client(t)
	csrf := csrfOf(t, c, hs.URL+"/login")
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := postForm(t, c, hs.URL+"/login", url.Values{"csrf": {csrf}, "token": {"wrong-token-guess-1"}, "next": {"/"}})
			mu.Lock()
			counts[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if n := counts[http.StatusUnauthorized]; n < 1 || n > authMaxFails || n+counts[http.StatusTooManyRequests] != 100 {
		t.Fatalf("statuses %v: want 1 to %d wrong-token answers and the rest 429", counts, authMaxFails)
	}
	// The global lane refuses some guesses unchecked, so the address may
	// not have reached its limit; once it has, even the right token waits.
	if counts[http.StatusUnauthorized] == authMaxFails {
		if r := postForm(t, c, hs.URL+"/login", url.Values{"csrf": {csrf}, "token": {token}, "next": {"/"}}); r.status != http.StatusTooManyRequests {
			t.Fatalf("right token after the lockout: status %d, want 429", r.status)
		}
	}
}
