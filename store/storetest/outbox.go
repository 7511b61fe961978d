package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/takedownhq/takedown/store"
)

func outboxLifecycle(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "example.org"})
	var ids []int64
	update(t, s, func(tx store.Tx) error {
		ev, err := tx.AddEvent(store.Event{Domain: "example.org", Kind: "dns_changed"})
		if err != nil {
			return err
		}
		for i, r := range []string{"a@example.org", "b@example.org", "c@example.org"} {
			id, err := tx.AddOutbox(store.OutboxItem{EventID: ev, Channel: "mail", Recipient: r,
				NextTry: t0.Add(time.Duration(2-i) * time.Minute), CreatedAt: t0})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	item := func(id int64) store.OutboxItem {
		t.Helper()
		all, err := s.Outbox(ctx, store.OutboxQuery{})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range all {
			if o.ID == id {
				return o
			}
		}
		t.Fatalf("outbox row %d missing", id)
		return store.OutboxItem{}
	}
	a := item(ids[0])
	if a.Status != store.OutboxPending || a.Attempts != 0 || !a.NextTry.Equal(t0.Add(2*time.Minute)) || !a.CreatedAt.Equal(t0) ||
		a.IdempotencyKey != store.IdempotencyKey(a.EventID, "mail", "a@example.org") || !a.SentAt.IsZero() {
		t.Fatalf("new row %+v", a)
	}
	// Due rows: oldest next try first, none in the future.
	due, err := s.DueOutbox(ctx, t0.Add(time.Minute), 0)
	if err != nil || len(due) != 2 || due[0].ID != ids[2] || due[1].ID != ids[1] {
		t.Fatalf("due %+v %v", due, err)
	}
	if due, _ := s.DueOutbox(ctx, t0.Add(time.Hour), 1); len(due) != 1 || due[0].ID != ids[2] {
		t.Fatalf("limited due %+v", due)
	}
	update(t, s, func(tx store.Tx) error {
		if err := tx.MarkSent(ids[2], t0.Add(3*time.Minute)); err != nil {
			return err
		}
		if err := tx.MarkRetry(ids[1], 1, t0.Add(10*time.Minute), "421 try later"); err != nil {
			return err
		}
		if err := tx.MarkFailed(ids[0], 5, "550 no such user"); err != nil {
			return err
		}
		// A retry of a row no longer pending changes nothing.
		return tx.MarkRetry(ids[2], 9, t0, "late")
	})
	if c := item(ids[2]); c.Status != store.OutboxSent || !c.SentAt.Equal(t0.Add(3*time.Minute)) || c.Attempts != 1 || c.LastError != "" {
		t.Fatalf("sent %+v", c)
	}
	if b := item(ids[1]); b.Status != store.OutboxPending || b.Attempts != 1 || !b.NextTry.Equal(t0.Add(10*time.Minute)) || b.LastError != "421 try later" {
		t.Fatalf("retried %+v", b)
	}
	if a := item(ids[0]); a.Status != store.OutboxFailed || a.Attempts != 5 || a.LastError != "550 no such user" {
		t.Fatalf("failed %+v", a)
	}
	if due, _ := s.DueOutbox(ctx, t0.Add(5*time.Minute), 0); len(due) != 0 {
		t.Fatalf("due after marking %+v", due)
	}
	depth, err := s.OutboxDepth(ctx)
	if err != nil || fmt.Sprint(depth) != "map[failed:1 pending:1 sent:1]" {
		t.Fatalf("OutboxDepth = %v, %v", depth, err)
	}
	if got, _ := s.Outbox(ctx, store.OutboxQuery{Status: store.OutboxPending}); len(got) != 1 || got[0].ID != ids[1] {
		t.Fatalf("pending %+v", got)
	}
	if got, _ := s.Outbox(ctx, store.OutboxQuery{Limit: 2}); len(got) != 2 || got[0].ID != ids[2] || got[1].ID != ids[1] {
		t.Fatalf("newest first %+v", got)
	}
	if got, _ := s.Outbox(ctx, store.OutboxQuery{Channel: "hook"}); len(got) != 0 {
		t.Fatalf("hook rows %+v", got)
	}
	// The idempotency key makes a repeated delivery a no-op.
	update(t, s, func(tx store.Tx) error {
		_, err := tx.AddOutbox(store.OutboxItem{EventID: a.EventID, Channel: "mail", Recipient: "a@example.org"})
		return err
	})
	if n, _ := s.CountOutbox(ctx, store.OutboxQuery{}); n != 3 {
		t.Fatalf("%d rows after a repeated delivery", n)
	}
}
