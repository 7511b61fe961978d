package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/pgtest"
	"github.com/takedownhq/takedown/store"
)

// Two daemons on one database: they migrate it once, and their read-then-
// write steps (snapshot dedup, first-seen marks) do not race, because every
// Update holds the write lock.
func TestWritersOnTwoPoolsAreSerialized(t *testing.T) {
	ctx := context.Background()
	url := pgtest.DB(t)
	stores := make([]*Postgres, 4)
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, url) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	if _, err := stores[0].AddDomains(ctx, []store.NewDomain{{Name: "example.org"}}); err != nil {
		t.Fatal(err)
	}
	d, _ := stores[0].Domain(ctx, "example.org")
	var firsts atomic.Int64
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, s := range stores {
		for j := range 10 {
			wg.Go(func() {
				err := s.Update(ctx, func(tx store.Tx) error {
					at := t0.Add(time.Duration(i*10+j) * time.Second)
					if _, _, _, err := tx.ObserveSnapshot(d.ID, "dns", at, []byte(`{"a":["192.0.2.1"]}`)); err != nil {
						return err
					}
					prev, err := tx.MarkSeen("cert", "issuer/1", at)
					if prev.IsZero() {
						firsts.Add(1)
					}
					return err
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	if n := firsts.Load(); n != 1 {
		t.Errorf("%d writers saw the mark first", n)
	}
	snaps, err := stores[1].Snapshots(ctx, d.ID, "dns", 0)
	if err != nil || len(snaps) != 1 || !snaps[0].LastSeen.Equal(t0.Add(39*time.Second)) {
		t.Fatalf("snapshots %+v, %v", snaps, err)
	}
}

// A statement that fails aborts the PostgreSQL transaction; Update must not
// then report success for a transaction that committed nothing.
func TestFailedStatementFailsTheUpdate(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	err := s.Update(ctx, func(tx store.Tx) error {
		tx.SaveFeed(store.Feed{Name: "missing"}) // ErrNotFound, no SQL error: the transaction lives
		_, err := tx.AddOutbox(store.OutboxItem{EventID: 999, Channel: "mail", Recipient: "x@example.org"})
		if err == nil {
			t.Error("outbox row of a missing event accepted")
		}
		return nil // ignore it, as a careless caller would
	})
	if err == nil {
		t.Fatal("Update committed an aborted transaction without an error")
	}
	if n, _ := s.CountOutbox(ctx, store.OutboxQuery{}); n != 0 {
		t.Fatalf("%d outbox rows", n)
	}
}
