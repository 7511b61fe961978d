package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/takedownhq/takedown/store"
)

func observeSnapshotMovesLastSeenOnly(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "example.com"})
	d := mustDomain(t, s, "example.com")
	type result struct {
		cur, prev *store.Snapshot
		changed   bool
	}
	observe := func(at time.Time, data string) (r result) {
		update(t, s, func(tx store.Tx) error {
			var err error
			r.cur, r.prev, r.changed, err = tx.ObserveSnapshot(d.ID, "dns", at, []byte(data))
			return err
		})
		return r
	}
	r := observe(t0, `{"a":["192.0.2.1"]}`)
	if !r.changed || r.prev != nil || r.cur.ID == 0 || r.cur.Hash != store.Hash([]byte(`{"a":["192.0.2.1"]}`)) {
		t.Fatalf("first observation: %+v", r)
	}
	first := r.cur.ID
	r = observe(t0.Add(time.Hour), `{"a":["192.0.2.1"]}`)
	if r.changed || r.cur.ID != first || r.prev.ID != first || !r.cur.LastSeen.Equal(t0.Add(time.Hour)) {
		t.Fatalf("equal observation: %+v", r)
	}
	// A late writer never shrinks the range.
	if r = observe(t0.Add(time.Minute), `{"a":["192.0.2.1"]}`); r.changed || !r.cur.LastSeen.Equal(t0.Add(time.Hour)) {
		t.Fatalf("late equal observation: %+v", r)
	}
	r = observe(t0.Add(2*time.Hour), `{"a":["192.0.2.2"]}`)
	if !r.changed || r.prev.ID != first || r.cur.ID <= first || string(r.cur.Data) != `{"a":["192.0.2.2"]}` {
		t.Fatalf("different observation: %+v", r)
	}
	snaps, _ := s.Snapshots(ctx, d.ID, "dns", 0)
	if len(snaps) != 2 {
		t.Fatalf("%d snapshots, want 2", len(snaps))
	}
	old := snaps[1]
	if !old.FirstSeen.Equal(t0) || !old.LastSeen.Equal(t0.Add(time.Hour)) {
		t.Fatalf("first/last seen %v %v", old.FirstSeen, old.LastSeen)
	}
	// Going back to an earlier value is a change: only the latest counts.
	if r = observe(t0.Add(3*time.Hour), `{"a":["192.0.2.1"]}`); !r.changed {
		t.Fatal("return to an older value not a change")
	}
	latest, err := s.LatestSnapshot(ctx, d.ID, "dns")
	if err != nil || latest.ID != r.cur.ID || string(latest.Data) != `{"a":["192.0.2.1"]}` || latest.Probe != "dns" || latest.DomainID != d.ID {
		t.Fatalf("latest %+v %v", latest, err)
	}
}

func snapshotsListAndGet(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "example.com"})
	d := mustDomain(t, s, "example.com")
	if sn, err := s.LatestSnapshot(ctx, d.ID, "dns"); sn != nil || err != nil {
		t.Fatalf("latest of a never-probed domain: %+v, %v", sn, err)
	}
	var ids []int64
	update(t, s, func(tx store.Tx) error {
		if sn, err := tx.LatestSnapshot(d.ID, "dns"); sn != nil || err != nil {
			t.Errorf("tx latest of a never-probed domain: %+v, %v", sn, err)
		}
		for i, p := range []string{"dns", "http", "dns", "dns"} {
			cur, _, _, err := tx.ObserveSnapshot(d.ID, p, t0.Add(time.Duration(i)*time.Minute), fmt.Appendf(nil, `{"n":%d}`, i))
			if err != nil {
				return err
			}
			ids = append(ids, cur.ID)
		}
		in, err := tx.Snapshots(d.ID, "dns", 2)
		if err != nil || len(in) != 2 || in[0].ID != ids[3] || in[1].ID != ids[2] {
			t.Errorf("tx.Snapshots: %+v %v", in, err)
		}
		return nil
	})
	all, err := s.Snapshots(ctx, d.ID, "", 0)
	if err != nil || len(all) != 4 || all[0].ID != ids[3] || all[3].ID != ids[0] {
		t.Fatalf("all snapshots newest first: %+v %v", all, err)
	}
	if dns, _ := s.Snapshots(ctx, d.ID, "dns", 2); len(dns) != 2 || dns[0].ID != ids[3] {
		t.Fatalf("limited: %+v", dns)
	}
	sn, err := s.Snapshot(ctx, ids[1])
	if err != nil || sn.Probe != "http" || string(sn.Data) != `{"n":1}` || !sn.FirstSeen.Equal(t0.Add(time.Minute)) {
		t.Fatalf("Snapshot(%d) = %+v, %v", ids[1], sn, err)
	}
	if _, err := s.Snapshot(ctx, ids[3]+1000); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing snapshot: %v", err)
	}
	counts, err := s.SnapshotCounts(ctx, d.ID)
	if err != nil || counts["dns"] != 3 || counts["http"] != 1 {
		t.Fatalf("SnapshotCounts = %v, %v", counts, err)
	}
}

