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

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/monitor/lifecycle/judge"
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
// history writes) over 10,000 domains on simnet, then an unchanged cycle,
// then the same unchanged cycle recorded the full way (Options.FullRecord).
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
		ps, err := monitor.NewProbers(netCfg)
		if err != nil {
			b.Fatal(err)
		}
		list, _ := ps.List()
		m := engine.New(st, list, judge.Lifecycle{Indicators: lifecycle.Default()}, engine.Options{
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
		// The same unchanged cycle recorded the full way, as every check
		// was before the one-statement path.
		full := engine.New(st, list, judge.Lifecycle{Indicators: lifecycle.Default()}, engine.Options{
			Workers: 64, ProbeTimeout: 20 * time.Second, FullRecord: true})
		start = time.Now()
		if err := full.RunOnce(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
		third := time.Since(start)
		failing, _ := st.FailingProbes(context.Background(), 0)
		counts, _ := st.CountByState(context.Background())
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		b.ReportMetric(first.Seconds(), "s/cycle")
		b.ReportMetric(second.Seconds(), "s/unchanged-cycle")
		b.ReportMetric(third.Seconds(), "s/unchanged-cycle-full-path")
		b.ReportMetric(float64(n)/first.Seconds(), "domains/s")
		b.ReportMetric(float64(size1-size0)/float64(n), "bytes/domain/first-cycle")
		b.ReportMetric(float64(size2-size1)/float64(n), "bytes/domain/unchanged-cycle")
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB")
		b.Logf("%d domains: first cycle %s, unchanged cycle %s (%s the full way); states %v; %d failing probes", n, first, second, third, counts, len(failing))
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

// BenchmarkUnchangedRecord is the record stage alone: 10,000 domains
// (TAKEDOWN_BENCH_DOMAINS) whose six probes answer at once and the same
// every time, so a cycle costs what the store and the judge cost. It
// reports an unchanged cycle recorded the full way (Options.FullRecord,
// the way every check was recorded before the one-statement path) and the
// one-statement way, and the statements each unchanged check sent.
func BenchmarkUnchangedRecord(b *testing.B) {
	n := benchDomains()
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		add := make([]store.NewDomain, n)
		for i := range add {
			add[i] = store.NewDomain{Name: benchName(i)}
		}
		if _, err := st.AddDomains(ctx, add); err != nil {
			b.Fatal(err)
		}
		cycle := func(full bool) (time.Duration, float64) {
			m := engine.New(st, stubProbers(), judge.Lifecycle{Indicators: lifecycle.Default()}, engine.Options{
				Workers: 64, FullRecord: full})
			s0, start := st.Statements(), time.Now()
			if err := m.RunOnce(ctx, nil); err != nil {
				b.Fatal(err)
			}
			return time.Since(start), float64(st.Statements()-s0) / float64(n)
		}
		first, _ := cycle(true)
		b.StartTimer()
		full, fullStmts := cycle(true)
		fast, fastStmts := cycle(false)
		b.StopTimer()
		b.ReportMetric(first.Seconds(), "s/first-cycle")
		b.ReportMetric(full.Seconds(), "s/unchanged-cycle-full-path")
		b.ReportMetric(fast.Seconds(), "s/unchanged-cycle")
		b.ReportMetric(full.Seconds()/fast.Seconds(), "x-faster")
		b.ReportMetric(fullStmts, "statements/check-full-path")
		b.ReportMetric(fastStmts, "statements/unchanged-check")
		st.Close()
	}
}

// stubProbers answer every domain at once with fixed snapshots of the
// shape the real probes write.
func stubProbers() []engine.Prober {
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	return []engine.Prober{
		fixed{event.ProbeDNS, `{"a":["192.0.2.10"],"aaaa":[],"cname":[],"ns":["ns1.simnet-dns.net","ns2.simnet-dns.net"],"mx":["10 mx.simnet-mail.net"],"txt":["v=spf1 -all"],"soa":["ns1.simnet-dns.net hostmaster.simnet-dns.net 1 7200 3600 1209600 300"],"caa":[],"ds":[],"rcode":"NOERROR"}`},
		fixed{event.ProbeDelegation, `{"ns":["ns1.simnet-dns.net","ns2.simnet-dns.net"],"glue":[],"ds":[],"rcode":"NOERROR"}`},
		fixed{event.ProbeRDAP, `{"found":true,"registrar":"Simnet Registrar","registrar_iana_id":9999,"registry_domain_id":"D1-SIM","created":"2020-01-01T00:00:00Z","expires":"` + exp + `","statuses":["client transfer prohibited"],"nameservers":["ns1.simnet-dns.net","ns2.simnet-dns.net"]}`},
		fixed{kind: event.ProbeWHOIS},
		fixed{event.ProbeCert, `{"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","subject":"CN=site","issuer":"CN=Simnet CA","not_before":"2026-01-01T00:00:00Z","not_after":"2027-01-01T00:00:00Z","dns_names":["site","www.site"],"verified":true}`},
		fixed{event.ProbeHTTP, `{"scheme":"https","status":200,"final_url":"https://site/","title":"Welcome","text_hash":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","text":"Welcome to our site.","assets":["/style.css"]}`},
	}
}

type fixed struct {
	kind event.Probe
	data string
}

func (f fixed) Kind() event.Probe { return f.kind }
func (f fixed) Probe(context.Context, string) (any, error) {
	if f.data == "" {
		return nil, engine.ErrNotApplicable
	}
	return rawJSON(f.data), nil
}
