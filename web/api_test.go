package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/base/metrics"
	"github.com/takedownhq/takedown/store"
)

type apiPage struct {
	Items  []json.RawMessage `json:"items"`
	Total  *int              `json:"total"`
	Limit  int               `json:"limit"`
	Offset int               `json:"offset"`
	Next   string            `json:"next"`
	Prev   string            `json:"prev"`
}

func getJSON(t *testing.T, c *http.Client, u string, v any) response {
	t.Helper()
	r := get(t, c, u)
	if r.status == http.StatusOK {
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s: content type %q", u, ct)
		}
		if err := json.Unmarshal([]byte(r.body), v); err != nil {
			t.Fatalf("%s: %v\n%.300s", u, err, r.body)
		}
	}
	return r
}

func wantStatus(t *testing.T, what string, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d, want %d: %.300s", what, r.status, want, r.body)
	}
}

func TestAPIPagination(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	var ds []store.NewDomain
	for i := range 120 {
		ds = append(ds, store.NewDomain{Name: fmt.Sprintf("d%03d-fox.com", i)})
	}
	if _, err := st.AddDomains(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	c := client(t)
	var names []string
	next := "/api/v1/domains?limit=50"
	pages := 0
	for next != "" {
		var p apiPage
		wantStatus(t, next, getJSON(t, c, hs.URL+next, &p), http.StatusOK)
		pages++
		if p.Total == nil || *p.Total != 120 || p.Limit != 50 {
			t.Fatalf("%s: total %v limit %d", next, p.Total, p.Limit)
		}
		if pages == 1 && p.Prev != "" {
			t.Errorf("first page has prev %q", p.Prev)
		}
		if pages > 1 && p.Prev == "" {
			t.Errorf("page %d has no prev", pages)
		}
		for _, it := range p.Items {
			var d store.Domain
			json.Unmarshal(it, &d)
			names = append(names, d.Name)
		}
		next = p.Next
		if pages > 5 {
			t.Fatal("next links do not end")
		}
	}
	if pages != 3 || len(names) != 120 || !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != 120 {
		t.Errorf("paged through %d pages, %d names (sorted %v)", pages, len(names), slices.IsSorted(names))
	}

	var p apiPage
	getJSON(t, c, hs.URL+"/api/v1/domains?limit=100000", &p)
	if p.Limit != apiMaxLimit || len(p.Items) != 120 || p.Next != "" {
		t.Errorf("huge limit: limit %d, %d items, next %q", p.Limit, len(p.Items), p.Next)
	}
	getJSON(t, c, hs.URL+"/api/v1/domains?offset=500", &p)
	if len(p.Items) != 0 || p.Next != "" || p.Prev == "" || p.Items == nil {
		t.Errorf("past the end: %d items, next %q prev %q", len(p.Items), p.Next, p.Prev)
	}
	getJSON(t, c, hs.URL+"/api/v1/domains?limit=10&offset=115&sort=-name", &p)
	var first store.Domain
	json.Unmarshal(p.Items[0], &first)
	if len(p.Items) != 5 || first.Name != "d004-fox.com" || p.Next != "" {
		t.Errorf("last page descending: %d items, first %s, next %q", len(p.Items), first.Name, p.Next)
	}
}

func TestAPIFilters(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedSeizure(t, st)
	c := client(t)
	names := func(u string) []string {
		t.Helper()
		var p apiPage
		wantStatus(t, u, getJSON(t, c, hs.URL+u, &p), http.StatusOK)
		var out []string
		for _, it := range p.Items {
			var v struct{ Domain, Name string }
			json.Unmarshal(it, &v)
			out = append(out, v.Domain+v.Name)
		}
		if p.Total != nil && *p.Total != len(out) {
			t.Errorf("%s: total %d, %d items", u, *p.Total, len(out))
		}
		return out
	}
	for _, tc := range []struct {
		url  string
		want string
	}{
		{"/api/v1/domains?state=seized", "cloudfoxhub.com thefoxcloud.com"},
		{"/api/v1/domains?tag=dprk&sort=-name", "thefoxcloud.com cloudfoxhub.com"},
		{"/api/v1/domains?kind=brand", "example.org"},
		{"/api/v1/domains?q=FOX", "cloudfoxhub.com thefoxcloud.com"},
		{"/api/v1/domains?state=seized&tag=doj-2023-10&q=hub", "cloudfoxhub.com"},
		{"/api/v1/domains?tag=DPRK&sort=-name", "thefoxcloud.com cloudfoxhub.com"},
		{"/api/v1/domains?q=" + url.QueryEscape("https://www.thefoxcloud.com/x"), "thefoxcloud.com"},
		{"/api/v1/domains?state=deleted", ""},
		{"/api/v1/events?kind=state_changed&domain=thefoxcloud.com", "thefoxcloud.com thefoxcloud.com"},
		{"/api/v1/events?severity=critical", "cloudfoxhub.com thefoxcloud.com"},
		{"/api/v1/events?kind=lookalike_registered&since=" + tSeized.Add(36*time.Hour).Format(time.RFC3339), "thefoxcloud.net"},
		{"/api/v1/events?kind=ns_changed,lookalike_registered&until=" + tSeized.Format(time.RFC3339), "examp1e.org"},
		{"/api/v1/lookalikes?brand=thefoxcloud.com&registered=yes", "thefoxcloud.net thef0xcloud.com"},
		{"/api/v1/lookalikes?fuzzer=homoglyph", "thef0xcloud.com examp1e.org"},
		{"/api/v1/lookalikes?source=feed:nrd", "thefoxcloud-hub.com"},
		{"/api/v1/lookalikes?status=dismissed", ""},
		{"/api/v1/lookalikes?q=0x", "thef0xcloud.com"},
		{"/api/v1/lookalikes?since=" + tSeized.Add(29*time.Hour).Format(time.RFC3339), "thefoxcloud.net thef0xcloud.com"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			if got := strings.Join(names(tc.url), " "); got != tc.want {
				t.Errorf("%s: %q, want %q", tc.url, got, tc.want)
			}
		})
	}

	// Times read as the CLI reads them: the API takes 7d and yesterday too.
	for _, rel := range []string{"/api/v1/events?since=7d", "/api/v1/events?since=yesterday", "/api/v1/events?until=today",
		"/api/v1/lookalikes?since=36h"} {
		if r := get(t, c, hs.URL+rel); r.status != http.StatusOK {
			t.Errorf("%s: status %d, body %.200s", rel, r.status, r.body)
		}
	}

	// A filter value that can match nothing is refused, naming it, as the
	// CLI refuses it: an empty list would read as "nothing there".
	for _, bad := range []string{"/api/v1/events?severity=loud", "/api/v1/events?since=the-day-before",
		"/api/v1/lookalikes?since=2023-13-45", "/api/v1/events?before=x", "/api/v1/snapshots/abc",
		"/api/v1/domains?state=bogus", "/api/v1/domains?kind=bogus", "/api/v1/lookalikes?status=bogus",
		"/api/v1/lookalikes?registered=maybe", "/api/v1/events?kind=bogus", "/api/v1/domains?limit=abc",
		"/api/v1/events?offset=-1", "/api/v1/export/domains.csv?state=bogus"} {
		t.Run(bad, func(t *testing.T) {
			r := get(t, c, hs.URL+bad)
			var e struct{ Error string }
			json.Unmarshal([]byte(r.body), &e)
			if r.status != http.StatusBadRequest || e.Error == "" {
				t.Errorf("%s: status %d, body %.200s; want 400 with a message", bad, r.status, r.body)
			}
		})
	}
	for _, missing := range []string{"/api/v1/domains/nope.example", "/api/v1/nothing", "/api/v1/snapshots/999999",
		"/api/v1/domains/thefoxcloud.com/diff?probe=dns&a=999999", "/api/v1/export/secrets.csv"} {
		if r := get(t, c, hs.URL+missing); r.status != http.StatusNotFound || !strings.Contains(r.body, `"error"`) {
			t.Errorf("%s: status %d %.100s, want a JSON 404", missing, r.status, r.body)
		}
	}
}

