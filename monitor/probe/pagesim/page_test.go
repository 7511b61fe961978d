package pagesim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
)

func TestAnalyze(t *testing.T) {
	base, _ := url.Parse("https://examp1e-bank.com/login/")
	brands := []string{"Example Bank", "example-bank"}
	cases := []struct {
		name, page      string
		password, login bool
		inTitle, inText bool
		favicon         string
	}{
		{"clone", "clone.html", true, true, true, true, "https://examp1e-bank.com/assets/img/favicon.ico?v=91"},
		{"parked", "parked.html", false, false, false, false, "https://examp1e-bank.com/favicon.ico"},
		{"unrelated", "unrelated.html", false, false, false, false, "https://examp1e-bank.com/favicon.ico"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + tc.page)
			if err != nil {
				t.Fatal(err)
			}
			s := Analyze(b, base, brands)
			if s.PasswordField != tc.password || s.LoginForm != tc.login || s.BrandInTitle != tc.inTitle || s.BrandInText != tc.inText || s.FaviconURL != tc.favicon {
				t.Errorf("Analyze = %+v", s)
			}
		})
	}
}

func TestLoginFormWithoutPassword(t *testing.T) {
	// First step of a two-step login: e-mail only, the password comes next.
	page := `<html><title>Log in</title><form action="/next"><input type="email" name="login_email" placeholder="Email or mobile number"><button>Next</button></form><p>Log in to your PayPal account</p></html>`
	s := Analyze([]byte(page), nil, []string{"PayPal"})
	if !s.LoginForm || s.PasswordField || !s.BrandInText || s.BrandInTitle {
		t.Errorf("Analyze = %+v", s)
	}
	// A newsletter form is not a login form.
	s = Analyze([]byte(`<form><input type="email" name="email"><button>Subscribe</button></form>`), nil, nil)
	if s.LoginForm {
		t.Errorf("newsletter form judged a login form: %+v", s)
	}
	// Short brand names match whole words only.
	if containsBrand("a thing of beauty", "ing") || !containsBrand("Welcome to ING online", "ING") {
		t.Error("short brand matching")
	}
}

func TestFaviconHash(t *testing.T) {
	// MurmurHash3_x86_32 reference vectors.
	for in, want := range map[string]uint32{"": 0, "hello": 0x248bfa47, "The quick brown fox jumps over the lazy dog": 0x2e4ff723} {
		if got := murmur3([]byte(in), 0); got != want {
			t.Errorf("murmur3(%q) = %#x, want %#x", in, got, want)
		}
	}
	if got := string(encodeBytes(make([]byte, 60))); len(got) != 82 || got[76] != '\n' || got[81] != '\n' {
		t.Errorf("encodeBytes line layout: %q", got)
	}
	f := HashFavicon([]byte("icon"))
	if f.Bytes != 4 || len(f.SHA256) != 64 {
		t.Errorf("HashFavicon = %+v", f)
	}
}

// TestOverTheWire fetches the brand's page and its clone from an HTTP
// server on loopback and scores them, as the integrator will.
func TestOverTheWire(t *testing.T) {
	mux := http.NewServeMux()
	for _, p := range samplePages {
		b, _ := os.ReadFile("testdata/" + p)
		mux.HandleFunc("/"+p, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(b) })
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	get := func(p string) []byte {
		resp, err := srv.Client().Get(srv.URL + "/" + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxAnalyze))
		return b
	}
	brand := FingerprintOf(get("brand.html"))
	for _, tc := range []struct {
		page     string
		min, max int
	}{{"clone.html", 90, 100}, {"samehead.html", 0, 40}, {"parked.html", 0, 30}, {"unrelated.html", 0, 20}} {
		s, err := Compare(brand, FingerprintOf(get(tc.page)))
		if err != nil {
			t.Fatal(err)
		}
		m, ok := s.Max()
		if !ok || m < tc.min || m > tc.max {
			t.Errorf("%s: similarity %s/%s, want max in [%d,%d]", tc.page, fmtScore(s.TLSH), fmtScore(s.Ssdeep), tc.min, tc.max)
		}
	}
}

func BenchmarkComparePages(b *testing.B) {
	brand, _ := os.ReadFile("testdata/brand.html")
	clone, _ := os.ReadFile("testdata/clone.html")
	fp := FingerprintOf(brand)
	b.ResetTimer()
	for b.Loop() {
		_, _ = Compare(fp, FingerprintOf(clone))
	}
}
