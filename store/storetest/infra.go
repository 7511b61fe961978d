package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/takedownhq/takedown/store"
)

// observeKeys records keys of a domain at at and returns the keys new to it.
func observeKeys(t *testing.T, s Store, id int64, at time.Time, keys ...store.InfraKey) []store.InfraKey {
	t.Helper()
	var added []store.InfraKey
	update(t, s, func(tx store.Tx) error {
		var err error
		added, err = tx.ObserveKeys(id, at, keys)
		return err
	})
	return added
}

// Keys are history: first seen stays, last seen moves forward only when a
// key is seen again, and a key the domain no longer shows keeps its last
// seen; the pivot count grows once per domain.
func infraKeysAreHistory(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "a.example"}, store.NewDomain{Name: "b.example"})
	a, b := mustDomain(t, s, "a.example"), mustDomain(t, s, "b.example")
	ns := store.InfraKey{Kind: "ns", Value: "ns1.dedicated.example"}
	ip := store.InfraKey{Kind: "ip", Value: "192.0.2.7"}
	if added := observeKeys(t, s, a.ID, t0, ns, ip); len(added) != 2 {
		t.Fatalf("first observation added %v", added)
	}
	if added := observeKeys(t, s, a.ID, t0.Add(time.Hour), ns); len(added) != 0 {
		t.Fatalf("second observation added %v", added)
	}
	observeKeys(t, s, a.ID, t0.Add(time.Minute), ns) // a late writer never moves it back
	observeKeys(t, s, b.ID, t0.Add(2*time.Hour), ns)
	keys, err := s.DomainKeys(ctx, "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("keys of a: %+v", keys)
	}
	// Sorted by kind: ip, ns.
	if k := keys[0]; k.InfraKey != ip || k.Count != 1 || !k.FirstSeen.Equal(t0) || !k.LastSeen.Equal(t0) {
		t.Errorf("ip key: %+v", k)
	}
	if k := keys[1]; k.InfraKey != ns || k.Count != 2 || !k.FirstSeen.Equal(t0) || !k.LastSeen.Equal(t0.Add(time.Hour)) {
		t.Errorf("ns key: %+v", k)
	}
	ds, n, err := s.KeyDomains(ctx, ns, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || len(ds) != 2 || ds[0].Domain != "b.example" || ds[1].Domain != "a.example" || ds[0].Kind != string(store.KindWatch) {
		t.Errorf("domains on ns: %d %+v", n, ds)
	}
	if ds, n, err := s.KeyDomains(ctx, store.InfraKey{Kind: "ns", Value: "nowhere.example"}, 0); err != nil || n != 0 || len(ds) != 0 {
		t.Errorf("unknown key: %v %d %v", ds, n, err)
	}
	if _, err := s.DomainKeys(ctx, "missing.example"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("keys of a missing domain: %v", err)
	}
	if keys, err := s.DomainKeys(ctx, "b.example"); err != nil || len(keys) != 1 {
		t.Errorf("keys of b: %v %v", keys, err)
	}
}

