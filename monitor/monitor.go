// Package monitor is the daemon: it schedules every probe kind of every
// watched domain, runs the probes in a bounded worker pool, stores what
// changed, judges each domain's takedown state and hands events to the
// alert outbox (through the store's router, in the same transaction).
package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/takedownhq/takedown/monitor/metrics"
	"github.com/takedownhq/takedown/monitor/netguard"
	"github.com/takedownhq/takedown/monitor/ratelimit"
	"github.com/takedownhq/takedown/store"
)

// Probe kinds, as stored in snapshots.probe.
const (
	KindDNS        = "dns"
	KindDelegation = "delegation"
	KindWHOIS      = "whois"
	KindRDAP       = "rdap"
	KindCert       = "cert"
	KindHTTP       = "http"
)

// Prober observes one aspect of a domain. Probe returns a value that
// marshals to normalized JSON (equal states give equal bytes), or an error
// when it could not observe: an error is recorded as a failed probe and
// never read as "records removed".
type Prober interface {
	Kind() string
	Probe(ctx context.Context, domain string) (any, error)
}

// Options tunes a Monitor. Zero values take the defaults noted.
type Options struct {
	// Workers bounds concurrent domain checks. Default 32.
	Workers int
	// UnreachableAfter is the failure streak that raises an unreachable event. Default 3.
	UnreachableAfter int
	// Schedules maps a probe kind to a cron spec ("@every 15m", "0 3 * * *").
	Schedules map[string]string
	// Spread places each domain at a stable offset inside the interval.
	Spread bool
	// ProbeTimeout bounds one probe. Default 30s.
	ProbeTimeout time.Duration
	// Poll is how often the watchlist is read for new domains. Default 10s.
	Poll time.Duration
	// Jobs are extra scheduled tasks (brand hunting, feeds), by cron spec.
	Jobs []Job
	// OnEvent, when set, sees every event after its transaction committed
	// (the demo prints them).
	OnEvent func(store.Event)
	// Now is the clock; default time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// Job is a scheduled task beside the probes.
type Job struct {
	Name string
	Spec string
	Run  func(ctx context.Context) error
}

// Monitor is the daemon. Create it with New.
type Monitor struct {
	st      store.Store
	probers map[string]Prober
	kinds   []string
	opt     Options
	log     *slog.Logger
	judge   Judge

	q       *queue
	started atomic.Bool

	cronMu sync.Mutex
	cron   *cron.Cron      // set while Run runs
	runCtx context.Context // Run's context, for jobs added later
}

// Judge decides events from changes and the verdict from snapshots; the
// lifecycle package provides the real one.
type Judge interface {
	// Changes turns a snapshot change into events (without IDs).
	Changes(domain string, probe string, prev, cur []byte, at time.Time) []store.Event
	// Verdict judges a domain from its latest snapshots by probe kind.
	Verdict(tx store.Tx, d *store.Domain, latest map[string]*store.Snapshot, failed map[string]bool, at time.Time) (Verdict, error)
}

// Verdict is a lifecycle state with the evidence that supports it.
type Verdict struct {
	State    string
	Reasons  []string
	Severity string
	// Suspect is a state the evidence points at without establishing it
	// (a seizure name server nobody corroborates).
	Suspect string
}

// New builds a Monitor over a store with the given probers.
func New(st store.Store, probers []Prober, judge Judge, opt Options) *Monitor {
	if opt.Workers <= 0 {
		opt.Workers = 32
	}
	if opt.UnreachableAfter <= 0 {
		opt.UnreachableAfter = 3
	}
	if opt.ProbeTimeout <= 0 {
		opt.ProbeTimeout = 30 * time.Second
	}
	if opt.Poll <= 0 {
		opt.Poll = 10 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	m := &Monitor{st: st, probers: map[string]Prober{}, opt: opt, judge: judge,
		log: opt.Log.With("component", "monitor"), q: newQueue()}
	for _, p := range probers {
		m.probers[p.Kind()] = p
		m.kinds = append(m.kinds, p.Kind())
	}
	sort.Strings(m.kinds)
	return m
}

// Kinds lists the probe kinds this monitor runs.
func (m *Monitor) Kinds() []string { return append([]string(nil), m.kinds...) }

// CheckResult is what one check of one domain found.
type CheckResult struct {
	Domain  string
	Changed []string          // probe kinds whose snapshot changed
	Failed  map[string]string // probe kind -> error
	Events  []store.Event
	State   string
	// Deferred are probe kinds this process's own rate limit held back:
	// nothing was asked, so nothing was recorded; run them again later.
	Deferred []string
	// Answered counts the probes that got an answer.
	Answered int
	// Servers are the failures as the probes reported them, ports kept,
	// so an operator sees which server did not answer.
	Servers map[string]string
}

// Check runs the given probe kinds (all when empty) for one domain and
// records the outcome in one transaction. If ctx ends while probes run,
// nothing is written: a shutdown drops the check rather than storing
// cancellations as failures.
func (m *Monitor) Check(ctx context.Context, name string, kinds []string) (*CheckResult, error) {
	d, err := m.st.Domain(ctx, name)
	if err != nil {
		return nil, err
	}
	if !d.Enabled {
		return &CheckResult{Domain: d.Name, Failed: map[string]string{}, State: d.State}, nil
	}
	if len(kinds) == 0 {
		kinds = m.kinds
	}
	results, err := m.probe(ctx, d.Name, kinds)
	if err != nil {
		return nil, err
	}
	// A state change needs evidence: when the name servers or the answer
	// moved, the other probes run now too, so the verdict rests on one
	// consistent view (a dropped name resolving again is judged with its
	// new registration, not hours later when RDAP is due).
	if m.review(ctx, d.ID, results) {
		var rest []string
		for _, k := range m.kinds {
			if !slices.Contains(kinds, k) {
				rest = append(rest, k)
			}
		}
		if len(rest) > 0 {
			more, err := m.probe(ctx, d.Name, rest)
			if err != nil {
				return nil, err
			}
			results = append(results, more...)
		}
	}
	at := m.opt.Now()
	res := &CheckResult{Domain: d.Name, Failed: map[string]string{}, Servers: map[string]string{}}
	err = m.st.Update(ctx, func(tx store.Tx) error {
		// Another check of this domain may have committed since it was read.
		d, err := tx.Domain(d.Name)
		if err != nil {
			return err
		}
		res.Changed, res.Events, res.Deferred, res.Answered = nil, nil, nil, 0
		add := func(ev store.Event) error {
			ev.DomainID, ev.Domain = d.ID, d.Name
			if ev.At.IsZero() {
				ev.At = at
			}
			id, err := tx.AddEvent(ev)
			if err != nil {
				return err
			}
			ev.ID = id
			res.Events = append(res.Events, ev)
			return nil
		}
		failed := map[string]bool{}
		latest := map[string]*store.Snapshot{}
		for _, o := range results {
			switch {
			case notApplicable(o.kind, o.err):
				continue
			case errors.Is(o.err, ratelimit.ErrDeferred) && !backoffFails(ctx, o.err):
				res.Deferred = append(res.Deferred, o.kind)
				continue
			case o.err != nil:
				failed[o.kind] = true
				msg := errText(o.err)
				res.Failed[o.kind] = msg
				res.Servers[o.kind] = netguard.Clean(o.err.Error(), 512)
				st, err := tx.ObserveError(d.ID, o.kind, at, msg)
				if err != nil {
					return err
				}
				if st.ConsecutiveFailures >= m.opt.UnreachableAfter && !st.Unreachable {
					st.Unreachable = true
					if err := tx.SetProbeStatus(st); err != nil {
						return err
					}
					if err := add(store.Event{Kind: "unreachable", Probe: o.kind, Severity: store.SevWarning,
						New: fmt.Sprintf("%d consecutive failures: %s", st.ConsecutiveFailures, msg)}); err != nil {
						return err
					}
				}
				continue
			}
			cur, prev, changed, err := tx.ObserveSnapshot(d.ID, o.kind, at, o.data)
			if err != nil {
				return err
			}
			latest[o.kind] = cur
			res.Answered++
			st, err := tx.ProbeStatus(d.ID, o.kind)
			if err != nil {
				return err
			}
			wasUnreachable := st.Unreachable
			st.LastRun, st.LastOK, st.ConsecutiveFailures, st.LastError, st.Unreachable = at, at, 0, "", false
			if err := tx.SetProbeStatus(st); err != nil {
				return err
			}
			if wasUnreachable {
				if err := add(store.Event{Kind: "reachable", Probe: o.kind, Severity: store.SevInfo, New: "answering again"}); err != nil {
					return err
				}
			}
			if changed {
				res.Changed = append(res.Changed, o.kind)
				if prev != nil && m.judge != nil {
					for _, ev := range m.judge.Changes(d.Name, o.kind, prev.Data, cur.Data, at) {
						if err := add(ev); err != nil {
							return err
						}
					}
				}
			}
		}
		if err := tx.MarkChecked(d.ID, at); err != nil {
			return err
		}
		if m.judge == nil {
			return nil
		}
		for k := range m.probers {
			if latest[k] != nil {
				continue
			}
			sn, err := tx.LatestSnapshot(d.ID, k)
			if err != nil {
				return err
			}
			if sn != nil {
				latest[k] = sn
			}
		}
		v, err := m.judge.Verdict(tx, d, latest, failed, at)
		if err != nil {
			return fmt.Errorf("verdict %s: %w", d.Name, err)
		}
		res.State = v.State
		if v.State == "" {
			return nil
		}
		if err := m.expiring(tx, d, latest, v, at, add); err != nil {
			return err
		}
		// A suspicion (a seizure name server nobody corroborates) changes no
		// state but is worth one event when it first appears.
		newSuspect, err := tx.SetSuspect(d.ID, v.Suspect)
		if err != nil {
			return err
		}
		if newSuspect && v.Suspect != "" {
			if err := add(store.Event{Kind: "suspected_" + v.Suspect, Field: "state", Old: d.State, New: v.State,
				Severity: v.Severity, Detail: reasonsJSON(v.Reasons)}); err != nil {
				return err
			}
		}
		id, err := tx.SetState(d.ID, at, v.State, v.Reasons, v.Severity)
		if err != nil {
			return err
		}
		if id != 0 {
			ev, err := tx.Event(id)
			if err != nil {
				return err
			}
			res.Events = append(res.Events, *ev)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("record check of %s: %w", d.Name, err)
	}
	for _, o := range results {
		switch {
		case notApplicable(o.kind, o.err), errors.Is(o.err, ratelimit.ErrDeferred):
		case errors.Is(o.err, context.DeadlineExceeded):
			metrics.ObserveCheck(o.kind, metrics.OutcomeTimeout, o.took)
		case o.err != nil:
			metrics.ObserveCheck(o.kind, metrics.OutcomeError, o.took)
		case slices.Contains(res.Changed, o.kind):
			metrics.ObserveCheck(o.kind, metrics.OutcomeChanged, o.took)
		default:
			metrics.ObserveCheck(o.kind, metrics.OutcomeOK, o.took)
		}
	}
	for _, ev := range res.Events {
		metrics.ObserveEvent(ev.Kind)
		if m.opt.OnEvent != nil {
			m.opt.OnEvent(ev)
		}
	}
	return res, nil
}

// RunOnce is RunOnceReport without the report.
func (m *Monitor) RunOnce(ctx context.Context, progress func(done, total int)) error {
	_, err := m.RunOnceReport(ctx, progress)
	return err
}

// Run is the daemon loop: it schedules every probe kind by its cron spec,
// picks up domains added while it runs, and returns nil when ctx ends after
// in-flight checks finished or were dropped.
func (m *Monitor) Run(ctx context.Context) error {
	if !m.started.CompareAndSwap(false, true) {
		return errors.New("monitor already running")
	}
	parser := cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	c := cron.New(cron.WithLocation(time.UTC), cron.WithParser(parser))
	intervals := map[string]time.Duration{}
	for _, kind := range m.kinds {
		spec := m.opt.Schedules[kind]
		if spec == "" {
			return fmt.Errorf("no schedule for probe %s", kind)
		}
		sched, err := parser.Parse(spec)
		if err != nil {
			return fmt.Errorf("schedule %s %q: %w", kind, spec, err)
		}
		now := m.opt.Now()
		intervals[kind] = sched.Next(sched.Next(now)).Sub(sched.Next(now))
		if _, err := c.AddFunc(spec, func() { m.tick(ctx, kind, intervals[kind]) }); err != nil {
			return fmt.Errorf("schedule %s: %w", kind, err)
		}
	}
	for _, j := range m.opt.Jobs {
		if err := m.addJob(ctx, c, j); err != nil {
			return err
		}
	}
	m.cronMu.Lock()
	m.cron, m.runCtx = c, ctx
	m.cronMu.Unlock()
	// Catch up at start: a probe never run, or not run within its interval,
	// is due now (spread over a minute at most), so a restart does not wait a
	// day for WHOIS.
	if err := m.catchUp(ctx, intervals); err != nil {
		return err
	}
	c.Start()
	defer func() { <-c.Stop().Done() }()

	jobs := make(chan *job)
	var wg sync.WaitGroup
	for range m.opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				res, err := m.Check(ctx, j.name, j.kinds)
				if err != nil && ctx.Err() == nil {
					if errors.Is(err, store.ErrNotFound) {
						m.log.Debug("domain removed before its check", "domain", j.name)
					} else {
						m.log.Error("check failed", "domain", j.name, "err", err)
					}
				}
				for _, r := range m.q.done(j) {
					now := m.opt.Now()
					metrics.ObserveCycle(now.Sub(r.start), now)
				}
				if res != nil && len(res.Deferred) > 0 {
					// Held back by our own rate limit: try again shortly,
					// at the domain's place in a minute.
					m.q.push(m.opt.Now().Add(deferDelay+offset(j.name, deferDelay)), j.domainID, j.name, res.Deferred)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		m.pollNew(ctx)
	}()
	m.dispatch(ctx, jobs)
	close(jobs)
	wg.Wait()
	return nil
}

func (m *Monitor) addJob(ctx context.Context, c *cron.Cron, j Job) error {
	// cron's Stop waits for jobs that are running.
	if _, err := c.AddFunc(j.Spec, func() {
		if err := j.Run(ctx); err != nil && ctx.Err() == nil {
			m.log.Error("job failed", "job", j.Name, "err", err)
		}
	}); err != nil {
		return fmt.Errorf("schedule job %s %q: %w", j.Name, j.Spec, err)
	}
	return nil
}

// AddJob schedules a task while Run runs (a feed added meanwhile).
func (m *Monitor) AddJob(j Job) error {
	m.cronMu.Lock()
	defer m.cronMu.Unlock()
	if m.cron == nil {
		return errors.New("monitor not running")
	}
	return m.addJob(m.runCtx, m.cron, j)
}

// dispatch hands due jobs to the workers until ctx ends.
func (m *Monitor) dispatch(ctx context.Context, jobs chan<- *job) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		j, wait := m.q.popDue(m.opt.Now())
		if j != nil {
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
			continue
		}
		if wait < 0 {
			wait = time.Hour
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-m.q.wake:
		case <-timer.C:
		}
	}
}

func (m *Monitor) enabledDomains(ctx context.Context) ([]store.Domain, error) {
	enabled := true
	ds, _, err := m.st.Domains(ctx, store.DomainQuery{Enabled: &enabled})
	return ds, err
}

// tick schedules one probe kind for every enabled domain, each at its
// stable offset inside the interval.
func (m *Monitor) tick(ctx context.Context, kind string, interval time.Duration) {
	ds, err := m.enabledDomains(ctx)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Error("read watchlist", "err", err)
		}
		return
	}
	now := m.opt.Now()
	// The DNS sweep is the cycle the metrics time: every domain, every
	// interval.
	var r *round
	if kind == KindDNS {
		r = &round{start: now}
	}
	for _, d := range ds {
		due := now
		if m.opt.Spread {
			due = now.Add(offset(d.Name, interval))
		}
		m.q.pushRound(due, d.ID, d.Name, []string{kind}, r)
	}
}

