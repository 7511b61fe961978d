package web

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// The look-alike watch's story as the web sees it: acmebank.com's
// look-alike acmebank-login.com serves a copy of its login page (a
// screenshot, phishing_like with its figures; its page title and one
// reason carry payloads, as a hostile page could put them there),
// acmebanc.com is parked (no screenshot), and the watched seized domain
// thefoxcloud.com has its seizure banner as a screenshot.
const (
	laBrand    = "acmebank.com"
	laPhish    = "acmebank-login.com"
	laParked   = "acmebanc.com"
	laSeized   = "thefoxcloud.com"
	laReasonJS = `page title "` + xssScript + `" names the brand`
)

var laReasons = []string{
	"registered and resolves",
	"page similar to acmebank's: TLSH 91, ssdeep 88 (threshold 70)",
	laReasonJS,
	"login form with the brand's name " + xssImg + " in its title",
	"MX mail.acmebank-login.com accepts mail for a random recipient (RCPT TO 250)",
}

// testPNG is a small image of one colour.
func testPNG(t testing.TB, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 40))
	for y := range 40 {
		for x := range 64 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// seedLookalikeWatch writes what the look-alike watch records, and
// returns the look-alike's and the seized domain's PNGs.
func seedLookalikeWatch(t testing.TB, st store.Store) (phish, seized []byte) {
	t.Helper()
	ctx := context.Background()
	for _, d := range []store.NewDomain{{Name: laBrand, Kind: store.KindBrand}, {Name: laSeized, Tags: []string{"doj"}},
		{Name: laPhish, Kind: store.KindLookalike, Tags: []string{"lookalike"}}} {
		if _, err := st.AddDomains(ctx, []store.NewDomain{d}); err != nil {
			t.Fatal(err)
		}
	}
	phish, seized = testPNG(t, color.RGBA{0, 60, 160, 255}), testPNG(t, color.RGBA{20, 20, 20, 255})
	update(t, st, func(tx store.Tx) {
		for _, l := range []store.Lookalike{{Brand: laBrand, Name: laPhish, Fuzzer: "addition", Source: "permutation", Registered: store.RegYes},
			{Brand: laBrand, Name: laParked, Fuzzer: "replacement", Source: "permutation", Registered: store.RegYes}} {
			if _, _, err := tx.UpsertLookalike(l); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := tx.SetLookalikeRisk(laBrand, laParked, store.LookalikeRisk{Level: "parked", Score: 30,
			Reasons: []string{"parking name servers (parking-ns-sedo)"}, At: tNow}); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.SetLookalikeRisk(laBrand, laPhish, store.LookalikeRisk{Level: "phishing_like", Score: 96, Reasons: laReasons, At: tNow}); err != nil {
			t.Fatal(err)
		}
		d := txDomain(t, tx, laPhish)
		observe(t, tx, d, event.ProbeHTTP, tNow, map[string]any{"status": 200, "title": xssTitle, "final_url": "https://" + laPhish + "/"})
		observe(t, tx, d, event.ProbeScreenshot, tNow, map[string]any{"url": "https://" + laPhish + "/", "sha256": store.Hash(phish)})
		if err := tx.PutScreenshot(store.Screenshot{DomainID: d.ID, URL: "https://" + laPhish + "/", TakenAt: tNow, PNG: phish}); err != nil {
			t.Fatal(err)
		}
		s := txDomain(t, tx, laSeized)
		setState(t, tx, s, tSeized, "seized", event.SevCritical, seizureReasons...)
		observe(t, tx, s, event.ProbeScreenshot, tNow, map[string]any{"url": "https://" + laSeized + "/", "sha256": store.Hash(seized)})
		if err := tx.PutScreenshot(store.Screenshot{DomainID: s.ID, URL: "https://" + laSeized + "/", TakenAt: tNow, PNG: seized}); err != nil {
			t.Fatal(err)
		}
	})
	return phish, seized
}

// TestScreenshotServed: the PNG comes back as image/png with nosniff under
// the UI's CSP, revalidates by its ETag, is the same under the API, and a
// domain without one (or no domain) is a 404.
func TestScreenshotServed(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	phish, seized := seedLookalikeWatch(t, st)
	c := client(t)
	for _, tc := range []struct {
		path string
		want []byte
	}{
		{"/domains/" + laPhish + "/screenshot.png", phish},
		{"/api/v1/domains/" + laPhish + "/screenshot", phish},
		{"/domains/" + laSeized + "/screenshot.png", seized},
		{"/domains/" + strings.ToUpper(laSeized) + "/screenshot.png", seized},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := get(t, c, hs.URL+tc.path)
			if r.status != http.StatusOK || r.body != string(tc.want) {
				t.Fatalf("status %d, %d bytes; want 200 and the %d stored", r.status, len(r.body), len(tc.want))
			}
			for k, want := range map[string]string{"Content-Type": "image/png", "X-Content-Type-Options": "nosniff",
				"ETag": `"` + store.Hash(tc.want) + `"`, "Cache-Control": "private, no-cache"} {
				if got := r.header.Get(k); got != want {
					t.Errorf("%s: %q, want %q", k, got, want)
				}
			}
			if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self'") {
				t.Errorf("the UI's CSP %q does not let its pages show a same-origin image", csp)
			}
			req, _ := http.NewRequest("GET", hs.URL+tc.path, nil)
			req.Header.Set("If-None-Match", r.header.Get("ETag"))
			if r := do(t, c, req); r.status != http.StatusNotModified || r.body != "" {
				t.Errorf("revalidation: %d with %d bytes, want 304", r.status, len(r.body))
			}
		})
	}
	for _, p := range []string{"/domains/" + laParked + "/screenshot.png", "/domains/" + laBrand + "/screenshot.png",
		"/api/v1/domains/nowhere.example/screenshot"} {
		r := get(t, c, hs.URL+p)
		if r.status != http.StatusNotFound || r.header.Get("Content-Type") == "image/png" {
			t.Errorf("%s: %d %s, want a 404 that is not an image", p, r.status, r.header.Get("Content-Type"))
		}
	}
	if r := get(t, c, hs.URL+"/api/v1/domains/nowhere.example/screenshot"); !strings.Contains(r.body, `"error"`) {
		t.Errorf("API 404 is not JSON: %q", r.body)
	}
}