func TestAPIDomainHistorySnapshots(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedSeizure(t, st)
	c := client(t)

	var dom struct {
		Domain store.Domain
		Latest map[string]struct {
			ID   int64
			Data map[string]any
		}
		Transitions []store.Transition
		Probes      []store.ProbeStatus
	}
	wantStatus(t, "domain", getJSON(t, c, hs.URL+"/api/v1/domains/thefoxcloud.com", &dom), http.StatusOK)
	if dom.Domain.State != "seized" || len(dom.Domain.StateReasons) != 3 || len(dom.Transitions) != 2 {
		t.Errorf("domain: state %s, %d reasons, %d transitions", dom.Domain.State, len(dom.Domain.StateReasons), len(dom.Transitions))
	}
	if ns := fmt.Sprint(dom.Latest["delegation"].Data["ns"]); ns != "[ns1.fbi.seized.gov ns2.fbi.seized.gov]" {
		t.Errorf("latest delegation ns = %s (data must be JSON, not base64)", ns)
	}
	// Another spelling of the name finds the same domain.
	var again struct{ Domain store.Domain }
	wantStatus(t, "upper case", getJSON(t, c, hs.URL+"/api/v1/domains/TheFoxCloud.COM", &again), http.StatusOK)
	if again.Domain.Name != "thefoxcloud.com" {
		t.Errorf("TheFoxCloud.COM found %q", again.Domain.Name)
	}

	var hist struct {
		Watched     bool
		Transitions []store.Transition
		Events      apiPage
	}
	wantStatus(t, "history", getJSON(t, c, hs.URL+"/api/v1/domains/thefoxcloud.com/history?limit=5", &hist), http.StatusOK)
	if !hist.Watched || len(hist.Transitions) != 2 || len(hist.Events.Items) != 5 || hist.Events.Total == nil ||
		*hist.Events.Total != 17 || hist.Events.Next != "/api/v1/domains/thefoxcloud.com/history?limit=5&offset=5" {
		t.Errorf("history: watched %v, %d transitions, %d events of %v, next %q", hist.Watched, len(hist.Transitions),
			len(hist.Events.Items), hist.Events.Total, hist.Events.Next)
	}
	var ev struct {
		Kind, Old, New string
		Detail         map[string][]string
	}
	json.Unmarshal(hist.Events.Items[0], &ev)
	if ev.Kind != "state_changed" || ev.Old != "active" || ev.New != "seized" || len(ev.Detail["reasons"]) != 3 {
		t.Errorf("newest event: %+v", ev)
	}
	// A name that is not watched still has its history.
	wantStatus(t, "look-alike history", getJSON(t, c, hs.URL+"/api/v1/domains/thefoxcloud.net/history", &hist), http.StatusOK)
	if hist.Watched || hist.Events.Total == nil || *hist.Events.Total != 1 {
		t.Errorf("thefoxcloud.net history: watched %v total %v", hist.Watched, hist.Events.Total)
	}

	var snaps apiPage
	wantStatus(t, "snapshots", getJSON(t, c, hs.URL+"/api/v1/domains/thefoxcloud.com/snapshots?probe=delegation", &snaps), http.StatusOK)
	if snaps.Total == nil || *snaps.Total != 2 || len(snaps.Items) != 2 {
		t.Fatalf("delegation snapshots: %v total, %d items", snaps.Total, len(snaps.Items))
	}
	var sn struct {
		ID        int64
		FirstSeen time.Time `json:"first_seen"`
		LastSeen  time.Time `json:"last_seen"`
		Data      struct{ NS []string }
	}
	json.Unmarshal(snaps.Items[1], &sn)
	if !sn.FirstSeen.Equal(tBefore) || !sn.LastSeen.Equal(tRecheck) || sn.Data.NS[0] != "ns1.foxdns.example" {
		t.Errorf("older delegation snapshot: %+v", sn)
	}
	var one struct{ Probe string }
	wantStatus(t, "snapshot", getJSON(t, c, hs.URL+fmt.Sprintf("/api/v1/snapshots/%d", sn.ID), &one), http.StatusOK)
	if one.Probe != "delegation" {
		t.Errorf("snapshot %d probe %q", sn.ID, one.Probe)
	}
	wantStatus(t, "all snapshots", getJSON(t, c, hs.URL+"/api/v1/domains/thefoxcloud.com/snapshots?limit=3&offset=3", &snaps), http.StatusOK)
	if *snaps.Total != 9 || len(snaps.Items) != 3 || snaps.Next == "" {
		t.Errorf("all snapshots page 2: total %d, %d items, next %q", *snaps.Total, len(snaps.Items), snaps.Next)
	}

	var diff struct {
		Probe   string
		Summary map[string]int
		Rows    []struct {
			Path, Op string
			A, B     any
		}
	}
	// "at" picks the snapshot current then and the one before it, as the
	// timeline's diff links do.
	u := "/api/v1/domains/thefoxcloud.com/diff?" + url.Values{"probe": {"http"}, "at": {tSeized.Format(time.RFC3339Nano)}}.Encode()
	wantStatus(t, "diff", getJSON(t, c, hs.URL+u, &diff), http.StatusOK)
	var title []string
	for _, r := range diff.Rows {
		if r.Path == "title" {
			title = []string{r.Op, fmt.Sprint(r.A), fmt.Sprint(r.B)}
		}
		if r.Op == OpSame {
			t.Errorf("unchanged row %s listed without all=1", r.Path)
		}
	}
	if fmt.Sprint(title) != "[changed The Fox Cloud | Remote IT staffing THIS DOMAIN HAS BEEN SEIZED]" || diff.Summary["same"] != 1 {
		t.Errorf("http diff: title %v, summary %v", title, diff.Summary)
	}
	// Before the seizure "at" finds the first snapshot alone.
	u = "/api/v1/domains/thefoxcloud.com/diff?" + url.Values{"probe": {"http"}, "at": {tBefore.Add(time.Hour).Format(time.RFC3339)}, "all": {"1"}}.Encode()
	wantStatus(t, "early diff", getJSON(t, c, hs.URL+u, &diff), http.StatusOK)
	if diff.Summary["added"] == 0 || diff.Summary["changed"] != 0 {
		t.Errorf("diff of the first snapshot: %v", diff.Summary)
	}
	// A snapshot of another domain or probe is refused.
	if r := get(t, c, hs.URL+fmt.Sprintf("/api/v1/domains/cloudfoxhub.com/diff?probe=delegation&a=%d", sn.ID)); r.status != http.StatusNotFound {
		t.Errorf("foreign snapshot in diff: status %d", r.status)
	}
}

