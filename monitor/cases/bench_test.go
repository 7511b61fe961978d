package cases

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// BenchmarkReviewQuiet is the cases job over 1,000 open cases of live
// domains where nothing changed since the last review: what every
// schedules.cases tick costs in the common case. It reports the store
// statements per case.
func BenchmarkReviewQuiet(b *testing.B) {
	ctx := context.Background()
	st := openStore(b)
	const n = 1000
	t0 := time.Now().Add(-time.Hour)
	var ds []store.NewDomain
	for i := range n {
		ds = append(ds, store.NewDomain{Name: fmt.Sprintf("phish-%04d.com", i)})
	}
	if _, err := st.AddDomains(ctx, ds); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		name := fmt.Sprintf("phish-%04d.com", i)
		d, _ := st.Domain(ctx, name)
		if err := st.Update(ctx, func(tx store.Tx) error {
			if _, _, err := tx.SetState(d.ID, t0, event.StateActive, nil); err != nil {
				return err
			}
			_, _, _, err := tx.ObserveSnapshot(d.ID, string(event.ProbeDelegation), t0, []byte(`{"rcode":"NOERROR","ns":["ns1.example.net"]}`))
			return err
		}); err != nil {
			b.Fatal(err)
		}
		if _, err := Open(ctx, st, name, name, "phishing", "", t0); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now()
	if _, err := Review(ctx, st, now, Options{}); err != nil {
		b.Fatal(err)
	}
	before := st.Statements()
	b.ResetTimer()
	for range b.N {
		out, err := Review(ctx, st, now, Options{})
		if err != nil || out.Reviewed != n || out.Confirmed+out.Reverted+out.Stalled != 0 {
			b.Fatalf("%+v %v", out, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(st.Statements()-before)/float64(b.N)/n, "stmts/case")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/n, "µs/case")
}
