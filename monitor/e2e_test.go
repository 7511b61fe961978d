package monitor_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

// world is simnet with some sites, a SQLite file and a monitor over them.
type world struct {
	net *simnet.Net
	st  *sqlite.SQLite
	m   *engine.Monitor
	cfg config.Network
	db  string
}

var sites = []string{"thefoxcloud.com", "cloudfoxhub.com", "mycloudfox.com", "jinyang.asia", "cloudfox.cloud", "danielliu.info"}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	n, err := simnet.StartNet(ctx, simnet.NetOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	for _, s := range sites {
		if err := n.AddSite(simnet.Site{Domain: s}); err != nil {
			t.Fatal(err)
		}
	}
	w := &world{net: n, db: filepath.Join(t.TempDir(), "takedown.db")}
	w.cfg = n.Network(config.Default().Network)
	w.cfg.Timeout = 500 * time.Millisecond
	w.open(t)
	var add []store.NewDomain
	for _, s := range sites {
		add = append(add, store.NewDomain{Name: s})
	}
	if _, err := w.st.AddDomains(ctx, add); err != nil {
		t.Fatal(err)
	}
	return w
}

// open (re)opens the store and builds a monitor, as a restart does.
func (w *world) open(t *testing.T) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), w.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ps, err := monitor.NewProbers(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	list, _ := ps.List()
	w.st = st
	w.m = engine.New(st, list, judge.Lifecycle{Indicators: lifecycle.Default()}, engine.Options{
		Workers: 4, ProbeTimeout: 5 * time.Second})
}

