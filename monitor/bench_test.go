package monitor_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/config"
	"github.com/takedownhq/takedown/monitor/daemon"
	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// benchDomains is the watchlist size of BenchmarkFullCycle
// (TAKEDOWN_BENCH_DOMAINS, default 10,000).
func benchDomains() int {
	if n, err := strconv.Atoi(os.Getenv("TAKEDOWN_BENCH_DOMAINS")); err == nil && n > 0 {
		return n
	}
	return 10_000
}

func benchName(i int) string {
	tlds := []string{"com", "net", "org", "info", "asia"}
	return fmt.Sprintf("bench-%05d.%s", i, tlds[i%len(tlds)])
}

// BenchmarkFullCycle runs one full cycle (every probe of every domain, with
// history writes) over 10,000 domains on simnet, then an unchanged cycle.
// simnet runs in a child process so the figures are the daemon's own: wall
// time, bytes stored per domain per cycle, and peak RSS.
func BenchmarkFullCycle(b *testing.B) {
	n := benchDomains()
	child := exec.Command(os.Args[0], "-test.run", "^TestBenchSimnetChild$", "-test.v")
	child.Env = append(os.Environ(), "TAKEDOWN_BENCH_CHILD="+strconv.Itoa(n), "TAKEDOWN_BENCH_DIR="+b.TempDir())
	out, _ := child.StdoutPipe()
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { child.Process.Signal(syscall.SIGTERM); child.Wait() }()
	var netCfg config.Network
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "SIMNET "); ok {
			netCfg = decodeNet(rest)
			break
		}
	}
	if netCfg.Resolver == "" {
		b.Fatal("simnet child did not start")
	}
	go func() {
		for sc.Scan() {
		}
	}()
	netCfg.Timeout = 5 * time.Second

	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		db := filepath.Join(dir, "bench.db")
		st, err := sqlite.Open(context.Background(), db)
		if err != nil {
			b.Fatal(err)
		}
		add := make([]store.NewDomain, n)
		for i := range add {
			add[i] = store.NewDomain{Name: benchName(i)}
		}
		if _, err := st.AddDomains(context.Background(), add); err != nil {
			b.Fatal(err)
		}
		ps, err := daemon.NewProbers(netCfg)
		if err != nil {
			b.Fatal(err)
		}
		list, _ := ps.List()
		m := monitor.New(st, list, daemon.LifecycleJudge{Indicators: lifecycle.Default()}, monitor.Options{
			Workers: 64, ProbeTimeout: 20 * time.Second})
		size0 := dbBytes(db, st)
		b.StartTimer()
		start := time.Now()
		if err := m.RunOnce(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
		first := time.Since(start)
		b.StopTimer()
		size1 := dbBytes(db, st)
		start = time.Now()
		if err := m.RunOnce(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
		second := time.Since(start)
		size2 := dbBytes(db, st)
		failing, _ := st.FailingProbes(context.Background(), 0)
		counts, _ := st.CountByState(context.Background())
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		b.ReportMetric(first.Seconds(), "s/cycle")
		b.ReportMetric(second.Seconds(), "s/unchanged-cycle")
		b.ReportMetric(float64(n)/first.Seconds(), "domains/s")
		b.ReportMetric(float64(size1-size0)/float64(n), "bytes/domain/first-cycle")
		b.ReportMetric(float64(size2-size1)/float64(n), "bytes/domain/unchanged-cycle")
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB")
		b.Logf("%d domains: first cycle %s, unchanged cycle %s; states %v; %d failing probes", n, first, second, counts, len(failing))
		ps.Close()
		st.Close()
	}
}

// dbBytes is the database's size after a checkpoint folds the WAL in.
func dbBytes(path string, st *sqlite.SQLite) int64 {
	st.Checkpoint(context.Background())
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// TestBenchSimnetChild is BenchmarkFullCycle's simnet, in its own process.
func TestBenchSimnetChild(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("TAKEDOWN_BENCH_CHILD"))
	if n == 0 {
		t.Skip("only runs as the benchmark's simnet")
	}
	ctx := context.Background()
	net, err := simnet.StartNet(ctx, simnet.NetOptions{Dir: os.Getenv("TAKEDOWN_BENCH_DIR")})
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	for i := range n {
		if err := net.AddSite(simnet.Site{Domain: benchName(i)}); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Printf("SIMNET %s\n", encodeNet(net.Network(config.Network{})))
	select {}
}