func (m *Monitor) catchUp(ctx context.Context, intervals map[string]time.Duration) error {
	ds, err := m.enabledDomains(ctx)
	if err != nil {
		return fmt.Errorf("read watchlist: %w", err)
	}
	runs, err := m.st.LastRuns(ctx)
	if err != nil {
		return fmt.Errorf("read probe status: %w", err)
	}
	now := m.opt.Now()
	for _, d := range ds {
		m.catchUpDomain(d, runs[d.ID], intervals, now)
	}
	return nil
}

func (m *Monitor) catchUpDomain(d store.Domain, last map[string]time.Time, intervals map[string]time.Duration, now time.Time) {
	var due []string
	for _, k := range m.kinds {
		if l := last[k]; l.IsZero() || now.Sub(l) >= intervals[k] {
			due = append(due, k)
		}
	}
	if len(due) == 0 {
		return
	}
	at := now
	if m.opt.Spread {
		at = now.Add(offset(d.Name, min(time.Minute, intervals[due[0]])))
	}
	m.q.push(at, d.ID, d.Name, due)
}

// deferDelay is when a probe the local rate limit held back runs again.
const deferDelay = time.Minute

// pollNew picks up domains added while the daemon runs.
func (m *Monitor) pollNew(ctx context.Context) {
	t := time.NewTicker(m.opt.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		enabled := true
		ds, _, err := m.st.Domains(ctx, store.DomainQuery{Enabled: &enabled, NeverChecked: true})
		if err != nil {
			continue
		}
		now := m.opt.Now()
		for _, d := range ds {
			// Never checked: due now, whatever its slot.
			m.q.push(now, d.ID, d.Name, m.kinds)
		}
	}
}