func TestAPIOutboxOverview(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedSeizure(t, st)
	c := client(t)
	var ob struct {
		apiPage
		Depth map[string]int
	}
	wantStatus(t, "outbox", getJSON(t, c, hs.URL+"/api/v1/outbox?status=failed", &ob), http.StatusOK)
	var item struct {
		Status    string
		LastError string `json:"last_error"`
		Event     struct{ Kind, Domain string }
	}
	if len(ob.Items) != 1 || *ob.Total != 1 || ob.Depth["pending"] != 6 || ob.Depth["sent"] != 1 {
		t.Fatalf("failed outbox: %d items, depth %v", len(ob.Items), ob.Depth)
	}
	json.Unmarshal(ob.Items[0], &item)
	if item.Event.Kind != "ns_changed" || item.Event.Domain != "thefoxcloud.com" {
		t.Errorf("outbox item event: %+v", item)
	}
	var ov struct {
		Domains       int
		States        map[string]int
		Lookalikes    map[string]int
		FailingChecks []store.ProbeStatusOf `json:"failing_checks"`
		RecentEvents  []json.RawMessage     `json:"recent_events"`
	}
	wantStatus(t, "overview", getJSON(t, c, hs.URL+"/api/v1/overview", &ov), http.StatusOK)
	if ov.Domains != 4 || ov.States["seized"] != 2 || ov.Lookalikes["new"] != 4 || len(ov.FailingChecks) != 2 || len(ov.RecentEvents) == 0 {
		t.Errorf("overview: %+v", ov)
	}
}

