package monitor_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/pgtest"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/monitor/notify"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/postgres"
)

// childEnv carries a cluster daemon's configuration (JSON) to the child.
const childEnv = "TAKEDOWN_CLUSTER_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" || os.Getenv("TAKEDOWN_BENCH_CHILD") != "" {
		os.Exit(m.Run()) // a daemon of the cluster or a benchmark's child: the parent runs PostgreSQL
	}
	os.Exit(pgtest.Main(m))
}

// Test-only instrumentation: every finished check (its due time moved on)
// and every run of the test job, as the database saw them.
const instrument = `
CREATE TABLE check_log (domain_id bigint, kind text, due timestamptz, worker text);
CREATE FUNCTION log_check() RETURNS trigger AS $$
BEGIN
	INSERT INTO check_log VALUES (OLD.domain_id, OLD.kind, OLD.due_at, OLD.leased_by);
	RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER log_check AFTER UPDATE ON due_checks FOR EACH ROW
	WHEN (OLD.leased_by IS NOT NULL AND NEW.leased_by IS NULL AND NEW.due_at <> OLD.due_at)
	EXECUTE FUNCTION log_check();
CREATE TABLE job_log (worker text, at timestamptz);
`

// TestClusterSharesTheWork runs three daemons (child processes) on one
// PostgreSQL over simnet, kills one with SIGKILL while it holds leases,
// and checks that every due check ran once per round, that the dead
// daemon's leases were taken over within 30s, that no event doubled, that
// every alert arrived once, and that the scheduled job ran once per slot.
// TAKEDOWN_CLUSTER_DOMAINS sets the watchlist's size (default 150).
func TestClusterSharesTheWork(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three daemons")
	}
	url := pgtest.DB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 150
	if v, err := strconv.Atoi(os.Getenv("TAKEDOWN_CLUSTER_DOMAINS")); err == nil && v > 0 {
		n = v
	}
	net, err := simnet.StartNet(ctx, simnet.NetOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	st, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	if _, err := db.Exec(ctx, instrument); err != nil {
		t.Fatal(err)
	}
	var add []store.NewDomain
	for i := range n {
		name := fmt.Sprintf("cluster%04d.com", i)
		if err := net.AddSite(simnet.Site{Domain: name}); err != nil {
			t.Fatal(err)
		}
		add = append(add, store.NewDomain{Name: name})
	}
	if _, err := st.AddDomains(ctx, add); err != nil {
		t.Fatal(err)
	}

	cfg := config.Default()
	cfg.DB = url
	cfg.Network = net.Network(cfg.Network)
	cfg.Network.Timeout = 2 * time.Second
	cfg.Network.WhoisRate = 25 // one budget for the three daemons: RDAP takes a while
	cfg.Network.SharedRate = true
	cfg.Schedules.DNS, cfg.Schedules.RDAP, cfg.Schedules.WHOIS = "@every 4s", "@every 1h", "@every 1h"
	cfg.Schedules.Cert, cfg.Schedules.HTTP, cfg.Schedules.Lookalikes = "@every 1h", "@every 1h", "@every 2s"
	cfg.Monitor.Workers, cfg.Monitor.LeaseTTL, cfg.Monitor.Poll = 8, 5*time.Second, time.Second
	off := false
	cfg.Monitor.WatchInfrastructure, cfg.Monitor.HuntSeized = &off, &off
	cfg.Alerts.SMTP = net.SMTPConfig()
	cfg.Alerts.Channels = []config.Channel{{Name: "soc", Email: []string{"soc@example.org"}, Events: []event.Kind{event.StateChanged}}}

	children := map[string]*exec.Cmd{}
	for _, w := range []string{"w1", "w2", "w3"} {
		c := *cfg
		c.Monitor.Worker = w
		children[w] = startChild(t, &c)
	}
	defer func() {
		for _, c := range children {
			c.Process.Kill()
			c.Wait()
		}
	}()

	// Kill w2 mid-round, while it holds leases.
	count := func(q string, args ...any) int {
		t.Helper()
		var k int
		if err := db.QueryRow(ctx, q, args...).Scan(&k); err != nil {
			t.Fatal(err)
		}
		return k
	}
	deadline := time.Now().Add(30 * time.Second)
	held := 0
	for time.Now().Before(deadline) {
		if held = count(`SELECT count(*) FROM due_checks WHERE leased_by = 'w2'`); held > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if held == 0 {
		t.Fatal("w2 never held a lease")
	}
	children["w2"].Process.Signal(syscall.SIGKILL)
	children["w2"].Wait()
	delete(children, "w2")
	killed := time.Now()
	t.Logf("killed w2 holding %d leases", held)
	for count(`SELECT count(*) FROM due_checks WHERE leased_by = 'w2'`) > 0 {
		if time.Since(killed) > 30*time.Second {
			t.Fatal("w2's leases not taken over within 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("w2's leases taken over %s after the kill (lease TTL %s)", time.Since(killed).Round(time.Millisecond), cfg.Monitor.LeaseTTL)

	// Something to alert about: three seizures.
	seized := []string{"cluster0001.com", "cluster0002.com", "cluster0003.com"}
	for _, d := range seized {
		if err := net.Seize(d); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	for {
		changed := count(`SELECT count(DISTINCT domain) FROM events WHERE kind = 'state_changed' AND domain = ANY($1) AND old <> 'unknown'`, seized)
		pending := count(`SELECT count(*) FROM outbox WHERE status = 'pending'`)
		rdap := count(`SELECT count(DISTINCT domain_id) FROM check_log WHERE kind = 'rdap'`)
		if changed == len(seized) && pending == 0 && time.Since(start) > 10*time.Second {
			break
		}
		if time.Since(start) > 50*time.Second {
			t.Fatalf("after 50s: %d of %d seizures noticed, %d alerts pending, RDAP of %d domains", changed, len(seized), pending, rdap)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second) // a round more for the counts below

	// Every finished check of a slot, once.
	if dup := count(`SELECT count(*) FROM (SELECT 1 FROM check_log GROUP BY domain_id, kind, due HAVING count(*) > 1) d`); dup > 0 {
		t.Errorf("%d checks ran twice for one slot", dup)
	}
	// Every domain's DNS every round (4s) since the start, give or take
	// the round in flight and the first, spread over a minute at most.
	var first time.Time
	db.QueryRow(ctx, `SELECT min(due) FROM check_log`).Scan(&first)
	rounds := int(time.Since(first) / (4 * time.Second))
	if low := count(`SELECT count(*) FROM (SELECT domain_id FROM check_log WHERE kind = 'dns' GROUP BY domain_id HAVING count(*) < $1) d`, rounds-2); low > 0 {
		t.Errorf("%d domains had fewer than %d DNS checks in %d rounds", low, rounds-2, rounds)
	}
	// RDAP runs at the shared budget's pace, deferred probes re-dued.
	t.Logf("RDAP checked %d of %d domains", count(`SELECT count(DISTINCT domain_id) FROM check_log WHERE kind = 'rdap'`), n)
	t.Logf("checks by worker: %s", byWorker(t, db))
	// No event doubled.
	if dup := count(`SELECT count(*) FROM (SELECT 1 FROM events GROUP BY domain, kind, probe, field, old, new HAVING count(*) > 1) d`); dup > 0 {
		t.Errorf("%d events written twice", dup)
	}
	// Every alert delivered, once.
	sent := count(`SELECT count(*) FROM outbox WHERE status = 'sent'`)
	ids := map[string]int{}
	for _, m := range net.SMTP.Messages() {
		ids[m.MessageID()]++
	}
	for id, k := range ids {
		if k != 1 {
			t.Errorf("message %s arrived %d times", id, k)
		}
	}
	if sent < len(seized) || len(ids) != sent {
		t.Errorf("%d alerts sent, %d distinct messages arrived; want equal and >= %d", sent, len(ids), len(seized))
	}
	// Scheduled jobs (brand hunting, and one that logs its runs), once
	// per slot.
	if hunts := count(`SELECT count(*) FROM job_runs WHERE job = 'lookalikes'`); hunts < 5 {
		t.Errorf("brand hunting ran in %d slots, want >= 5", hunts)
	}
	runs := count(`SELECT count(*) FROM job_runs WHERE job = 'logjob'`)
	ran := count(`SELECT count(*) FROM job_log`)
	if runs < 5 || ran != runs {
		t.Errorf("logjob: %d slots claimed, %d runs; want equal and >= 5", runs, ran)
	}
	if over := count(`SELECT count(*) FROM (SELECT 1 FROM job_log GROUP BY date_trunc('second', at) HAVING count(*) > 1) d`); over > 0 {
		t.Errorf("the job ran twice within one second %d times", over)
	}
}

func byWorker(t *testing.T, db *pgx.Conn) string {
	rows, err := db.Query(context.Background(), `SELECT worker, count(*) FROM check_log GROUP BY worker ORDER BY worker`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var w string
		var k int
		rows.Scan(&w, &k)
		out = append(out, fmt.Sprintf("%s=%d", w, k))
	}
	return strings.Join(out, " ")
}

// startChild starts a daemon of the cluster and waits until it runs.
func startChild(t *testing.T, cfg *config.Config) *exec.Cmd {
	t.Helper()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestClusterChild$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(b))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "READY" {
				ready <- true
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("daemon child ended before it ran")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("daemon child did not start")
	}
	return cmd
}

// TestClusterChild is one daemon of TestClusterSharesTheWork.
func TestClusterChild(t *testing.T) {
	raw := os.Getenv(childEnv)
	if raw == "" {
		t.Skip("runs only as a child of TestClusterSharesTheWork")
	}
	var cfg config.Config
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := postgres.Open(ctx, cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	worker := cfg.Monitor.Worker
	// A job that logs each run beside the brand hunt: both are claimed
	// per slot the same way.
	logJob := func(ctx context.Context) error {
		conn, err := pgx.Connect(ctx, cfg.DB)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, `INSERT INTO job_log VALUES ($1, now())`, worker)
		return err
	}
	d, err := monitor.New(ctx, monitor.Config{Config: &cfg, Store: st,
		Notify: notify.Options{PollInterval: 200 * time.Millisecond, LeaseTTL: 10 * time.Second},
		Jobs:   []engine.Job{{Name: "logjob", Spec: "@every 2s", Run: logJob}}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	fmt.Println("READY")
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
}
