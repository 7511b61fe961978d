package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// benchDomains is the watchlist size of BenchmarkScheduleMemory:
// TAKEDOWN_BENCH_DOMAINS, default 20,000 (1,000,000 takes minutes).
func benchDomains(b *testing.B) int {
	n := 20000
	if v := os.Getenv("TAKEDOWN_BENCH_DOMAINS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("TAKEDOWN_BENCH_DOMAINS=%q: want a positive count", v)
		}
	}
	return n
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkScheduleMemory measures the heap a SQLite daemon keeps for
// its schedule once every probe kind of every domain is due: the local
// queue holds a job per domain and slot in memory, the shared queue keeps
// them in the due_checks table and reads the watchlist a page at a time.
//
//	TAKEDOWN_BENCH_DOMAINS=1000000 go test -run '^$' -bench ScheduleMemory -benchtime 1x -timeout 60m ./monitor/engine
func BenchmarkScheduleMemory(b *testing.B) {
	ctx := context.Background()
	n := benchDomains(b)
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "t.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ds := make([]store.NewDomain, n)
	for i := range ds {
		ds[i] = store.NewDomain{Name: fmt.Sprintf("d%07d.example", i)}
	}
	if _, err := st.AddDomains(ctx, ds); err != nil {
		b.Fatal(err)
	}
	ds = nil
	kinds := []event.Probe{event.ProbeDNS, event.ProbeDelegation, event.ProbeRDAP, event.ProbeWHOIS, event.ProbeCert, event.ProbeHTTP}
	newMonitor := func(q store.Queue) *Monitor {
		var ps []Prober
		scheds := map[event.Probe]string{}
		for _, k := range kinds {
			ps = append(ps, &countingProber{kind: k, n: map[string]int{}})
			scheds[k] = "@every 1h"
		}
		return New(st, ps, nil, Options{Spread: true, Schedules: scheds, Queue: q, Worker: "bench", Now: time.Now})
	}
	report := func(b *testing.B, before uint64, keep any) {
		after := heapInUse()
		runtime.KeepAlive(keep)
		held := float64(int64(after) - int64(before))
		b.ReportMetric(held/float64(n), "B/domain")
		b.ReportMetric(held/(1<<20), "MiB")
	}
	b.Run(fmt.Sprintf("local/%d", n), func(b *testing.B) {
		for b.Loop() {
			m := newMonitor(nil)
			before := heapInUse()
			for _, k := range kinds {
				m.tick(ctx, k, time.Hour)
			}
			if got := m.q.len(); got < n {
				b.Fatalf("%d jobs queued for %d domains", got, n)
			}
			report(b, before, m)
		}
	})
	b.Run(fmt.Sprintf("shared/%d", n), func(b *testing.B) {
		for b.Loop() {
			m := newMonitor(st)
			scheds, intervals, err := m.schedules(config.ScheduleParser())
			if err != nil {
				b.Fatal(err)
			}
			s := &shared{m: m, q: st, scheds: scheds, intervals: intervals}
			before := heapInUse()
			if err := s.sync(ctx, true); err != nil {
				b.Fatal(err)
			}
			report(b, before, s)
			if left, err := st.ScanDomains(ctx, store.ScanQuery{Unqueued: kinds, Limit: 1}); err != nil || len(left) > 0 {
				b.Fatalf("after sync: %d domains unqueued, %v", len(left), err)
			}
		}
	})
}
