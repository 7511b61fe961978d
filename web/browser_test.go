package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/takedownhq/takedown/store"
)

// findChromium looks for Debian's chromium (what .ci/run installs), then
// other usual names; $CHROMIUM overrides.
func findChromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is a headless chromium tab with a record of what went wrong in
// it: JavaScript dialogs, uncaught exceptions and console/CSP errors.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string

	mu      sync.Mutex
	dialogs []string
	errors  []string
}

func newBrowser(t *testing.T, hs *httptest.Server) *browser {
	t.Helper()
	path := findChromium()
	if path == "" {
		t.Skip("browser test skipped: no chromium binary found (looked for chromium, chromium-browser, google-chrome; " +
			"set $CHROMIUM or `apt-get install chromium`)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// Without these chromium reaches for Google's hosts on start, and
		// this machine's closed network refuses it many times over.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })

	b := &browser{t: t, ctx: ctx, base: hs.URL, dir: screenshotDir(t)}
	dialogs := make(chan struct{}, 16)
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			b.mu.Lock()
			b.dialogs = append(b.dialogs, string(e.Type)+": "+e.Message)
			b.mu.Unlock()
			select {
			case dialogs <- struct{}{}:
			default:
			}
		case *runtime.EventExceptionThrown:
			b.mu.Lock()
			b.errors = append(b.errors, "exception: "+e.ExceptionDetails.Text)
			b.mu.Unlock()
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError {
				b.mu.Lock()
				b.errors = append(b.errors, string(e.Entry.Source)+": "+e.Entry.Text)
				b.mu.Unlock()
			}
		}
	}); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	// A dialog would stall the page: dismiss it so the test fails on the
	// record rather than on a timeout.
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-dialogs:
				chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}
		}
	}()
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("enable log domain: %v", err)
	}
	return b
}

// screenshotDir is $TAKEDOWN_SCREENSHOTS or the test's artifact directory
// (kept with `go test -artifacts`).
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("TAKEDOWN_SCREENSHOTS")
	if dir == "" {
		dir = t.ArtifactDir()
	} else {
		dir = filepath.Join(dir, t.Name())
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v (dialogs %q, errors %q)", what, err, b.dialogs, b.errors)
	}
}

func (b *browser) open(path, waitFor string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func (b *browser) eval(js string) any {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition, for navigations whose target page
// shares selectors with the page before.
func (b *browser) waitFor(cond string) {
	b.t.Helper()
	// Evaluate in a loop: a navigation in flight fails an evaluation,
	// which only means "not yet".
	deadline := time.Now().Add(20 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		var ok bool
		if ok, err = chromedp.Run(b.ctx, chromedp.Evaluate[bool](cond)); err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("waiting for %s: %v", cond, err)
}

func (b *browser) count(sel string) int {
	b.t.Helper()
	v := b.eval(fmt.Sprintf("document.querySelectorAll(%q).length", sel))
	n, _ := v.(float64)
	return int(n)
}

func (b *browser) location() string {
	b.t.Helper()
	u, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimPrefix(u, b.base)
}

func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) wantContains(what, got string, wants ...string) {
	b.t.Helper()
	// Case-insensitive: innerText applies CSS text-transform.
	for _, w := range wants {
		if !strings.Contains(strings.ToLower(got), strings.ToLower(w)) {
			b.t.Errorf("%s: %q lacks %q", what, clip(got, 400), w)
		}
	}
}

// clean fails the test on any dialog, exception or console error so far;
// a CSP violation by our own markup shows up here too.
func (b *browser) clean() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.dialogs) > 0 {
		b.t.Errorf("JavaScript dialogs opened: %q", b.dialogs)
	}
	for _, e := range b.errors {
		if strings.Contains(e, "favicon") {
			continue
		}
		b.t.Errorf("browser error: %s", e)
	}
}

