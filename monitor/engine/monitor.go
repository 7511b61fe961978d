// Package engine is the check engine the daemon drives: it schedules every
// probe kind of every watched domain, runs the probes in a bounded worker
// pool (probe → review → record), stores what changed, asks the judge for
// each domain's takedown state and hands events to the alert outbox
// (through the store's router, in the same transaction). Which probers and
// judge it runs is decided by the wiring in package monitor.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/base/metrics"
	"github.com/takedownhq/takedown/store"
)

// ErrNotApplicable is returned by a probe that has nothing to observe for
// a domain (WHOIS where the registry speaks RDAP): no observation, no error.
var ErrNotApplicable = errors.New("probe not applicable")

// Prober observes one aspect of a domain. Probe returns a value that
// marshals to normalized JSON (equal states give equal bytes), or an error
// when it could not observe: an error is recorded as a failed probe and
// never read as "records removed".
type Prober interface {
	Kind() event.Probe
	Probe(ctx context.Context, domain string) (any, error)
}

// Options tunes a Monitor. Zero values take config.Default()'s values.
type Options struct {
	// Workers bounds concurrent domain checks.
	Workers int
	// UnreachableAfter is the failure streak that raises an unreachable event.
	UnreachableAfter int
	// Schedules maps a probe kind to a cron spec ("@every 15m", "0 3 * * *").
	Schedules map[event.Probe]string
	// Spread places each domain at a stable offset inside the interval.
	Spread bool
	// ProbeTimeout bounds one probe.
	ProbeTimeout time.Duration
	// Poll is how often the watchlist is read for new domains.
	Poll time.Duration
	// Jobs are extra scheduled tasks (brand hunting, feeds), by cron spec.
	Jobs []Job
	// RejudgeAfter is how long a verdict stands for an unchanged check
	// before it is judged again anyway; sooner when it may change by
	// itself (an expiry passing: see Verdict.Until). Default 6h.
	RejudgeAfter time.Duration
	// FullRecord records every check the full way, judging it again even
	// when nothing changed (benchmarks compare the two ways). Default off.
	FullRecord bool
	// OnEvent, when set, sees every event after its transaction committed
	// (the demo prints them).
	OnEvent func(store.Event)
	// OriginASN, when set, returns the origin AS of an address (a
	// DNS-based IP-to-ASN service, config infra.asn_dns_zone): a changed
	// DNS answer's addresses then give asn keys. Default nil: ASN keys come
	// only from hosting snapshots.
	OriginASN func(ctx context.Context, a netip.Addr) (int64, error)
	// Now is the clock; default time.Now.
	Now func() time.Time
	Log *slog.Logger

	// Queue, when set, is the due queue Run shares with the other daemons
	// on the database (see shared.go); nil: Run keeps its own queue.
	Queue store.Queue
	// Worker names this daemon's leases in Queue. Required with Queue.
	Worker string
	// LeaseTTL is how long a lease lives without renewal: a dead worker's
	// checks and job runs come back to the others after it. Default 20s.
	LeaseTTL time.Duration
	// LeasePoll is how often an idle lane asks Queue for due checks.
	// Default 500ms.
	LeasePoll time.Duration
	// RateWait is the longest a probe run by Run waits for a server's
	// rate token; a later token gives the worker back and re-dues the
	// probe for the token's time. Default 1s.
	RateWait time.Duration
}

// Job is a scheduled task beside the probes.
type Job struct {
	Name string
	Spec string
	Run  func(ctx context.Context) error
	// Local jobs run in every daemon on a shared queue (they tend this
	// process, like scheduling feeds added meanwhile); the others run in
	// one daemon per scheduled slot.
	Local bool
}

