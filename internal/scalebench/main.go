// Command scalebench measures takedown at scale, with real `takedown run`
// processes on a throwaway PostgreSQL and simnet: the figures issue 14's
// targets ask for, printed by bench/run. It is a program, not a test: a
// case runs for minutes.
//
//	go run ./internal/scalebench memory  [-n 1000000]
//	go run ./internal/scalebench workers [-n 100000] [-procs 1,2,4]
//	go run ./internal/scalebench rdap    [-n 20000] [-interval 1m]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/pgtest"
	"github.com/takedownhq/takedown/internal/simnet"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: scalebench memory|workers|rdap [flags]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	n := fs.Int("n", 0, "domains (default per case)")
	procs := fs.String("procs", "1,2,4", "worker processes to compare (workers)")
	workers := fs.Int("workers", 64, "workers per lane of each process")
	window := fs.Duration("window", time.Minute, "measuring window (workers)")
	interval := fs.Duration("interval", time.Minute, "DNS interval (rdap)")
	rounds := fs.Int("rounds", 5, "DNS intervals to run (rdap)")
	latency := fs.String("latency", "realistic", "simnet latency: none or realistic")
	fs.Parse(os.Args[2:])
	b, err := setup(ctx, *latency)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scalebench:", err)
		os.Exit(1)
	}
	defer b.close()
	switch os.Args[1] {
	case "memory":
		err = b.memory(ctx, or(*n, 1000000), *workers)
	case "workers":
		err = b.throughput(ctx, or(*n, 100000), *procs, *workers, *window)
	case "rdap":
		err = b.rdap(ctx, or(*n, 20000), *workers, *interval, *rounds)
	default:
		err = fmt.Errorf("unknown case %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scalebench:", err)
		os.Exit(1)
	}
}

