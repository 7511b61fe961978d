package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

func names(ds []store.Domain) string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return fmt.Sprint(out)
}

func addDomainsIsAllOrNothing(t *testing.T, s Store) {
	_, err := s.AddDomains(ctx, []store.NewDomain{{Name: "ok.com"}, {Name: "bad.com", Kind: "nonsense"}})
	if err == nil {
		t.Fatal("accepted an unknown kind")
	}
	if _, n, _ := s.Domains(ctx, store.DomainQuery{}); n != 0 {
		t.Fatalf("a failed add left %d domains", n)
	}
	if _, err := s.AddDomains(ctx, []store.NewDomain{{Name: ""}}); err == nil {
		t.Fatal("accepted an empty name")
	}
	res, err := s.AddDomains(ctx, []store.NewDomain{{Name: "a.com", Tags: []string{"x"}}, {Name: "a.com", Tags: []string{"y"}}, {Name: "b.com"}})
	if err != nil || len(res.Added) != 2 || len(res.Merged) != 0 {
		t.Fatalf("add: %+v %v", res, err)
	}
	res, err = s.AddDomains(ctx, []store.NewDomain{{Name: "a.com", Tags: []string{"z"}, Kind: store.KindBrand, Note: "case 7"}})
	if err != nil || len(res.Merged) != 1 || len(res.Added) != 0 {
		t.Fatalf("merge: %+v %v", res, err)
	}
	d := mustDomain(t, s, "a.com")
	if d.Kind != store.KindBrand || fmt.Sprint(d.Tags) != "[x y z]" || d.Note != "case 7" {
		t.Fatalf("merged domain %+v", d)
	}
	// An empty note or kind keeps what is stored.
	s.AddDomains(ctx, []store.NewDomain{{Name: "a.com"}})
	if d := mustDomain(t, s, "a.com"); d.Kind != store.KindBrand || d.Note != "case 7" {
		t.Fatalf("merge without note or kind overwrote: %+v", d)
	}
	b := mustDomain(t, s, "b.com")
	if b.Kind != store.KindWatch || b.Unicode != "b.com" || !b.Enabled || b.State != "unknown" ||
		len(b.Tags) != 0 || b.Tags == nil || len(b.StateReasons) != 0 || b.StateReasons == nil ||
		!b.LastChecked.IsZero() || !b.StateSince.IsZero() || time.Since(b.AddedAt) > time.Hour {
		t.Fatalf("new domain %+v", b)
	}
	if _, err := s.Domain(ctx, "nope.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing domain: %v", err)
	}
	update(t, s, func(tx store.Tx) error {
		if _, err := tx.Domain("nope.com"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing domain in a transaction: %v", err)
		}
		d, err := tx.Domain("b.com")
		if err != nil || d.ID != b.ID {
			t.Errorf("tx.Domain: %+v %v", d, err)
		}
		return nil
	})
}

func domainsQuery(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "alpha.com", Tags: []string{"t1"}}, store.NewDomain{Name: "beta.com", Kind: store.KindBrand},
		store.NewDomain{Name: "xn--bcher-kva.com", Unicode: "bücher.com"}, store.NewDomain{Name: "a_100%.com"})
	got, total, err := s.Domains(ctx, store.DomainQuery{Search: "ü"})
	if err != nil || total != 1 || got[0].Name != "xn--bcher-kva.com" {
		t.Fatalf("unicode search: %v %d %v", got, total, err)
	}
	if got, _, _ := s.Domains(ctx, store.DomainQuery{Search: "%"}); len(got) != 1 {
		t.Fatalf("LIKE wildcard not escaped: %v", got)
	}
	if got, _, _ := s.Domains(ctx, store.DomainQuery{Search: "_"}); len(got) != 1 {
		t.Fatalf("LIKE _ not escaped: %v", got)
	}
	if got, _, _ := s.Domains(ctx, store.DomainQuery{Search: "ALPHA"}); len(got) != 1 {
		t.Fatalf("search is not case-insensitive: %v", got)
	}
	if got, _, _ := s.Domains(ctx, store.DomainQuery{Tag: "t1"}); len(got) != 1 || got[0].Name != "alpha.com" {
		t.Fatalf("tag filter: %v", got)
	}
	got, total, _ = s.Domains(ctx, store.DomainQuery{Sort: "-name", Limit: 2, Offset: 1})
	if total != 4 || len(got) != 2 || got[0].Name != "beta.com" {
		t.Fatalf("sort/paginate: %d %v", total, got)
	}
	// Names sort in byte order, whatever the database's collation: "_" before "l".
	if got, _, _ := s.Domains(ctx, store.DomainQuery{}); names(got) != "[a_100%.com alpha.com beta.com xn--bcher-kva.com]" {
		t.Fatalf("default order %s", names(got))
	}
	if got, total, _ := s.Domains(ctx, store.DomainQuery{Offset: 3}); total != 4 || names(got) != "[xn--bcher-kva.com]" {
		t.Fatalf("offset without limit: %d %s", total, names(got))
	}
}

