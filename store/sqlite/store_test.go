package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/event"
	"github.com/takedownhq/takedown/store"
)

func openTest(t *testing.T) *SQLite {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := s.SchemaVersion(ctx)
	if err != nil || v1 < 1 {
		t.Fatalf("schema version %d, %v", v1, err)
	}
	if _, err := s.AddDomains(ctx, []store.NewDomain{{Name: "example.com", Tags: []string{"a"}}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v2, _ := s.SchemaVersion(ctx)
	d, err := s.Domain(ctx, "example.com")
	if err != nil || v2 != v1 || d.Tags[0] != "a" {
		t.Fatalf("after reopen: version %d→%d, %+v, %v", v1, v2, d, err)
	}
}

func TestAddDomainsIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	_, err := s.AddDomains(ctx, []store.NewDomain{{Name: "ok.com"}, {Name: "bad.com", Kind: "nonsense"}})
	if err == nil {
		t.Fatal("accepted an unknown kind")
	}
	if _, n, _ := s.Domains(ctx, store.DomainQuery{}); n != 0 {
		t.Fatalf("a failed add left %d domains", n)
	}
	res, err := s.AddDomains(ctx, []store.NewDomain{{Name: "a.com", Tags: []string{"x"}}, {Name: "a.com", Tags: []string{"y"}}, {Name: "b.com"}})
	if err != nil || len(res.Added) != 2 || len(res.Merged) != 0 {
		t.Fatalf("add: %+v %v", res, err)
	}
	res, err = s.AddDomains(ctx, []store.NewDomain{{Name: "a.com", Tags: []string{"z"}, Kind: store.KindBrand}})
	if err != nil || len(res.Merged) != 1 {
		t.Fatalf("merge: %+v %v", res, err)
	}
	d, _ := s.Domain(ctx, "a.com")
	if d.Kind != store.KindBrand || len(d.Tags) != 3 {
		t.Fatalf("merged domain %+v", d)
	}
	if _, err := s.Domain(ctx, "nope.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing domain: %v", err)
	}
}

func TestDomainsQuery(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	s.AddDomains(ctx, []store.NewDomain{{Name: "alpha.com", Tags: []string{"t1"}}, {Name: "beta.com", Kind: store.KindBrand},
		{Name: "xn--bcher-kva.com", Unicode: "bücher.com"}, {Name: "a_100%.com"}})
	got, total, err := s.Domains(ctx, store.DomainQuery{Search: "ü"})
	if err != nil || total != 1 || got[0].Name != "xn--bcher-kva.com" {
		t.Fatalf("unicode search: %v %d %v", got, total, err)
	}
	if got, _, _ := s.Domains(ctx, store.DomainQuery{Search: "%"}); len(got) != 1 {
		t.Fatalf("LIKE wildcard not escaped: %v", got)
	}
	if got, _, _ := s.Domains(ctx, store.DomainQuery{Tag: "t1"}); len(got) != 1 || got[0].Name != "alpha.com" {
		t.Fatalf("tag filter: %v", got)
	}
	got, total, _ = s.Domains(ctx, store.DomainQuery{Sort: "-name", Limit: 2, Offset: 1})
	if total != 4 || len(got) != 2 || got[0].Name != "beta.com" {
		t.Fatalf("sort/paginate: %d %v", total, got)
	}
}