func TestExports(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedSeizure(t, st)
	ctx := context.Background()
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: "formula.example", Note: `=HYPERLINK("http://evil.example","click")`}}); err != nil {
		t.Fatal(err)
	}
	update(t, st, func(tx store.Tx) {
		if _, err := tx.AddEvent(store.Event{Domain: "formula.example", Kind: "whois_changed", Field: "registrar",
			Old: "@SUM(1+1)*cmd|' /C calc'!A0", New: "+1-1", Severity: event.SevInfo}); err != nil {
			t.Fatal(err)
		}
	})
	c := client(t)
	readCSV := func(u string) [][]string {
		t.Helper()
		r := get(t, c, hs.URL+u)
		wantStatus(t, u, r, http.StatusOK)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("%s: content type %q", u, ct)
		}
		if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="takedown-`) {
			t.Errorf("%s: disposition %q", u, cd)
		}
		rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		return rows
	}
	rows := readCSV("/api/v1/export/domains.csv")
	if len(rows) != 6 || rows[0][0] != "domain" {
		t.Fatalf("domains.csv: %d rows, header %v", len(rows), rows[0])
	}
	for _, r := range rows {
		if r[0] == "formula.example" && r[7] != `'=HYPERLINK("http://evil.example","click")` {
			t.Errorf("formula note exported as %q", r[7])
		}
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("cell %q would run as a formula", cell)
			}
		}
	}
	if rows := readCSV("/api/v1/export/domains.csv?state=seized&limit=1"); len(rows) != 3 {
		t.Errorf("filtered export: %d rows, want header + 2 (limit ignored)", len(rows))
	}
	ev := readCSV("/api/v1/export/events.csv?domain=formula.example")
	if len(ev) != 2 || ev[1][7] != "'@SUM(1+1)*cmd|' /C calc'!A0" || ev[1][8] != "'+1-1" {
		t.Errorf("events.csv: %q", ev)
	}
	r := get(t, c, hs.URL+"/api/v1/export/lookalikes.json?brand=thefoxcloud.com")
	var ls []apiLookalike
	if err := json.Unmarshal([]byte(r.body), &ls); err != nil || len(ls) != 3 {
		t.Fatalf("lookalikes.json: %v, %d rows: %.200s", err, len(ls), r.body)
	}
	if string(ls[0].DNS) != `{"a":["192.0.2.77"],"ns":["ns1.foxdns.example"]}` {
		t.Errorf("look-alike dns exported as %s", ls[0].DNS)
	}
	r = get(t, c, hs.URL+"/api/v1/export/events.json")
	var evs []apiEvent
	if err := json.Unmarshal([]byte(r.body), &evs); err != nil || len(evs) < 20 {
		t.Errorf("events.json: %v, %d events", err, len(evs))
	}
	if r := get(t, c, hs.URL+"/api/v1/export/domains.xml"); r.status != http.StatusNotFound {
		t.Errorf("domains.xml: status %d", r.status)
	}
}