func domainsFiltersAndSorts(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "a.com"}, store.NewDomain{Name: "b.com", Kind: store.KindBrand},
		store.NewDomain{Name: "c.com"}, store.NewDomain{Name: "d.com"})
	a, b, c := mustDomain(t, s, "a.com"), mustDomain(t, s, "b.com"), mustDomain(t, s, "c.com")
	update(t, s, func(tx store.Tx) error {
		for _, x := range []struct {
			id int64
			at time.Time
		}{{a.ID, t0.Add(2 * time.Hour)}, {b.ID, t0.Add(time.Hour)}} {
			if err := tx.MarkChecked(x.id, x.at); err != nil {
				return err
			}
		}
		if _, err := recordState(tx, c, t0, "seized", []string{"r"}, event.SevCritical); err != nil {
			return err
		}
		_, err := recordState(tx, a, t0, "active", nil, event.SevInfo)
		return err
	})
	if _, err := s.RemoveDomains(ctx, []string{"d.com"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    store.DomainQuery
		want string
	}{
		{store.DomainQuery{State: "seized"}, "[c.com]"},
		{store.DomainQuery{Kind: store.KindBrand}, "[b.com]"},
		{store.DomainQuery{Enabled: new(false)}, "[d.com]"},
		{store.DomainQuery{Enabled: new(true)}, "[a.com b.com c.com]"},
		{store.DomainQuery{NeverChecked: true}, "[c.com d.com]"},
		// Never-checked domains sort first ascending, last descending.
		{store.DomainQuery{Sort: "checked"}, "[c.com d.com b.com a.com]"},
		{store.DomainQuery{Sort: "-checked"}, "[a.com b.com d.com c.com]"},
		{store.DomainQuery{Sort: "state"}, "[a.com c.com b.com d.com]"},
		{store.DomainQuery{Sort: "-kind"}, "[d.com c.com a.com b.com]"},
		{store.DomainQuery{Sort: "added", Limit: 1}, "[a.com]"},
		{store.DomainQuery{Sort: "bogus"}, "[a.com b.com c.com d.com]"},
	} {
		got, _, err := s.Domains(ctx, tc.q)
		if err != nil || names(got) != tc.want {
			t.Errorf("Domains(%+v) = %s, %v; want %s", tc.q, names(got), err, tc.want)
		}
	}
	if got := mustDomain(t, s, "a.com"); !got.LastChecked.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("last checked %v", got.LastChecked)
	}
	counts, err := s.CountByState(ctx)
	if err != nil || fmt.Sprint(counts) != "map[active:1 seized:1 unknown:1]" {
		t.Errorf("CountByState = %v, %v", counts, err)
	}
}

func setTagsReplaces(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "a.com", Tags: []string{"old"}})
	if err := s.SetTags(ctx, "a.com", []string{"z", "m", "z"}); err != nil {
		t.Fatal(err)
	}
	if d := mustDomain(t, s, "a.com"); fmt.Sprint(d.Tags) != "[m z]" {
		t.Fatalf("tags %v", d.Tags)
	}
	if err := s.SetTags(ctx, "a.com", nil); err != nil {
		t.Fatal(err)
	}
	if d := mustDomain(t, s, "a.com"); d.Tags == nil || len(d.Tags) != 0 {
		t.Fatalf("tags %#v", d.Tags)
	}
	if err := s.SetTags(ctx, "nope.com", []string{"x"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SetTags of a missing domain: %v", err)
	}
}