func (w *world) cycle(t *testing.T) {
	t.Helper()
	if err := w.m.RunOnce(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

func (w *world) events(t *testing.T, q store.EventQuery) []store.Event {
	t.Helper()
	evs, err := w.st.Events(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func (w *world) state(t *testing.T, name string) *store.Domain {
	t.Helper()
	d, err := w.st.Domain(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestUnchangedRoundWritesNoEvent(t *testing.T) {
	w := newWorld(t)
	w.cycle(t)
	base := w.events(t, store.EventQuery{})
	for _, s := range sites {
		if d := w.state(t, s); d.State != event.StateActive {
			t.Errorf("%s: baseline state %s (%v)", s, d.State, d.StateReasons)
		}
	}
	d := w.state(t, "thefoxcloud.com")
	before, _ := w.st.Snapshots(context.Background(), d.ID, "", 0)
	w.cycle(t)
	if after := w.events(t, store.EventQuery{}); len(after) != len(base) {
		t.Fatalf("an unchanged round wrote %d events: %+v", len(after)-len(base), after[:len(after)-len(base)])
	}
	after, _ := w.st.Snapshots(context.Background(), d.ID, "", 0)
	if len(after) != len(before) {
		t.Fatalf("an unchanged round stored %d new snapshots", len(after)-len(before))
	}
	for i := range after {
		if !after[i].LastSeen.After(before[i].LastSeen) || !after[i].FirstSeen.Equal(before[i].FirstSeen) {
			t.Errorf("%s snapshot: first %v→%v last %v→%v; want first kept, last moved", after[i].Probe,
				before[i].FirstSeen, after[i].FirstSeen, before[i].LastSeen, after[i].LastSeen)
		}
	}
}

func TestResolverOutageIsNotAChange(t *testing.T) {
	w := newWorld(t)
	w.cycle(t)
	base := len(w.events(t, store.EventQuery{}))
	w.net.DNS.SetServerFault("resolver", simnet.DNSServFail)
	for range 3 {
		w.cycle(t)
	}
	evs := w.events(t, store.EventQuery{})
	for _, ev := range evs[:len(evs)-base] {
		if ev.Kind != "unreachable" {
			t.Errorf("during the outage: %s %s %s.%s %q → %q", ev.Domain, ev.Kind, ev.Probe, ev.Field, ev.Old, ev.New)
		}
	}
	unreachable := len(evs) - base
	if unreachable == 0 {
		t.Error("three failed rounds raised no unreachable event")
	}
	for _, s := range sites {
		d := w.state(t, s)
		if d.State != event.StateActive {
			t.Errorf("%s: state %s after an outage (%v)", s, d.State, d.StateReasons)
		}
		sts, _ := w.st.ProbeStatuses(context.Background(), d.ID)
		for _, st := range sts {
			// The delegation probe asks the registries directly (their
			// addresses are cached), so only the resolver's probe fails.
			if st.Probe == event.ProbeDNS && st.ConsecutiveFailures != 3 {
				t.Errorf("%s %s: %d consecutive failures, want 3", s, st.Probe, st.ConsecutiveFailures)
			}
		}
		errs, _ := w.st.ProbeErrors(context.Background(), d.ID, 0)
		dnsRows := 0
		for _, e := range errs {
			if e.Probe == event.ProbeDNS {
				dnsRows++
				if e.Count != 3 {
					t.Errorf("%s: dns error row counts %d failures, want the 3 coalesced", s, e.Count)
				}
			}
		}
		if dnsRows != 1 {
			t.Errorf("%s: %d dns error rows for one outage, want 1", s, dnsRows)
		}
	}
	w.net.DNS.SetServerFault("resolver", simnet.DNSNoFault)
	w.cycle(t)
	evs = w.events(t, store.EventQuery{})
	for _, ev := range evs[:len(evs)-base-unreachable] {
		if ev.Kind != "reachable" {
			t.Errorf("after recovery: %s %s %s.%s %q → %q", ev.Domain, ev.Kind, ev.Probe, ev.Field, ev.Old, ev.New)
		}
	}
}

// TestStorySeizureAndReregistration walks a domain through the lifecycle
// with the daemon's checks and asserts the verdicts and their reasons.
func TestStorySeizureAndReregistration(t *testing.T) {
	w := newWorld(t)
	w.cycle(t)
	step := func(name string, want event.State, reasons ...string) {
		t.Helper()
		w.cycle(t)
		d := w.state(t, name)
		if d.State != want {
			t.Fatalf("%s: state %s, want %s; reasons %v", name, d.State, want, d.StateReasons)
		}
		all := strings.Join(d.StateReasons, "\n")
		for _, r := range reasons {
			if !strings.Contains(all, r) {
				t.Errorf("%s %s: no reason mentions %q:\n%s", name, want, r, all)
			}
		}
	}
	w.net.Seize("thefoxcloud.com")
	step("thefoxcloud.com", event.StateSeized, "ns1.fbi.seized.gov matches us-fbi-seized-ns", "This domain has been seized")
	w.net.Suspend("cloudfoxhub.com")
	step("cloudfoxhub.com", event.StateSuspended, "serverHold")
	w.net.Expire("mycloudfox.com")
	step("mycloudfox.com", event.StateExpired)
	w.net.Redeem("mycloudfox.com")
	step("mycloudfox.com", event.StateRedemption, "redemptionPeriod")
	w.net.PendingDelete("mycloudfox.com")
	step("mycloudfox.com", event.StatePendingDelete, "pendingDelete")
	w.net.Drop("mycloudfox.com")
	step("mycloudfox.com", event.StateDeleted)
	w.net.Reregister(simnet.Site{Domain: "mycloudfox.com", Registrar: "Dynadot Inc", RegistrarIANAID: 472})
	step("mycloudfox.com", event.StateReregistered)

	d := w.state(t, "mycloudfox.com")
	trs, _ := w.st.Transitions(context.Background(), d.ID)
	var path []string
	for i := len(trs) - 1; i >= 0; i-- {
		path = append(path, string(trs[i].To))
	}
	want := "active expired redemption pending_delete deleted reregistered"
	if got := strings.Join(path, " "); got != want {
		t.Errorf("transitions %s, want %s", got, want)
	}
	evs := w.events(t, store.EventQuery{Domain: "mycloudfox.com", Kinds: []event.Kind{event.StateChanged}, Limit: 1})
	if event.State(evs[0].New) != event.StateReregistered || evs[0].Severity != event.SevCritical {
		t.Errorf("re-registration after a takedown: %+v, want critical", evs[0])
	}
	// A transfer to another registrar is not a re-registration.
	w.net.Registry.Update("jinyang.asia", func(r *simnet.Registration) { r.Registrar, r.RegistrarIANAID = "Dynadot Inc", 472 })
	step("jinyang.asia", event.StateActive)
}

// TestRestartMidCycle kills a daemon (a child process) in the middle of a
// cycle and restarts it on the same database: no history lost, no event
// doubled.
func TestRestartMidCycle(t *testing.T) {
	if os.Getenv("TAKEDOWN_CHILD_DB") != "" {
		return
	}
	w := newWorld(t)
	w.cycle(t)
	w.net.Seize("thefoxcloud.com")
	w.net.Suspend("cloudfoxhub.com")
	w.st.Close()

	cmd := exec.Command(os.Args[0], "-test.run", "^TestChildCycles$")
	cmd.Env = append(os.Environ(), "TAKEDOWN_CHILD_DB="+w.db, "TAKEDOWN_CHILD_NET="+encodeNet(w.cfg))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it has written part of the story.
	w.open(t)
	deadline := time.Now().Add(30 * time.Second)
	childWrote := 0
	for childWrote == 0 && time.Now().Before(deadline) {
		for _, ev := range w.events(t, store.EventQuery{Kinds: []event.Kind{event.StateChanged}}) {
			if s := event.State(ev.New); s == event.StateSeized || s == event.StateSuspended {
				childWrote++
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if childWrote == 0 {
		t.Fatal("the child wrote nothing before it was killed")
	}
	t.Logf("killed the child after it recorded %d of the 2 takedowns", childWrote)

	w.cycle(t)
	w.cycle(t)
	for name, want := range map[string]event.State{"thefoxcloud.com": event.StateSeized, "cloudfoxhub.com": event.StateSuspended} {
		d := w.state(t, name)
		if d.State != want {
			t.Errorf("%s: %s after restart, want %s", name, d.State, want)
		}
		trs, _ := w.st.Transitions(context.Background(), d.ID)
		n := 0
		for _, tr := range trs {
			if tr.To == want {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d transitions to %s, want exactly 1", name, n, want)
		}
	}
	// Every event appears once: no (domain, kind, probe, field, old, new) twice.
	seen := map[string]int{}
	for _, ev := range w.events(t, store.EventQuery{}) {
		seen[fmt.Sprintf("%s|%s|%s|%s|%s|%s", ev.Domain, ev.Kind, ev.Probe, ev.Field, ev.Old, ev.New)]++
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("event %s written %d times", k, n)
		}
	}
	if err := w.st.Update(context.Background(), func(tx store.Tx) error { return nil }); err != nil {
		t.Fatalf("database unusable after the kill: %v", err)
	}
}

// TestChildCycles is the child of TestRestartMidCycle: it checks domains
// in a loop until killed.
func TestChildCycles(t *testing.T) {
	db := os.Getenv("TAKEDOWN_CHILD_DB")
	if db == "" {
		t.Skip("only runs as the child of TestRestartMidCycle")
	}
	w := &world{db: db, cfg: decodeNet(os.Getenv("TAKEDOWN_CHILD_NET"))}
	w.open(t)
	for {
		w.m.RunOnce(context.Background(), nil)
	}
}

func encodeNet(n config.Network) string {
	return strings.Join([]string{n.Resolver, fmt.Sprint(n.AuthPort), n.WhoisReferral, n.RDAPBootstrap,
		fmt.Sprint(n.CertPort), fmt.Sprint(n.HTTPPort), n.CAFile}, "|")
}

func decodeNet(s string) config.Network {
	p := strings.Split(s, "|")
	n := config.Default().Network
	n.Resolver, n.WhoisReferral, n.RDAPBootstrap, n.CAFile = p[0], p[2], p[3], p[6]
	fmt.Sscan(p[1], &n.AuthPort)
	fmt.Sscan(p[4], &n.CertPort)
	n.HTTPSPort = n.CertPort
	fmt.Sscan(p[5], &n.HTTPPort)
	n.AllowPrivate, n.WhoisRate, n.DNSRate, n.Timeout = true, 1000, 100000, 500*time.Millisecond
	return n
}

func TestRunSchedulesPicksUpNewDomainsAndStops(t *testing.T) {
	w := newWorld(t)
	ps, _ := monitor.NewProbers(w.cfg)
	defer ps.Close()
	list, _ := ps.List()
	every := map[event.Probe]string{}
	for _, k := range event.Probes {
		every[k] = "@every 1s"
	}
	m := engine.New(w.st, list, judge.Lifecycle{Indicators: lifecycle.Default()}, engine.Options{
		Workers: 4, Schedules: every, Spread: true, Poll: 100 * time.Millisecond, ProbeTimeout: 5 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()

	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("the baseline", func() bool { return w.state(t, "jinyang.asia").State == event.StateActive })
	// A domain added while the daemon runs is checked without a restart.
	w.net.AddSite(simnet.Site{Domain: "foxysunstudio.com"})
	w.st.AddDomains(context.Background(), []store.NewDomain{{Name: "foxysunstudio.com"}})
	waitFor("the new domain's first check", func() bool { return !w.state(t, "foxysunstudio.com").LastChecked.IsZero() })
	// A takedown is noticed on the next tick.
	w.net.Seize("thefoxcloud.com")
	waitFor("the seizure", func() bool { return w.state(t, "thefoxcloud.com").State == event.StateSeized })

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v after cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop within 10s of cancel")
	}
}

func TestExpiringSoonOncePerDate(t *testing.T) {
	w := newWorld(t)
	w.cycle(t)
	soon := time.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Second)
	w.net.Registry.Update("jinyang.asia", func(r *simnet.Registration) { r.Expires = soon })
	w.net.Seize("thefoxcloud.com")
	w.net.Registry.Update("thefoxcloud.com", func(r *simnet.Registration) { r.Expires = soon })
	w.cycle(t)
	w.cycle(t)
	for name, sev := range map[string]event.Severity{"jinyang.asia": event.SevNotice, "thefoxcloud.com": event.SevWarning} {
		evs := w.events(t, store.EventQuery{Domain: name, Kinds: []event.Kind{event.ExpiringSoon}})
		if len(evs) != 1 || evs[0].New != soon.Format(time.DateOnly) || evs[0].Severity != sev {
			t.Errorf("%s: expiring_soon events %+v; want one for %s, %s", name, evs, soon.Format(time.DateOnly), sev)
		}
	}
	if evs := w.events(t, store.EventQuery{Domain: "cloudfox.cloud", Kinds: []event.Kind{event.ExpiringSoon}}); len(evs) != 0 {
		t.Errorf("a domain a year from expiry raised %+v", evs)
	}
}

func TestSuspicionFiresOnce(t *testing.T) {
	w := newWorld(t)
	// cirfu.net lapsed in 2015: a name delegated there is hijacked
	// infrastructure, reported critical, once.
	w.net.AddSite(simnet.Site{Domain: "pokerseized.com", NS: []string{"ns1.cirfu.net", "ns2.cirfu.net"}})
	w.st.AddDomains(context.Background(), []store.NewDomain{{Name: "pokerseized.com"}})
	for range 3 {
		w.cycle(t)
	}
	evs := w.events(t, store.EventQuery{Domain: "pokerseized.com"})
	n := 0
	for _, ev := range evs {
		if strings.HasPrefix(string(ev.Kind), "suspected_") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d suspicion events over 3 rounds, want 1: %+v", n, evs)
	}
}

func TestHTTPSTimeoutIsNoMoveToHTTP(t *testing.T) {
	w := newWorld(t)
	w.cycle(t)
	base := len(w.events(t, store.EventQuery{Domain: "jinyang.asia"}))
	w.net.Web.SetCert("jinyang.asia", simnet.CertStall)
	w.cycle(t)
	if evs := w.events(t, store.EventQuery{Domain: "jinyang.asia"}); len(evs) != base {
		t.Fatalf("a stalled https wrote events: %+v", evs[:len(evs)-base])
	}
	d := w.state(t, "jinyang.asia")
	errs, _ := w.st.ProbeErrors(context.Background(), d.ID, 0)
	found := false
	for _, e := range errs {
		found = found || (e.Probe == event.ProbeHTTP && strings.Contains(e.Error, "https timed out"))
	}
	if !found {
		t.Fatalf("the https timeout was not recorded as an http probe error: %+v", errs)
	}
}

func TestOwnRateLimitDefersNotFails(t *testing.T) {
	w := newWorld(t)
	// One RDAP server for six domains at 2 a second: most must wait longer
	// than a probe may (1s), so the limiter defers them; a real answer has
	// the whole second, so a loaded machine does not time one out.
	w.cfg.WhoisRate = 2
	st := w.st
	ps, _ := monitor.NewProbers(w.cfg)
	defer ps.Close()
	list, _ := ps.List()
	m := engine.New(st, list, judge.Lifecycle{Indicators: lifecycle.Default()}, engine.Options{
		Workers: 6, ProbeTimeout: time.Second})
	for range 3 {
		if err := m.RunOnce(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	}
	if evs := w.events(t, store.EventQuery{Kinds: []event.Kind{"unreachable"}}); len(evs) != 0 {
		t.Fatalf("our own rate limit raised %d unreachable events: %+v", len(evs), evs[0])
	}
	for _, s := range sites {
		d := w.state(t, s)
		sts, _ := st.ProbeStatuses(context.Background(), d.ID)
		for _, p := range sts {
			if p.Probe == event.ProbeRDAP && (p.LastOK.IsZero() || p.ConsecutiveFailures > 0) {
				t.Errorf("%s rdap: %+v", s, p)
			}
		}
	}
}

func TestMinorDNSChangeDoesNotProbeEverything(t *testing.T) {
	w := newWorld(t)
	w.cycle(t)
	d := w.state(t, "jinyang.asia")
	rdapRun := func() time.Time {
		sts, _ := w.st.ProbeStatuses(context.Background(), d.ID)
		for _, s := range sts {
			if s.Probe == event.ProbeRDAP {
				return s.LastRun
			}
		}
		return time.Time{}
	}
	before := rdapRun()
	w.net.DNS.SetZone("jinyang.asia", "@ NS dns1.registrar-servers.com.", "@ NS dns2.registrar-servers.com.",
		"@ A 127.0.0.1", "www A 127.0.0.1", "@ MX 10 mail", "mail A 127.0.0.1", `@ TXT "v=spf1 -all"`)
	if _, err := w.m.Check(context.Background(), "jinyang.asia", []event.Probe{event.ProbeDNS}); err != nil {
		t.Fatal(err)
	}
	if !rdapRun().Equal(before) {
		t.Error("a TXT change made the DNS check probe RDAP too")
	}
	// Name servers moving does.
	w.net.DNS.SetDelegation("jinyang.asia", []string{"ns1.other-host.net", "ns2.other-host.net"}, nil)
	if _, err := w.m.Check(context.Background(), "jinyang.asia", []event.Probe{event.ProbeDelegation}); err != nil {
		t.Fatal(err)
	}
	if rdapRun().Equal(before) {
		t.Error("the delegation moved and RDAP was not asked")
	}
}

// TestCheckAgreesWithDaemon plays the takedown story and, before each of
// the daemon's cycles, asks every domain as `takedown check` does (its own
// probers, WHOIS everywhere, nothing written): the verdict and its reasons
// must be the ones the daemon then records from the same network.
func TestCheckAgreesWithDaemon(t *testing.T) {
	w := newWorld(t)
	ps, err := monitor.NewProbers(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	ps.WhoisEverywhere = true
	list, _ := ps.List()
	checker := engine.New(w.st, list, judge.Lifecycle{Indicators: lifecycle.Default()}, engine.Options{
		ProbeTimeout: 5 * time.Second})
	ctx := context.Background()
	compare := func(step string) {
		t.Helper()
		want := map[string]*engine.Assessment{}
		for _, s := range sites {
			a, err := checker.Assess(ctx, s, nil)
			if err != nil {
				t.Fatalf("%s: check %s: %v", step, s, err)
			}
			want[s] = a
		}
		w.cycle(t)
		for _, s := range sites {
			d := w.state(t, s)
			got := want[s].Verdict
			if got.State != d.State || strings.Join(got.Reasons, "\n") != strings.Join(d.StateReasons, "\n") {
				t.Errorf("%s: %s: check says %s %q, the daemon recorded %s %q", step, s, got.State, got.Reasons, d.State, d.StateReasons)
			}
		}
	}
	story := []struct {
		name string
		act  func()
	}{
		{"baseline", func() {}},
		{"seize", func() { w.net.Seize("thefoxcloud.com") }},
		{"suspend", func() { w.net.Suspend("cloudfoxhub.com") }},
		{"expire", func() { w.net.Expire("mycloudfox.com") }},
		{"redeem", func() { w.net.Redeem("mycloudfox.com") }},
		{"pending delete", func() { w.net.PendingDelete("mycloudfox.com") }},
		{"drop", func() { w.net.Drop("mycloudfox.com") }},
		{"reregister", func() {
			w.net.Reregister(simnet.Site{Domain: "mycloudfox.com", Registrar: "Dynadot Inc", RegistrarIANAID: 472})
		}},
	}
	for _, s := range story {
		s.act()
		compare(s.name)
	}
	// A name never watched is judged as new, without a store.
	fresh := engine.New(nil, list, judge.Lifecycle{Indicators: lifecycle.Default()}, engine.Options{})
	a, err := fresh.Assess(ctx, "thefoxcloud.com", nil)
	if err != nil || a.Verdict.State != event.StateSeized {
		t.Fatalf("unwatched seized domain: %+v, %v", a, err)
	}
}

// A phishing name reported before it exists is unregistered, a baseline
// that alerts nobody; the day it is registered is one warning, the
// registered event, and never a deletion or a re-registration.
func TestNeverRegisteredNameIsUnregisteredUntilItGoesLive(t *testing.T) {
	w := newWorld(t)
	const name = "acmebank-verify.com"
	ctx := context.Background()
	if _, err := w.st.AddDomains(ctx, []store.NewDomain{{Name: name}}); err != nil {
		t.Fatal(err)
	}
	w.cycle(t)
	d := w.state(t, name)
	if d.State != event.StateUnregistered {
		t.Fatalf("state %s (%v), want unregistered", d.State, d.StateReasons)
	}
	evs := w.events(t, store.EventQuery{Domain: name})
	if len(evs) != 1 || evs[0].Kind != event.StateChanged || evs[0].Severity != event.SevInfo || !engine.Baseline(evs[0]) {
		t.Fatalf("first round events %+v, want one info baseline state_changed", evs)
	}
	w.cycle(t)
	if evs := w.events(t, store.EventQuery{Domain: name}); len(evs) != 1 {
		t.Fatalf("a second unregistered round wrote events: %+v", evs)
	}
	if err := w.net.AddSite(simnet.Site{Domain: name}); err != nil {
		t.Fatal(err)
	}
	w.cycle(t)
	if d := w.state(t, name); d.State != event.StateActive {
		t.Fatalf("after registration: state %s (%v), want active", d.State, d.StateReasons)
	}
	var reg, changed int
	for _, ev := range w.events(t, store.EventQuery{Domain: name}) {
		switch ev.Kind {
		case event.Registered:
			reg++
			if ev.Severity != event.SevWarning || event.State(ev.Old) != event.StateUnregistered || event.State(ev.New) != event.StateActive {
				t.Errorf("registered event %+v", ev)
			}
		case event.StateChanged:
			changed++
			if event.State(ev.New) == event.StateDeleted || event.State(ev.New) == event.StateReregistered {
				t.Errorf("state_changed to %s", ev.New)
			}
		case event.Reregistered:
			t.Errorf("a first registration raised %s", ev.Kind)
		}
	}
	if reg != 1 || changed != 2 {
		t.Fatalf("%d registered and %d state_changed events, want 1 and 2", reg, changed)
	}
}
