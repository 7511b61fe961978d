package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
	"github.com/takedownhq/takedown/web"
)

// seedOneStory writes a small story the way the daemon does: a tagged
// domain seized with its reasons, a name-server change routed to a
// webhook's outbox, a look-alike of it with a risk.
func seedOneStory(t *testing.T, db string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: "thefoxcloud.com", Tags: []string{"dprk"}}}); err != nil {
		t.Fatal(err)
	}
	st.SetRouter(func(ev store.Event) []store.Delivery {
		return []store.Delivery{{Channel: "hook", Recipient: "https://hooks.example.org/x"}}
	})
	// 120 ms: time.Time's own encoding would print this with 2 digits.
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second).Add(120 * time.Millisecond)
	err = st.Update(ctx, func(tx store.Tx) error {
		d, err := tx.Domain("thefoxcloud.com")
		if err != nil {
			return err
		}
		if _, err := tx.AddEvent(store.Event{DomainID: d.ID, Domain: d.Name, At: at, Kind: event.NSChanged,
			Probe: event.ProbeDNS, Field: "ns", Old: "ns1.a.net", New: "ns1.fbi.seized.gov", Severity: event.SevWarning,
			Detail: []byte(`{"added":["ns1.fbi.seized.gov"],"removed":["ns1.a.net"]}`)}); err != nil {
			return err
		}
		if _, _, err := tx.SetState(d.ID, at, event.StateSeized, []string{"NS ns1.fbi.seized.gov matches signature us-seizure-ns"}); err != nil {
			return err
		}
		if _, _, err := tx.UpsertLookalike(store.Lookalike{Brand: "thefoxcloud.com", Name: "thefoxcloud.net",
			Fuzzer: "tld-swap", Source: "permutation", Score: 0.9, Registered: store.RegYes, FirstSeen: at, LastChecked: at,
			DNS: []byte(`{"a":["192.0.2.7"]}`)}); err != nil {
			return err
		}
		_, err = tx.SetLookalikeRisk("thefoxcloud.com", "thefoxcloud.net", store.LookalikeRisk{Level: event.RiskLive,
			Score: 50, Reasons: []string{"a page answers"}, At: at})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// apiGet reads one API answer from a web server over the same database.
func apiGet(t *testing.T, base, path string) map[string]any {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, b)
	}
	return m
}

func decodeObject(t *testing.T, what, out string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, out)
	}
	return m
}

// items checks the envelope {items,total,limit,offset} and returns items.
func items(t *testing.T, what string, env map[string]any) []map[string]any {
	t.Helper()
	for _, k := range []string{"total", "limit", "offset"} {
		if _, ok := env[k].(float64); !ok {
			t.Errorf("%s: envelope's %s is %T, want a number", what, k, env[k])
		}
	}
	raw, ok := env["items"].([]any)
	if !ok {
		t.Fatalf("%s: items is %T, want an array", what, env["items"])
	}
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i], _ = r.(map[string]any)
	}
	return out
}

var fixedTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$`)

// checkTimes fails on any string that reads as a time in another format
// than event.TimeFormat, anywhere in v.
func checkTimes(t *testing.T, what string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			checkTimes(t, what+"."+k, e)
		}
	case []any:
		for _, e := range x {
			checkTimes(t, what+"[]", e)
		}
	case string:
		if _, err := time.Parse(time.RFC3339Nano, x); err == nil && !fixedTime.MatchString(x) {
			t.Errorf("%s = %q: not RFC 3339 UTC with nine fractional digits", what, x)
		}
	}
}

// sameShared checks that every field both objects have is of one JSON
// type, and that the named fields are equal.
func sameShared(t *testing.T, what string, cli, api map[string]any, equal ...string) {
	t.Helper()
	for k, cv := range cli {
		if av, ok := api[k]; ok && cv != nil && av != nil && reflect.TypeOf(cv) != reflect.TypeOf(av) {
			t.Errorf("%s.%s: %T on the command line, %T in the API", what, k, cv, av)
		}
	}
	for _, k := range equal {
		cv, ok1 := cli[k]
		av, ok2 := api[k]
		if !ok1 || !ok2 || !reflect.DeepEqual(cv, av) {
			t.Errorf("%s.%s: command line %v (present %v), API %v (present %v)", what, k, cv, ok1, av, ok2)
		}
	}
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// One story, read through every command's --json and the API: the same
// objects carry the same names, types and values, lists the same
// envelope, and every time the one format.
func TestJSONOneLanguage(t *testing.T) {
	c := newCLI(t)
	seedOneStory(t, c.db)
	st, err := sqlite.Open(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := web.New(st, web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()

	// Domains.
	cliEnv := decodeObject(t, "watch list --json", c.ok("watch", "list", "--json"))
	apiEnv := apiGet(t, hs.URL, "/api/v1/domains")
	checkTimes(t, "watch list", cliEnv)
	checkTimes(t, "/domains", apiEnv)
	cd, ad := items(t, "watch list", cliEnv), items(t, "/domains", apiEnv)
	if len(cd) != 1 || len(ad) != 1 {
		t.Fatalf("domains: %d on the command line, %d in the API", len(cd), len(ad))
	}
	sameShared(t, "domain", cd[0], ad[0], "domain", "unicode", "kind", "tags", "state", "state_since", "state_reasons", "added_at", "enabled")
	if cd[0]["state"] != "seized" {
		t.Errorf("domain state %v, want seized", cd[0]["state"])
	}

	// The verdict of check: the names of the API's domain. Every server is
	// dead, so it keeps the stored state, with reasons of its own.
	r := c.run("--resolver", "127.0.0.1:9", "--auth-port", "9", "--whois-referral", "127.0.0.1:9",
		"--rdap-url", "http://127.0.0.1:9/", "check", "thefoxcloud.com", "--json")
	var checks []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &checks); err != nil || len(checks) != 1 {
		t.Fatalf("check --json (exit %d): %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	checkTimes(t, "check", checks[0])
	if _, old := checks[0]["verdict"]; old {
		t.Errorf("check --json still nests a verdict: %v", keys(checks[0]))
	}
	sameShared(t, "check", checks[0], ad[0], "domain", "state")
	if rs, ok := checks[0]["state_reasons"].([]any); !ok || len(rs) == 0 {
		t.Errorf("check --json: state_reasons %v, want the verdict's reasons", checks[0]["state_reasons"])
	}

	// Events: history and the API's events are the same objects.
	cliEnv = decodeObject(t, "history --json", c.ok("history", "thefoxcloud.com", "--json"))
	apiEnv = apiGet(t, hs.URL, "/api/v1/events?domain=thefoxcloud.com")
	checkTimes(t, "history", cliEnv)
	checkTimes(t, "/events", apiEnv)
	ce, ae := items(t, "history", cliEnv), items(t, "/events", apiEnv)
	if len(ce) == 0 || len(ce) != len(ae) {
		t.Fatalf("events: %d on the command line, %d in the API", len(ce), len(ae))
	}
	for i := range ce {
		if !reflect.DeepEqual(ce[i], ae[i]) {
			t.Errorf("event %d differs:\ncommand line %v\nAPI          %v", i, ce[i], ae[i])
		}
	}

	// Look-alikes: found and the API print one object; lookalikes
	// --format json uses the same names for what it has.
	cliEnv = decodeObject(t, "found --json", c.ok("found", "--json"))
	apiEnv = apiGet(t, hs.URL, "/api/v1/lookalikes")
	checkTimes(t, "found", cliEnv)
	checkTimes(t, "/lookalikes", apiEnv)
	cl, al := items(t, "found", cliEnv), items(t, "/lookalikes", apiEnv)
	if len(cl) != 1 || len(al) != 1 || !reflect.DeepEqual(cl[0], al[0]) {
		t.Fatalf("look-alikes differ:\ncommand line %v\nAPI          %v", cl, al)
	}
	if cl[0]["match_score"] != 0.9 || cl[0]["brand"] != "thefoxcloud.com" || cl[0]["name"] != "thefoxcloud.net" {
		t.Errorf("look-alike %v", cl[0])
	}
	if risk, _ := cl[0]["risk"].(map[string]any); risk == nil || risk["score"] != 50.0 || risk["level"] != "live" {
		t.Errorf("look-alike risk %v", cl[0]["risk"])
	}
	var gen []map[string]any
	if err := json.Unmarshal([]byte(c.ok("lookalikes", "thefoxcloud.com", "--fuzzers", "tld-swap", "--format", "json")), &gen); err != nil || len(gen) == 0 {
		t.Fatalf("lookalikes --format json: %v, %d rows", err, len(gen))
	}
	for _, k := range []string{"brand", "name", "unicode", "fuzzer"} {
		if _, ok := gen[0][k]; !ok {
			t.Errorf("lookalikes --format json lacks %q: %v", k, keys(gen[0]))
		}
	}
	for _, k := range []string{"input", "domain"} {
		if _, ok := gen[0][k]; ok {
			t.Errorf("lookalikes --format json still names %q", k)
		}
	}
	sameShared(t, "lookalikes row", gen[0], cl[0], "brand")

	// Alert deliveries: the row with its event embedded, both ways.
	cliEnv = decodeObject(t, "alerts list --json", c.ok("alerts", "list", "--json"))
	apiEnv = apiGet(t, hs.URL, "/api/v1/outbox")
	checkTimes(t, "alerts list", cliEnv)
	checkTimes(t, "/outbox", apiEnv)
	co, ao := items(t, "alerts list", cliEnv), items(t, "/outbox", apiEnv)
	if len(co) == 0 || len(co) != len(ao) {
		t.Fatalf("outbox: %d on the command line, %d in the API", len(co), len(ao))
	}
	for i := range co {
		if !reflect.DeepEqual(co[i], ao[i]) {
			t.Errorf("outbox row %d differs:\ncommand line %v\nAPI          %v", i, co[i], ao[i])
		}
		if ev, _ := co[i]["event"].(map[string]any); ev == nil || ev["domain"] != "thefoxcloud.com" {
			t.Errorf("outbox row %d has no embedded event: %v", i, co[i])
		}
	}

	// Cases: the list wears the envelope, and a case and its timeline
	// the one time format, its evidence an object.
	c.ok("case", "open", "thefoxcloud.com")
	cliEnv = decodeObject(t, "case list --json", c.ok("case", "list", "--json"))
	checkTimes(t, "case list", cliEnv)
	if cs := items(t, "case list", cliEnv); len(cs) != 1 || cs[0]["domain"] != "thefoxcloud.com" {
		t.Errorf("case list: %v", cs)
	}
	det := decodeObject(t, "case show --json", c.ok("case", "show", "thefoxcloud.com", "--json"))
	checkTimes(t, "case show", det)
	if det["domain"] != "thefoxcloud.com" || det["timeline"] == nil {
		t.Errorf("case show lost its case or its timeline: %v", keys(det))
	}
	for _, e := range det["timeline"].([]any) {
		if ev, ok := e.(map[string]any)["evidence"]; ok {
			if _, obj := ev.(map[string]any); !obj {
				t.Errorf("case evidence is %T, want an object", ev)
			}
		}
	}
	items(t, "feed list", decodeObject(t, "feed list", c.ok("feed", "list", "--json")))
}
