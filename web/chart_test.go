package web

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

func TestStateLinesReplayBackwards(t *testing.T) {
	end := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	now := map[string]int{"seized": 2, "active": 1}
	evs := []store.Event{ // newest first, as Events lists them
		{At: end.Add(-12 * time.Hour), Old: "active", New: "seized"},
		{At: end.Add(-36 * time.Hour), Old: "active", New: "seized"},
		{At: end.Add(-60 * time.Hour), Old: "registered", New: "active", DomainKind: store.KindLookalike},
	}
	lines, top := stateLines(now, evs, end)
	if top != 3 {
		t.Errorf("top %d, want 3 (three active before the seizures)", top)
	}
	byState := map[string]chartLine{}
	for _, l := range lines {
		byState[l.State] = l
	}
	if _, ok := byState["registered"]; ok {
		t.Errorf("a look-alike's change counted: %+v", lines)
	}
	seized := strings.Fields(byState["seized"].Points)
	active := strings.Fields(byState["active"].Points)
	if len(seized) != chartDays || len(active) != chartDays {
		t.Fatalf("points: %d, %d", len(seized), len(active))
	}
	y := func(p string) string { return p[strings.Index(p, ",")+1:] }
	base := ovH - ovPad
	// Day 29 (today): 2 seized; day 28: 1 (one seizure was yesterday);
	// day 27 and before: 0 seized, 3 active.
	for _, c := range []struct {
		pts  []string
		day  int
		want int
	}{{seized, 29, 2}, {seized, 28, 1}, {seized, 27, 0}, {seized, 0, 0}, {active, 29, 1}, {active, 27, 3}} {
		wantY := base - c.want*(ovH-2*ovPad)/3
		if got := y(c.pts[c.day]); got != strconv.Itoa(wantY) {
			t.Errorf("day %d: y %s, want %d (count %d)", c.day, got, wantY, c.want)
		}
	}
}

// TestOverviewChartEscapes draws the overview with a state and look-alikes
// the network named: the SVG shows them as text, never as markup.
func TestOverviewChartEscapes(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	hs, st := newTestServer(t, Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: "thefoxcloud.com"}, {Name: "acme.example", Kind: store.KindBrand}}); err != nil {
		t.Fatal(err)
	}
	hostile := `"><script>alert(1)</script><svg onload=alert(2)>`
	update(t, st, func(tx store.Tx) {
		d := txDomain(t, tx, "thefoxcloud.com")
		if _, _, err := tx.SetState(d.ID, now.Add(-48*time.Hour), event.State(hostile), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.AddEvent(store.Event{DomainID: d.ID, Domain: d.Name, At: now.Add(-48 * time.Hour), Kind: event.StateChanged,
			Old: "active", New: hostile, Severity: event.SevWarning}); err != nil {
			t.Fatal(err)
		}
		for i, n := range []string{"acme-1.example", "acme-2.example", "acme-3.example"} {
			l := store.Lookalike{Brand: "acme.example", Name: n, Unicode: n, Fuzzer: "addition", Source: "permutation",
				FirstSeen: now.Add(-time.Duration(i/2) * 24 * time.Hour), LastChecked: now}
			if _, _, err := tx.UpsertLookalike(l); err != nil {
				t.Fatal(err)
			}
		}
	})
	r := get(t, client(t), hs.URL+"/")
	if r.status != 200 {
		t.Fatalf("overview: %d", r.status)
	}
	if strings.Contains(r.body, "<script>alert") || strings.Contains(r.body, "<svg onload") {
		i := max(strings.Index(r.body, "<script>alert"), strings.Index(r.body, "<svg onload"))
		t.Fatalf("hostile state reached the page as markup: %s", r.body[max(i-300, 0):i+60])
	}
	chart := r.body[strings.Index(r.body, `class="card ov-charts"`):]
	chart = chart[:strings.Index(chart, "</section>")]
	if !strings.Contains(chart, "<title>&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;svg onload=alert(2)&gt;: 1 today</title>") {
		t.Errorf("the chart does not show the hostile state escaped:\n%s", chart)
	}
	if n := strings.Count(chart, "<polyline "); n != 3 {
		t.Errorf("%d state lines, want 3 (the brand unknown; active before, the hostile state after)", n)
	}
	if !strings.Contains(r.body, "Look-alikes found per day (3 in all)") {
		t.Errorf("look-alike total missing")
	}
	bars := regexp.MustCompile(`<title>(2026-12-0[67]): (\d+)</title>`).FindAllStringSubmatch(r.body, -1)
	got := map[string]string{}
	for _, m := range bars {
		got[m[1]] = m[2]
	}
	if got["2026-12-07"] != "2" || got["2026-12-06"] != "1" {
		t.Errorf("bars per day: %v", got)
	}
}

// BenchmarkOverviewChart: the charts' cost on each overview load, with
// 5,000 look-alikes and 5,000 state changes in the 30 days.
func BenchmarkOverviewChart(b *testing.B) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	st := openStore(b)
	srv, err := New(st, Options{Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: "thefoxcloud.com"}}); err != nil {
		b.Fatal(err)
	}
	states := []event.State{event.StateActive, event.StateSeized}
	update(b, st, func(tx store.Tx) {
		for i := range 5000 {
			at := now.Add(-time.Duration(i) * 8 * time.Minute)
			if _, err := tx.AddEvent(store.Event{Domain: "thefoxcloud.com", At: at, Kind: event.StateChanged,
				Old: string(states[i%2]), New: string(states[(i+1)%2]), Severity: event.SevInfo}); err != nil {
				b.Fatal(err)
			}
			n := "acme-" + strconv.Itoa(i) + ".example"
			if _, _, err := tx.UpsertLookalike(store.Lookalike{Brand: "acme.example", Name: n, Unicode: n, Fuzzer: "addition",
				Source: "permutation", FirstSeen: at, LastChecked: at}); err != nil {
				b.Fatal(err)
			}
		}
	})
	counts := map[string]int{"active": 1}
	b.ResetTimer()
	for b.Loop() {
		if _, err := srv.buildChart(ctx, counts); err != nil {
			b.Fatal(err)
		}
	}
}
