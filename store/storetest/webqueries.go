package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// The count must agree with the listing for every filter, or the web UI's
// page links lie.
func countEventsMatchesEvents(t *testing.T, st Store) {
	mustAdd(t, st, store.NewDomain{Name: "example.org"}, store.NewDomain{Name: "example.net"})
	t0 := time.Date(2023, 10, 1, 0, 0, 0, 0, time.UTC)
	kinds := []event.Kind{event.DNSChanged, event.StateChanged, event.HTTPChanged}
	sevs := event.Severities
	var ids []int64
	update(t, st, func(tx store.Tx) error {
		for i := range 60 {
			d := "example.org"
			if i%4 == 0 {
				d = "example.net"
			}
			id, err := tx.AddEvent(store.Event{Domain: d, At: t0.Add(time.Duration(i) * time.Hour),
				Kind: kinds[i%len(kinds)], Severity: sevs[i%len(sevs)]})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	for _, tc := range []struct {
		name string
		q    store.EventQuery
		want int
	}{
		{"all", store.EventQuery{}, 60},
		{"domain", store.EventQuery{Domain: "example.org"}, 45},
		{"kinds", store.EventQuery{Kinds: []event.Kind{event.DNSChanged, event.HTTPChanged}}, 40},
		{"window", store.EventQuery{Since: t0.Add(10 * time.Hour), Until: t0.Add(40 * time.Hour)}, 30},
		{"severity", store.EventQuery{MinSev: event.SevWarning}, 30},
		{"before", store.EventQuery{BeforeID: ids[20], Domain: "example.net"}, 5},
		{"nothing", store.EventQuery{Domain: "nothing.example"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := st.Events(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			n, err := st.CountEvents(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(evs) || n != tc.want {
				t.Errorf("CountEvents(%+v) = %d, Events lists %d, want %d", tc.q, n, len(evs), tc.want)
			}
			// Limits cut the listing, never the count.
			tc.q.Limit, tc.q.Offset = 3, 1
			if page, _ := st.Events(ctx, tc.q); len(page) != min(3, max(tc.want-1, 0)) {
				t.Errorf("page of %+v has %d events", tc.q, len(page))
			}
			if m, _ := st.CountEvents(ctx, tc.q); m != n {
				t.Errorf("CountEvents with a limit = %d, want %d", m, n)
			}
		})
	}
	ks, err := st.EventKinds(ctx, "example.org")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, k := range ks {
		total += k.N
	}
	if n, _ := st.CountEvents(ctx, store.EventQuery{Domain: "example.org"}); total != n || len(ks) != 3 {
		t.Errorf("EventKinds(example.org) = %v, want 3 kinds summing to %d", ks, n)
	}
	if all, _ := st.EventKinds(ctx, ""); fmt.Sprint(all) != "[{dns_changed 20} {http_changed 20} {state_changed 20}]" {
		t.Errorf("EventKinds() = %v", all)
	}
}

func facets(t *testing.T, st Store) {
	if tags, err := st.TagCounts(ctx); err != nil || tags == nil || len(tags) != 0 {
		t.Errorf("TagCounts of an empty store = %#v, %v", tags, err)
	}
	mustAdd(t, st, store.NewDomain{Name: "example.org", Tags: []string{"b", "a"}}, store.NewDomain{Name: "example.net", Tags: []string{"a"}})
	tags, err := st.TagCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(tags) != "[{a 2} {b 1}]" {
		t.Errorf("TagCounts = %v", tags)
	}
	var dom *store.Domain
	update(t, st, func(tx store.Tx) error {
		for _, l := range []store.Lookalike{
			{Brand: "example.org", Name: "examp1e.org", Fuzzer: "homoglyph", Source: "permutation"},
			{Brand: "example.org", Name: "example.com", Fuzzer: "tld-swap", Source: "permutation"},
			{Brand: "example.net", Name: "exampie.net", Fuzzer: "homoglyph", Source: "feed:nrd"},
			{Brand: "example.net", Name: "Example.net"}, // no fuzzer: not a facet value
		} {
			if _, _, err := tx.UpsertLookalike(l); err != nil {
				return err
			}
		}
		var err error
		dom, err = tx.Domain("example.org")
		if err != nil {
			return err
		}
		for i, p := range []string{"dns", "dns", "http"} {
			if _, _, _, err := tx.ObserveSnapshot(dom.ID, p, time.Now(), fmt.Appendf(nil, `{"n":%d}`, i)); err != nil {
				return err
			}
		}
		ev, err := tx.AddEvent(store.Event{Domain: "example.org", Kind: "dns_changed"})
		if err != nil {
			return err
		}
		for _, ch := range []string{"mail", "hook"} {
			if _, err := tx.AddOutbox(store.OutboxItem{EventID: ev, Channel: ch, Recipient: "soc@example.org"}); err != nil {
				return err
			}
		}
		return nil
	})
	f, err := st.LookalikeFacets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(f); got != "{[{example.net 2} {example.org 2}] [{homoglyph 2} {tld-swap 1}] [{feed:nrd 1} {permutation 2}] [{new 4}]}" {
		t.Errorf("LookalikeFacets = %s", got)
	}
	sc, err := st.SnapshotCounts(ctx, dom.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sc["dns"] != 2 || sc["http"] != 1 {
		t.Errorf("SnapshotCounts = %v", sc)
	}
	if n, err := st.CountOutbox(ctx, store.OutboxQuery{Channel: "mail"}); err != nil || n != 1 {
		t.Errorf("CountOutbox(mail) = %d, %v; want 1", n, err)
	}
	if n, err := st.CountOutbox(ctx, store.OutboxQuery{Status: store.OutboxPending}); err != nil || n != 2 {
		t.Errorf("CountOutbox(pending) = %d, %v; want 2", n, err)
	}
}