// Monitor is the daemon. Create it with New.
type Monitor struct {
	st      Store
	probers map[event.Probe]Prober
	kinds   []event.Probe
	opt     Options
	log     *slog.Logger
	judge   Judge

	q       *queue
	started atomic.Bool
	// watches caches the infrastructure watchlist for the record stage
	// (infra.go), read outside its transaction.
	watches watchCache
	// seen is the highest domain ID a scan of the watchlist returned.
	seen atomic.Int64

	cronMu sync.Mutex
	cron   *cron.Cron      // set while Run runs
	runCtx context.Context // Run's context, for jobs added later
}

// Judge decides events from changes and the verdict from snapshots; the
// lifecycle package provides the real one.
type Judge interface {
	// Changes turns a snapshot change into events (without IDs).
	Changes(domain string, probe event.Probe, prev, cur []byte, at time.Time) []store.Event
	// Verdict judges a domain from its latest snapshots by probe kind,
	// reading its past from h.
	Verdict(h History, d *store.Domain, latest map[event.Probe]*store.Snapshot, failed map[event.Probe]bool, at time.Time) (Verdict, error)
}

// Verdict is a lifecycle state with the evidence that supports it.
type Verdict struct {
	State    event.State
	Reasons  []string
	Severity event.Severity
	// Suspect is a state the evidence points at without establishing it
	// (a seizure name server nobody corroborates).
	Suspect event.State
	// Expires is when the registration the verdict read lapses (zero when
	// unknown or not registered); ExpiresFrom names the probe it came from.
	Expires     time.Time
	ExpiresFrom event.Probe
	// Until is how long the verdict holds for the same evidence: the first
	// moment the same snapshots could be judged otherwise (a date in the
	// registration or an indicator passing). Zero means it may change at
	// any moment (it read other domains' states), so it is judged at every
	// check. A judge that reads nothing but the evidence sets it far ahead.
	Until time.Time
}

