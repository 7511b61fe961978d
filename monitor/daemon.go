// Package monitor is the daemon's wiring: it chooses the probers, the
// lifecycle judge, the brand hunts, the feeds and the alert senders for a
// configuration and hands them to the check engine (monitor/engine). The
// rules themselves live in the packages of their concern.
package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/takedownhq/takedown/feeds"
	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/base/metrics"
	"github.com/takedownhq/takedown/internal/base/ratelimit"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/monitor/lifecycle/judge"
	"github.com/takedownhq/takedown/monitor/lookalike"
	"github.com/takedownhq/takedown/monitor/notify"
	"github.com/takedownhq/takedown/monitor/probe/mxprobe"
	"github.com/takedownhq/takedown/store"
)

// Config is what `takedown run` (and the demo) hands the daemon.
type Config struct {
	Config     *config.Config
	Store      store.Store
	Indicators *lifecycle.Indicators
	// OnEvent sees every event the daemon writes, after it committed.
	OnEvent func(store.Event)
	// Jobs are extra scheduled tasks.
	Jobs []engine.Job
	// Feeds runs the configured feeds on their schedules; nil: no feeds.
	Feeds *feeds.Runner
	// Notify tunes the alert sender (tests shorten its backoff).
	Notify notify.Options
	// Cases, when set, are the takedown cases the daemon reviews on
	// schedules.cases and whose reports it sends.
	Cases store.CaseStore
	Log   *slog.Logger
}

// Daemon is the monitor with its probes, brand hunting and alert sender.
type Daemon struct {
	cfg      *config.Config
	st       store.Store
	Monitor  *engine.Monitor
	Probers  *Probers
	Notifier *notify.Notifier
	checker  lookalike.Checker
	onEvent  func(store.Event)
	log      *slog.Logger
	huntMu   sync.Mutex
	watchMu  sync.Mutex // one look-alike watch round at a time
	feeds    *feeds.Runner
	// indicators judge parking for the look-alike watch; mx asks mail
	// exchanges; the browser starts on the first screenshot.
	indicators *lifecycle.Indicators
	mx         *mxprobe.Prober
	shotState
	feedJobs map[string]bool // feeds scheduled so far
}