// Related follows only keys at most maxCount domains share, and never
// returns the domain itself; KeysDomains does the same from a list.
func infraRelatedSkipsCommonKeys(t *testing.T, s Store) {
	var ds []store.NewDomain
	for i := range 12 {
		ds = append(ds, store.NewDomain{Name: fmt.Sprintf("d%02d.example", i), Source: "feed:zone"})
	}
	mustAdd(t, s, ds...)
	common := store.InfraKey{Kind: "ns", Value: "ns1.bighost.example"}
	rare := store.InfraKey{Kind: "cert_key", Value: "ab12"}
	for i := range 12 {
		d := mustDomain(t, s, fmt.Sprintf("d%02d.example", i))
		keys := []store.InfraKey{common}
		if i < 3 {
			keys = append(keys, rare)
		}
		observeKeys(t, s, d.ID, t0.Add(time.Duration(i)*time.Minute), keys...)
	}
	sh, err := s.Related(ctx, "d00.example", 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range sh {
		if x.Key != rare || x.Count != 3 || x.Source != "feed:zone" {
			t.Errorf("share: %+v", x)
		}
		names = append(names, x.Domain)
	}
	if !slices.Equal(names, []string{"d01.example", "d02.example"}) {
		t.Errorf("related of d00: %v", names)
	}
	if sh, err := s.Related(ctx, "d00.example", 100, 0); err != nil || len(sh) != 2+11 {
		t.Errorf("with a higher threshold: %d shares, %v", len(sh), err)
	}
	if sh, err := s.Related(ctx, "d05.example", 10, 0); err != nil || len(sh) != 0 {
		t.Errorf("d05 shares only the common key: %+v %v", sh, err)
	}
	if _, err := s.Related(ctx, "missing.example", 10, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("related of a missing domain: %v", err)
	}
	sh, err = s.KeysDomains(ctx, []store.InfraKey{rare, common, {Kind: "ip", Value: "192.0.2.9"}}, 10, 0)
	if err != nil || len(sh) != 3 || sh[0].Domain != "d00.example" || !sh[0].FirstSeen.Equal(t0) {
		t.Errorf("domains on keys: %+v %v", sh, err)
	}
}

func infraWatchlist(t *testing.T, s Store) {
	ws := []store.InfraWatch{{Kind: "ns", Value: "ns1.bad.example"}, {Kind: "ip", Value: "203.0.113.0/24", Note: "IOC list"},
		{Kind: "asn", Value: "AS64500"}}
	n, err := s.AddInfraWatches(ctx, ws)
	if err != nil || n != 3 {
		t.Fatalf("add: %d %v", n, err)
	}
	if n, err := s.AddInfraWatches(ctx, ws[:1]); err != nil || n != 0 {
		t.Errorf("add again: %d %v", n, err)
	}
	// All or nothing: a bad entry (the schema refuses the kind) adds none.
	if _, err := s.AddInfraWatches(ctx, []store.InfraWatch{{Kind: "ns", Value: "ns2.bad.example"}, {Kind: "mx", Value: "x"}}); err == nil {
		t.Error("a bad kind was accepted")
	}
	got, err := s.InfraWatches(ctx)
	if err != nil || len(got) != 3 || got[0].Kind != "asn" || got[1].Note != "IOC list" || got[1].AddedAt.IsZero() {
		t.Errorf("list: %+v %v", got, err)
	}
	if n, err := s.RemoveInfraWatches(ctx, []store.InfraWatch{ws[0], {Kind: "ns", Value: "other.example"}}); err != nil || n != 1 {
		t.Errorf("remove: %d %v", n, err)
	}
	if got, _ := s.InfraWatches(ctx); len(got) != 2 {
		t.Errorf("after remove: %+v", got)
	}
}

// A related domain gets its own row, off the watchlist proper and its
// schedule; a name with a row keeps it. WatchedKeys lists only watched
// domains' uncommon keys.
func infraRelatedRowsAndWatchedKeys(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "seized.example"}, store.NewDomain{Name: "brand.example", Kind: store.KindBrand})
	seized := mustDomain(t, s, "seized.example")
	var id int64
	var added bool
	update(t, s, func(tx store.Tx) error {
		var err error
		id, added, err = tx.AddRelated("sibling.example", "", "feed:zone", t0)
		return err
	})
	if !added || id == 0 {
		t.Fatalf("AddRelated: %d %v", id, added)
	}
	update(t, s, func(tx store.Tx) error {
		again, addedAgain, err := tx.AddRelated("sibling.example", "", "feed:ct", t0)
		if err == nil && (again != id || addedAgain) {
			t.Errorf("again: %d %v", again, addedAgain)
		}
		w, addedW, err2 := tx.AddRelated("seized.example", "", "feed:ct", t0)
		if err2 == nil && (w != seized.ID || addedW) {
			t.Errorf("a watched name: %d %v", w, addedW)
		}
		return errors.Join(err, err2)
	})
	d := mustDomain(t, s, "sibling.example")
	if d.Kind != store.KindRelated || d.Source != "feed:zone" || !d.Enabled {
		t.Errorf("related row: %+v", d)
	}
	if got := mustDomain(t, s, "seized.example"); got.Kind != store.KindWatch {
		t.Errorf("watched row changed: %+v", got)
	}
	ds, n, err := s.Domains(ctx, store.DomainQuery{})
	if err != nil || n != 2 || len(ds) != 2 {
		t.Errorf("watchlist proper: %d %+v %v", n, ds, err)
	}
	if ds, _, err := s.Domains(ctx, store.DomainQuery{Kind: store.KindRelated}); err != nil || len(ds) != 1 {
		t.Errorf("related rows: %+v %v", ds, err)
	}
	refs, err := s.ScanDomains(ctx, store.ScanQuery{})
	if err != nil || len(refs) != 2 {
		t.Errorf("scan: %+v %v", refs, err)
	}
	// Adding the name to the watchlist makes it a watched domain.
	mustAdd(t, s, store.NewDomain{Name: "sibling.example"})
	if got := mustDomain(t, s, "sibling.example"); got.Kind != store.KindWatch {
		t.Errorf("after watch add: %+v", got)
	}
	ns := store.InfraKey{Kind: "ns", Value: "ns1.dedicated.example"}
	observeKeys(t, s, seized.ID, t0, ns, store.InfraKey{Kind: "cert", Value: "ff"})
	observeKeys(t, s, id, t0, ns)
	ws, err := s.WatchedKeys(ctx, []string{"ns", "ip"}, 10, 0)
	if err != nil || len(ws) != 2 || ws[0].Domain != "seized.example" || ws[0].Key != ns || ws[0].Count != 2 {
		t.Errorf("watched keys: %+v %v", ws, err)
	}
	if ws, err := s.WatchedKeys(ctx, []string{"ns"}, 1, 0); err != nil || len(ws) != 0 {
		t.Errorf("watched keys over the count: %+v %v", ws, err)
	}
}
