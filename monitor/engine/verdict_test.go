package engine

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

func TestFirstVerdictMarksOnlyTheFirst(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	s.AddDomains(ctx, []store.NewDomain{{Name: "a.com"}})
	d, _ := s.Domain(ctx, "a.com")
	for _, st := range []event.State{event.StateActive, event.StateDeleted, event.StateUnknown, event.StateActive} {
		s.Update(ctx, func(tx store.Tx) error {
			_, err := RecordVerdict(tx, d, time.Now(), st, nil, event.SevInfo)
			return err
		})
	}
	evs, _ := s.Events(ctx, store.EventQuery{Kinds: []event.Kind{event.StateChanged}})
	var first []string
	for _, ev := range evs {
		if FirstVerdict(ev) {
			first = append(first, ev.Old+"→"+ev.New)
		}
	}
	if len(evs) != 4 || len(first) != 1 || first[0] != "unknown→active" {
		t.Fatalf("%d state events, first verdicts %v", len(evs), first)
	}
}

func openTestStore(t *testing.T) *sqlite.SQLite {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