// TestBrowserSeizureStory walks an analyst through the seizure of
// thefoxcloud.com: overview, search, the domain's verdict and timeline, a
// diff of its delegation, then look-alike triage.
func TestBrowserSeizureStory(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedSeizure(t, st)
	b := newBrowser(t, hs)

	// Overview: counts by state, recent events, failing checks.
	b.open("/", ".state-grid")
	if n := b.text(".state-card.st-seized .state-n"); n != "2" {
		t.Errorf("overview shows %s seized domains, want 2", n)
	}
	b.wantContains("failing checks", b.text(".col-side .card"), "jinyang.asia", "i/o timeout")
	b.wantContains("recent events", b.text(".col-main"), "state changed", "thefoxcloud.com")
	b.shot("01-overview")

	// Search from the domains page.
	b.open("/domains", "form.filters")
	b.do("search fox",
		chromedp.SendKeys(chromedp.CSS(`form.filters input[name="q"]`), "fox"),
		chromedp.Submit(chromedp.CSS(`form.filters input[name="q"]`)))
	b.waitFor(`location.search.includes("q=fox") && document.readyState === "complete"`)
	if loc := b.location(); !strings.Contains(loc, "q=fox") {
		t.Errorf("search landed on %s", loc)
	}
	if n := b.count("table.domains tbody tr"); n != 2 {
		t.Errorf("search for fox lists %d domains, want 2", n)
	}
	b.wantContains("results", b.text("table.domains tbody"), "thefoxcloud.com", "cloudfoxhub.com")
	b.shot("02-domains-search")

	// The domain page: verdict with reasons, state history, timeline,
	// current observations.
	b.do("open thefoxcloud.com",
		chromedp.Click(chromedp.CSS(`table.domains a[href="/domains/thefoxcloud.com"]`)),
		chromedp.WaitVisible(chromedp.CSS(".verdict")))
	if v := b.text(".verdict .verdict-state .badge"); v != "seized" {
		t.Errorf("verdict %q, want seized", v)
	}
	b.wantContains("verdict reasons", b.text(".verdict .reasons"),
		"NS ns1.fbi.seized.gov matches signature us-seizure-ns", "serverTransferProhibited", "THIS DOMAIN HAS BEEN SEIZED")
	b.wantContains("state history", b.text(".transitions"), "active → seized", "unknown → active")
	tl := b.text("#timeline")
	b.wantContains("timeline", tl, tSeized.Format("Mon 2 January 2006"), "state changed", "ns changed",
		"ns1.foxdns.example, ns2.foxdns.example", "ns1.fbi.seized.gov, ns2.fbi.seized.gov",
		"The Fox Cloud | Remote IT staffing", "THIS DOMAIN HAS BEEN SEIZED", "serverUpdateProhibited")
	if s := b.text("#timeline li.ev-state .ev-transition"); !strings.Contains(s, "active") || !strings.Contains(s, "seized") {
		t.Errorf("newest state event shows %q, want active → seized", s)
	}
	b.wantContains("delegation card", b.text("#obs-delegation"), "ns1.fbi.seized.gov")
	b.wantContains("rdap card", b.text("#obs-rdap"), "serverDeleteProhibited", "NameCheap, Inc.")
	b.wantContains("page card", b.text("#obs-http"), "THIS DOMAIN HAS BEEN SEIZED", "Federal Bureau of Investigation")
	b.wantContains("cert card", b.text("#obs-cert"), "connection refused", "CN=thefoxcloud.com")
	b.shot("03-domain")

	// Diff of the delegation: the NS moved to the FBI's servers.
	b.do("open delegation diff",
		chromedp.Click(chromedp.CSS(`#obs-delegation .card-head a`)),
		chromedp.WaitVisible(chromedp.CSS("table.diff")))
	if p := b.text("table.diff tr.op-changed th"); p != "ns" {
		t.Errorf("changed row %q, want ns", p)
	}
	b.wantContains("A side", b.text("table.diff tr.op-changed td.side-a li.item-removed"), "ns1.foxdns.example")
	b.wantContains("B side", b.text("table.diff tr.op-changed td.side-b li.item-added"), "ns1.fbi.seized.gov")
	b.shot("04-diff-delegation")

	// A timeline event's "diff" link compares the snapshots around it.
	b.open("/domains/thefoxcloud.com", "#timeline")
	b.do("open page-title diff",
		chromedp.Click(chromedp.CSS(`#timeline li.ev a.ev-diff[href*="probe=http"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.diff")))
	diff := b.text("table.diff tbody")
	b.wantContains("http diff", diff, "title", "The Fox Cloud | Remote IT staffing", "THIS DOMAIN HAS BEEN SEIZED")
	b.shot("05-diff-http")

	// Look-alike triage: dismiss one in one click.
	b.open("/lookalikes?brand=thefoxcloud.com", "table.lookalikes")
	b.wantContains("look-alikes", b.text("table.lookalikes tbody"), "thefoxcloud.net", "thef0xcloud.com", "tld-swap")
	b.shot("06-lookalikes")
	b.do("dismiss thefoxcloud.net",
		chromedp.Click(chromedp.CSS(`tr[data-name="thefoxcloud.net"] button[value="dismissed"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-ok")))
	b.wantContains("flash", b.text(".flash-ok"), "dismissed thefoxcloud.net")
	if n := b.count(`tr[data-name="thefoxcloud.net"]`); n != 0 {
		t.Errorf("dismissed look-alike still listed under new")
	}
	if loc := b.location(); !strings.Contains(loc, "brand=thefoxcloud.com") {
		t.Errorf("triage lost the filters: %s", loc)
	}
	ls, _, err := st.Lookalikes(context.Background(), store.LookalikeQuery{Brand: "thefoxcloud.com", Search: "thefoxcloud.net"})
	if err != nil || len(ls) != 1 || ls[0].Status != store.StatusDismissed {
		t.Errorf("store after dismiss: %+v, %v", ls, err)
	}
	b.open("/lookalikes?brand=thefoxcloud.com&status=dismissed", "table.lookalikes")
	b.wantContains("dismissed tab", b.text("table.lookalikes tbody"), "thefoxcloud.net")
	b.shot("07-lookalikes-dismissed")

	b.open("/events", ".timeline")
	b.shot("08-events")
	b.open("/alerts", "table.outbox")
	b.wantContains("outbox", b.text("table.outbox"), "soc@example.org", "mailbox unavailable")
	b.shot("09-alerts")
	b.clean()
}

// TestBrowserXSS opens every page that shows a hostile domain's network
// data and checks in the browser that the payloads are text: no script ran,
// no dialog opened, no element was injected.
func TestBrowserXSS(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedHostile(t, st)
	b := newBrowser(t, hs)

	for _, tc := range []struct {
		path, waitFor string
		shows         []string // payloads that must appear as text
	}{
		{"/domains/" + hostile, ".verdict", []string{xssScript, xssImg, xssSVG, xssIframe, xssAttr, xssTitle, xssStyle}},
		{"/domains/" + hostile + "/diff?probe=http", "table.diff", []string{xssTitle, "Welcome"}},
		{"/domains/" + hostile + "/diff?probe=http&all=1", "table.diff", []string{"javascript:alert(1)"}},
		{"/events", ".timeline", []string{xssTitle, xssScript, "<img src=x onerror=alert(1)>", "<svg onload=alert(2)>"}},
		{"/", ".state-grid", []string{hostile}},
		{"/domains?q=evil", "table.domains", []string{hostile}},
		{"/lookalikes?status=all", "table.lookalikes", []string{xssSVG, xssImg, "<img src=x onerror=alert(3)>"}},
		{"/alerts", "table.outbox", []string{xssScript}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			b.t = t
			b.open(tc.path, tc.waitFor)
			body := b.text("body")
			for _, p := range tc.shows {
				if !strings.Contains(body, p) {
					t.Errorf("payload %q is not shown as text", p)
				}
			}
			if v := b.eval("typeof window.__xss"); v != "undefined" {
				t.Errorf("a payload ran: window.__xss is %v (%v)", v, b.eval("String(window.__xss)"))
			}
			// The overview's own charts are the only SVG a page may hold.
			if n := b.count("img, svg:not(figure.ov-chart > svg), iframe, style, object, embed, [onerror], [onload], [onmouseover]"); n != 0 {
				t.Errorf("%d injected elements or handlers in the page", n)
			}
			scripts := b.eval(`Array.from(document.scripts).map(s => s.getAttribute("src") || "inline").join(" ")`)
			if s, _ := scripts.(string); !strings.HasPrefix(s, "/static/app.js?v=") || strings.Contains(s, " ") {
				t.Errorf("scripts in the page: %q, want only /static/app.js", s)
			}
			if v := b.eval(`getComputedStyle(document.body).display`); v != "block" {
				t.Errorf("an injected style hid the page: body display %v", v)
			}
			b.shot("xss-" + strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-").Replace(strings.Trim(tc.path, "/")))
			b.clean()
		})
	}
}

// TestBrowserLookalikeRisk: the look-alike list shows the riskiest
// look-alike first with its level, score, reasons and screenshot, loaded
// under the strict CSP; a hostile page title and reason text are shown as
// text and never run. The seized domain's page shows its banner.
func TestBrowserLookalikeRisk(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedLookalikeWatch(t, st)
	b := newBrowser(t, hs)

	b.open("/lookalikes?status=all", "table.lookalikes img.thumb")
	b.waitFor(`Array.from(document.images).every(i => i.complete)`)
	if first := b.eval(`document.querySelector("table.lookalikes tbody tr").dataset.name`); first != laPhish {
		t.Errorf("first look-alike %v, want %s", first, laPhish)
	}
	row := b.text(`tr[data-name="` + laPhish + `"] td.risk`)
	b.wantContains("risk cell", row, "phishing like", "96", "TLSH 91, ssdeep 88", laReasonJS, xssImg)
	if w := b.eval(`document.querySelector('tr[data-name="` + laPhish + `"] img.thumb').naturalWidth`); w != float64(64) {
		t.Errorf("screenshot did not load under the CSP: naturalWidth %v", w)
	}
	b.shot("lookalike-risk")
	// At 1,400 px the triage controls are in view (the wide table scrolls in
	// its box), and phishing_like is drawn in the danger colour, not green.
	if ok := b.eval(`(() => { const r = document.querySelector('tr[data-name="` + laPhish + `"] td.triage button').getBoundingClientRect();
		return r.width > 0 && r.right <= window.innerWidth && r.left >= 0 })()`); ok != true {
		t.Errorf("triage button out of view at %v px", b.eval(`window.innerWidth`))
	}
	if bg := b.eval(`getComputedStyle(document.querySelector('tr[data-name="` + laPhish + `"] .risk-level')).backgroundColor`); bg != "rgb(192, 57, 43)" {
		t.Errorf("phishing_like drawn with background %v, want the danger colour", bg)
	}
	b.noInjection(1)

	b.open("/domains/"+laPhish, ".screenshot img.shot")
	b.waitFor(`document.querySelector(".screenshot img.shot").complete`)
	b.wantContains("page card", b.text("#obs-http"), xssTitle)
	b.noInjection(1)

	b.open("/domains/"+laSeized, ".screenshot img.shot")
	b.waitFor(`document.querySelector(".screenshot img.shot").complete`)
	if w := b.eval(`document.querySelector(".screenshot img.shot").naturalWidth`); w != float64(64) {
		t.Errorf("seizure banner did not load: naturalWidth %v", w)
	}
	b.shot("seized-screenshot")
	b.noInjection(1)
	b.clean()
}

// noInjection checks that no payload ran and the page holds only the
// screenshots it should (imgs) and no handler attribute.
func (b *browser) noInjection(imgs int) {
	b.t.Helper()
	if v := b.eval("typeof window.__xss"); v != "undefined" {
		b.t.Errorf("a payload ran: window.__xss is %v", b.eval("String(window.__xss)"))
	}
	if n := b.count("img"); n != imgs {
		b.t.Errorf("%d img elements, want %d screenshot(s)", n, imgs)
	}
	if n := b.count(`img:not([src^="/domains/"]), svg, iframe, style, object, embed, [onerror], [onload], [onmouseover]`); n != 0 {
		b.t.Errorf("%d injected elements or handlers in the page", n)
	}
}
