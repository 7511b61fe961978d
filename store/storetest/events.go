package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

func eventAndOutboxShareATransaction(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "example.com", Tags: []string{"case-1"}})
	var routed []store.Event
	s.SetRouter(func(ev store.Event) []store.Delivery {
		routed = append(routed, ev)
		return []store.Delivery{{Channel: "soc", Recipient: "soc@example.org"}, {Channel: "hook", Recipient: "https://h.example/x"}}
	})
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.AddEvent(store.Event{Domain: "example.com", Kind: event.NSChanged}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if evs, _ := s.Events(ctx, store.EventQuery{}); len(evs) != 0 {
		t.Fatal("rolled-back event persisted")
	}
	if ob, _ := s.Outbox(ctx, store.OutboxQuery{}); len(ob) != 0 {
		t.Fatal("rolled-back outbox rows persisted")
	}
	d := mustDomain(t, s, "example.com")
	update(t, s, func(tx store.Tx) error {
		_, err := recordState(tx, d, time.Now(), "seized", []string{"delegation ns1.fbi.seized.gov matches us-fbi-seized-ns"}, event.SevCritical)
		return err
	})
	ob, _ := s.Outbox(ctx, store.OutboxQuery{})
	if len(ob) != 2 || ob[0].IdempotencyKey == ob[1].IdempotencyKey {
		t.Fatalf("outbox %+v", ob)
	}
	last := routed[len(routed)-1]
	if len(last.Tags) != 1 || last.Tags[0] != "case-1" || last.Kind != "state_changed" || last.New != "seized" || last.ID == 0 {
		t.Fatalf("router saw %+v", last)
	}
	if ob[0].EventID != last.ID || ob[0].IdempotencyKey != store.IdempotencyKey(last.ID, ob[0].Channel, ob[0].Recipient) {
		t.Fatalf("outbox row %+v of event %d", ob[0], last.ID)
	}
	due, _ := s.DueOutbox(ctx, time.Now(), 10)
	if len(due) != 2 {
		t.Fatalf("due %d", len(due))
	}
	trs, _ := s.Transitions(ctx, d.ID)
	if len(trs) != 1 || trs[0].From != "unknown" || trs[0].To != "seized" || trs[0].EventID != last.ID || len(trs[0].Reasons) != 1 {
		t.Fatalf("transitions %+v", trs)
	}
	// The same state again refreshes reasons only.
	update(t, s, func(tx store.Tx) error {
		id, err := recordState(tx, d, time.Now(), "seized", []string{"r2"}, event.SevCritical)
		if id != 0 {
			t.Error("unchanged state wrote an event")
		}
		return err
	})
	d = mustDomain(t, s, "example.com")
	if d.State != "seized" || d.StateReasons[0] != "r2" {
		t.Fatalf("state %+v", d)
	}
	// Without a router, events get no outbox rows.
	s.SetRouter(nil)
	update(t, s, func(tx store.Tx) error {
		_, err := tx.AddEvent(store.Event{Domain: "example.com", Kind: event.NSChanged})
		return err
	})
	if n, _ := s.CountOutbox(ctx, store.OutboxQuery{}); n != 2 {
		t.Fatalf("%d outbox rows after an unrouted event", n)
	}
}

func firstVerdictMarksOnlyTheFirst(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "a.com"})
	d := mustDomain(t, s, "a.com")
	for i, st := range []event.State{event.StateActive, event.StateDeleted, event.StateUnknown, event.StateActive} {
		update(t, s, func(tx store.Tx) error {
			_, err := recordState(tx, d, t0.Add(time.Duration(i)*time.Hour), st, nil, event.SevInfo)
			return err
		})
	}
	evs, _ := s.Events(ctx, store.EventQuery{Kinds: []event.Kind{event.StateChanged}})
	var first []string
	for _, ev := range evs {
		if vd, err := event.ParseVerdictDetail(ev.Detail); err != nil {
			t.Fatal(err)
		} else if vd.First {
			first = append(first, ev.Old+"→"+ev.New)
		}
	}
	if len(evs) != 4 || len(first) != 1 || first[0] != "unknown→active" {
		t.Fatalf("%d state events, first verdicts %v", len(evs), first)
	}
	trs, err := s.Transitions(ctx, d.ID)
	if err != nil || len(trs) != 4 || trs[0].To != "active" || trs[0].From != "unknown" || !trs[0].At.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("transitions newest first: %+v %v", trs, err)
	}
	if got := mustDomain(t, s, "a.com"); !got.StateSince.Equal(t0.Add(3 * time.Hour)) {
		t.Fatalf("state since %v", got.StateSince)
	}
	update(t, s, func(tx store.Tx) error {
		in, err := tx.Transitions(d.ID)
		if err != nil || len(in) != 4 {
			t.Errorf("tx.Transitions: %d, %v", len(in), err)
		}
		return nil
	})
}

