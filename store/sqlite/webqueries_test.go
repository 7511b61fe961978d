package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/takedownhq/takedown/monitor/event"
	"github.com/takedownhq/takedown/store"
)

// The count must agree with the listing for every filter, or the web UI's
// page links lie.
func TestCountEventsMatchesEvents(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: "example.org"}, {Name: "example.net"}}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2023, 10, 1, 0, 0, 0, 0, time.UTC)
	kinds := []string{"dns_changed", "state_changed", "http_changed"}
	sevs := []string{event.SevInfo, event.SevNotice, event.SevWarning, event.SevCritical}
	err := st.Update(ctx, func(tx store.Tx) error {
		for i := range 60 {
			d := "example.org"
			if i%4 == 0 {
				d = "example.net"
			}
			if _, err := tx.AddEvent(store.Event{Domain: d, At: t0.Add(time.Duration(i) * time.Hour),
				Kind: kinds[i%len(kinds)], Severity: sevs[i%len(sevs)]}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, q := range []store.EventQuery{
		{},
		{Domain: "example.org"},
		{Kinds: []string{"dns_changed", "http_changed"}},
		{Since: t0.Add(10 * time.Hour), Until: t0.Add(40 * time.Hour)},
		{MinSev: event.SevWarning},
		{BeforeID: 20, Domain: "example.net"},
		{Domain: "nothing.example"},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			evs, err := st.Events(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			n, err := st.CountEvents(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(evs) {
				t.Errorf("CountEvents(%+v) = %d, Events lists %d", q, n, len(evs))
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
}

func TestFacets(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: "example.org", Tags: []string{"b", "a"}}, {Name: "example.net", Tags: []string{"a"}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := st.TagCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(tags) != "[{a 2} {b 1}]" {
		t.Errorf("TagCounts = %v", tags)
	}
	var dom *store.Domain
	err = st.Update(ctx, func(tx store.Tx) error {
		for _, l := range []store.Lookalike{
			{Brand: "example.org", Name: "examp1e.org", Fuzzer: "homoglyph", Source: "permutation"},
			{Brand: "example.org", Name: "example.com", Fuzzer: "tld-swap", Source: "permutation"},
			{Brand: "example.net", Name: "exampie.net", Fuzzer: "homoglyph", Source: "feed:nrd"},
		} {
			if _, _, err := tx.UpsertLookalike(l); err != nil {
				return err
			}
		}
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
	if err != nil {
		t.Fatal(err)
	}
	f, err := st.LookalikeFacets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(f); got != "{[{example.net 1} {example.org 2}] [{homoglyph 2} {tld-swap 1}] [{feed:nrd 1} {permutation 2}] [{new 3}]}" {
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