// TestLookalikePageShowsRisk: the look-alike list puts the riskiest first
// and shows its level, score, reasons (escaped) and screenshot; the
// domain pages of the look-alike and of the seized domain show theirs.
func TestLookalikePageShowsRisk(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedLookalikeWatch(t, st)
	c := client(t)
	r := get(t, c, hs.URL+"/lookalikes?status=all")
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	i, j := strings.Index(r.body, `data-name="`+laPhish+`"`), strings.Index(r.body, `data-name="`+laParked+`"`)
	if i < 0 || j < 0 || i > j {
		t.Errorf("riskiest not first: %s at %d, %s at %d", laPhish, i, laParked, j)
	}
	for _, want := range []string{`rl-phishing_like">phishing like</span>`, `>96</span>`, "TLSH 91, ssdeep 88",
		`&lt;script&gt;window.__xss=&#34;script&#34;&lt;/script&gt;`, `&lt;img src=x onerror=&#34;window.__xss=&#39;img&#39;&#34;&gt;`,
		`<img class="thumb" src="/domains/` + laPhish + `/screenshot.png"`, `rl-parked">parked</span>`, "parking-ns-sedo"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("look-alikes page lacks %s", want)
		}
	}
	if n := strings.Count(r.body, `class="thumb"`); n != 1 {
		t.Errorf("%d screenshots on the list, want 1 (the parked one has none)", n)
	}
	for _, name := range []string{laPhish, laSeized} {
		r := get(t, c, hs.URL+"/domains/"+name)
		if !strings.Contains(r.body, `<img class="shot" src="/domains/`+name+`/screenshot.png?v=`) {
			t.Errorf("domain page of %s does not show its screenshot", name)
		}
	}
	if r := get(t, c, hs.URL+"/domains/"+laBrand); strings.Contains(r.body, `class="shot"`) {
		t.Errorf("the brand's page shows a screenshot it does not have")
	}
}
