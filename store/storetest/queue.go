package storetest

import (
	"testing"
	"time"

	"github.com/takedownhq/takedown/store"
)

// dueKinds lists "domain/kind" of checks, in order.
func dueKinds(cs []store.DueCheck) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Domain+"/"+string(c.Kind))
	}
	return out
}

func sameList(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func queueLeasesEachCheckOnce(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "a.example"}, store.NewDomain{Name: "b.example"}, store.NewDomain{Name: "off.example"})
	a, b, off := mustDomain(t, s, "a.example"), mustDomain(t, s, "b.example"), mustDomain(t, s, "off.example")
	cs := []store.DueCheck{
		{DomainID: a.ID, Kind: "dns", Due: t0.Add(2 * time.Second)},
		{DomainID: b.ID, Kind: "dns", Due: t0.Add(time.Second)},
		{DomainID: a.ID, Kind: "rdap", Due: t0},
		{DomainID: b.ID, Kind: "rdap", Due: t0.Add(time.Hour)}, // not due yet
		{DomainID: off.ID, Kind: "dns", Due: t0},               // disabled below
	}
	if n, err := s.ScheduleChecks(ctx, cs); err != nil || n != 5 {
		t.Fatalf("schedule: %d, %v", n, err)
	}
	// Scheduling again changes nothing: the queued due time stays.
	if n, err := s.ScheduleChecks(ctx, []store.DueCheck{{DomainID: a.ID, Kind: "dns", Due: t0.Add(-time.Hour)}}); err != nil || n != 0 {
		t.Fatalf("schedule again: %d, %v", n, err)
	}
	if _, err := s.RemoveDomains(ctx, []string{"off.example"}); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(10 * time.Second)
	ttl := 20 * time.Second
	dns, err := s.LeaseChecks(ctx, "w1", []string{"dns"}, now, 10, ttl)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dueKinds(dns), []string{"b.example/dns", "a.example/dns"}; !sameList(got, want) {
		t.Fatalf("w1 leased %v, want %v (due dns checks of enabled domains, earliest first)", got, want)
	}
	if !dns[1].Due.Equal(t0.Add(2*time.Second)) || dns[1].DomainID != a.ID {
		t.Errorf("leased check %+v", dns[1])
	}
	rest, err := s.LeaseChecks(ctx, "w2", nil, now, 10, ttl)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dueKinds(rest), []string{"a.example/rdap"}; !sameList(got, want) {
		t.Fatalf("w2 leased %v, want %v (w1's leases are live)", got, want)
	}
	if more, err := s.LeaseChecks(ctx, "w3", nil, now, 10, ttl); err != nil || len(more) != 0 {
		t.Fatalf("w3 leased %v, %v; want nothing", dueKinds(more), err)
	}
	// w1 keeps its leases alive; w2 dies and its lease lapses.
	later := now.Add(ttl + time.Second)
	if n, err := s.ExtendLeases(ctx, "w1", later.Add(ttl)); err != nil || n != 2 {
		t.Fatalf("extend: %d, %v", n, err)
	}
	took, err := s.LeaseChecks(ctx, "w3", nil, later, 10, ttl)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dueKinds(took), []string{"a.example/rdap"}; !sameList(got, want) {
		t.Fatalf("after w2's lease lapsed w3 leased %v, want %v", got, want)
	}
	// w2 comes back too late: its finish is refused, w3's stands.
	if n, err := s.FinishChecks(ctx, "w2", []store.DueCheck{{DomainID: a.ID, Kind: "rdap", Due: t0.Add(24 * time.Hour)}}); err != nil || n != 0 {
		t.Fatalf("finish by a worker that lost the lease: %d, %v", n, err)
	}
	next := []store.DueCheck{{DomainID: a.ID, Kind: "dns", Due: later.Add(15 * time.Minute)}, {DomainID: b.ID, Kind: "dns", Due: later}}
	if n, err := s.FinishChecks(ctx, "w1", next); err != nil || n != 2 {
		t.Fatalf("finish: %d, %v", n, err)
	}
	if n, err := s.FinishChecks(ctx, "w3", []store.DueCheck{{DomainID: a.ID, Kind: "rdap", Due: later.Add(24 * time.Hour)}}); err != nil || n != 1 {
		t.Fatalf("finish: %d, %v", n, err)
	}
	// Only b's dns is due again (re-dued at later, as a deferred check is).
	again, err := s.LeaseChecks(ctx, "w1", nil, later, 10, ttl)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dueKinds(again), []string{"b.example/dns"}; !sameList(got, want) {
		t.Fatalf("after finishing, leased %v, want %v", got, want)
	}
	// A domain watched again is due with the queue as it was.
	mustAdd(t, s, store.NewDomain{Name: "off.example"})
	back, err := s.LeaseChecks(ctx, "w1", nil, later, 10, ttl)
	if err != nil || !sameList(dueKinds(back), []string{"off.example/dns"}) {
		t.Fatalf("re-enabled domain: %v, %v", dueKinds(back), err)
	}
}

