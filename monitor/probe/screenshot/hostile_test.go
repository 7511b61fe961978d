package screenshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/metrics"
)

// hostilePage serves one HTML page at / and whatever extra handlers it is
// given, on loopback.
func hostilePage(t *testing.T, html string, extra map[string]http.HandlerFunc) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, html)
	})
	for p, h := range extra {
		mux.HandleFunc(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// filesOver lists the regular files under root of at least n bytes.
func filesOver(root string, n int64) []string {
	var out []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil && fi.Size() >= n {
				out = append(out, fmt.Sprintf("%s (%d bytes)", p, fi.Size()))
			}
		}
		return nil
	})
	return out
}

// TestDownloadsRefused: a page that clicks a download link of 8 MiB during
// the shot leaves no file anywhere: not in $HOME/Downloads, not in the
// profile, and the profile directory is gone after Close.
func TestDownloadsRefused(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	var served atomic.Int64
	page := hostilePage(t, `<html><body><h1>invoice</h1><a id=d href="/invoice.bin" download>get</a>
<script>document.getElementById('d').click()</script></body></html>`, map[string]http.HandlerFunc{
		"/invoice.bin": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Disposition", `attachment; filename="invoice.bin"`)
			chunk := make([]byte, 64<<10)
			for range 128 {
				n, err := w.Write(chunk)
				served.Add(int64(n))
				if err != nil {
					return
				}
			}
		},
	})
	tmp := t.TempDir()
	s := newShooter(t, Options{Tabs: 1, TempDir: tmp})
	profile := s.UserDataDir()
	if _, err := s.Shot(context.Background(), page.URL); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // a download in progress would finish by now
	if any := filesOver(home, 0); len(any) > 0 {
		t.Errorf("the browser wrote outside its profile, in $HOME: %v", any)
	}
	written := append(filesOver(home, 1<<20), filesOver(profile, 1<<20)...)
	t.Logf("download served %d KiB; files of 1 MiB or more written: %v", served.Load()>>10, written)
	if len(written) > 0 {
		t.Errorf("the page's download was written: %v", written)
	}
	_ = s.Close()
	if _, err := os.Stat(profile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("profile %s still there after Close: %v", profile, err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, dirPrefix+"*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestStaleProfilesSwept: New removes the profile directories of killed
// runs (owner process gone) and keeps those of live ones.
func TestStaleProfilesSwept(t *testing.T) {
	tmp := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	mk := func(owner int) string {
		dir, err := os.MkdirTemp(tmp, dirPrefix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(fmt.Sprint(owner)), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "Cache"), make([]byte, 2<<20), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	stale, live := mk(dead.Process.Pid), mk(os.Getpid())
	s := newShooter(t, Options{Tabs: 1, TempDir: tmp})
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("killed run's profile %s kept: %v", stale, err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("live run's profile removed: %v", err)
	}
	if _, err := os.Stat(s.UserDataDir()); err != nil {
		t.Errorf("own profile: %v", err)
	}
}

// TestBrowserMakesNoRequestButThePage: every connection the browser makes
// goes through the proxy's dial, which logs it; over a shot and five idle
// seconds after it, the only host asked for is the page's.
func TestBrowserMakesNoRequestButThePage(t *testing.T) {
	page := hostilePage(t, `<html><body><h1>hello</h1></body></html>`, nil)
	pu, _ := url.Parse(page.URL)
	var mu sync.Mutex
	asked := map[string]int{}
	var d net.Dialer
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		asked[addr]++
		mu.Unlock()
		if addr != pu.Host {
			return nil, fmt.Errorf("test: %s not the page", addr)
		}
		return d.DialContext(ctx, network, addr)
	}
	s := newShooter(t, Options{Tabs: 1, dial: dial})
	if _, err := s.Shot(context.Background(), page.URL); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	t.Logf("hosts asked for: %v", asked)
	for host := range asked {
		if host != pu.Host {
			t.Errorf("the browser asked for %s, not the page", host)
		}
	}
}

// TestForcedShotAtDeadline: pages that never finish loading (an image that
// drips forever, a script in an endless loop) or open a dialog are shot at
// the load deadline, marked forced, within the shot's timeout.
func TestForcedShotAtDeadline(t *testing.T) {
	drip := func(w http.ResponseWriter, r *http.Request) {
		for {
			if _, err := w.Write([]byte{' '}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	page := hostilePage(t, "", map[string]http.HandlerFunc{
		"/drip": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, `<html><body style="background:#c00"><h1>login</h1>`+strings.Repeat(" ", 2048))
			drip(w, r)
		},
		"/loop": func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `<html><body style="background:#0c0"><h1>login</h1><script>setTimeout(function(){while(true){}}, 10)</script></body></html>`)
		},
		"/alert": func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `<html><body style="background:#00c"><h1>login</h1><script>alert("hi");alert("again")</script></body></html>`)
		},
	})
	s := newShooter(t, Options{Tabs: 1, Timeout: 6 * time.Second})
	for _, tc := range []struct {
		path   string
		forced bool
	}{{"/drip", true}, {"/loop", true}, {"/alert", false}} {
		start := time.Now()
		shot, err := s.Shot(context.Background(), page.URL+tc.path)
		took := time.Since(start)
		if err != nil {
			t.Errorf("%s: no shot after %s: %v", tc.path, took.Round(time.Millisecond), err)
			continue
		}
		t.Logf("%s: shot in %s, forced %v, %d bytes", tc.path, took.Round(time.Millisecond), shot.Forced, len(shot.PNG))
		if tc.forced && !shot.Forced {
			t.Errorf("%s: not marked forced", tc.path)
		}
		if took > 6*time.Second {
			t.Errorf("%s: took %s", tc.path, took)
		}
	}
}

