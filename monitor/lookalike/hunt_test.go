package lookalike

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// mapChecker answers from a table that the test changes between rounds;
// names not in it are not registered.
type mapChecker struct {
	mu  sync.Mutex
	reg map[string]Registration
}

func (m *mapChecker) set(name string, r Registration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r.Name = name
	m.reg[name] = r
}

func (m *mapChecker) Check(ctx context.Context, name string) (Registration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.reg[name]; ok {
		if r.Status == store.RegUnknown {
			return r, fmt.Errorf("%s: %w: %s", name, ErrLookup, r.Rcode)
		}
		return r, nil
	}
	return Registration{Name: name, Status: store.RegNo, Rcode: "NXDOMAIN"}, nil
}

func openStore(t *testing.T) *sqlite.SQLite {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "takedown.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func events(t *testing.T, st store.Store) []store.Event {
	t.Helper()
	evs, err := st.Events(context.Background(), store.EventQuery{Kinds: []event.Kind{event.LookalikeRegistered}})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestHunt(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	chk := &mapChecker{reg: map[string]Registration{}}
	yes := Registration{Status: store.RegYes, Rcode: "NOERROR", NS: []string{"ns1.evil.example"}, A: []string{"192.0.2.10"}}
	chk.set("paypa1.com", yes)
	chk.set("xn--pypal-4ve.com", yes)                                                // pаypal.com, Cyrillic а
	chk.set("paypai.com", Registration{Status: store.RegUnknown, Rcode: "SERVFAIL"}) // lame: kept as unknown
	chk.set("paypall.com", Registration{Status: store.RegUnknown})                   // timeout: not kept
	opts := HuntOptions{Generate: Options{Fuzzers: []string{Homoglyph, Confusable, Addition, TLDSwap, Omission, Combosquatting}},
		Scan: ScanOptions{Rate: -1}}

	day1 := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	res, err := Hunt(ctx, st, "paypal.com", opts, chk, day1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Registered != 2 || len(res.New) != 2 || res.Unknown != 2 || res.Candidates < 100 {
		t.Fatalf("round 1: %+v", res)
	}
	evs := events(t, st)
	if len(evs) != 2 {
		t.Fatalf("round 1: %d events, want 2", len(evs))
	}
	for _, ev := range evs {
		var d eventDetail
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			t.Fatal(err)
		}
		if ev.Severity != event.SevWarning || d.Brand != "paypal.com" || d.Fuzzer == "" || d.Unicode == "" || !ev.At.Equal(day1) {
			t.Errorf("event %+v detail %+v", ev, d)
		}
		if ev.Domain == "xn--pypal-4ve.com" && d.Unicode != "pаypal.com" {
			t.Errorf("unicode %q", d.Unicode)
		}
	}
	rows, _, err := st.Lookalikes(ctx, store.LookalikeQuery{Brand: "paypal.com"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]store.Lookalike{}
	for _, l := range rows {
		got[l.Name] = l
	}
	if len(got) != 3 {
		t.Fatalf("stored %d rows, want paypa1.com, pаypal.com and the SERVFAIL one: %v", len(got), got)
	}
	if l := got["paypa1.com"]; l.Registered != store.RegYes || l.Fuzzer != Homoglyph || l.Source != SourcePermutation || !l.FirstSeen.Equal(day1) || len(l.DNS) == 0 {
		t.Errorf("paypa1.com row %+v", l)
	}
	if l := got["paypai.com"]; l.Registered != store.RegUnknown {
		t.Errorf("paypai.com row %+v", l)
	}

	// Day 2: paypal.net registers; nothing else changes. Only it is new.
	chk.set("paypal.net", yes)
	day2 := day1.Add(24 * time.Hour)
	res, err = Hunt(ctx, st, "paypal.com", opts, chk, day2)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.New) != 1 || res.New[0] != "paypal.net" {
		t.Fatalf("round 2 new %v", res.New)
	}
	if n := len(events(t, st)); n != 3 {
		t.Fatalf("round 2: %d events in all, want 3", n)
	}

	// Day 3: paypa1.com drops, comes back on day 4: never announced again.
	chk.set("paypa1.com", Registration{Status: store.RegNo})
	if res, err = Hunt(ctx, st, "paypal.com", opts, chk, day2.Add(24*time.Hour)); err != nil || len(res.New) != 0 {
		t.Fatalf("round 3: %+v, %v", res, err)
	}
	rows, _, _ = st.Lookalikes(ctx, store.LookalikeQuery{Brand: "paypal.com", Registered: store.RegNo})
	if len(rows) != 1 || rows[0].Name != "paypa1.com" {
		t.Errorf("round 3: the drop is not recorded: %+v", rows)
	}
	chk.set("paypa1.com", yes)
	if res, err = Hunt(ctx, st, "paypal.com", opts, chk, day2.Add(48*time.Hour)); err != nil || len(res.New) != 0 {
		t.Fatalf("round 4: %+v, %v", res, err)
	}
	if n := len(events(t, st)); n != 3 {
		t.Fatalf("after round 4: %d events in all, want 3", n)
	}
	// Triage survives rounds.
	if _, err := st.SetLookalikeStatus(ctx, "paypal.net", "paypal.com", store.StatusDismissed); err != nil {
		t.Fatal(err)
	}
	if _, err := Hunt(ctx, st, "paypal.com", opts, chk, day2.Add(72*time.Hour)); err != nil {
		t.Fatal(err)
	}
	rows, _, _ = st.Lookalikes(ctx, store.LookalikeQuery{Status: store.StatusDismissed})
	if len(rows) != 1 || rows[0].Name != "paypal.net" {
		t.Errorf("dismissed rows %+v", rows)
	}
}

// TestHuntOverDNS runs a round against the loopback resolver of
// check_test.go through the real DNSChecker.
func TestHuntOverDNS(t *testing.T) {
	tr := newTestResolver(t)
	st := openStore(t)
	res, err := Hunt(context.Background(), st, "https://www.paypal.com/login", HuntOptions{
		Generate: Options{Fuzzers: []string{Homoglyph, TLDSwap, Combosquatting}, TLDs: []string{"ws", "net"}},
		Scan:     ScanOptions{Rate: -1, Concurrency: 8},
	}, &DNSChecker{Resolver: tr.addr, Timeout: 300 * time.Millisecond}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"paypa1.com": true, "paypal-login.com": true, "paypal.ws": true}
	if len(res.New) != len(want) {
		t.Errorf("new %v, want %v", res.New, want)
	}
	for _, n := range res.New {
		if !want[n] {
			t.Errorf("unexpected new %s", n)
		}
	}
	if len(res.Wildcards) != 1 || res.Wildcards[0] != "ws" {
		t.Errorf("wildcards %v", res.Wildcards)
	}
}

func TestHuntBadBrand(t *testing.T) {
	if _, err := Hunt(context.Background(), openStore(t), "not a domain", HuntOptions{}, &mapChecker{}, time.Now()); err == nil {
		t.Error("no error for a bad brand")
	}
}
