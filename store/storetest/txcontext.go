package storetest

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

type ctxKey struct{}

// A transaction runs under its Update's context: Tx.Context is that
// context, and once it ends the transaction's statements fail and nothing
// of it is written.
func txRunsUnderUpdatesContext(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "example.org"})
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "update's"))
	defer cancel()
	err := s.Update(ctx, func(tx store.Tx) error {
		if v := tx.Context().Value(ctxKey{}); v != "update's" {
			t.Errorf("Tx.Context carries %v, want the Update's context", v)
		}
		if _, err := tx.AddEvent(store.Event{Domain: "example.org", Kind: event.FieldChanged, Field: "before"}); err != nil {
			return err
		}
		cancel()
		_, err := tx.AddEvent(store.Event{Domain: "example.org", Kind: event.FieldChanged, Field: "after"})
		return err
	})
	if err == nil {
		t.Fatal("a transaction whose context ended committed")
	}
	if !errors.Is(err, context.Canceled) && !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("statement after cancel: %v; want context.Canceled or sql.ErrTxDone", err)
	}
	evs, err := s.Events(context.Background(), store.EventQuery{Domain: "example.org"})
	if err != nil || len(evs) != 0 {
		t.Fatalf("after a cancelled Update: %d events, %v; want none", len(evs), err)
	}
}