func reasonsJSON(reasons []string) []byte {
	if reasons == nil {
		reasons = []string{}
	}
	b, _ := json.Marshal(map[string][]string{"reasons": reasons})
	return b
}

type outcome struct {
	kind string
	data []byte
	err  error
	took time.Duration
}

// probe runs the kinds' probes of one domain concurrently, each under its
// own timeout. It fails only when ctx ends: a shutdown drops the check.
func (m *Monitor) probe(ctx context.Context, name string, kinds []string) ([]outcome, error) {
	results := make([]outcome, len(kinds))
	var wg sync.WaitGroup
	for i, k := range kinds {
		p, ok := m.probers[k]
		if !ok {
			return nil, fmt.Errorf("check %s: no %s probe", name, k)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, m.opt.ProbeTimeout)
			defer cancel()
			start := time.Now()
			v, err := p.Probe(pctx, name)
			results[i] = outcome{kind: k, err: err, took: time.Since(start)}
			if err == nil {
				results[i].data, results[i].err = json.Marshal(v)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}

// review compares DNS and page results with the latest stored snapshots
// before anything is written. It reports whether the name servers or the
// answer moved (the delegation's or the zone's NS set or rcode), which
// calls for the other probes now. It also turns an https timeout that an
// http answer papered over into a failure, when the page used to come over
// https: a timeout is no evidence that the site moved to http.
func (m *Monitor) review(ctx context.Context, domainID int64, results []outcome) bool {
	moved := false
	for i, o := range results {
		if o.err != nil {
			continue
		}
		switch o.kind {
		case KindDNS, KindDelegation:
			sn, err := m.st.LatestSnapshot(ctx, domainID, o.kind)
			if err != nil || sn == nil || sn.Hash == store.Hash(o.data) {
				continue
			}
			var a, b struct {
				NS    []string `json:"ns"`
				Rcode string   `json:"rcode"`
			}
			if json.Unmarshal(sn.Data, &a) != nil || json.Unmarshal(o.data, &b) != nil ||
				a.Rcode != b.Rcode || !slices.Equal(a.NS, b.NS) {
				moved = true
			}
		case KindHTTP:
			var now struct {
				Scheme     string `json:"scheme"`
				HTTPSError string `json:"https_error"`
			}
			if json.Unmarshal(o.data, &now) != nil || now.Scheme != "http" || now.HTTPSError != "timeout" {
				continue
			}
			sn, err := m.st.LatestSnapshot(ctx, domainID, o.kind)
			if err != nil || sn == nil {
				continue
			}
			var before struct {
				Scheme string `json:"scheme"`
			}
			if json.Unmarshal(sn.Data, &before) == nil && before.Scheme == "https" {
				results[i].err = errors.New("https timed out (http answered; the page is not recorded as moved to http)")
			}
		}
	}
	return moved
}

// portRE matches the ports of addresses in error texts: the local ports
// change on every query, which would keep equal failures from coalescing.
var portRE = regexp.MustCompile(`(\d+\.\d+\.\d+\.\d+|\]):\d+`)

// errText is a failure as stored: stable across equal failures (no
// ephemeral ports) and bounded, since probe errors can quote the network.
func errText(err error) string {
	s := portRE.ReplaceAllString(err.Error(), "$1:*")
	return netguard.Clean(s, 512)
}

// NotApplicable reports a probe outcome that observes nothing (see
// notApplicable); `check` skips them as the daemon does.
func NotApplicable(kind string, err error) bool { return notApplicable(kind, err) }

// notApplicable is an outcome that observes nothing: WHOIS where the
// registry speaks RDAP, or a certificate or page of a name that does not
// resolve (the DNS probe records that; it is no outage of the web server).
func notApplicable(kind string, err error) bool {
	if errors.Is(err, ErrNotApplicable) {
		return true
	}
	if kind != KindCert && kind != KindHTTP {
		return false
	}
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// ExpiringWindow is how far ahead an expiry raises expiring_soon.
const ExpiringWindow = 30 * 24 * time.Hour

// expiring raises expiring_soon once per expiry date that comes within
// ExpiringWindow. A seized or sinkholed domain about to lapse is a warning:
// when a takedown's registration lapses, anyone can buy the name back.
func (m *Monitor) expiring(tx store.Tx, d *store.Domain, latest map[string]*store.Snapshot, v Verdict, at time.Time, add func(store.Event) error) error {
	reg := Evidence(d.Name, latest, nil, at).Registry
	if reg == nil || !reg.Found || reg.Expires.IsZero() {
		return nil
	}
	left := reg.Expires.Sub(at)
	if left <= 0 || left > ExpiringWindow {
		return nil
	}
	date := reg.Expires.UTC().Format(time.DateOnly)
	seen, err := tx.HasEvent(d.ID, "expiring_soon", date)
	if err != nil || seen {
		return err
	}
	sev := store.SevNotice
	switch v.State {
	case "seized", "sinkholed", "suspended":
		sev = store.SevWarning
	}
	return add(store.Event{Kind: "expiring_soon", Probe: reg.Source, Field: "expires", New: date, Severity: sev,
		Detail: reasonsJSON([]string{fmt.Sprintf("registration expires in %d days while %s", int(left.Hours()/24)+1, v.State)})})
}