func removeKeepsHistoryAndAddResumes(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "a.com"}, store.NewDomain{Name: "b.com"})
	d := mustDomain(t, s, "a.com")
	update(t, s, func(tx store.Tx) error {
		tx.ObserveSnapshot(d.ID, "dns", time.Now(), []byte(`{"a":[]}`))
		_, err := recordState(tx, d, time.Now(), "seized", []string{"r"}, event.SevWarning)
		return err
	})
	removed, err := s.RemoveDomains(ctx, []string{"a.com", "nope.com"})
	if err != nil || len(removed) != 1 {
		t.Fatalf("removed %v, %v", removed, err)
	}
	d, err = s.Domain(ctx, "a.com")
	if err != nil || d.Enabled {
		t.Fatalf("after rm: %+v, %v", d, err)
	}
	if sn, _ := s.Snapshots(ctx, d.ID, "", 0); len(sn) != 1 {
		t.Error("rm dropped snapshots")
	}
	if trs, _ := s.Transitions(ctx, d.ID); len(trs) != 1 {
		t.Error("rm dropped transitions")
	}
	if c, _ := s.CountByState(ctx); c["seized"] != 0 || c["unknown"] != 1 {
		t.Errorf("removed domain still counted: %v", c)
	}
	if again, _ := s.RemoveDomains(ctx, []string{"a.com"}); len(again) != 0 {
		t.Error("removed twice")
	}
	res, _ := s.AddDomains(ctx, []store.NewDomain{{Name: "a.com"}})
	if len(res.Merged) != 1 {
		t.Errorf("re-adding a removed domain: %+v", res)
	}
	if d, _ := s.Domain(ctx, "a.com"); !d.Enabled || d.State != "seized" {
		t.Errorf("re-added: %+v", d)
	}
}

func scanDomainsPages(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "a.com"}, store.NewDomain{Name: "b.com"}, store.NewDomain{Name: "c.com"}, store.NewDomain{Name: "d.com"})
	a, b, c, d := mustDomain(t, s, "a.com"), mustDomain(t, s, "b.com"), mustDomain(t, s, "c.com"), mustDomain(t, s, "d.com")
	update(t, s, func(tx store.Tx) error {
		for _, st := range []store.ProbeStatus{
			{DomainID: a.ID, Probe: "dns", LastRun: t0, LastOK: t0},
			{DomainID: a.ID, Probe: "whois", LastRun: t0.Add(time.Minute)},
			{DomainID: b.ID, Probe: "dns", LastRun: t0},
			{DomainID: c.ID, Probe: "dns"}, // never ran
		} {
			if err := tx.SetProbeStatus(st); err != nil {
				return err
			}
		}
		return tx.MarkChecked(a.ID, t0)
	})
	s.RemoveDomains(ctx, []string{"b.com"})
	scan := func(q store.ScanQuery) []store.DomainRef {
		t.Helper()
		got, err := s.ScanDomains(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	refs := func(rs []store.DomainRef) string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return fmt.Sprint(out)
	}
	// Pages of two, in ID order, enabled only, until an empty page.
	var all []store.DomainRef
	for after := int64(0); ; {
		page := scan(store.ScanQuery{AfterID: after, Limit: 2, LastRuns: true})
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("page of %d, limit 2", len(page))
		}
		all = append(all, page...)
		after = page[len(page)-1].ID
	}
	if refs(all) != "[a.com c.com d.com]" {
		t.Fatalf("pages = %s", refs(all))
	}
	if r := all[0].LastRuns; len(r) != 2 || !r["whois"].Equal(t0.Add(time.Minute)) || !r["dns"].Equal(t0) {
		t.Errorf("a.com's last runs = %v", r)
	}
	if all[1].LastRuns != nil || all[2].LastRuns != nil {
		t.Errorf("never run: %v, %v", all[1].LastRuns, all[2].LastRuns)
	}
	if got := scan(store.ScanQuery{AfterID: a.ID}); refs(got) != "[c.com d.com]" || got[0].LastRuns != nil {
		t.Errorf("after a.com, no runs asked: %+v", got)
	}
	if got := scan(store.ScanQuery{NeverChecked: true}); refs(got) != "[c.com d.com]" {
		t.Errorf("never checked: %s", refs(got))
	}
	// Unqueued: lacking a queued check of one of the kinds.
	if _, err := s.ScheduleChecks(ctx, []store.DueCheck{
		{DomainID: a.ID, Kind: "dns", Due: t0}, {DomainID: a.ID, Kind: "rdap", Due: t0},
		{DomainID: c.ID, Kind: "dns", Due: t0}, {DomainID: d.ID, Kind: "cert", Due: t0},
	}); err != nil {
		t.Fatal(err)
	}
	if got := scan(store.ScanQuery{Unqueued: []event.Probe{event.ProbeDNS, event.ProbeRDAP}}); refs(got) != "[c.com d.com]" {
		t.Errorf("unqueued dns or rdap: %s", refs(got))
	}
	if got := scan(store.ScanQuery{Unqueued: []event.Probe{event.ProbeDNS}}); refs(got) != "[d.com]" {
		t.Errorf("unqueued dns: %s", refs(got))
	}
}
