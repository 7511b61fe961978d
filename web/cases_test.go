package web

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/cases"
	"github.com/takedownhq/takedown/monitor/cases/report"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// hostileRegistrar is a registrar name as a hostile registry could send it.
const hostileRegistrar = `Evil <script>window.__xss=1</script> & Co`

// seedCases opens three cases: one taken down in 2 h at a registrar with a
// hostile name, one taken down in 3 days, one open with its contacts.
func seedCases(t *testing.T, st *sqlite.SQLite) {
	t.Helper()
	ctx := context.Background()
	cs := monitor.CaseStore(st, st)
	t0 := time.Now().Add(-96 * time.Hour)
	for _, c := range []struct {
		name, registrar string
		ttt             int64
	}{{"acme-fast.com", hostileRegistrar, 7200}, {"acme-slow.com", "Slow Registrar", 3 * 86400}, {"acme-open.com", "", -1}} {
		if _, err := cases.Open(ctx, cs, c.name, c.name, "phishing", "seen in spam", t0); err != nil {
			t.Fatal(err)
		}
		if err := cases.AddContact(ctx, cs, c.name, store.CaseContact{Role: "registrar", Email: "abuse@registrar.example", Name: c.registrar}); err != nil {
			t.Fatal(err)
		}
		if c.ttt < 0 {
			continue
		}
		err := st.UpdateCases(ctx, func(tx store.CaseTx) error {
			k, err := tx.CaseOf(c.name)
			if err != nil {
				return err
			}
			k.Status, k.Registrar, k.TimeToTakedown, k.TakenDownAt = store.CaseTakenDown, c.registrar, &c.ttt, t0.Add(time.Duration(c.ttt)*time.Second)
			return tx.SaveCase(*k)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestCasePagesAPIAndChart(t *testing.T) {
	st := openStore(t)
	hs := serveStore(t, st, Options{Cases: st, CaseReporter: report.Party{Name: "CERT", Email: "cert@team.example"}})
	seedCases(t, st)
	c := client(t)

	r := get(t, c, hs.URL+"/cases")
	// Active: every case not closed, the taken-down ones too (they are
	// watched for a return).
	if r.status != 200 || !strings.Contains(r.body, "acme-open.com</a>") || !strings.Contains(r.body, "acme-fast.com</a>") {
		t.Fatalf("cases page (active): %d\n%s", r.status, clip(r.body, 2000))
	}
	if !strings.Contains(r.body, "report to registrar (abuse@registrar.example)") {
		t.Errorf("cases page lacks the next step")
	}
	if r := get(t, c, hs.URL+"/cases?status=bogus"); r.status != 400 || !strings.Contains(r.body, "bogus") {
		t.Errorf("bad status: %d", r.status)
	}

	// The chart: well-formed SVG, one column per bucket holding the two
	// takedowns, one bar per registrar with a time, the hostile name inert.
	r = get(t, c, hs.URL+"/cases/chart.svg")
	if r.status != 200 || r.header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("chart: %d %s", r.status, r.header.Get("Content-Type"))
	}
	var svg struct {
		Rects []struct {
			Class  string `xml:"class,attr"`
			Height int    `xml:"height,attr"`
			Title  string `xml:"title"`
		} `xml:"rect"`
	}
	if err := xml.Unmarshal([]byte(r.body), &svg); err != nil {
		t.Fatalf("chart is not XML: %v\n%s", err, r.body)
	}
	var buckets, providers []string
	for _, rc := range svg.Rects {
		switch rc.Class {
		case "bucket":
			if rc.Height > 0 {
				buckets = append(buckets, rc.Title)
			}
		case "provider":
			providers = append(providers, rc.Title)
		}
	}
	if strings.Join(buckets, ";") != "1–6 h: 1;3–7 d: 1" {
		t.Errorf("buckets with cases: %q", buckets)
	}
	if len(providers) != 2 || providers[0] != "registrar Slow Registrar: median 72h0m0s" || providers[1] != "registrar "+hostileRegistrar+": median 2h0m0s" {
		t.Errorf("provider bars: %q", providers)
	}
	if strings.Contains(r.body, "<script") {
		t.Errorf("hostile registrar name not escaped in the chart")
	}

	// The case page: contacts, timeline, report preview.
	r = get(t, c, hs.URL+"/cases/acme-open.com")
	for _, want := range []string{"abuse@registrar.example", "analyst", "seen in spam", "# Phishing", "Timeline"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	// A note is the analyst's, but shown as text all the same.
	if _, err := cases.Open(context.Background(), monitor.CaseStore(st, st), "acme-note.com", "acme-note.com", "fraud",
		`<img src=x onerror=alert(1)> "quoted"`, time.Now()); err != nil {
		t.Fatal(err)
	}
	if r := get(t, c, hs.URL+"/cases/acme-note.com"); !strings.Contains(r.body, "&lt;img src=x onerror=alert(1)&gt;") || strings.Contains(r.body, "<img src=x") {
		t.Errorf("note not escaped on the case page")
	}
	if r := get(t, c, hs.URL+"/cases/nocase.com"); r.status != 404 {
		t.Errorf("case page of a name without one: %d", r.status)
	}

	// API.
	var list struct{ Items []store.Case }
	r = get(t, c, hs.URL+"/api/v1/cases?status=taken_down")
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || len(list.Items) != 2 {
		t.Fatalf("api cases: %v %s", err, r.body)
	}
	var stats struct {
		Groups []cases.Group `json:"groups"`
	}
	r = get(t, c, hs.URL+"/api/v1/cases/stats?by=registrar")
	if err := json.Unmarshal([]byte(r.body), &stats); err != nil || len(stats.Groups) != 3 || stats.Groups[2].Group != "unknown" {
		t.Fatalf("api stats: %v %s", err, r.body)
	}
	if r := get(t, c, hs.URL+"/api/v1/cases/stats?by=color"); r.status != 400 {
		t.Errorf("stats by color: %d", r.status)
	}
	r = get(t, c, hs.URL+"/api/v1/cases/acme-open.com/report?format=xarf&to=registrar")
	if r.status != 200 || !json.Valid([]byte(r.body)) {
		t.Errorf("xarf report: %d %s", r.status, clip(r.body, 300))
	}
	if r := get(t, c, hs.URL+"/api/v1/cases/acme-open.com/report?format=pdf"); r.status != 400 {
		t.Errorf("pdf report: %d", r.status)
	}
	if r := get(t, c, hs.URL+"/api/v1/cases/acme-open.com/report?to=hosting"); r.status != 400 || !strings.Contains(r.body, "hosting") {
		t.Errorf("report to a role without a contact: %d %s", r.status, r.body)
	}
}

// Opening a case is a POST with the page's CSRF token; without it nothing
// is opened.
func TestOpenCaseNeedsCSRF(t *testing.T) {
	st := openStore(t)
	hs := serveStore(t, st, Options{Cases: st})
	c := client(t)
	if r := postForm(t, c, hs.URL+"/cases", url.Values{"name": {"acme-login.com"}}); r.status != 403 {
		t.Fatalf("without a token: %d", r.status)
	}
	if _, err := st.Case(context.Background(), "acme-login.com"); err == nil {
		t.Fatal("a case was opened without a token")
	}
	tok := csrfOf(t, c, hs.URL+"/cases")
	r := postForm(t, c, hs.URL+"/cases", url.Values{"csrf": {tok}, "name": {"acme-login.com"}, "reason": {"fraud"}})
	if r.status != 303 || r.header.Get("Location") != "/cases/acme-login.com" {
		t.Fatalf("open: %d %s", r.status, r.header.Get("Location"))
	}
	k, err := st.Case(context.Background(), "acme-login.com")
	if err != nil || k.Reason != "fraud" || k.Status != store.CaseOpen {
		t.Fatalf("case %+v %v", k, err)
	}
	r = postForm(t, c, hs.URL+"/cases", url.Values{"csrf": {tok}, "name": {"x.com"}, "reason": {"spam"}})
	if r.status != 303 {
		t.Fatalf("bad reason: %d", r.status)
	}
	if _, err := st.Case(context.Background(), "x.com"); err == nil {
		t.Fatal("a case was opened with a bad reason")
	}
}

// TestBrowserCases: an analyst opens a case from the look-alikes page,
// lands on its page, then sees it on the Cases page with the chart drawn.
func TestBrowserCases(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	hs.Close()
	hs = serveStore(t, st, Options{Cases: st})
	seedLookalikeWatch(t, st)
	seedCases(t, st)
	b := newBrowser(t, hs)

	b.open("/lookalikes?status=all", `tr[data-name="`+laPhish+`"] form.open-case button`)
	b.do("open a case", chromedp.Click(chromedp.CSS(`tr[data-name="`+laPhish+`"] form.open-case button`)))
	b.waitFor(`location.pathname === "/cases/` + laPhish + `"`)
	b.waitFor(`document.querySelector(".report-md") !== null`)
	b.wantContains("case page", b.text(".page-head"), laPhish, "open", "phishing")
	b.wantContains("timeline", b.text(".case-timeline"), "open")
	b.shot("case-page")

	b.open("/cases", "table.cases")
	b.waitFor(`document.querySelector("img.chart").complete`)
	if w := b.eval(`document.querySelector("img.chart").naturalWidth`); w != float64(720) {
		t.Errorf("chart did not load under the CSP: naturalWidth %v", w)
	}
	if n := b.count("table.cases tbody tr"); n != 4 {
		t.Errorf("%d active cases listed, want 4", n)
	}
	b.wantContains("cases page", b.text(`tr[data-name="acme-open.com"]`), "open", "report to registrar")
	if v := b.eval("typeof window.__xss"); v != "undefined" {
		t.Errorf("a payload ran")
	}
	b.shot("cases")
	b.clean()
}

// The case page's Send button queues the report in the outbox (with the
// page's CSRF token only), once; without SMTP it refuses and records
// nothing.
func TestSendCaseFromThePage(t *testing.T) {
	ctx := context.Background()
	for _, smtp := range []bool{false, true} {
		st := openStore(t)
		hs := serveStore(t, st, Options{Cases: st, CaseSMTP: smtp})
		seedCases(t, st)
		c := client(t)
		u := hs.URL + "/cases/acme-open.com/send"
		if r := postForm(t, c, u, url.Values{"role": {"registrar"}}); r.status != 403 {
			t.Fatalf("without a token: %d", r.status)
		}
		tok := csrfOf(t, c, hs.URL+"/cases/acme-open.com")
		if !strings.Contains(get(t, c, hs.URL+"/cases/acme-open.com").body, "Send report") {
			t.Fatal("no Send button on the case page")
		}
		for range 2 {
			if r := postForm(t, c, u, url.Values{"csrf": {tok}, "role": {"registrar"}}); r.status != 303 {
				t.Fatalf("send: %d %s", r.status, r.body)
			}
		}
		items, err := st.Outbox(ctx, store.OutboxQuery{Channel: "case-report"})
		if err != nil {
			t.Fatal(err)
		}
		k, _ := st.Case(ctx, "acme-open.com")
		want := 0
		if smtp {
			want = 1
		}
		if len(items) != want || (smtp != (k.Status == store.CaseReported)) {
			t.Errorf("smtp %v: %d outbox rows, case %s", smtp, len(items), k.Status)
		}
	}
}