// New builds the daemon: probers from the network configuration,
// the lifecycle judge, the alert router installed on the store, and the
// scheduled jobs. It also adds the seizure and sinkhole infrastructure
// domains to the watchlist unless configured off.
func New(ctx context.Context, dc Config) (*Daemon, error) {
	cfg := dc.Config
	if dc.Log == nil {
		dc.Log = slog.Default()
	}
	if dc.Indicators == nil {
		dc.Indicators = lifecycle.Default()
	}
	var budget ratelimit.Budget
	if cfg.Network.SharedRate {
		budget = dc.Store
	}
	ps, err := NewProbersShared(cfg.Network, budget)
	if err != nil {
		return nil, err
	}
	worker := cfg.Monitor.Worker
	if worker == "" {
		worker = notify.DefaultWorker()
	}
	nopts := dc.Notify
	if nopts.Logger == nil {
		nopts.Logger = dc.Log
	}
	if nopts.Worker == "" {
		nopts.Worker = worker
	}
	if dc.Cases != nil && nopts.CaseReport == nil {
		nopts.CaseReport = CaseReportRenderer(cfg, dc.Store, dc.Cases)
	}
	n, err := notify.New(cfg.Alerts, dc.Store, nopts)
	if err != nil {
		ps.Close()
		return nil, fmt.Errorf("alerts: %w", err)
	}
	route := n.Router()
	dc.Store.SetRouter(func(ev store.Event) []store.Delivery {
		if engine.Baseline(ev) {
			return nil
		}
		return route(ev)
	})
	d := &Daemon{cfg: cfg, st: dc.Store, Probers: ps, Notifier: n, checker: lookalike.NewDNSChecker(cfg.Network),
		onEvent: dc.OnEvent, log: dc.Log.With("component", "daemon"), feeds: dc.Feeds, feedJobs: map[string]bool{},
		indicators: dc.Indicators, mx: mxprobe.New(cfg.Network, mxprobe.WithPort(cfg.Network.MXPort), mxprobe.WithTimeout(2*cfg.Network.Timeout))}
	kinds := slices.Clone(event.Probes)
	if cfg.Schedules.Hosting != "" { // config.Default sets it; a Config built by hand may leave it off
		kinds = append(kinds, event.ProbeHosting)
	}
	probers, err := ps.List(kinds...)
	if err != nil {
		ps.Close()
		return nil, err
	}
	s := cfg.Schedules
	jobs := []engine.Job{{Name: "lookalikes", Spec: s.Lookalikes, Run: d.HuntAll}}
	if s.LookalikeWatch != "" { // config.Default sets it; a Config built by hand may leave it off
		jobs = append(jobs, engine.Job{Name: "lookalike-watch", Spec: s.LookalikeWatch, Run: d.WatchLookalikes})
	}
	if dc.Cases != nil && s.Cases != "" {
		jobs = append(jobs, d.caseJob(dc.Cases))
	}
	jobs = append(jobs, dc.Jobs...)
	jobs = append(jobs, d.registrationData(ctx)...)
	if d.feeds != nil {
		for _, f := range cfg.Feeds {
			if _, err := feeds.Declare(ctx, dc.Store, feeds.Spec{Name: f.Name, Kind: f.Kind, URL: f.URL, Schedule: f.Schedule}); err != nil {
				ps.Close()
				return nil, fmt.Errorf("config feeds %s: %w", f.Name, err)
			}
		}
		fj, err := d.newFeedJobs(ctx)
		if err != nil {
			d.log.Error("feeds", "err", err)
		}
		jobs = append(jobs, fj...)
		// Feeds added while the daemon runs are scheduled within a minute.
		jobs = append(jobs, engine.Job{Name: "feed-watch", Spec: "@every 1m", Run: d.scheduleNewFeeds, Local: true})
	}
	onEvent := dc.OnEvent
	if dc.Cases != nil {
		onEvent = d.caseHook(dc.Cases, dc.OnEvent)
	}
	var queue store.Queue
	if cfg.SharedQueueOn() {
		queue = dc.Store
	}
	d.Monitor = engine.New(dc.Store, probers, judge.Lifecycle{Indicators: dc.Indicators}, engine.Options{
		Queue:            queue,
		Worker:           worker,
		LeaseTTL:         cfg.Monitor.LeaseTTL,
		Workers:          cfg.Monitor.Workers,
		UnreachableAfter: cfg.Monitor.UnreachableAfter,
		Schedules: map[event.Probe]string{event.ProbeDNS: s.DNS, event.ProbeDelegation: s.DNS, event.ProbeRDAP: s.RDAP, event.ProbeWHOIS: s.WHOIS,
			event.ProbeCert: s.Cert, event.ProbeHTTP: s.HTTP, event.ProbeHosting: s.Hosting},
		Spread:       config.On(s.Spread),
		ProbeTimeout: cfg.Monitor.ProbeTimeout,
		Poll:         cfg.Monitor.Poll,
		Jobs:         jobs,
		OnEvent:      onEvent,
		Log:          dc.Log,
		OriginASN:    originASN(cfg),
	})
	if config.On(cfg.Monitor.WatchInfrastructure) {
		var infra []store.NewDomain
		for _, name := range dc.Indicators.WatchDomains() {
			infra = append(infra, store.NewDomain{Name: name, Tags: []string{"infrastructure"}, Source: "indicators",
				Note: "seizure or sinkhole name server domain"})
		}
		if _, err := dc.Store.AddDomains(ctx, infra); err != nil {
			ps.Close()
			return nil, fmt.Errorf("watch infrastructure domains: %w", err)
		}
	}
	return d, nil
}

// Close releases the probes' sockets and the browser, if one started.
func (d *Daemon) Close() error {
	d.closeShooter()
	return d.Probers.Close()
}