func eventsFieldsAndOrder(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "example.org"})
	d := mustDomain(t, s, "example.org")
	var ids []int64
	update(t, s, func(tx store.Tx) error {
		for i, ev := range []store.Event{
			{Domain: "example.org", At: t0, Kind: "dns_changed", Probe: "dns", Field: "a", Old: "192.0.2.1", New: "192.0.2.2",
				Severity: event.SevNotice, Detail: []byte(`{"k":"v"}`)},
			{Domain: "unwatched.example", At: t0.Add(time.Hour), Kind: event.LookalikeRegistered},
			// Same time as the first: the later id lists first.
			{Domain: "example.org", At: t0, Kind: "http_changed"},
		} {
			id, err := tx.AddEvent(ev)
			if err != nil {
				return err
			}
			if i > 0 && id <= ids[i-1] {
				t.Errorf("event ids not increasing: %d after %d", id, ids[i-1])
			}
			ids = append(ids, id)
		}
		if _, err := tx.AddEvent(store.Event{Kind: "x"}); err == nil {
			t.Error("an event without a domain was accepted")
		}
		ev, err := tx.Event(ids[0])
		if err != nil || ev.Field != "a" {
			t.Errorf("tx.Event: %+v %v", ev, err)
		}
		if _, err := tx.Event(ids[2] + 100); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("tx.Event of a missing id: %v", err)
		}
		return nil
	})
	ev, err := s.Event(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	want := store.Event{ID: ids[0], DomainID: d.ID, Domain: "example.org", At: t0, Kind: "dns_changed", Probe: "dns", Field: "a",
		Old: "192.0.2.1", New: "192.0.2.2", Severity: event.SevNotice, Detail: []byte(`{"k":"v"}`)}
	if fmt.Sprintf("%+v", *ev) != fmt.Sprintf("%+v", want) || ev.At.Location() != time.UTC {
		t.Fatalf("Event = %+v\nwant    %+v", *ev, want)
	}
	if _, err := s.Event(ctx, ids[2]+100); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing event: %v", err)
	}
	evs, err := s.Events(ctx, store.EventQuery{})
	if err != nil || len(evs) != 3 || evs[0].ID != ids[1] || evs[1].ID != ids[2] || evs[2].ID != ids[0] {
		t.Fatalf("events newest first: %+v %v", evs, err)
	}
	if evs[0].DomainID != 0 || evs[0].Severity != event.SevInfo || evs[0].Detail != nil {
		t.Fatalf("defaults of an unwatched event: %+v", evs[0])
	}
	if page, _ := s.Events(ctx, store.EventQuery{Limit: 1, Offset: 1}); len(page) != 1 || page[0].ID != ids[2] {
		t.Fatalf("page %+v", page)
	}
	if page, _ := s.Events(ctx, store.EventQuery{BeforeID: ids[2]}); len(page) != 2 || page[0].ID != ids[1] || page[1].ID != ids[0] {
		t.Fatalf("keyset page %+v", page)
	}
	// An event without a time is stamped now.
	update(t, s, func(tx store.Tx) error {
		_, err := tx.AddEvent(store.Event{Domain: "example.org", Kind: "note"})
		return err
	})
	if evs, _ := s.Events(ctx, store.EventQuery{Kinds: []event.Kind{"note"}}); len(evs) != 1 || time.Since(evs[0].At) > time.Hour {
		t.Fatalf("unstamped event %+v", evs)
	}
}