// Exports apiPage through the store; more rows than one batch must all come out.
func TestExportBatches(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	var ds []store.NewDomain
	for i := range exportBatch + 7 {
		ds = append(ds, store.NewDomain{Name: fmt.Sprintf("n%05d.example", i)})
	}
	if _, err := st.AddDomains(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	var out []store.Domain
	r := get(t, client(t), hs.URL+"/api/v1/export/domains.json")
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || len(out) != exportBatch+7 {
		t.Errorf("export of %d domains: %d, %v", exportBatch+7, len(out), err)
	}
}

func TestTokenRequired(t *testing.T) {
	const token = "s3cret-Token-0f-the-SOC"
	hs, st := newTestServer(t, Options{Token: token})
	seedSeizure(t, st)
	c := client(t)
	bearer := func(u, tok string) response {
		req, _ := http.NewRequest("GET", hs.URL+u, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		return do(t, c, req)
	}
	for _, u := range []string{"/api/v1/domains", "/api/v1/domains/thefoxcloud.com", "/api/v1/export/domains.csv", "/metrics"} {
		r := bearer(u, "")
		if r.status != http.StatusUnauthorized || !strings.Contains(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s without a token: status %d", u, r.status)
		}
		if strings.Contains(r.body, "thefoxcloud") {
			t.Errorf("%s leaked data without a token", u)
		}
		if r := bearer(u, token+"x"); r.status != http.StatusUnauthorized {
			t.Errorf("%s with a wrong token: status %d", u, r.status)
		}
		if r := bearer(u, token); r.status != http.StatusOK {
			t.Errorf("%s with the token: status %d", u, r.status)
		}
	}
	if r := bearer("/healthz", ""); r.status != http.StatusOK {
		t.Errorf("healthz wants a token: %d", r.status)
	}

	// The UI sends the browser to the login form and back.
	r := get(t, c, hs.URL+"/domains?state=seized")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next=%2Fdomains%3Fstate%3Dseized" {
		t.Fatalf("UI without a session: %d to %q", r.status, r.header.Get("Location"))
	}
	csrf := csrfOf(t, c, hs.URL+"/login?next=%2Fdomains%3Fstate%3Dseized")
	r = postForm(t, c, hs.URL+"/login", url.Values{"csrf": {csrf}, "token": {"guess"}, "next": {"/domains"}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "wrong token") {
		t.Errorf("wrong login: %d", r.status)
	}
	r = postForm(t, c, hs.URL+"/login", url.Values{"token": {token}, "next": {"/domains"}})
	if r.status != http.StatusForbidden {
		t.Errorf("login without CSRF token: %d", r.status)
	}
	resp, err := c.PostForm(hs.URL+"/login", url.Values{"csrf": {csrf}, "token": {token}, "next": {"//evil.example/x"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("login: %d to %q (an off-site next must become /)", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || strings.Contains(session.Value, token) {
		t.Fatalf("session cookie: %+v", session)
	}
	if r := get(t, c, hs.URL+"/domains?state=seized"); r.status != http.StatusOK || !strings.Contains(r.body, "cloudfoxhub.com") {
		t.Errorf("UI with a session: %d", r.status)
	}
	if r := get(t, c, hs.URL+"/api/v1/domains"); r.status != http.StatusOK {
		t.Errorf("API with the session cookie: %d", r.status)
	}
	// A forged or tampered session is no session.
	c2 := client(t)
	u, _ := url.Parse(hs.URL)
	exp := time.Now().Add(time.Hour).Unix()
	c2.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: fmt.Sprintf("v1.%d.%064x", exp, 0)}})
	if r := get(t, c2, hs.URL+"/api/v1/domains"); r.status != http.StatusUnauthorized {
		t.Errorf("forged session: %d", r.status)
	}
	// Logging out ends it.
	csrf = csrfOf(t, c, hs.URL+"/")
	if r := postForm(t, c, hs.URL+"/logout", url.Values{"csrf": {csrf}}); r.status != http.StatusSeeOther {
		t.Errorf("logout: %d", r.status)
	}
	if r := get(t, c, hs.URL+"/api/v1/domains"); r.status != http.StatusUnauthorized {
		t.Errorf("after logout: %d", r.status)
	}
}

func TestLoopbackOnlyWithoutToken(t *testing.T) {
	st := openStore(t)
	srv, err := New(st, Options{Metrics: metrics.New()})
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "[::]:8080", "192.0.2.1:8080", "takedown.example:8080"} {
		if _, err := srv.Listen(addr); !errors.Is(err, ErrTokenRequired) {
			t.Errorf("Listen(%s) without a token: %v", addr, err)
		}
	}
	ln, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen on loopback: %v", err)
	}
	ln.Close()

	// Mounted by hand behind something that listens wider, the handler
	// itself still refuses remote clients and foreign Host names.
	req := httptest.NewRequest("GET", "/api/v1/domains", nil)
	req.RemoteAddr = "192.0.2.7:50000"
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("remote client without a token: %d", rec.Code)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	req, _ = http.NewRequest("GET", hs.URL+"/api/v1/domains", nil)
	req.Host = "rebind.attacker.example"
	if r := do(t, client(t), req); r.status != http.StatusMisdirectedRequest {
		t.Errorf("DNS-rebound Host: %d", r.status)
	}
	for _, host := range []string{"localhost:8080", "127.0.0.1", "[::1]:9"} {
		req.Host = host
		if r := do(t, client(t), req); r.status != http.StatusOK {
			t.Errorf("Host %s: %d", host, r.status)
		}
	}
}

func TestCSRF(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedSeizure(t, st)
	ctx := context.Background()
	c := client(t)
	csrf := csrfOf(t, c, hs.URL+"/domains")
	add := url.Values{"names": {"HTTPS://Www.Bücher.DE/path?q=1\nexample.net"}, "tags": {"Case-42, phishing"}}

	watched := func(name string) bool {
		d, err := st.Domain(ctx, name)
		return err == nil && d.Enabled
	}
	// No token, a wrong one, one minted for another browser, a cross-site post.
	r := postForm(t, c, hs.URL+"/domains", add)
	wantStatus(t, "post without CSRF token", r, http.StatusForbidden)
	withTok := func(tok string) url.Values {
		v := url.Values{"csrf": {tok}}
		for k, vs := range add {
			v[k] = vs
		}
		return v
	}
	wantStatus(t, "wrong CSRF token", postForm(t, c, hs.URL+"/domains", withTok("AAAA")), http.StatusForbidden)
	other := client(t)
	otherTok := csrfOf(t, other, hs.URL+"/domains")
	wantStatus(t, "another browser's token", postForm(t, c, hs.URL+"/domains", withTok(otherTok)), http.StatusForbidden)
	req, _ := http.NewRequest("POST", hs.URL+"/domains", strings.NewReader(withTok(csrf).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	wantStatus(t, "cross-site post", do(t, c, req), http.StatusForbidden)
	if watched("xn--bcher-kva.de") || watched("example.net") {
		t.Fatal("a refused post changed the watchlist")
	}

	// The real form: names normalized, tags cleaned.
	r = postForm(t, c, hs.URL+"/domains", withTok(csrf))
	if r.status != http.StatusSeeOther {
		t.Fatalf("add: %d %.200s", r.status, r.body)
	}
	d, err := st.Domain(ctx, "xn--bcher-kva.de")
	if err != nil || d.Unicode != "bücher.de" || strings.Join(d.Tags, ",") != "case-42,phishing" || d.Source != "web" {
		t.Fatalf("added domain: %+v, %v", d, err)
	}
	if !strings.Contains(get(t, c, hs.URL+"/domains").body, "added 2, merged 0") {
		t.Error("no flash after adding")
	}
	// A bad name adds nothing and says which.
	r = postForm(t, c, hs.URL+"/domains", url.Values{"csrf": {csrf}, "names": {"good.example.com not_a..domain"}})
	if apiPage := get(t, c, hs.URL+"/domains").body; !strings.Contains(apiPage, "nothing added") || !strings.Contains(apiPage, "not_a..domain") || watched("example.com") {
		t.Error("a bad name in the form was not refused with its value")
	}
	r = postForm(t, c, hs.URL+"/domains", url.Values{"csrf": {csrf}, "names": {"ok.example.com"}, "tags": {"bad tag!"}})
	if watched("example.com") {
		t.Error("a bad tag still added the domain")
	}

	// Tags, triage and removal want the token too.
	wantStatus(t, "tags without token", postForm(t, c, hs.URL+"/domains/thefoxcloud.com/tags", url.Values{"tags": {"x"}}), http.StatusForbidden)
	wantStatus(t, "triage without token", postForm(t, c, hs.URL+"/lookalikes/triage",
		url.Values{"name": {"thefoxcloud.net"}, "status": {"dismissed"}}), http.StatusForbidden)
	wantStatus(t, "remove without token", postForm(t, c, hs.URL+"/domains/thefoxcloud.com/remove", nil), http.StatusForbidden)
	if !watched("thefoxcloud.com") {
		t.Fatal("refused removal removed")
	}
	ls, _, _ := st.Lookalikes(ctx, store.LookalikeQuery{Search: "thefoxcloud.net"})
	if ls[0].Status != store.StatusNew {
		t.Error("refused triage triaged")
	}

	r = postForm(t, c, hs.URL+"/domains/thefoxcloud.com/tags", url.Values{"csrf": {csrf}, "tags": {"seized, DOJ-2023-10"}})
	if d, _ := st.Domain(ctx, "thefoxcloud.com"); r.status != http.StatusSeeOther || strings.Join(d.Tags, ",") != "doj-2023-10,seized" {
		t.Errorf("set tags: %d, %v", r.status, d.Tags)
	}
	r = postForm(t, c, hs.URL+"/lookalikes/triage", url.Values{"csrf": {csrf}, "name": {"thefoxcloud.net"},
		"brand": {"thefoxcloud.com"}, "status": {"acknowledged"}, "back": {"/lookalikes?brand=thefoxcloud.com"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/lookalikes?brand=thefoxcloud.com" {
		t.Errorf("triage: %d to %q", r.status, r.header.Get("Location"))
	}
	ls, _, _ = st.Lookalikes(ctx, store.LookalikeQuery{Search: "thefoxcloud.net"})
	if ls[0].Status != store.StatusAcknowledged {
		t.Errorf("triage stored %s", ls[0].Status)
	}
	r = postForm(t, c, hs.URL+"/lookalikes/triage", url.Values{"csrf": {csrf}, "name": {"thefoxcloud.net"}, "status": {"deleted"}})
	wantStatus(t, "unknown triage status", r, http.StatusBadRequest)
	r = postForm(t, c, hs.URL+"/domains/thefoxcloud.com/remove", url.Values{"csrf": {csrf}})
	if r.status != http.StatusSeeOther || watched("thefoxcloud.com") {
		t.Errorf("remove: %d", r.status)
	}
	// Its history stays readable.
	if r := get(t, c, hs.URL+"/domains/thefoxcloud.com"); r.status != http.StatusOK || !strings.Contains(r.body, "removed from the watchlist") {
		t.Errorf("removed domain apiPage: %d", r.status)
	}

	// Bodies are bounded.
	big := url.Values{"csrf": {csrf}, "names": {strings.Repeat("a", 2<<20)}}
	wantStatus(t, "2 MiB form", postForm(t, c, hs.URL+"/domains", big), http.StatusRequestEntityTooLarge)
}

func TestSecurityHeaders(t *testing.T) {
	hs, _ := newTestServer(t, Options{})
	c := client(t)
	for _, u := range []string{"/", "/api/v1/domains", "/static/style.css", "/no/such/apiPage", "/metrics", "/healthz"} {
		r := get(t, c, hs.URL+u)
		h := r.header
		if h.Get("Content-Security-Policy") != csp {
			t.Errorf("%s: CSP %q", u, h.Get("Content-Security-Policy"))
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if h.Get(k) != want {
				t.Errorf("%s: %s %q, want %q", u, k, h.Get(k), want)
			}
		}
	}
	for _, dir := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
		"form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, dir) {
			t.Errorf("CSP lacks %s", dir)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Error("CSP allows unsafe sources")
	}
	if r := get(t, c, hs.URL+"/static/"); r.status != http.StatusNotFound {
		t.Errorf("static directory listing: %d", r.status)
	}
	r := get(t, c, hs.URL+"/")
	m := regexp.MustCompile(`/static/style\.css\?v=([0-9a-f]+)`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no versioned stylesheet link")
	}
	r = get(t, c, hs.URL+m[0])
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") || !strings.Contains(r.header.Get("Cache-Control"), "immutable") {
		t.Errorf("stylesheet: %q, %q", r.header.Get("Content-Type"), r.header.Get("Cache-Control"))
	}
}

func TestMetricsEndpoint(t *testing.T) {
	m := metrics.New()
	hs, st := newTestServer(t, Options{Metrics: m})
	seedSeizure(t, st)
	m.ObserveCheck("dns", metrics.OutcomeChanged, 40*time.Millisecond)
	body := get(t, client(t), hs.URL+"/metrics").body
	for _, want := range []string{
		`takedown_outbox_depth{status="pending"} 6`,
		`takedown_outbox_depth{status="failed"} 1`,
		`takedown_domains{state="seized"} 2`,
		`takedown_checks_total{outcome="changed",probe="dns"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if r := get(t, client(t), hs.URL+"/healthz"); r.status != http.StatusOK || r.body != "ok\n" {
		t.Errorf("healthz: %d %q", r.status, r.body)
	}
	st.Close()
	if r := get(t, client(t), hs.URL+"/healthz"); r.status != http.StatusServiceUnavailable {
		t.Errorf("healthz on a closed store: %d", r.status)
	}
}

// The OpenAPI document and the router describe the same API.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	srv, err := New(openStore(t), Options{Metrics: metrics.New()})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for op := range ops {
			documented[strings.ToUpper(op)+" "+p] = true
		}
	}
	routed := map[string]bool{}
	for _, r := range srv.routes {
		if strings.HasPrefix(r, "GET /api/v1/") && r != "GET /api/v1/" {
			routed[r] = true
		}
	}
	for r := range routed {
		if !documented[r] {
			t.Errorf("route %s is not in openapi.yaml", r)
		}
	}
	for d := range documented {
		if !routed[d] {
			t.Errorf("openapi.yaml documents %s, which is not routed", d)
		}
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	r := get(t, client(t), hs.URL+"/api/v1/openapi.yaml")
	if r.status != http.StatusOK || !strings.HasPrefix(r.body, "openapi: 3.") {
		t.Errorf("served openapi.yaml: %d", r.status)
	}
}