// New builds a Monitor over a store with the given probers.
func New(st Store, probers []Prober, judge Judge, opt Options) *Monitor {
	// Zero options take the documented defaults, which live in one place.
	def := config.Default().Monitor
	if opt.Workers <= 0 {
		opt.Workers = def.Workers
	}
	if opt.UnreachableAfter <= 0 {
		opt.UnreachableAfter = def.UnreachableAfter
	}
	if opt.ProbeTimeout <= 0 {
		opt.ProbeTimeout = def.ProbeTimeout
	}
	if opt.Poll <= 0 {
		opt.Poll = def.Poll
	}
	if opt.RejudgeAfter <= 0 {
		opt.RejudgeAfter = 6 * time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.LeaseTTL <= 0 {
		opt.LeaseTTL = def.LeaseTTL
	}
	if opt.LeasePoll <= 0 {
		opt.LeasePoll = defaultLeasePoll
	}
	if opt.RateWait <= 0 {
		opt.RateWait = defaultRateWait
	}
	if opt.Worker == "" {
		host, _ := os.Hostname()
		opt.Worker = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	m := &Monitor{st: st, probers: map[event.Probe]Prober{}, opt: opt, judge: judge,
		log: opt.Log.With("component", "monitor"), q: newQueue()}
	for _, p := range probers {
		m.probers[p.Kind()] = p
		m.kinds = append(m.kinds, p.Kind())
	}
	slices.Sort(m.kinds)
	return m
}

// Kinds lists the probe kinds this monitor runs.
func (m *Monitor) Kinds() []event.Probe { return slices.Clone(m.kinds) }

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
	parser := config.ScheduleParser()
	c := cron.New(cron.WithLocation(time.UTC), cron.WithParser(parser))
	scheds, intervals, err := m.schedules(parser)
	if err != nil {
		return err
	}
	if m.opt.Queue == nil {
		for _, kind := range m.kinds {
			if _, err := c.AddFunc(m.opt.Schedules[kind], func() { m.tick(ctx, kind, intervals[kind]) }); err != nil {
				return fmt.Errorf("schedule %s: %w", kind, err)
			}
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
	if m.opt.Queue != nil {
		return m.runShared(ctx, c, scheds, intervals)
	}
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
				res, err := m.Check(withDeferral(ctx), j.name, j.kinds)
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
					// Held back by our own rate limit: again when the
					// token is due, or shortly, at the domain's place in a
					// minute, when the limiter did not say.
					now := m.opt.Now()
					for _, k := range res.Deferred {
						at := now.Add(deferDelay + offset(j.name, deferDelay))
						if u, ok := res.DeferredUntil[k]; ok && u.After(now) {
							at = u
						}
						m.q.push(at, j.domainID, j.name, []event.Probe{k})
					}
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
	run := j.Run
	if m.opt.Queue != nil && !j.Local {
		sched, err := config.ScheduleParser().Parse(j.Spec)
		if err != nil {
			return fmt.Errorf("schedule job %s %q: %w", j.Name, j.Spec, err)
		}
		run = m.claimed(j, sched)
	}
	// cron's Stop waits for jobs that are running.
	if _, err := c.AddFunc(j.Spec, func() {
		if err := run(ctx); err != nil && ctx.Err() == nil {
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

// scan pages through the enabled domains that q selects, from q.AfterID
// on, and hands each page to fn: the scheduler never holds more than a
// page of the watchlist.
func (m *Monitor) scan(ctx context.Context, q store.ScanQuery, fn func(page []store.DomainRef) error) error {
	q.Limit = store.MaxScan
	for {
		page, err := m.st.ScanDomains(ctx, q)
		if err != nil {
			return fmt.Errorf("read watchlist: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		if err := fn(page); err != nil {
			return err
		}
		last := page[len(page)-1].ID
		m.seen.Store(max(m.seen.Load(), last))
		if len(page) < q.Limit {
			return nil
		}
		q.AfterID = last
	}
}

// tick schedules one probe kind for every enabled domain, each at its
// stable offset inside the interval.
func (m *Monitor) tick(ctx context.Context, kind event.Probe, interval time.Duration) {
	now := m.opt.Now()
	// The DNS sweep is the cycle the metrics time: every domain, every
	// interval.
	var r *round
	if kind == event.ProbeDNS {
		r = &round{start: now}
	}
	kinds := []event.Probe{kind}
	err := m.scan(ctx, store.ScanQuery{}, func(page []store.DomainRef) error {
		for _, d := range page {
			due := now
			if m.opt.Spread {
				due = now.Add(offset(d.Name, interval))
			}
			m.q.pushRound(due, d.ID, d.Name, kinds, r)
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		m.log.Error("schedule "+string(kind), "err", err)
	}
}

func (m *Monitor) catchUp(ctx context.Context, intervals map[event.Probe]time.Duration) error {
	now := m.opt.Now()
	return m.scan(ctx, store.ScanQuery{LastRuns: true}, func(page []store.DomainRef) error {
		for _, d := range page {
			m.catchUpDomain(d, intervals, now)
		}
		return nil
	})
}

func (m *Monitor) catchUpDomain(d store.DomainRef, intervals map[event.Probe]time.Duration, now time.Time) {
	var due []event.Probe
	for _, k := range m.kinds {
		if l := d.LastRuns[k]; l.IsZero() || now.Sub(l) >= intervals[k] {
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

// pollNew picks up domains added while the daemon runs: the never-checked
// ones above the highest ID it has read, so a poll reads only what is new.
// A domain that commits below it (PostgreSQL hands out IDs before commit)
// waits for the next tick of each kind, which reads the whole watchlist.
func (m *Monitor) pollNew(ctx context.Context) {
	t := time.NewTicker(m.opt.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := m.opt.Now()
		err := m.scan(ctx, store.ScanQuery{AfterID: m.seen.Load(), NeverChecked: true}, func(page []store.DomainRef) error {
			for _, d := range page {
				// Never checked: due now, whatever its slot.
				m.q.push(now, d.ID, d.Name, m.kinds)
			}
			return nil
		})
		if err != nil && ctx.Err() == nil {
			m.log.Warn("read new domains", "err", err)
		}
	}
}