func jobRunsOncePerSlot(t *testing.T, s Store) {
	ttl := 30 * time.Second
	slot1, slot2 := t0, t0.Add(time.Hour)
	claim := func(worker string, slot, now time.Time) bool {
		t.Helper()
		ok, err := s.ClaimJobRun(ctx, "feed ct", slot, worker, now, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim("w1", slot1, slot1) {
		t.Fatal("first claim refused")
	}
	if claim("w2", slot1, slot1) {
		t.Fatal("a slot was claimed twice")
	}
	if claim("w2", slot2, slot1.Add(time.Second)) {
		t.Fatal("a second run started while the first holds its lease")
	}
	if ok, err := s.ClaimJobRun(ctx, "lookalikes", slot1, "w2", slot1, ttl); err != nil || !ok {
		t.Fatalf("another job's slot: %v, %v", ok, err)
	}
	if err := s.FinishJobRun(ctx, "feed ct", slot1, "w1", slot1.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if !claim("w2", slot2, slot2) {
		t.Fatal("next slot refused after the first run finished")
	}
	if claim("w1", slot2, slot2) {
		t.Fatal("slot 2 claimed twice")
	}
	// w2 dies in slot 2: after its lease lapses slot 3 may run.
	slot3 := slot2.Add(time.Hour)
	if !claim("w1", slot3, slot3) {
		t.Fatal("slot 3 refused although slot 2's lease lapsed")
	}
}

func outboxLeaseReturnsDueRows(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "example.org"})
	var ids []int64
	update(t, s, func(tx store.Tx) error {
		ev, err := tx.AddEvent(store.Event{Domain: "example.org", Kind: "dns_changed"})
		if err != nil {
			return err
		}
		for i, r := range []string{"a@example.org", "b@example.org"} {
			id, err := tx.AddOutbox(store.OutboxItem{EventID: ev, Channel: "soc", Recipient: r, CreatedAt: t0, NextTry: t0.Add(time.Duration(i) * time.Second)})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	rows, err := s.LeaseOutbox(ctx, "w1", t0.Add(time.Minute), 10, time.Minute)
	if err != nil || len(rows) != 2 || rows[0].ID != ids[0] || rows[1].ID != ids[1] {
		t.Fatalf("lease outbox: %+v, %v", rows, err)
	}
	update(t, s, func(tx store.Tx) error { return tx.MarkSent(ids[0], t0.Add(time.Minute)) })
	// The leaser may lease its own rows again; a sent row is gone.
	rows, err = s.LeaseOutbox(ctx, "w1", t0.Add(time.Minute), 10, time.Minute)
	if err != nil || len(rows) != 1 || rows[0].ID != ids[1] {
		t.Fatalf("lease outbox again: %+v, %v", rows, err)
	}
}

func rateSlotsAreSpaced(t *testing.T, s Store) {
	iv := 500 * time.Millisecond
	var got []time.Time
	for range 3 {
		at, err := s.TakeRateSlot(ctx, "rdap.example", t0, iv)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, at)
	}
	for i, at := range got {
		if want := t0.Add(time.Duration(i) * iv); !at.Equal(want) {
			t.Errorf("slot %d at %v, want %v", i, at, want)
		}
	}
	// After a quiet spell the next slot is now, not in the past.
	later := t0.Add(time.Hour)
	if at, err := s.TakeRateSlot(ctx, "rdap.example", later, iv); err != nil || !at.Equal(later) {
		t.Errorf("slot after a pause: %v, %v; want %v", at, err, later)
	}
	if at, err := s.TakeRateSlot(ctx, "whois.example", t0, iv); err != nil || !at.Equal(t0) {
		t.Errorf("another server's first slot: %v, %v", at, err)
	}
}
