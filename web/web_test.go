package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/metrics"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// newTestServer serves a fresh store on a real 127.0.0.1 port.
func newTestServer(t testing.TB, opts Options) (*httptest.Server, *sqlite.SQLite) {
	t.Helper()
	st := openStore(t)
	return serveStore(t, st, opts), st
}

func serveStore(t testing.TB, st store.Store, opts Options) *httptest.Server {
	t.Helper()
	if opts.Metrics == nil {
		opts.Metrics = metrics.New()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	srv, err := New(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs
}

// client keeps cookies and does not follow redirects, so tests see them.
func client(t testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t testing.TB, c *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

func get(t testing.TB, c *http.Client, u string) response {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, c, req)
}

func postForm(t testing.TB, c *http.Client, u string, form url.Values) response {
	t.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, c, req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf loads a page and returns the CSRF token its forms carry.
func csrfOf(t testing.TB, c *http.Client, u string) string {
	t.Helper()
	r := get(t, c, u)
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no CSRF token on %s (status %d)", u, r.status)
	}
	return m[1]
}

func TestPagesRender(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedSeizure(t, st)
	c := client(t)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/", []string{"Overview", "Failing checks", "jinyang.asia", "state changed", "thefoxcloud.net"}},
		{"/domains", []string{"thefoxcloud.com", "cloudfoxhub.com", "doj-2023-10"}},
		{"/domains?state=seized&sort=-name", []string{"thefoxcloud.com", "cloudfoxhub.com"}},
		{"/domains/thefoxcloud.com", []string{"ns1.fbi.seized.gov", "THIS DOMAIN HAS BEEN SEIZED", "State history",
			"connection refused", "us-seizure-ns", "Remote IT staffing"}},
		{"/domains/thefoxcloud.com/diff?probe=delegation", []string{"ns1.foxdns.example", "ns1.fbi.seized.gov", "item-added"}},
		{"/domains/thefoxcloud.net", []string{"not on the watchlist", "lookalike registered"}},
		{"/lookalikes", []string{"thef0xcloud.com", "homoglyph", "Dismiss"}},
		{"/lookalikes?status=all&fuzzer=addition", []string{"thefoxcloud-hub.com"}},
		{"/events?severity=critical", []string{"state changed", "cloudfoxhub.com"}},
		{"/alerts", []string{"soc@example.org", "mailbox unavailable", "failed"}},
		{"/alerts?status=failed", []string{"mailbox unavailable"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := get(t, c, hs.URL+tc.path)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %.300s", r.status, r.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
}

func TestPageErrors(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedSeizure(t, st)
	c := client(t)
	for path, want := range map[string]int{
		"/domains/never-seen.example":                    http.StatusNotFound,
		"/domains/never-seen.example/diff":               http.StatusNotFound,
		"/domains/thefoxcloud.com/diff?probe=dns&a=x":    http.StatusBadRequest,
		"/domains/thefoxcloud.com/diff?probe=dns&at=now": http.StatusBadRequest,
		"/events?severity=loud":                          http.StatusBadRequest,
		"/no/such/page":                                  http.StatusNotFound,
		"/login":                                         http.StatusSeeOther, // no token: nothing to log in to
	} {
		t.Run(path, func(t *testing.T) {
			r := get(t, c, hs.URL+path)
			if r.status != want {
				t.Errorf("%s: status %d, want %d", path, r.status, want)
			}
			if r.status >= 400 && !strings.Contains(r.body, "<h1>") {
				t.Errorf("%s: error is not an HTML page: %.100s", path, r.body)
			}
		})
	}
	// Another spelling of a watched name lands on its page.
	r := get(t, c, hs.URL+"/domains/TheFoxCloud.com")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/domains/thefoxcloud.com" {
		t.Errorf("TheFoxCloud.com: %d to %q", r.status, r.header.Get("Location"))
	}
	// A search naming one domain goes straight to it from the top bar.
	r = get(t, c, hs.URL+"/domains?q=hub&go=1")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/domains/cloudfoxhub.com" {
		t.Errorf("search hub: %d to %q", r.status, r.header.Get("Location"))
	}
}

// The events feed opens on news: a newly watched domain's first verdict
// (unknown → active) shows only with the baseline toggle; the seizure that
// followed shows either way.
func TestEventsFeedHidesBaselineVerdicts(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedSeizure(t, st)
	c := client(t)
	const baseline = "resolves to 198.51.100.7" // jinyang.asia's first verdict
	r := get(t, c, hs.URL+"/events?domain=jinyang.asia")
	if r.status != http.StatusOK || strings.Contains(r.body, baseline) {
		t.Errorf("default feed: status %d, baseline shown: %v", r.status, strings.Contains(r.body, baseline))
	}
	if r := get(t, c, hs.URL+"/events?domain=jinyang.asia&baseline=1"); !strings.Contains(r.body, baseline) {
		t.Errorf("?baseline=1 does not show the baseline verdict")
	}
	if r := get(t, c, hs.URL+"/events?domain=thefoxcloud.com"); !strings.Contains(r.body, "seized") {
		t.Errorf("the seizure is missing from the default feed")
	}
}