func or(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

type bench struct {
	dir   string
	bin   string
	pg    *pgtest.Cluster
	net   *simnet.Net
	sites int
	procs []*exec.Cmd
}

func setup(ctx context.Context, latency string) (*bench, error) {
	dir, err := os.MkdirTemp("", "scalebench")
	if err != nil {
		return nil, err
	}
	b := &bench{dir: dir, bin: filepath.Join(dir, "takedown")}
	build := exec.CommandContext(ctx, "go", "build", "-o", b.bin, "./cmd/takedown")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return b, fmt.Errorf("build takedown: %w", err)
	}
	if b.pg, err = pgtest.Start(ctx); err != nil {
		return b, err
	}
	var lat simnet.Latency
	if latency == "realistic" {
		lat = simnet.RealisticLatency
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b.net, err = simnet.StartNet(ctx, simnet.NetOptions{Dir: dir, Logger: quiet, Latency: lat})
	return b, err
}

func (b *bench) close() {
	b.stopAll()
	if b.net != nil {
		b.net.Close()
	}
	if b.pg != nil {
		b.pg.Stop()
	}
	os.RemoveAll(b.dir)
}

// watchlist writes n names, registers the first sites of them on simnet
// (the rest are unregistered: NXDOMAIN), creates a database and imports
// the names with `takedown watch import`, returning its URL and how long
// the import took.
func (b *bench) watchlist(ctx context.Context, n, sites int) (string, time.Duration, error) {
	path := filepath.Join(b.dir, fmt.Sprintf("watch%d.txt", n))
	f, err := os.Create(path)
	if err != nil {
		return "", 0, err
	}
	w := bufio.NewWriter(f)
	for i := range n {
		name := fmt.Sprintf("scale%07d.com", i)
		fmt.Fprintln(w, name)
		if i >= b.sites && i < sites {
			if err := b.net.AddSite(simnet.Site{Domain: name}); err != nil {
				return "", 0, err
			}
		}
	}
	b.sites = max(b.sites, sites)
	if err := errorsJoin(w.Flush(), f.Close()); err != nil {
		return "", 0, err
	}
	url, err := b.pg.NewDatabase(ctx)
	if err != nil {
		return "", 0, err
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, b.bin, "--db", url, "watch", "import", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", 0, fmt.Errorf("import: %w", err)
	}
	return url, time.Since(start), nil
}

func errorsJoin(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// config writes a configuration pointing takedown at simnet and url.
func (b *bench) config(url string, workers int, whoisRate float64, sched config.Schedules) (string, error) {
	nw := b.net.Network(config.Network{})
	if whoisRate > 0 {
		nw.WhoisRate = whoisRate
	}
	y := fmt.Sprintf(`db: %q
log_level: warn
network:
  resolver: %q
  auth_port: %d
  whois_referral: %q
  rdap_bootstrap: %q
  cert_port: %d
  https_port: %d
  http_port: %d
  ca_file: %q
  allow_private: true
  timeout: 10s
  whois_rate: %g
  dns_rate: %g
schedules:
  dns: %q
  cert: %q
  http: %q
  rdap: %q
  whois: %q
  lookalikes: "@daily"
monitor:
  workers: %d
  watch_infrastructure: false
  hunt_seized: false
`, url, nw.Resolver, nw.AuthPort, nw.WhoisReferral, nw.RDAPBootstrap, nw.CertPort, nw.HTTPSPort, nw.HTTPPort, nw.CAFile,
		nw.WhoisRate, nw.DNSRate, sched.DNS, sched.Cert, sched.HTTP, sched.RDAP, sched.WHOIS, workers)
	path := filepath.Join(b.dir, fmt.Sprintf("config%d.yaml", time.Now().UnixNano()))
	return path, os.WriteFile(path, []byte(y), 0o600)
}

// start starts `takedown run` with a configuration.
func (b *bench) start(cfg string, args ...string) (*exec.Cmd, error) {
	cmd := exec.Command(b.bin, append([]string{"--config", cfg, "run"}, args...)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	b.procs = append(b.procs, cmd)
	return cmd, nil
}

func (b *bench) stopAll() {
	for _, c := range b.procs {
		c.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { c.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			c.Process.Kill()
			<-done
		}
	}
	b.procs = nil
}

// mem reads a process's resident set and its peak, in MiB.
func mem(pid int) (rss, peak float64) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}

func count(ctx context.Context, db *pgx.Conn, q string, args ...any) int {
	var n int
	if err := db.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		fmt.Fprintln(os.Stderr, "scalebench:", err)
	}
	return n
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

var slow = config.Schedules{DNS: "@every 1h", Cert: "@every 1h", HTTP: "@every 1h", RDAP: "@every 1h", WHOIS: "@every 1h"}

// memory: import n domains into PostgreSQL, then the memory of one
// `takedown run` once it queued every check, and of `run --once`.
func (b *bench) memory(ctx context.Context, n, workers int) error {
	url, took, err := b.watchlist(ctx, n, 0)
	if err != nil {
		return err
	}
	fmt.Printf("import of %d domains into PostgreSQL: %s (%.0f domains/s)\n", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	db, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close(ctx)
	cfg, err := b.config(url, workers, 0, slow)
	if err != nil {
		return err
	}
	cmd, err := b.start(cfg)
	if err != nil {
		return err
	}
	start := time.Now()
	var queued, peakSeen float64
	for last := -1; ; {
		if err := sleep(ctx, 2*time.Second); err != nil {
			return err
		}
		q := count(ctx, db, `SELECT count(*) FROM due_checks`)
		kinds := count(ctx, db, `SELECT count(DISTINCT kind) FROM due_checks`)
		_, peak := mem(cmd.Process.Pid)
		peakSeen = max(peakSeen, peak)
		if kinds > 0 && q >= n*kinds && q == last {
			queued = time.Since(start).Seconds()
			break
		}
		last = q
		if time.Since(start) > 15*time.Minute {
			return fmt.Errorf("after 15 minutes %d checks queued", q)
		}
	}
	fmt.Printf("run: every check of %d domains queued after %.0fs\n", n, queued)
	// A minute more of leasing and probing.
	var rss float64
	for range 30 {
		if err := sleep(ctx, 2*time.Second); err != nil {
			return err
		}
		var peak float64
		rss, peak = mem(cmd.Process.Pid)
		peakSeen = max(peakSeen, peak)
	}
	checked := count(ctx, db, `SELECT count(*) FROM probe_status WHERE last_run IS NOT NULL`)
	fmt.Printf("run: RSS %.0f MiB, peak %.0f MiB (%d probes run meanwhile)\n", rss, peakSeen, checked)
	b.stopAll()

	cmd, err = b.start(cfg, "--once")
	if err != nil {
		return err
	}
	peakSeen = 0
	for range 45 {
		if err := sleep(ctx, 2*time.Second); err != nil {
			return err
		}
		var peak float64
		rss, peak = mem(cmd.Process.Pid)
		peakSeen = max(peakSeen, peak)
	}
	fmt.Printf("run --once, after 90s (of a run that takes much longer): RSS %.0f MiB, peak %.0f MiB, %d probes run\n",
		rss, peakSeen, count(ctx, db, `SELECT count(*) FROM probe_status WHERE last_run IS NOT NULL`)-checked)
	b.stopAll()
	return nil
}

// throughput: checks a second of 1, 2, 4... processes on one PostgreSQL,
// each on a fresh copy of the watchlist with every check due.
func (b *bench) throughput(ctx context.Context, n int, procs string, workers int, window time.Duration) error {
	var base float64
	for _, f := range strings.Split(procs, ",") {
		k, err := strconv.Atoi(f)
		if err != nil {
			return fmt.Errorf("-procs: %w", err)
		}
		url, _, err := b.watchlist(ctx, n, n)
		if err != nil {
			return err
		}
		cfg, err := b.config(url, workers, 0, slow)
		if err != nil {
			return err
		}
		db, err := pgx.Connect(ctx, url)
		if err != nil {
			return err
		}
		for range k {
			if _, err := b.start(cfg); err != nil {
				return err
			}
		}
		// Warm up: every daemon leasing.
		if err := sleep(ctx, 20*time.Second); err != nil {
			return err
		}
		t0 := time.Now()
		if err := sleep(ctx, window); err != nil {
			return err
		}
		t1 := time.Now()
		done := count(ctx, db, `SELECT count(*) FROM probe_status WHERE last_run >= $1 AND last_run < $2`, t0, t1)
		left := count(ctx, db, `SELECT count(*) FROM due_checks WHERE due_at < $1`, t1)
		b.stopAll()
		db.Close(ctx)
		b.pg.DropDatabase(ctx, url)
		rate := float64(done) / t1.Sub(t0).Seconds()
		if base == 0 {
			base = rate
		}
		fmt.Printf("%d process(es) × %d workers a lane: %.0f checks/s (%.2f×), %d checks still due after\n", k, workers, rate, rate/base, left)
		if left == 0 {
			fmt.Println("  (the queue ran dry: raise -n)")
		}
	}
	return nil
}

// rdap: RDAP at one query a second per server, DNS every interval: the
// age of each domain's latest DNS run, sampled once an interval.
func (b *bench) rdap(ctx context.Context, n, workers int, interval time.Duration, rounds int) error {
	url, _, err := b.watchlist(ctx, n, n)
	if err != nil {
		return err
	}
	sched := slow
	sched.DNS = "@every " + interval.String()
	sched.RDAP = "@every 6h"
	cfg, err := b.config(url, workers, 1, sched)
	if err != nil {
		return err
	}
	db, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close(ctx)
	if _, err := b.start(cfg); err != nil {
		return err
	}
	// The first interval (plus the minute new checks are spread over)
	// brings every domain in; then one sample an interval.
	if err := sleep(ctx, interval+time.Minute); err != nil {
		return err
	}
	for r := range rounds {
		if err := sleep(ctx, interval); err != nil {
			return err
		}
		rows, err := db.Query(ctx, `SELECT extract(epoch FROM now() - coalesce(p.last_run, '-infinity'))
			FROM domains d LEFT JOIN probe_status p ON p.domain_id = d.id AND p.probe = 'dns' WHERE d.enabled`)
		if err != nil {
			return err
		}
		var ages []float64
		for rows.Next() {
			var a float64
			rows.Scan(&a)
			ages = append(ages, a)
		}
		rows.Close()
		slices.Sort(ages)
		p := func(q float64) float64 { return ages[min(len(ages)-1, int(q*float64(len(ages))))] }
		rdap := count(ctx, db, `SELECT count(*) FROM probe_status WHERE probe = 'rdap' AND last_run IS NOT NULL`)
		fmt.Printf("interval %d: DNS age p50 %.0fs p99 %.0fs max %.0fs (%.2f intervals at p99); RDAP of %d domains so far\n",
			r+1, p(0.5), p(0.99), ages[len(ages)-1], p(0.99)/interval.Seconds(), rdap)
	}
	b.stopAll()
	return nil
}
