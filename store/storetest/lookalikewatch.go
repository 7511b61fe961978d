package storetest

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/takedownhq/takedown/store"
)

// lookalikeRowsStayOffTheWatchlist: a look-alike's domains row is found by
// name (its history reads like a watched domain's) but the watchlist
// proper, the probe schedule's LastRuns and the state counts leave it out;
// adding it again as a look-alike changes nothing, adding it to the
// watchlist makes it watched, and a watched domain never becomes a
// look-alike.
func lookalikeRowsStayOffTheWatchlist(t *testing.T, s Store) {
	add := func(ds ...store.NewDomain) {
		t.Helper()
		if _, err := s.AddDomains(ctx, ds); err != nil {
			t.Fatal(err)
		}
	}
	add(store.NewDomain{Name: "example.com", Kind: store.KindBrand},
		store.NewDomain{Name: "examp1e.com", Kind: store.KindLookalike, Tags: []string{"lookalike"}, Note: "look-alike of example.com"})
	d, err := s.Domain(ctx, "examp1e.com")
	if err != nil || d.Kind != store.KindLookalike || !d.Enabled {
		t.Fatalf("Domain(examp1e.com) = %+v, %v", d, err)
	}
	update(t, s, func(tx store.Tx) error {
		if err := tx.SetProbeStatus(store.ProbeStatus{DomainID: d.ID, Probe: "dns", LastRun: t0, LastOK: t0}); err != nil {
			return err
		}
		_, _, err := tx.SetState(d.ID, t0, "parked", []string{"parking name servers"})
		return err
	})
	names := func(q store.DomainQuery) []string {
		t.Helper()
		ds, n, err := s.Domains(ctx, q)
		if err != nil || n != len(ds) {
			t.Fatalf("Domains(%+v) = %d rows, total %d, %v", q, len(ds), n, err)
		}
		var out []string
		for _, d := range ds {
			out = append(out, d.Name)
		}
		return out
	}
	enabled := true
	if got := names(store.DomainQuery{Enabled: &enabled}); !slices.Equal(got, []string{"example.com"}) {
		t.Errorf("the watchlist lists %v, want only example.com", got)
	}
	if got := names(store.DomainQuery{Enabled: &enabled, NeverChecked: true}); slices.Contains(got, "examp1e.com") {
		t.Errorf("never-checked watchlist lists the look-alike: %v", got)
	}
	if got := names(store.DomainQuery{Kind: store.KindLookalike}); !slices.Equal(got, []string{"examp1e.com"}) {
		t.Errorf("Kind lookalike lists %v", got)
	}
	refs, err := s.ScanDomains(ctx, store.ScanQuery{LastRuns: true})
	if err != nil || slices.ContainsFunc(refs, func(r store.DomainRef) bool { return r.ID == d.ID }) {
		t.Errorf("ScanDomains has the look-alike: %v, %v", refs, err)
	}
	if c, err := s.CountByState(ctx); err != nil || c["parked"] != 0 {
		t.Errorf("CountByState counts the look-alike: %v, %v", c, err)
	}
	// Found again: nothing changes, the note stays.
	add(store.NewDomain{Name: "examp1e.com", Kind: store.KindLookalike, Note: "other"})
	if d2, _ := s.Domain(ctx, "examp1e.com"); d2.Kind != store.KindLookalike || d2.Note != "look-alike of example.com" {
		t.Errorf("re-adding as look-alike changed the row: %+v", d2)
	}
	// The analyst watches it: it becomes a watched domain with its history.
	add(store.NewDomain{Name: "examp1e.com"})
	if d2, _ := s.Domain(ctx, "examp1e.com"); d2.Kind != store.KindWatch || d2.ID != d.ID {
		t.Errorf("watch add of a look-alike: %+v", d2)
	}
	// A watched domain is never demoted, nor a removed one re-enabled.
	add(store.NewDomain{Name: "examp1e.com", Kind: store.KindLookalike})
	if d2, _ := s.Domain(ctx, "examp1e.com"); d2.Kind != store.KindWatch {
		t.Errorf("look-alike watch demoted a watched domain: %+v", d2)
	}
	if _, err := s.RemoveDomains(ctx, []string{"examp1e.com"}); err != nil {
		t.Fatal(err)
	}
	add(store.NewDomain{Name: "examp1e.com", Kind: store.KindLookalike})
	if d2, _ := s.Domain(ctx, "examp1e.com"); d2.Enabled {
		t.Errorf("look-alike watch re-enabled a removed domain: %+v", d2)
	}
}

