package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// triageEvents reads the lookalike_triaged events of the database.
func triageEvents(t *testing.T, db string) []store.Event {
	t.Helper()
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := st.Events(context.Background(), store.EventQuery{Kinds: []event.Kind{event.LookalikeTriaged}})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestFoundBulkTriage(t *testing.T) {
	db := seedLookalikes(t)
	for _, args := range [][]string{
		{"found", "dismiss"},                                // no filter
		{"found", "dismiss", "--status", "gone"},            // bad status
		{"found", "dismiss", "paypa1.com", "--fuzzer", "x"}, // names and filters
		{"found", "ack", "paypa1.com", "--dry-run"},
	} {
		code, _, errs := runLookalikeCLI(t, append(args, "--db", db)...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errs)
		}
	}

	code, out, errs := runLookalikeCLI(t, "found", "dismiss", "--brand", "paypal.com", "--fuzzer", "homoglyph", "--dry-run", "--db", db)
	if code != 0 || !strings.Contains(out, "would mark paypa1.com dismissed") || strings.Contains(out, "pypal") ||
		!strings.Contains(out, "1 of 1 matching look-alike(s) would change") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errs)
	}
	if ls := foundJSON(t, db, "--status", "dismissed"); len(ls) != 0 {
		t.Fatalf("the dry run changed %d look-alike(s)", len(ls))
	}
	if evs := triageEvents(t, db); len(evs) != 0 {
		t.Fatalf("the dry run wrote %d event(s)", len(evs))
	}

	code, out, errs = runLookalikeCLI(t, "found", "dismiss", "--brand", "paypal.com", "--status", "new", "--reason", "our own redirects", "--db", db)
	if code != 0 || !strings.Contains(out, "2 of 2 matching look-alike(s) changed") {
		t.Fatalf("bulk dismiss: exit %d\n%s%s", code, out, errs)
	}
	if ls := foundJSON(t, db, "--status", "dismissed"); len(ls) != 2 {
		t.Errorf("dismissed: %d, want 2", len(ls))
	}
	if ls := foundJSON(t, db, "--status", "new"); len(ls) != 1 || ls[0].Name != "thefoxcloud.net" {
		t.Errorf("the other brand's look-alike was touched: %+v", ls)
	}
	evs := triageEvents(t, db)
	if len(evs) != 2 {
		t.Fatalf("%d triage events, want one per look-alike (2)", len(evs))
	}
	for _, ev := range evs {
		var d map[string]string
		if err := json.Unmarshal(ev.Detail, &d); err != nil || d["reason"] != "our own redirects" || d["brand"] != "paypal.com" || d["status"] != "dismissed" {
			t.Errorf("event of %s: %s (%v)", ev.Domain, ev.Detail, err)
		}
	}
	// Again: nothing left to change, nothing recorded.
	code, out, _ = runLookalikeCLI(t, "found", "dismiss", "--source", "permutation", "--db", db)
	if code != 0 || !strings.Contains(out, "0 of 2 matching look-alike(s) changed; 2 already dismissed") {
		t.Errorf("repeat: exit %d\n%s", code, out)
	}
	if n := len(triageEvents(t, db)); n != 2 {
		t.Errorf("repeat wrote events: %d", n)
	}
}

func TestFoundCSV(t *testing.T) {
	db := seedLookalikes(t)
	code, out, errs := runLookalikeCLI(t, "found", "--format", "csv", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, out)
	}
	if len(rows) != 4 || rows[0][0] != "name" || rows[0][2] != "brand" {
		t.Fatalf("rows: %q", rows)
	}
	found := false
	for _, r := range rows[1:] {
		if r[0] == "xn--pypal-4ve.com" && r[1] == "pаypal.com" && r[3] == "confusable" && r[7] == "new" {
			found = true
		}
	}
	if !found {
		t.Errorf("no row for the confusable look-alike: %q", rows)
	}
	if code, _, errs := runLookalikeCLI(t, "found", "--format", "xml", "--db", db); code != 2 || !strings.Contains(errs, `"xml"`) {
		t.Errorf("--format xml: exit %d %s", code, errs)
	}
}