// Run runs the monitor loop and the alert sender until ctx ends.
func (d *Daemon) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.Notifier.Run(ctx)
	}()
	err := d.Monitor.Run(ctx)
	// The monitor ended (ctx, or a schedule it could not start): so does
	// the sender, after the pass it is in.
	cancel()
	wg.Wait()
	return err
}

// Once runs one full cycle: every probe of every domain, then brand
// hunting, then one delivery pass of the alerts. The report says which
// probes failed (nil when ctx ended).
func (d *Daemon) Once(ctx context.Context, progress func(done, total int)) (*engine.OnceReport, error) {
	start := time.Now()
	rep, errCheck := d.Monitor.RunOnceReport(ctx, progress)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	errHunt := d.HuntAll(ctx)
	errWatch := d.WatchLookalikes(ctx)
	errFeeds := d.RunFeeds(ctx)
	metrics.ObserveCycle(time.Since(start), time.Now())
	_, errMail := d.Notifier.Flush(ctx)
	return rep, errors.Join(errCheck, errHunt, errWatch, errFeeds, errMail)
}

// HuntAll hunts look-alikes of every brand and, unless configured off, of
// every seized domain.
func (d *Daemon) HuntAll(ctx context.Context) error {
	// A slow round must not overlap the next tick.
	if !d.huntMu.TryLock() {
		d.log.Warn("look-alike hunt still running; skipping this tick")
		return nil
	}
	defer d.huntMu.Unlock()
	enabled := true
	brands, _, err := d.st.Domains(ctx, store.DomainQuery{Kind: store.KindBrand, Enabled: &enabled})
	if err != nil {
		return err
	}
	if config.On(d.cfg.Monitor.HuntSeized) {
		seized, _, err := d.st.Domains(ctx, store.DomainQuery{State: event.StateSeized, Enabled: &enabled})
		if err != nil {
			return err
		}
		brands = append(brands, seized...)
	}
	var errs []error
	seen := map[string]bool{}
	for _, b := range brands {
		if seen[b.Name] || ctx.Err() != nil {
			continue
		}
		seen[b.Name] = true
		res, err := lookalike.Hunt(ctx, d.st, b.Name, lookalike.HuntOptions{
			Scan: lookalike.ScanOptions{Rate: d.cfg.Network.DNSRate},
		}, d.checker, time.Now())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, name := range res.New {
			metrics.ObserveEvent(event.LookalikeRegistered)
			if d.onEvent == nil {
				continue
			}
			evs, err := d.st.Events(ctx, store.EventQuery{Domain: name, Kinds: []event.Kind{event.LookalikeRegistered}, Limit: 1})
			if err == nil && len(evs) > 0 {
				d.onEvent(evs[0])
			}
		}
	}
	return errors.Join(errs...)
}

// newFeedJobs returns jobs for feeds not scheduled yet.
func (d *Daemon) newFeedJobs(ctx context.Context) ([]engine.Job, error) {
	ss, err := d.feeds.Schedules(ctx)
	var jobs []engine.Job
	for _, s := range ss {
		if d.feedJobs[s.Name] {
			continue
		}
		d.feedJobs[s.Name] = true
		jobs = append(jobs, engine.Job{Name: "feed " + s.Name, Spec: s.Spec, Run: s.Run})
	}
	return jobs, err
}

func (d *Daemon) scheduleNewFeeds(ctx context.Context) error {
	jobs, err := d.newFeedJobs(ctx)
	for _, j := range jobs {
		if err := d.Monitor.AddJob(j); err != nil {
			return err
		}
		d.log.Info("feed scheduled", "job", j.Name, "spec", j.Spec)
	}
	return err
}

// RunFeeds runs every feed once (run --once).
func (d *Daemon) RunFeeds(ctx context.Context) error {
	if d.feeds == nil {
		return nil
	}
	fs, err := d.st.Feeds(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range fs {
		if _, err := d.feeds.Run(ctx, f); err != nil {
			errs = append(errs, fmt.Errorf("feed %s: %w", f.Name, err))
		}
	}
	return errors.Join(errs...)
}