func hasEventAndSuspect(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "a.com"})
	d := mustDomain(t, s, "a.com")
	update(t, s, func(tx store.Tx) error {
		if ok, err := tx.HasEvent(d.ID, event.CertIssued, "serial-1"); ok || err != nil {
			t.Errorf("HasEvent before: %v %v", ok, err)
		}
		if _, err := tx.AddEvent(store.Event{DomainID: d.ID, Domain: "a.com", Kind: "cert_issued", New: "serial-1"}); err != nil {
			return err
		}
		if ok, err := tx.HasEvent(d.ID, event.CertIssued, "serial-1"); !ok || err != nil {
			t.Errorf("HasEvent after: %v %v", ok, err)
		}
		if ok, _ := tx.HasEvent(d.ID, event.CertIssued, "serial-2"); ok {
			t.Error("HasEvent matched another value")
		}
		for i, c := range []struct {
			suspect event.State
			changed bool
		}{{event.StateSeized, true}, {event.StateSeized, false}, {"", true}, {"", false}} {
			changed, err := tx.SetSuspect(d.ID, c.suspect)
			if err != nil || changed != c.changed {
				t.Errorf("SetSuspect #%d %q: %v, %v", i, c.suspect, changed, err)
			}
		}
		return nil
	})
}

func unwatchedEventInheritsBrandTags(t *testing.T, s Store) {
	mustAdd(t, s, store.NewDomain{Name: "example.com", Kind: store.KindBrand, Tags: []string{"case-9", "brand"}})
	var tags []string
	s.SetRouter(func(ev store.Event) []store.Delivery {
		tags = ev.Tags
		return []store.Delivery{{Channel: "digest", Recipient: "soc@example.org", NotBefore: time.Now().Add(time.Hour)}}
	})
	update(t, s, func(tx store.Tx) error {
		if _, _, err := tx.UpsertLookalike(store.Lookalike{Brand: "example.com", Name: "examp1e.com"}); err != nil {
			return err
		}
		_, err := tx.AddEvent(store.Event{Domain: "examp1e.com", Kind: event.LookalikeRegistered})
		return err
	})
	if fmt.Sprint(tags) != "[brand case-9]" && fmt.Sprint(tags) != "[case-9 brand]" {
		t.Fatalf("router saw tags %v", tags)
	}
	// NotBefore delays the delivery.
	if due, _ := s.DueOutbox(ctx, time.Now(), 0); len(due) != 0 {
		t.Fatalf("digest due now: %+v", due)
	}
	if due, _ := s.DueOutbox(ctx, time.Now().Add(2*time.Hour), 0); len(due) != 1 {
		t.Fatalf("digest not due later: %+v", due)
	}
}

// routerSeesDomainKindAndBrandTags: the router is told the kind of the
// event's domain row, and a look-alike watched on its own row carries its
// tags and its brand's, so a brand's case team still gets its escalations.
func routerSeesDomainKindAndBrandTags(t *testing.T, s Store) {
	// One at a time: a look-alike row is never part of a large import.
	mustAdd(t, s, store.NewDomain{Name: "example.com", Kind: store.KindBrand, Tags: []string{"case-9"}})
	mustAdd(t, s, store.NewDomain{Name: "examp1e.com", Kind: store.KindLookalike, Tags: []string{"lookalike"}})
	mustAdd(t, s, store.NewDomain{Name: "watched.org", Tags: []string{"dprk"}})
	type seen struct {
		kind event.DomainKind
		tags string
	}
	got := map[string]seen{}
	s.SetRouter(func(ev store.Event) []store.Delivery {
		got[ev.Domain] = seen{ev.DomainKind, fmt.Sprint(ev.Tags)}
		return nil
	})
	defer s.SetRouter(nil)
	update(t, s, func(tx store.Tx) error {
		if _, _, err := tx.UpsertLookalike(store.Lookalike{Brand: "example.com", Name: "examp1e.com"}); err != nil {
			return err
		}
		for _, name := range []string{"examp1e.com", "watched.org", "example.com", "unwatched.net"} {
			if _, err := tx.AddEvent(store.Event{Domain: name, Kind: event.DNSChanged}); err != nil {
				return err
			}
		}
		return nil
	})
	for name, want := range map[string]seen{
		"examp1e.com":   {store.KindLookalike, "[case-9 lookalike]"},
		"watched.org":   {store.KindWatch, "[dprk]"},
		"example.com":   {store.KindBrand, "[case-9]"},
		"unwatched.net": {"", "[]"},
	} {
		if got[name] != want {
			t.Errorf("router saw %s as %+v, want %+v", name, got[name], want)
		}
	}
}
