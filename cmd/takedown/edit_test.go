package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// Tags and notes are edited after the fact, and a note shows in watch list.
func TestWatchTagAndNote(t *testing.T) {
	c := newCLI(t)
	c.ok("watch", "add", "thefoxcloud.com", "--tag", "doj-2023-10", "--tag", "old")
	if out := c.ok("watch", "tag", "thefoxcloud.com", "+Seized", "-old", "dprk"); !strings.Contains(out, "tags doj-2023-10,dprk,seized") {
		t.Errorf("watch tag: %s", out)
	}
	c.ok("watch", "note", "thefoxcloud.com", "seized 2023-10-18; DOJ press release")
	out := c.ok("watch", "list")
	if !strings.Contains(out, "NOTE") || !strings.Contains(out, "seized 2023-10-18; DOJ press release") {
		t.Errorf("watch list lacks the note:\n%s", out)
	}
	ds := listJSON(t, c)
	if len(ds) != 1 || strings.Join(ds[0].Tags, ",") != "doj-2023-10,dprk,seized" || ds[0].Note != "seized 2023-10-18; DOJ press release" {
		t.Errorf("stored: %+v", ds)
	}
	for _, bad := range [][]string{{"watch", "tag", "nope.example", "+x"}, {"watch", "tag", "thefoxcloud.com", "+bad tag!"},
		{"watch", "note", "thefoxcloud.com", "bad \u202e note"}, {"watch", "note", "thefoxcloud.com", " "}} {
		if r := c.run(bad...); r.code != exitUsage {
			t.Errorf("%q: exit %d %s", bad, r.code, r.stderr)
		}
	}
}

// A triage decision keeps its reason in the look-alike's history.
func TestFoundTriageReasonIsKept(t *testing.T) {
	db := seedLookalikes(t)
	code, out, errs := runLookalikeCLI(t, "--db", db, "found", "dismiss", "paypa1.com", "--reason", "a bakery, checked by hand")
	if code != 0 || !strings.Contains(out, "paypa1.com dismissed") {
		t.Fatalf("dismiss: exit %d %s %s", code, out, errs)
	}
	code, out, errs = runLookalikeCLI(t, "--db", db, "history", "paypa1.com", "--json")
	if code != 0 {
		t.Fatalf("history: exit %d %s", code, errs)
	}
	var evs []struct {
		Kind   event.Kind      `json:"kind"`
		New    string          `json:"new"`
		Detail json.RawMessage `json:"detail"`
	}
	if err := unmarshalItems([]byte(out), &evs); err != nil {
		t.Fatalf("history --json: %v\n%s", err, out)
	}
	if len(evs) != 1 || evs[0].Kind != event.LookalikeTriaged || evs[0].New != "dismissed" || !strings.Contains(string(evs[0].Detail), "a bakery, checked by hand") {
		t.Errorf("history of the triaged look-alike: %s", out)
	}
}

// alerts list names a Unicode domain as watch list does, and watch list's
// times carry their zone.
func TestAlertsListShowsUnicodeAndTimesHaveZones(t *testing.T) {
	c := newCLI(t)
	c.ok("watch", "add", "bücher.com")
	st, err := sqlite.Open(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC()
	err = st.Update(context.Background(), func(tx store.Tx) error {
		d, err := tx.Domain("xn--bcher-kva.com")
		if err != nil {
			return err
		}
		id, err := tx.AddEvent(store.Event{DomainID: d.ID, Domain: d.Name, At: at, Kind: event.StateChanged, Field: "state",
			Old: "active", New: "seized", Severity: event.SevWarning})
		if err != nil {
			return err
		}
		if _, err := tx.AddOutbox(store.OutboxItem{EventID: id, Channel: "soc", Recipient: "soc@example.org",
			Status: store.OutboxPending, NextTry: at, IdempotencyKey: "k1", CreatedAt: at}); err != nil {
			return err
		}
		return tx.MarkChecked(d.ID, at)
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out := c.ok("alerts", "list"); !strings.Contains(out, "xn--bcher-kva.com (bücher.com)") {
		t.Errorf("alerts list does not show the Unicode name:\n%s", out)
	}
	if out := c.ok("watch", "list"); !regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [A-Z]{2,5}|[-+]\d{2,4}`).MatchString(out) {
		t.Errorf("watch list time has no zone:\n%s", out)
	}
}
