package monitor_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/pgtest"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/monitor/lifecycle/judge"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/postgres"
	"github.com/takedownhq/takedown/store/sqlite"
)

// TestMain starts a throwaway PostgreSQL for the tests that run on both
// drivers, but not in the benchmark's simnet child.
// countedStore is a driver that counts the statements it sends.
type countedStore interface {
	store.Store
	Statements() int64
}

// drivers runs fn on an empty store of each driver.
func drivers(t *testing.T, fn func(t *testing.T, st countedStore)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(context.Background(), t.TempDir()+"/t.db")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), pgtest.DB(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
}

// stub is a prober whose answer the test sets.
type stub struct {
	kind event.Probe
	mu   sync.Mutex
	data string
	err  error
}

func (s *stub) Kind() event.Probe { return s.kind }
func (s *stub) Probe(context.Context, string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	return rawJSON(s.data), nil
}
func (s *stub) set(data string, err error) {
	s.mu.Lock()
	s.data, s.err = data, err
	s.mu.Unlock()
}

type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// An unchanged check costs at most two statements on either driver, and
// everything else a check records still happens: changes, failures and
// recovery, and a verdict judged again when time moves it.
func TestUnchangedCheckCostsTwoStatements(t *testing.T) {
	drivers(t, func(t *testing.T, st countedStore) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		expires := now.Add(40 * 24 * time.Hour)
		dns := &stub{kind: event.ProbeDNS, data: `{"a":["192.0.2.1"],"ns":["ns1.example.net"],"rcode":"NOERROR"}`}
		rdap := &stub{kind: event.ProbeRDAP, data: `{"found":true,"registrar":"Example Registrar","expires":"` + expires.Format(time.RFC3339) + `","statuses":["client transfer prohibited"]}`}
		m := engine.New(st, []engine.Prober{dns, rdap}, judge.Lifecycle{Indicators: lifecycle.Default()}, engine.Options{
			UnreachableAfter: 2, RejudgeAfter: 6 * time.Hour, Now: func() time.Time { return now }})
		if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: "example.org"}}); err != nil {
			t.Fatal(err)
		}
		check := func(name string) (*engine.CheckResult, int64) {
			t.Helper()
			now = now.Add(15 * time.Minute)
			before := st.Statements()
			res, err := m.Check(ctx, "example.org", nil)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return res, st.Statements() - before
		}
		kinds := func(res *engine.CheckResult) []event.Kind {
			var out []event.Kind
			for _, ev := range res.Events {
				out = append(out, ev.Kind)
			}
			return out
		}

		res, n := check("first")
		if res.State != event.StateActive || len(res.Events) != 1 {
			t.Fatalf("first check: state %q, events %v", res.State, kinds(res))
		}
		t.Logf("first check: %d statements", n)
		res, n = check("unchanged")
		if n > 2 || len(res.Events) != 0 || res.State != event.StateActive || len(res.Changed) != 0 {
			t.Fatalf("unchanged check: %d statements (want ≤ 2), events %v, state %q", n, kinds(res), res.State)
		}
		full := engine.New(st, []engine.Prober{dns, rdap}, judge.Lifecycle{Indicators: lifecycle.Default()}, engine.Options{
			FullRecord: true, Now: func() time.Time { return now }})
		before := st.Statements()
		if _, err := full.Check(ctx, "example.org", nil); err != nil {
			t.Fatal(err)
		}
		t.Logf("unchanged check: %d statements; %d the full way (FullRecord)", n, st.Statements()-before)
		d, _ := st.Domain(ctx, "example.org")
		sn, _ := st.LatestSnapshot(ctx, d.ID, string(event.ProbeDNS))
		if !d.LastChecked.Equal(now) || !sn.LastSeen.Equal(now) {
			t.Fatalf("unchanged check left last_checked %v, last_seen %v; want %v", d.LastChecked, sn.LastSeen, now)
		}

		// A change is diffed into events the full way.
		dns.set(`{"a":["192.0.2.2"],"ns":["ns1.example.net"],"rcode":"NOERROR"}`, nil)
		if res, n = check("changed"); len(res.Changed) != 1 || len(res.Events) == 0 || n <= 2 {
			t.Fatalf("changed check: changed %v, events %v, %d statements", res.Changed, kinds(res), n)
		}
		// Failures reach unreachable; the first answer after them is
		// "reachable", though equal to the last snapshot.
		dns.set("", errors.New("i/o timeout"))
		check("failed once")
		if res, _ = check("failed twice"); !slices.Contains(kinds(res), event.Unreachable) {
			t.Fatalf("second failure: events %v, want unreachable", kinds(res))
		}
		dns.set(`{"a":["192.0.2.2"],"ns":["ns1.example.net"],"rcode":"NOERROR"}`, nil)
		if res, _ = check("recovered"); !slices.Contains(kinds(res), event.Reachable) {
			t.Fatalf("recovery: events %v, want reachable", kinds(res))
		}
		if _, n = check("unchanged again"); n > 2 {
			t.Fatalf("unchanged after recovery: %d statements", n)
		}

		// RejudgeAfter: an unchanged check judges again after it.
		now = now.Add(6 * time.Hour)
		if _, n = check("due for judging"); n <= 2 {
			t.Fatalf("a verdict older than RejudgeAfter was not judged again (%d statements)", n)
		}
		if _, n = check("judged"); n > 2 {
			t.Fatalf("unchanged after judging: %d statements", n)
		}
		// The expiring_soon window opens by itself: the unchanged check
		// that first meets it judges again and raises the event.
		now = expires.Add(-engine.ExpiringWindow).Add(-40 * time.Minute)
		check("days later")
		if res, n = check("before the window"); n > 2 {
			t.Fatalf("before the expiring window: %d statements, events %v", n, kinds(res))
		}
		if res, _ = check("in the window"); !slices.Contains(kinds(res), event.ExpiringSoon) {
			t.Fatalf("entering the expiring window: events %v, want expiring_soon", kinds(res))
		}
	})
}