func observeErrorCoalescesWithinAStreak(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "example.com"})
	d := mustDomain(t, s, "example.com")
	fail := func(at time.Time, msg string, want int) {
		t.Helper()
		update(t, s, func(tx store.Tx) error {
			st, err := tx.ObserveError(d.ID, "dns", at, msg)
			if st.ConsecutiveFailures != want || st.LastError != msg || !st.LastRun.Equal(at) {
				t.Errorf("status after %q: %+v, want streak %d", msg, st, want)
			}
			return err
		})
	}
	for i := range 3 {
		fail(t0.Add(time.Duration(i)*time.Minute), "timeout", i+1)
	}
	errs, _ := s.ProbeErrors(ctx, d.ID, 0)
	if len(errs) != 1 || errs[0].Count != 3 || !errs[0].FirstSeen.Equal(t0) || !errs[0].LastSeen.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("errors %+v", errs)
	}
	failing, _ := s.FailingProbes(ctx, 10)
	if len(failing) != 1 || failing[0].Domain != "example.com" || failing[0].ConsecutiveFailures != 3 {
		t.Fatalf("failing %+v", failing)
	}
	// Another message starts a new row; a success ends the streak, and the
	// same message after it starts yet another.
	fail(t0.Add(3*time.Minute), "refused", 4)
	update(t, s, func(tx store.Tx) error {
		return tx.SetProbeStatus(store.ProbeStatus{DomainID: d.ID, Probe: "dns", LastRun: t0.Add(4 * time.Minute), LastOK: t0.Add(4 * time.Minute)})
	})
	fail(t0.Add(5*time.Minute), "refused", 1)
	errs, _ = s.ProbeErrors(ctx, d.ID, 0)
	if len(errs) != 3 || errs[0].Error != "refused" || errs[1].Error != "refused" || errs[2].Error != "timeout" {
		t.Fatalf("errors newest first %+v", errs)
	}
	if lim, _ := s.ProbeErrors(ctx, d.ID, 1); len(lim) != 1 || lim[0].ID != errs[0].ID {
		t.Fatalf("limited errors %+v", lim)
	}
	if failing, _ := s.FailingProbes(ctx, 10); len(failing) != 1 || failing[0].ConsecutiveFailures != 1 {
		t.Fatalf("failing after recovery %+v", failing)
	}
}

func probeStatusRoundTrip(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "a.com"}, store.NewDomain{Name: "b.com"})
	a, b := mustDomain(t, s, "a.com"), mustDomain(t, s, "b.com")
	want := store.ProbeStatus{DomainID: a.ID, Probe: "whois", LastRun: t0.Add(time.Second), LastOK: t0,
		ConsecutiveFailures: 2, LastError: "rate limited", Unreachable: true}
	update(t, s, func(tx store.Tx) error {
		st, err := tx.ProbeStatus(a.ID, "whois")
		if err != nil || st.ConsecutiveFailures != 0 || !st.LastRun.IsZero() || st.Probe != "whois" || st.DomainID != a.ID {
			t.Errorf("status of a probe that never ran: %+v, %v", st, err)
		}
		if err := tx.SetProbeStatus(want); err != nil {
			return err
		}
		if err := tx.SetProbeStatus(store.ProbeStatus{DomainID: a.ID, Probe: "dns", LastRun: t0}); err != nil {
			return err
		}
		if err := tx.SetProbeStatus(store.ProbeStatus{DomainID: b.ID, Probe: "dns", ConsecutiveFailures: 5}); err != nil {
			return err
		}
		got, err := tx.ProbeStatus(a.ID, "whois")
		if err != nil || !statusEqual(got, want) {
			t.Errorf("tx.ProbeStatus = %+v, %v; want %+v", got, err, want)
		}
		return nil
	})
	sts, err := s.ProbeStatuses(ctx, a.ID)
	if err != nil || len(sts) != 2 || sts[0].Probe != "dns" || !statusEqual(sts[1], want) {
		t.Fatalf("ProbeStatuses = %+v, %v", sts, err)
	}
	failing, err := s.FailingProbes(ctx, 0)
	if err != nil || len(failing) != 2 || failing[0].Domain != "b.com" || failing[1].Domain != "a.com" {
		t.Fatalf("FailingProbes, most failures first = %+v, %v", failing, err)
	}
	if one, _ := s.FailingProbes(ctx, 1); len(one) != 1 {
		t.Fatalf("limit: %+v", one)
	}
}

func statusEqual(a, b store.ProbeStatus) bool {
	return a.DomainID == b.DomainID && a.Probe == b.Probe && a.LastRun.Equal(b.LastRun) && a.LastOK.Equal(b.LastOK) &&
		a.ConsecutiveFailures == b.ConsecutiveFailures && a.LastError == b.LastError && a.Unreachable == b.Unreachable
}

func markCheckedNeverMovesBack(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "a.com"})
	a := mustDomain(t, s, "a.com")
	for _, at := range []time.Time{t0.Add(time.Hour), t0} {
		update(t, s, func(tx store.Tx) error { return tx.MarkChecked(a.ID, at) })
	}
	if got := mustDomain(t, s, "a.com").LastChecked; !got.Equal(t0.Add(time.Hour)) {
		t.Fatalf("last checked %v", got)
	}
}