// lookalikeRiskAndScreenshot: the risk round-trips with its reasons and
// returns the one it replaced; "risk" sorts riskiest first; a screenshot
// is stored per domain, replaced, bounded, and flagged on the look-alike.
func lookalikeRiskAndScreenshot(t *testing.T, s Store) {
	for _, n := range []string{"examp1e.com", "exarnple.com", "example.net"} {
		update(t, s, func(tx store.Tx) error {
			_, _, err := tx.UpsertLookalike(store.Lookalike{Brand: "example.com", Name: n, Registered: store.RegYes, LastChecked: t0})
			return err
		})
	}
	set := func(name string, r store.LookalikeRisk) (prev store.LookalikeRisk) {
		t.Helper()
		update(t, s, func(tx store.Tx) error {
			var err error
			prev, err = tx.SetLookalikeRisk("example.com", name, r)
			return err
		})
		return prev
	}
	if prev := set("exarnple.com", store.LookalikeRisk{Level: "parked", Score: 30, Reasons: []string{"parking name servers (parking-ns-sedo)"}, At: t0}); prev.Level != "" {
		t.Errorf("first risk replaced %+v", prev)
	}
	hostile := `<script>alert("x")</script> "quoted" ünïcode`
	prev := set("exarnple.com", store.LookalikeRisk{Level: "phishing_like", Score: 93, Reasons: []string{"page similar", hostile}, At: t0.Add(time.Hour)})
	if prev.Level != "parked" || prev.Score != 30 || !slices.Equal(prev.Reasons, []string{"parking name servers (parking-ns-sedo)"}) || !prev.At.Equal(t0) {
		t.Errorf("replaced risk = %+v", prev)
	}
	set("example.net", store.LookalikeRisk{Level: "registered", Score: 15, At: t0})
	ls, _, err := s.Lookalikes(ctx, store.LookalikeQuery{Brand: "example.com", Sort: "risk"})
	if err != nil || len(ls) != 3 {
		t.Fatalf("Lookalikes = %v, %v", ls, err)
	}
	if ls[0].Name != "exarnple.com" || ls[1].Name != "example.net" || ls[2].Name != "examp1e.com" {
		t.Errorf("sorted by risk: %s, %s, %s", ls[0].Name, ls[1].Name, ls[2].Name)
	}
	r := ls[0].Risk
	if r.Level != "phishing_like" || r.Score != 93 || !slices.Equal(r.Reasons, []string{"page similar", hostile}) || !r.At.Equal(t0.Add(time.Hour)) {
		t.Errorf("stored risk = %+v", r)
	}
	if ls[2].Risk.Level != "" || ls[2].Risk.Reasons != nil {
		t.Errorf("unjudged look-alike has a risk: %+v", ls[2].Risk)
	}
	// Judging the risk is a check: last_checked moves with it.
	if !ls[0].LastChecked.Equal(t0.Add(time.Hour)) || !ls[2].LastChecked.Equal(t0) {
		t.Errorf("last checked %v and %v, want the risk's time and the upsert's", ls[0].LastChecked, ls[2].LastChecked)
	}
	update(t, s, func(tx store.Tx) error {
		if _, err := tx.SetLookalikeRisk("example.com", "nope.com", store.LookalikeRisk{Level: "live"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("risk of a missing look-alike: %v", err)
		}
		return nil
	})

	// Screenshots.
	if _, err := s.AddDomains(ctx, []store.NewDomain{{Name: "exarnple.com", Kind: store.KindLookalike}}); err != nil {
		t.Fatal(err)
	}
	d, err := s.Domain(ctx, "exarnple.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Screenshot(ctx, "exarnple.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("screenshot before any: %v", err)
	}
	png1 := []byte("\x89PNG\r\n\x1a\nfirst")
	png2 := []byte("\x89PNG\r\n\x1a\nsecond")
	for _, p := range [][]byte{png1, png2} {
		update(t, s, func(tx store.Tx) error {
			return tx.PutScreenshot(store.Screenshot{DomainID: d.ID, URL: "https://exarnple.com/", TakenAt: t0, PNG: p, AHash: "ffff0000ffff0000"})
		})
	}
	sc, err := s.Screenshot(ctx, "exarnple.com")
	if err != nil || !bytes.Equal(sc.PNG, png2) || sc.SHA256 != store.Hash(png2) || sc.AHash != "ffff0000ffff0000" || !sc.TakenAt.Equal(t0) || sc.URL != "https://exarnple.com/" {
		t.Errorf("Screenshot = %+v, %v", sc, err)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.PutScreenshot(store.Screenshot{DomainID: d.ID, PNG: make([]byte, store.MaxScreenshot+1)})
	})
	if err == nil {
		t.Error("a screenshot over MaxScreenshot was stored")
	}
	ls, _, _ = s.Lookalikes(ctx, store.LookalikeQuery{Search: "exarnple"})
	if len(ls) != 1 || !ls[0].Screenshot {
		t.Errorf("look-alike does not flag its screenshot: %+v", ls)
	}
}