func TestObserveSnapshotMovesLastSeenOnly(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	s.AddDomains(ctx, []store.NewDomain{{Name: "example.com"}})
	d, _ := s.Domain(ctx, "example.com")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	observe := func(at time.Time, data string) (changed bool) {
		err := s.Update(ctx, func(tx store.Tx) error {
			_, _, c, err := tx.ObserveSnapshot(d.ID, "dns", at, []byte(data))
			changed = c
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return changed
	}
	if !observe(t0, `{"a":["192.0.2.1"]}`) {
		t.Fatal("first observation not a change")
	}
	if observe(t0.Add(time.Hour), `{"a":["192.0.2.1"]}`) {
		t.Fatal("equal observation stored as a change")
	}
	if !observe(t0.Add(2*time.Hour), `{"a":["192.0.2.2"]}`) {
		t.Fatal("different observation not a change")
	}
	snaps, _ := s.Snapshots(ctx, d.ID, "dns", 0)
	if len(snaps) != 2 {
		t.Fatalf("%d snapshots, want 2", len(snaps))
	}
	old := snaps[1]
	if !old.FirstSeen.Equal(t0) || !old.LastSeen.Equal(t0.Add(time.Hour)) {
		t.Fatalf("first/last seen %v %v", old.FirstSeen, old.LastSeen)
	}
}

func TestObserveErrorCoalescesWithinAStreak(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	s.AddDomains(ctx, []store.NewDomain{{Name: "example.com"}})
	d, _ := s.Domain(ctx, "example.com")
	t0 := time.Now()
	for i := range 3 {
		s.Update(ctx, func(tx store.Tx) error {
			st, err := tx.ObserveError(d.ID, "dns", t0.Add(time.Duration(i)*time.Minute), "timeout")
			if st.ConsecutiveFailures != i+1 {
				t.Errorf("streak %d, want %d", st.ConsecutiveFailures, i+1)
			}
			return err
		})
	}
	errs, _ := s.ProbeErrors(ctx, d.ID, 0)
	if len(errs) != 1 || errs[0].Count != 3 {
		t.Fatalf("errors %+v", errs)
	}
	failing, _ := s.FailingProbes(ctx, 10)
	if len(failing) != 1 || failing[0].Domain != "example.com" {
		t.Fatalf("failing %+v", failing)
	}
}

func TestEventAndOutboxShareATransaction(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	s.AddDomains(ctx, []store.NewDomain{{Name: "example.com", Tags: []string{"case-1"}}})
	var routed []store.Event
	s.SetRouter(func(ev store.Event) []store.Delivery {
		routed = append(routed, ev)
		return []store.Delivery{{Channel: "soc", Recipient: "soc@example.org"}, {Channel: "hook", Recipient: "https://h.example/x"}}
	})
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.AddEvent(store.Event{Domain: "example.com", Kind: "ns_changed"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if evs, _ := s.Events(ctx, store.EventQuery{}); len(evs) != 0 {
		t.Fatal("rolled-back event persisted")
	}
	if ob, _ := s.Outbox(ctx, store.OutboxQuery{}); len(ob) != 0 {
		t.Fatal("rolled-back outbox rows persisted")
	}
	d, _ := s.Domain(ctx, "example.com")
	err = s.Update(ctx, func(tx store.Tx) error {
		_, err := monitor.RecordVerdict(tx, d, time.Now(), "seized", []string{"delegation ns1.fbi.seized.gov matches us-fbi-seized-ns"}, event.SevCritical)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ob, _ := s.Outbox(ctx, store.OutboxQuery{})
	if len(ob) != 2 || ob[0].IdempotencyKey == ob[1].IdempotencyKey {
		t.Fatalf("outbox %+v", ob)
	}
	last := routed[len(routed)-1]
	if len(last.Tags) != 1 || last.Tags[0] != "case-1" || last.Kind != "state_changed" || last.New != "seized" {
		t.Fatalf("router saw %+v", last)
	}
	due, _ := s.DueOutbox(ctx, time.Now(), 10)
	if len(due) != 2 {
		t.Fatalf("due %d", len(due))
	}
	trs, _ := s.Transitions(ctx, d.ID)
	if len(trs) != 1 || trs[0].From != "unknown" || trs[0].To != "seized" || trs[0].EventID == 0 {
		t.Fatalf("transitions %+v", trs)
	}
	// The same state again refreshes reasons only.
	s.Update(ctx, func(tx store.Tx) error {
		ev, err := monitor.RecordVerdict(tx, d, time.Now(), "seized", []string{"r2"}, event.SevCritical)
		if ev != nil {
			t.Error("unchanged state wrote an event")
		}
		return err
	})
	d, _ = s.Domain(ctx, "example.com")
	if d.State != "seized" || d.StateReasons[0] != "r2" {
		t.Fatalf("state %+v", d)
	}
}

func TestUpsertLookalikeFlagsFirstRegistrationOnce(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	up := func(reg string) (store.Lookalike, bool) {
		var l store.Lookalike
		var newly bool
		err := s.Update(ctx, func(tx store.Tx) error {
			var err error
			l, newly, err = tx.UpsertLookalike(store.Lookalike{Brand: "example.com", Name: "examp1e.com", Fuzzer: "homoglyph",
				Registered: reg, LastChecked: time.Now()})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return l, newly
	}
	if _, n := up(store.RegNo); n {
		t.Fatal("unregistered flagged")
	}
	if _, n := up(store.RegYes); !n {
		t.Fatal("first registration not flagged")
	}
	if l, n := up(store.RegUnknown); n || l.Registered != store.RegYes {
		t.Fatalf("unknown answer overwrote: %+v %v", l, n)
	}
	if _, n := up(store.RegYes); n {
		t.Fatal("registration flagged twice")
	}
	if n, err := s.SetLookalikeStatus(ctx, "examp1e.com", "", store.StatusDismissed); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	if l, _ := up(store.RegYes); l.Status != store.StatusDismissed {
		t.Fatal("upsert reset triage")
	}
	if _, err := s.SetLookalikeStatus(ctx, "nope.com", "", store.StatusDismissed); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
}

func TestFeedCursor(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := s.AddFeed(ctx, store.Feed{Name: "ct1", Kind: "ct", URL: "http://127.0.0.1/log"}); err != nil {
		t.Fatal(err)
	}
	s.Update(ctx, func(tx store.Tx) error { return tx.SaveFeed(store.Feed{Name: "ct1", Cursor: "4096", NamesSeen: 10}) })
	s.AddFeed(ctx, store.Feed{Name: "ct1", Kind: "ct", URL: "http://127.0.0.1/log2"})
	f, err := s.Feed(ctx, "ct1")
	if err != nil || f.Cursor != "4096" || f.URL != "http://127.0.0.1/log2" {
		t.Fatalf("%+v %v", f, err)
	}
	if err := s.AddFeed(ctx, store.Feed{Name: "x", Kind: "bogus"}); err == nil {
		t.Fatal("accepted a bad kind")
	}
}

func TestRemoveKeepsHistoryAndAddResumes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	s.AddDomains(ctx, []store.NewDomain{{Name: "a.com"}, {Name: "b.com"}})
	d, _ := s.Domain(ctx, "a.com")
	s.Update(ctx, func(tx store.Tx) error {
		tx.ObserveSnapshot(d.ID, "dns", time.Now(), []byte(`{"a":[]}`))
		_, err := monitor.RecordVerdict(tx, d, time.Now(), "seized", []string{"r"}, event.SevWarning)
		return err
	})
	removed, err := s.RemoveDomains(ctx, []string{"a.com", "nope.com"})
	if err != nil || len(removed) != 1 {
		t.Fatalf("removed %v, %v", removed, err)
	}
	d, err = s.Domain(ctx, "a.com")
	if err != nil || d.Enabled {
		t.Fatalf("after rm: %+v, %v", d, err)
	}
	if sn, _ := s.Snapshots(ctx, d.ID, "", 0); len(sn) != 1 {
		t.Error("rm dropped snapshots")
	}
	if trs, _ := s.Transitions(ctx, d.ID); len(trs) != 1 {
		t.Error("rm dropped transitions")
	}
	if c, _ := s.CountByState(ctx); c["seized"] != 0 || c["unknown"] != 1 {
		t.Errorf("removed domain still counted: %v", c)
	}
	if again, _ := s.RemoveDomains(ctx, []string{"a.com"}); len(again) != 0 {
		t.Error("removed twice")
	}
	s.AddDomains(ctx, []store.NewDomain{{Name: "a.com"}})
	if d, _ := s.Domain(ctx, "a.com"); !d.Enabled || d.State != "seized" {
		t.Errorf("re-added: %+v", d)
	}
}
