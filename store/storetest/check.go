package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// cost runs fn and returns how many statements it sent.
func cost(s Store, fn func()) int64 {
	before := s.Statements()
	fn()
	return s.Statements() - before
}

// An unchanged check is two statements: CheckState reads what it needs,
// TouchUnchanged records it; a touch whose reading moved writes nothing.
func checkStateAndTouchUnchanged(t *testing.T, s Store) {
	if _, err := s.CheckState(ctx, "example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("check state of an unwatched name: %v", err)
	}
	mustAdd(t, s, store.NewDomain{Name: "example.com", Tags: []string{"b", "a"}})
	d := mustDomain(t, s, "example.com")
	cs, err := s.CheckState(ctx, "example.com")
	if err != nil || cs.Domain.ID != d.ID || len(cs.Domain.Tags) != 2 || len(cs.Latest) != 0 || len(cs.Status) != 0 || !cs.VerdictUntil.IsZero() {
		t.Fatalf("check state of a new domain: %+v, %v", cs, err)
	}
	// A full record: dns answered twice (two snapshots), http once, whois failed.
	update(t, s, func(tx store.Tx) error {
		for i, p := range []event.Probe{event.ProbeDNS, event.ProbeHTTP, event.ProbeDNS} {
			at := t0.Add(time.Duration(i) * time.Minute)
			if _, _, _, err := tx.ObserveSnapshot(d.ID, string(p), at, fmt.Appendf(nil, `{"p":%q,"i":%d}`, p, i)); err != nil {
				return err
			}
			if err := tx.SetProbeStatus(store.ProbeStatus{DomainID: d.ID, Probe: p, LastRun: at, LastOK: at}); err != nil {
				return err
			}
		}
		if _, err := tx.ObserveError(d.ID, "whois", t0, "timeout"); err != nil {
			return err
		}
		return tx.SetVerdictUntil(d.ID, t0.Add(time.Hour))
	})
	var n int64
	n = cost(s, func() { cs, err = s.CheckState(ctx, "example.com") })
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("CheckState sent %d statements, want 1", n)
	}
	latest, _ := s.LatestSnapshot(ctx, d.ID, "dns")
	if h := cs.Latest["dns"]; h.ID != latest.ID || h.Hash != latest.Hash || !h.LastSeen.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("dns head %+v, want the latest %+v", h, latest)
	}
	if _, ok := cs.Latest["whois"]; ok || len(cs.Latest) != 2 {
		t.Errorf("heads %+v: want dns and http only", cs.Latest)
	}
	if st := cs.Status["whois"]; st.ConsecutiveFailures != 1 || st.LastError != "timeout" || len(cs.Status) != 3 {
		t.Errorf("statuses %+v", cs.Status)
	}
	if st := cs.Status["http"]; !st.LastRun.Equal(t0.Add(time.Minute)) || !st.LastOK.Equal(t0.Add(time.Minute)) {
		t.Errorf("http status %+v", st)
	}
	if !cs.VerdictUntil.Equal(t0.Add(time.Hour)) {
		t.Errorf("verdict until %v", cs.VerdictUntil)
	}

	seen := func(cs *store.CheckState, probes ...event.Probe) []store.Seen {
		var out []store.Seen
		for _, p := range probes {
			out = append(out, store.Seen{Probe: p, SnapshotID: cs.Latest[p].ID, LastRun: cs.Status[p].LastRun})
		}
		return out
	}
	at := t0.Add(10 * time.Minute)
	n = cost(s, func() {
		update(t, s, func(tx store.Tx) error {
			return tx.TouchUnchanged(store.Unchanged{DomainID: d.ID, At: at, Probes: seen(cs, event.ProbeDNS, event.ProbeHTTP)})
		})
	})
	if n != 1 {
		t.Errorf("TouchUnchanged sent %d statements, want 1", n)
	}
	after, _ := s.CheckState(ctx, "example.com")
	for _, p := range []event.Probe{event.ProbeDNS, event.ProbeHTTP} {
		if h, st := after.Latest[p], after.Status[p]; h.ID != cs.Latest[p].ID || !h.LastSeen.Equal(at) || !st.LastRun.Equal(at) || !st.LastOK.Equal(at) {
			t.Errorf("%s after touch: %+v %+v", p, h, st)
		}
	}
	if !after.Domain.LastChecked.Equal(at) || after.Status["whois"].ConsecutiveFailures != 1 {
		t.Errorf("after touch: checked %v, whois %+v", after.Domain.LastChecked, after.Status["whois"])
	}
	// A late touch never moves last_seen or last_checked back.
	update(t, s, func(tx store.Tx) error {
		return tx.TouchUnchanged(store.Unchanged{DomainID: d.ID, At: at.Add(-time.Minute), Probes: seen(after, "dns")})
	})
	late, _ := s.CheckState(ctx, "example.com")
	if !late.Latest["dns"].LastSeen.Equal(at) || !late.Domain.LastChecked.Equal(at) {
		t.Errorf("a late touch moved back: %+v, checked %v", late.Latest["dns"], late.Domain.LastChecked)
	}

	// What the touch read has moved: a new dns snapshot, or a failing
	// probe, or a stale last run. Each is ErrStale and writes nothing.
	stale := func(name string, u store.Unchanged) {
		t.Helper()
		before, _ := s.CheckState(ctx, "example.com")
		err := s.Update(ctx, func(tx store.Tx) error { return tx.TouchUnchanged(u) })
		if !errors.Is(err, store.ErrStale) {
			t.Errorf("%s: %v, want ErrStale", name, err)
		}
		now, _ := s.CheckState(ctx, "example.com")
		if !now.Domain.LastChecked.Equal(before.Domain.LastChecked) || !now.Latest["http"].LastSeen.Equal(before.Latest["http"].LastSeen) ||
			!now.Status["http"].LastRun.Equal(before.Status["http"].LastRun) {
			t.Errorf("%s: a stale touch wrote: %+v → %+v", name, before, now)
		}
	}
	cur, _ := s.CheckState(ctx, "example.com")
	later := t0.Add(20 * time.Minute)
	stale("last run moved", store.Unchanged{DomainID: d.ID, At: later, Probes: seen(cs, "http")})
	stale("failing probe", store.Unchanged{DomainID: d.ID, At: later, Probes: append(seen(cur, "http"), seen(cur, "whois")...)})
	update(t, s, func(tx store.Tx) error {
		_, _, _, err := tx.ObserveSnapshot(d.ID, "dns", later, []byte(`{"new":true}`))
		return err
	})
	stale("newer snapshot", store.Unchanged{DomainID: d.ID, At: later, Probes: seen(cur, "http", "dns")})

	// A verdict to judge at the next check is stored as zero.
	update(t, s, func(tx store.Tx) error { return tx.SetVerdictUntil(d.ID, time.Time{}) })
	if cs, _ := s.CheckState(ctx, "example.com"); !cs.VerdictUntil.IsZero() {
		t.Errorf("verdict until %v, want zero", cs.VerdictUntil)
	}
}
