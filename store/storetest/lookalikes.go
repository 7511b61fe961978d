package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

func upsertLookalikeFlagsFirstRegistrationOnce(t *testing.T, s Store) {
	up := func(reg event.Registration) (store.Lookalike, bool) {
		var l store.Lookalike
		var newly bool
		update(t, s, func(tx store.Tx) error {
			var err error
			l, newly, err = tx.UpsertLookalike(store.Lookalike{Brand: "example.com", Name: "examp1e.com", Fuzzer: "homoglyph",
				Registered: reg, LastChecked: time.Now()})
			return err
		})
		return l, newly
	}
	if l, n := up(store.RegNo); n || l.Status != store.StatusNew || l.ID == 0 || l.Unicode != "examp1e.com" {
		t.Fatalf("unregistered: %+v %v", l, n)
	}
	l, n := up(store.RegYes)
	if !n || l.RegisteredSeen.IsZero() {
		t.Fatalf("first registration not flagged: %+v", l)
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
	if _, err := s.SetLookalikeStatus(ctx, "examp1e.com", "", "maybe"); err == nil {
		t.Fatal("accepted an unknown status")
	}
	if _, err := s.SetLookalikeStatus(ctx, "examp1e.com", "other.com", store.StatusNew); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("triage under another brand: %v", err)
	}
	update(t, s, func(tx store.Tx) error {
		if _, _, err := tx.UpsertLookalike(store.Lookalike{Brand: "example.com"}); err == nil {
			t.Error("a look-alike without a name was accepted")
		}
		return nil
	})
}

func lookalikesQuery(t *testing.T, s Store) {
	update(t, s, func(tx store.Tx) error {
		for _, l := range []store.Lookalike{
			{Brand: "example.com", Name: "examp1e.com", Fuzzer: "homoglyph", Source: "permutation", Score: 0.5, FirstSeen: t0},
			{Brand: "example.com", Name: "example.net", Fuzzer: "tld-swap", Source: "permutation", FirstSeen: t0.Add(time.Hour),
				Registered: store.RegYes, LastChecked: t0.Add(3 * time.Hour), DNS: []byte(`{"a":["192.0.2.9"]}`),
				Created: t0.Add(-24 * time.Hour)},
			{Brand: "example.org", Name: "examp1e.com", Unicode: "exampIe.com", Source: "feed:nrd", FirstSeen: t0.Add(2 * time.Hour)},
		} {
			if _, _, err := tx.UpsertLookalike(l); err != nil {
				return err
			}
		}
		// A later sighting keeps first_seen, raises the score, keeps DNS
		// when it has none and fills an empty fuzzer.
		l, newly, err := tx.UpsertLookalike(store.Lookalike{Brand: "example.com", Name: "examp1e.com", Fuzzer: "other", Score: 0.9,
			FirstSeen: t0.Add(5 * time.Hour)})
		if err != nil || newly || !l.FirstSeen.Equal(t0) || l.Score != 0.9 || l.Fuzzer != "homoglyph" {
			t.Errorf("merged look-alike %+v %v %v", l, newly, err)
		}
		l, _, err = tx.UpsertLookalike(store.Lookalike{Brand: "example.com", Name: "example.net", Score: 0.1})
		if err != nil || string(l.DNS) != `{"a":["192.0.2.9"]}` || l.Score != 0.1 || !l.Created.Equal(t0.Add(-24*time.Hour)) {
			t.Errorf("merge without DNS: %+v %v", l, err)
		}
		l, _, err = tx.UpsertLookalike(store.Lookalike{Brand: "example.org", Name: "examp1e.com", Fuzzer: "homoglyph"})
		if err != nil || l.Fuzzer != "homoglyph" {
			t.Errorf("empty fuzzer not filled: %+v %v", l, err)
		}
		return nil
	})
	all, total, err := s.Lookalikes(ctx, store.LookalikeQuery{})
	if err != nil || total != 3 {
		t.Fatal(total, err)
	}
	// Newest registration or sighting first: example.net registered at +3h.
	var order []string
	for _, l := range all {
		order = append(order, l.Brand+"/"+l.Name)
	}
	if fmt.Sprint(order) != "[example.com/example.net example.org/examp1e.com example.com/examp1e.com]" {
		t.Fatalf("order %v", order)
	}
	net := all[0]
	if net.Registered != store.RegYes || !net.RegisteredSeen.Equal(t0.Add(3*time.Hour)) || !net.LastChecked.Equal(t0.Add(3*time.Hour)) ||
		string(net.DNS) != `{"a":["192.0.2.9"]}` || net.Status != store.StatusNew || !net.StatusAt.IsZero() {
		t.Fatalf("registered look-alike %+v", net)
	}
	if all[2].DNS != nil || all[2].Registered != store.RegUnknown {
		t.Fatalf("defaults %+v", all[2])
	}
	for _, tc := range []struct {
		q    store.LookalikeQuery
		want int
	}{
		{store.LookalikeQuery{Brand: "example.com"}, 2},
		{store.LookalikeQuery{Fuzzer: "homoglyph"}, 2},
		{store.LookalikeQuery{Source: "feed:nrd"}, 1},
		{store.LookalikeQuery{Registered: store.RegYes}, 1},
		{store.LookalikeQuery{Since: t0.Add(time.Hour)}, 2},
		{store.LookalikeQuery{Search: "EXAMPIE"}, 1},
		{store.LookalikeQuery{Search: "1e"}, 2},
		{store.LookalikeQuery{Status: store.StatusDismissed}, 0},
		{store.LookalikeQuery{Limit: 1, Offset: 1}, 1},
	} {
		got, total, err := s.Lookalikes(ctx, tc.q)
		if err != nil || len(got) != tc.want {
			t.Errorf("Lookalikes(%+v) = %d rows (total %d), %v; want %d", tc.q, len(got), total, err, tc.want)
		}
	}
	if n, err := s.SetLookalikeStatus(ctx, "examp1e.com", "", store.StatusAcknowledged); err != nil || n != 2 {
		t.Fatalf("triage of every brand's row: %d, %v", n, err)
	}
	if n, err := s.SetLookalikeStatus(ctx, "examp1e.com", "example.org", store.StatusDismissed); err != nil || n != 1 {
		t.Fatalf("triage of one brand's row: %d, %v", n, err)
	}
	got, _, _ := s.Lookalikes(ctx, store.LookalikeQuery{Status: store.StatusDismissed})
	if len(got) != 1 || got[0].Brand != "example.org" || got[0].StatusAt.IsZero() {
		t.Fatalf("dismissed %+v", got)
	}
}
