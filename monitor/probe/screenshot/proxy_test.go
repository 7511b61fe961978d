package screenshot

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// A page's subresources go through the guard too: Chromium has no way out
// but the proxy, loopback included. The page's server is the only address
// the test's dial allows; the "internal" server the page points its image,
// script and frame at must never see a request, and the dial must have
// been asked for it (so the refusal came from the guard, not from chance).
func TestSubresourcesGoThroughTheGuard(t *testing.T) {
	var internalHits atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		internalHits.Add(1)
		w.Header().Set("Content-Type", "image/png")
	}))
	t.Cleanup(internal.Close)
	iu, _ := url.Parse(internal.URL)

	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<html><body><h1>login</h1>
<img src="http://%[1]s/metadata.png"><script src="http://%[1]s/x.js"></script>
<iframe src="http://%[1]s/frame"></iframe></body></html>`, iu.Host)
	}))
	t.Cleanup(page.Close)
	pu, _ := url.Parse(page.URL)

	var mu sync.Mutex
	var asked []string
	var d net.Dialer
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		asked = append(asked, addr)
		mu.Unlock()
		if addr != pu.Host {
			return nil, fmt.Errorf("test guard: %s refused", addr)
		}
		return d.DialContext(ctx, network, addr)
	}
	s := newShooter(t, Options{Tabs: 1, dial: dial})
	shot, err := s.Shot(context.Background(), page.URL)
	if err != nil {
		t.Fatal(err)
	}
	if len(shot.PNG) == 0 {
		t.Fatal("empty screenshot")
	}
	if n := internalHits.Load(); n != 0 {
		t.Fatalf("the internal server got %d requests past the guard", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(asked, pu.Host) || !slices.Contains(asked, iu.Host) {
		t.Fatalf("the guard was asked for %v; want the page %s and the internal %s", asked, pu.Host, iu.Host)
	}
}
