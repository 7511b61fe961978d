package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/pgtest"
	"github.com/takedownhq/takedown/store"
)

// seedQueue watches n domains and queues one check of each kind for each,
// all due at due.
func seedQueue(t testing.TB, s *Postgres, n int, kinds []string, due time.Time) {
	t.Helper()
	ctx := context.Background()
	var ds []store.NewDomain
	for i := range n {
		ds = append(ds, store.NewDomain{Name: fmt.Sprintf("d%05d.example", i)})
	}
	if _, err := s.AddDomains(ctx, ds); err != nil {
		t.Fatal(err)
	}
	all, _, err := s.Domains(ctx, store.DomainQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var cs []store.DueCheck
	for _, d := range all {
		for _, k := range kinds {
			cs = append(cs, store.DueCheck{DomainID: d.ID, Kind: event.Probe(k), Due: due})
		}
	}
	if _, err := s.ScheduleChecks(ctx, cs); err != nil {
		t.Fatal(err)
	}
}

// Workers on separate pools lease at once; no check goes to two of them.
func TestConcurrentLeasesNeverOverlap(t *testing.T) {
	url := pgtest.DB(t)
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	seedQueue(t, s, 300, []string{"dns", "rdap"}, now.Add(-time.Minute))
	others := make([]*Postgres, 3)
	for i := range others {
		o, err := Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		others[i] = o
	}
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	errs := make(chan error, len(others))
	for i, o := range others {
		worker := fmt.Sprintf("w%d", i)
		wg.Go(func() {
			for {
				cs, err := o.LeaseChecks(context.Background(), worker, nil, now, 7, time.Minute)
				if err != nil {
					errs <- err
					return
				}
				if len(cs) == 0 {
					return
				}
				mu.Lock()
				for _, c := range cs {
					k := fmt.Sprintf("%d/%s", c.DomainID, c.Kind)
					if w, dup := seen[k]; dup {
						errs <- fmt.Errorf("%s leased by %s and %s", k, w, worker)
					}
					seen[k] = worker
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(seen) != 600 {
		t.Errorf("%d checks leased, want 600", len(seen))
	}
}

// Two senders never lease the same alert while its lease lives.
func TestOutboxLeaseIsExclusive(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.AddDomains(ctx, []store.NewDomain{{Name: "example.org"}}); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, func(tx store.Tx) error {
		ev, err := tx.AddEvent(store.Event{Domain: "example.org", Kind: "dns_changed"})
		if err != nil {
			return err
		}
		for i := range 10 {
			if _, err := tx.AddOutbox(store.OutboxItem{EventID: ev, Channel: "soc", Recipient: fmt.Sprintf("r%d@example.org", i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(time.Second)
	a, err := s.LeaseOutbox(ctx, "w1", now, 6, time.Minute)
	if err != nil || len(a) != 6 {
		t.Fatalf("w1: %d rows, %v", len(a), err)
	}
	b, err := s.LeaseOutbox(ctx, "w2", now, 10, time.Minute)
	if err != nil || len(b) != 4 {
		t.Fatalf("w2: %d rows, %v; want the 4 w1 did not lease", len(b), err)
	}
	for _, x := range a {
		for _, y := range b {
			if x.ID == y.ID {
				t.Fatalf("row %d leased twice", x.ID)
			}
		}
	}
	// w1 dies: after its lease lapses w2 gets its rows.
	c, err := s.LeaseOutbox(ctx, "w2", now.Add(2*time.Minute), 20, time.Minute)
	if err != nil || len(c) != 10 {
		t.Fatalf("after w1's lease lapsed w2 leased %d rows, %v", len(c), err)
	}
}

// BenchmarkLeaseChecks leases and finishes the queue in batches, as the
// daemons' dispatchers do; it reports leased checks per second.
//
//	go test ./store/postgres -run '^$' -bench LeaseChecks -benchtime 5000x
func BenchmarkLeaseChecks(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	now := time.Now()
	const domains = 5000
	seedQueue(b, s, domains, []string{"dns"}, now.Add(-time.Minute))
	const batch = 64
	b.ResetTimer()
	start := time.Now()
	leased := 0
	for leased < b.N {
		cs, err := s.LeaseChecks(ctx, "bench", nil, now, min(batch, b.N-leased), time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		if len(cs) == 0 {
			// The queue is spent: make it due again.
			now = now.Add(time.Hour)
			continue
		}
		for i := range cs {
			cs[i].Due = now.Add(time.Minute)
		}
		if _, err := s.FinishChecks(ctx, "bench", cs); err != nil {
			b.Fatal(err)
		}
		leased += len(cs)
	}
	b.ReportMetric(float64(leased)/time.Since(start).Seconds(), "leases/s")
}