// TestMemoryCeilingKillsAndRestarts: a page that allocates 128 MB buffers
// without end is killed when the browser passes MaxMiB, the shot fails with
// ErrMemory, the kill is counted in the metrics, and the next shot gets a
// fresh browser.
func TestMemoryCeilingKillsAndRestarts(t *testing.T) {
	const maxMiB = 768
	page := hostilePage(t, `<html><body><h1>loading</h1><script>
var keep = [];
for (var i = 0; i < 24; i++) { var b = new Uint8Array(128 << 20); b.fill(1); keep.push(b); }
</script></body></html>`, map[string]http.HandlerFunc{
		"/ok": func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "<h1>fine</h1>") },
	})
	m := metrics.New()
	s := newShooter(t, Options{Tabs: 2, MaxMiB: maxMiB, Timeout: 20 * time.Second, Metrics: m,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	var peak atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if dir := s.UserDataDir(); dir != "" {
				if r := rssUsing(dir); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	})
	start := time.Now()
	_, err := s.Shot(context.Background(), page.URL)
	took := time.Since(start)
	close(stop)
	wg.Wait()
	t.Logf("hungry page: %v after %s, browser peak RSS %d MiB (ceiling %d)", err, took.Round(time.Millisecond), peak.Load()>>20, maxMiB)
	if !errors.Is(err, ErrMemory) {
		t.Errorf("shot: %v, want ErrMemory", err)
	}
	if peak.Load() > (maxMiB+512)<<20 {
		t.Errorf("peak %d MiB, far past the ceiling", peak.Load()>>20)
	}
	if got := scrape(t, m, `takedown_screenshot_browser_kills_total{reason="memory"}`); got != 1 || s.Kills() != 1 {
		t.Errorf("kills: metric %v, Kills %d, want 1", got, s.Kills())
	}
	var shotErr error
	for range 10 { // the dead browser is noticed once its connection drops
		if _, shotErr = s.Shot(context.Background(), page.URL+"/ok"); shotErr == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if shotErr != nil {
		t.Fatalf("after the kill: %v", shotErr)
	}
	if s.Restarts() != 1 || scrape(t, m, "takedown_screenshot_browser_restarts_total") != 1 {
		t.Errorf("restarts %d, want 1", s.Restarts())
	}
}

// TestDeadBrowserRestarts: after the browser's processes are killed from
// outside, the next shots get a new browser; a browser that cannot start
// makes shots fail fast with ErrBrowserDown until its backoff has passed.
func TestDeadBrowserRestarts(t *testing.T) {
	page := hostilePage(t, `<h1>fine</h1>`, nil)
	m := metrics.New()
	s := newShooter(t, Options{Tabs: 1, Metrics: m, RestartBase: 2 * time.Second, RestartMax: 4 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if _, err := s.Shot(context.Background(), page.URL); err != nil {
		t.Fatal(err)
	}
	killUsing(s.UserDataDir())
	ok, failed := 0, 0
	for range 10 {
		if _, err := s.Shot(context.Background(), page.URL); err == nil {
			ok++
			break
		}
		failed++
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("after kill -9 of the browser: %d failed shots before one succeeded; restarts %d", failed, s.Restarts())
	if ok != 1 || s.Restarts() != 1 || scrape(t, m, "takedown_screenshot_browser_restarts_total") != 1 {
		t.Fatalf("ok %d, restarts %d", ok, s.Restarts())
	}

	// A browser that cannot start: one failed start, then fast refusals.
	s.mu.Lock()
	s.opt.ExecPath = filepath.Join(t.TempDir(), "no-chromium")
	s.mu.Unlock()
	killUsing(s.UserDataDir())
	var errs []string
	for range 20 {
		_, err := s.Shot(context.Background(), page.URL)
		if errors.Is(err, ErrBrowserDown) {
			break
		}
		errs = append(errs, fmt.Sprint(err))
		time.Sleep(100 * time.Millisecond)
	}
	start := time.Now()
	_, err := s.Shot(context.Background(), page.URL)
	if !errors.Is(err, ErrBrowserDown) || time.Since(start) > 100*time.Millisecond {
		t.Fatalf("during backoff: %v after %s (before: %s)", err, time.Since(start), strings.Join(errs, "; "))
	}
}

// scrape reads one series from the metrics' /metrics exposition.
func scrape(t *testing.T, m *metrics.Metrics, series string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err != nil {
				t.Fatalf("%s: %q", series, v)
			}
			return f
		}
	}
	return 0
}

// TestOneTabPastHalfTheCeiling: once the browser uses more than half its
// memory ceiling (here a threshold of 1 MiB, so it always does), shots go
// one at a time however many tabs are allowed; under it, they overlap.
func TestOneTabPastHalfTheCeiling(t *testing.T) {
	site := newSite(t)
	for _, tc := range []struct {
		heavy int64
		want  func(int32) bool
	}{
		{1 << 20, func(p int32) bool { return p == 1 }},
		{1 << 40, func(p int32) bool { return p > 1 }},
	} {
		sh := newShooter(t, Options{Tabs: 4, heavy: tc.heavy, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		deadline := time.Now().Add(5 * time.Second)
		for sh.live.Load().rss.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond) // the first measurement
		}
		site.peak.Store(0)
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				if _, err := sh.Shot(context.Background(), site.URL+"/brand"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		t.Logf("threshold %d MiB, browser at %d MiB: at most %d pages at once", tc.heavy>>20, sh.live.Load().rss.Load()>>20, site.peak.Load())
		if p := site.peak.Load(); !tc.want(p) {
			t.Errorf("threshold %d MiB: %d pages loading at once", tc.heavy>>20, p)
		}
		_ = sh.Close()
	}
}
