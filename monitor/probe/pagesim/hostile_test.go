package pagesim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/takedownhq/takedown/internal/base/netguard"
)

// TestHostilePageFieldsCapped: a page served over HTTP with a 2 MB title
// full of bidi overrides and control bytes, and a 100 KB favicon URL,
// yields a title of at most MaxTitle bytes with none of them, and no
// favicon URL over MaxURL.
func TestHostilePageFieldsCapped(t *testing.T) {
	title := strings.Repeat("PayPal \u202egnp.exe\u202c\x1b[31m ", 2<<20/24)
	page := "<html><head><link rel=icon href=\"/" + strings.Repeat("a", 100<<10) + ".ico\"><title>" + title +
		"</title></head><body>login</body></html>"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, page)
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnalyze))
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(srv.URL)
	s := Analyze(body, base, []string{"paypal"})
	t.Logf("title of %d bytes in a %d-byte page: kept %d bytes; favicon URL %d bytes", len(title), len(body), len(s.Title), len(s.FaviconURL))
	if len(s.Title) > MaxTitle || !utf8.ValidString(s.Title) {
		t.Errorf("title %d bytes", len(s.Title))
	}
	for _, r := range s.Title {
		if netguard.IsControl(r) {
			t.Fatalf("title keeps %U", r)
		}
	}
	if !s.BrandInTitle {
		t.Error("the brand in the title was lost")
	}
	if len(s.FaviconURL) > MaxURL {
		t.Errorf("favicon URL of %d bytes kept", len(s.FaviconURL))
	}
}
