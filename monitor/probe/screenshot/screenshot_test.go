package screenshot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// newShooter starts one Chromium for a test, or skips with the reason.
func newShooter(t testing.TB, opt Options) *Shooter {
	t.Helper()
	if _, err := FindBrowser(); err != nil {
		t.Skipf("skipping: %v", err)
	}
	opt.AllowPrivate = true // the test server is on loopback
	s, err := New(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// site serves the pagesim sample pages and a few special ones on loopback.
type site struct {
	*httptest.Server
	open, peak atomic.Int32
}

func newSite(t testing.TB) *site {
	s := &site{}
	mux := http.NewServeMux()
	for _, p := range []string{"brand", "clone", "unrelated", "parked"} {
		b, err := os.ReadFile(filepath.Join("..", "pagesim", "testdata", p+".html"))
		if err != nil {
			t.Fatal(err)
		}
		mux.HandleFunc("/"+p, func(w http.ResponseWriter, _ *http.Request) {
			n := s.open.Add(1)
			defer s.open.Add(-1)
			for {
				if p := s.peak.Load(); n <= p || s.peak.CompareAndSwap(p, n) {
					break
				}
			}
			// Long enough for overlapping requests to show even on a loaded
			// machine (20 ms let concurrent shots pass one by one there).
			time.Sleep(200 * time.Millisecond)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(b)
		})
	}
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	mux.HandleFunc("/noise", func(w http.ResponseWriter, _ *http.Request) {
		// Thousands of coloured cells: a PNG that compresses badly.
		var b strings.Builder
		b.WriteString("<html><body style='margin:0'>")
		for i := range 6000 {
			fmt.Fprintf(&b, "<span style='display:inline-block;width:9px;height:9px;background:#%06x'></span>", (i*2654435761)&0xffffff)
		}
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(b.String()))
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestShotsAndSimilarity(t *testing.T) {
	sh := newShooter(t, Options{Tabs: 2})
	site := newSite(t)
	ctx := context.Background()
	shots := map[string]*Shot{}
	for _, p := range []string{"brand", "clone", "unrelated", "parked"} {
		s, err := sh.Shot(ctx, site.URL+"/"+p)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.PNG) == 0 || len(s.PNG) > 1<<20 || s.Scale != 1 || len(s.AHash) != 16 {
			t.Fatalf("%s: %d bytes, scale %v, hash %q", p, len(s.PNG), s.Scale, s.AHash)
		}
		shots[p] = s
	}
	sim := func(a, b string) int {
		v, err := Similarity(shots[a].AHash, shots[b].AHash)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	t.Logf("visual similarity to brand: clone %d, unrelated %d, parked %d", sim("brand", "clone"), sim("brand", "unrelated"), sim("brand", "parked"))
	if v := sim("brand", "brand"); v != 100 {
		t.Errorf("self similarity %d", v)
	}
	// The clone adds an alert line that pushes the page down and lacks the
	// brand's images: similar, not identical.
	if c, u, p := sim("brand", "clone"), sim("brand", "unrelated"), sim("brand", "parked"); c < 50 || c <= u || c <= p {
		t.Errorf("clone %d, unrelated %d: the clone should look like the brand", c, u)
	}
}

func TestTimeoutAndBounds(t *testing.T) {
	const pngCap = 4 << 10
	sh := newShooter(t, Options{Tabs: 2, Timeout: 10 * time.Second, MaxPNG: pngCap})
	site := newSite(t)
	ctx := context.Background()

	// A page that never answers is cut by the shot's deadline (here the
	// caller's; Options.Timeout works the same way).
	short, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := sh.Shot(short, site.URL+"/hang"); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("hanging page: err %v after %s", err, time.Since(start))
	}

	s, err := sh.Shot(ctx, site.URL+"/noise")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.PNG) > pngCap || s.Scale >= 1 {
		t.Errorf("noise: %d bytes at scale %v, cap %d", len(s.PNG), s.Scale, pngCap)
	}

	// Eight shots at once through two tabs: never more than two pages open.
	site.peak.Store(0)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := sh.Shot(ctx, site.URL+"/brand"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if p := site.peak.Load(); p > 2 {
		t.Errorf("%d pages loading at once with Tabs 2", p)
	}
}

func TestRefusesInternalAddressesByDefault(t *testing.T) {
	s := &Shooter{opt: Options{}.withDefaults()}
	for _, u := range []string{"http://127.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/"} {
		if err := s.check(context.Background(), u); !errors.Is(err, ErrBlocked) {
			t.Errorf("%s: %v, want ErrBlocked", u, err)
		}
	}
	if err := s.check(context.Background(), "file:///etc/passwd"); err == nil {
		t.Error("file URL accepted")
	}
}

func TestSimilarityFormula(t *testing.T) {
	// dnstwist: int((1 + e**((bc - ham) / bc) - e) * 100), bc = 64.
	for d, want := range map[int]int{0: 100, 1: 95, 8: 68, 16: 39, 25: 12, 28: 3, 29: 0, 64: 0} {
		if got := SimilarityBits(d); got != want {
			t.Errorf("SimilarityBits(%d) = %d, want %d", d, got, want)
		}
	}
}

// BenchmarkShotsPerMinute: screenshots per minute with one Chromium and
// four tabs, and the browser's memory after the run (RSS of every process
// started with this shooter's user-data-dir).
func BenchmarkShotsPerMinute(b *testing.B) {
	sh := newShooter(b, Options{Tabs: 4})
	site := newSite(b)
	pages := []string{"brand", "clone", "unrelated", "parked"}
	var i atomic.Int64
	start := time.Now()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p := pages[i.Add(1)%int64(len(pages))]
			if _, err := sh.Shot(context.Background(), site.URL+"/"+p); err != nil {
				b.Error(err)
			}
		}
	})
	perMin := float64(b.N) / time.Since(start).Minutes()
	b.ReportMetric(perMin, "shots/min")
	b.ReportMetric(float64(browserRSS(sh.UserDataDir()))/(1<<20), "browserRSS-MiB")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "goHeap-MiB")
}

// browserRSS sums the resident memory of processes whose command line
// names dir (Linux /proc; 0 elsewhere).
func browserRSS(dir string) int64 {
	ents, _ := os.ReadDir("/proc")
	var total int64
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(cmd), dir) {
			continue
		}
		st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "statm"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(st))
		if len(f) > 1 {
			pages, _ := strconv.ParseInt(f[1], 10, 64)
			total += pages * int64(os.Getpagesize())
		}
	}
	return total
}
