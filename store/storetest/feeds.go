package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/takedownhq/takedown/store"
)

func feedCursor(t *testing.T, s Store) {
	if err := s.AddFeed(ctx, store.Feed{Name: "ct1", Kind: "ct", URL: "http://127.0.0.1/log"}); err != nil {
		t.Fatal(err)
	}
	update(t, s, func(tx store.Tx) error {
		return tx.SaveFeed(store.Feed{Name: "ct1", Cursor: "4096", NamesSeen: 10, Matches: 2, LastRun: t0, LastError: "eof"})
	})
	s.AddFeed(ctx, store.Feed{Name: "ct1", Kind: "ct", URL: "http://127.0.0.1/log2", Schedule: "@hourly"})
	f, err := s.Feed(ctx, "ct1")
	if err != nil || f.Cursor != "4096" || f.URL != "http://127.0.0.1/log2" || f.Schedule != "@hourly" || f.NamesSeen != 10 ||
		f.Matches != 2 || !f.LastRun.Equal(t0) || f.LastError != "eof" || f.CreatedAt.IsZero() {
		t.Fatalf("%+v %v", f, err)
	}
	if err := s.AddFeed(ctx, store.Feed{Name: "x", Kind: "bogus"}); err == nil {
		t.Fatal("accepted a bad kind")
	}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.SaveFeed(store.Feed{Name: "nope"}) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SaveFeed of a missing feed: %v", err)
	}
	if _, err := s.Feed(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing feed: %v", err)
	}
}

func feedsListAndRemove(t *testing.T, s Store) {
	for _, f := range []store.Feed{{Name: "zone1", Kind: "zone", URL: "file:///z"}, {Name: "nrd", Kind: "nrd", URL: "http://127.0.0.1/nrd"}} {
		if err := s.AddFeed(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := s.Feeds(ctx)
	if err != nil || len(fs) != 2 || fs[0].Name != "nrd" || fs[1].Kind != "zone" || !fs[0].LastRun.IsZero() {
		t.Fatalf("Feeds = %+v, %v", fs, err)
	}
	if err := s.RemoveFeed(ctx, "nrd"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveFeed(ctx, "nrd"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("removing twice: %v", err)
	}
	if fs, _ := s.Feeds(ctx); len(fs) != 1 {
		t.Fatalf("after remove %+v", fs)
	}
}

func markSeen(t *testing.T, s Store) {
	mark := func(scope, key string, at time.Time) time.Time {
		t.Helper()
		var prev time.Time
		update(t, s, func(tx store.Tx) error {
			var err error
			prev, err = tx.MarkSeen(scope, key, at)
			return err
		})
		return prev
	}
	if p := mark("cert", "issuer/1", t0); !p.IsZero() {
		t.Fatalf("first sighting returned %v", p)
	}
	if p := mark("cert", "issuer/1", t0.Add(time.Hour)); !p.Equal(t0) {
		t.Fatalf("second sighting returned %v", p)
	}
	// An older sighting does not move the mark back.
	if p := mark("cert", "issuer/1", t0); !p.Equal(t0.Add(time.Hour)) {
		t.Fatalf("older sighting returned %v", p)
	}
	if p := mark("cert", "issuer/1", t0.Add(time.Hour)); !p.Equal(t0.Add(time.Hour)) {
		t.Fatalf("repeat returned %v", p)
	}
	if p := mark("nrd", "issuer/1", t0); !p.IsZero() {
		t.Fatalf("scopes are not separate: %v", p)
	}
}
