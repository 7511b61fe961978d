package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/base/ratelimit"
	"github.com/takedownhq/takedown/store"
)

// With Options.Queue set, Run leases its work from the queue that every
// daemon on the database shares instead of keeping its own: one row per
// (domain, probe kind) with its next due time. A worker leases the due
// rows of a lane, runs them, and moves each to its next slot; a probe
// the rate limit deferred is re-dued at the moment its token is due. A
// heartbeat renews the worker's leases; when it stops (the process died)
// they lapse after LeaseTTL and another worker takes the checks.

// Defaults of the shared queue.
const (
	defaultLeasePoll = 500 * time.Millisecond
	defaultRateWait  = time.Second
	// resync is how often the whole watchlist is read for domains whose
	// checks are missing (an anti-join over the watchlist: seconds at a
	// million domains); new domains are found every Poll.
	resync = 15 * time.Minute
)

// lanes splits the probe kinds so that cheap ones never wait behind
// expensive ones: DNS and the delegation in one lane, everything else
// (RDAP and WHOIS at a query a second per server, certificates and pages
// with their handshakes) in the other. Each lane has its own workers.
func lanes(kinds []event.Probe) [][]event.Probe {
	var cheap, rest []event.Probe
	for _, k := range kinds {
		if k == event.ProbeDNS || k == event.ProbeDelegation {
			cheap = append(cheap, k)
		} else {
			rest = append(rest, k)
		}
	}
	var out [][]event.Probe
	for _, l := range [][]event.Probe{cheap, rest} {
		if len(l) > 0 {
			out = append(out, l)
		}
	}
	return out
}

type deferralKey struct{}

// withDeferral marks the checks of ctx as ones that give their worker back
// when a rate token is not due within RateWait (see probe).
func withDeferral(ctx context.Context) context.Context {
	return context.WithValue(ctx, deferralKey{}, true)
}

// deferrable is the probe context of kind of name: Deferrable when the
// check runs from a daemon's queue.
func (m *Monitor) deferrable(ctx context.Context, name string, kind event.Probe) context.Context {
	if ctx.Value(deferralKey{}) == nil {
		return ctx
	}
	return ratelimit.Deferrable(ctx, name+"/"+string(kind), m.opt.RateWait)
}

// schedules parses every kind's cron spec and measures its interval.
func (m *Monitor) schedules(parser cron.Parser) (map[event.Probe]cron.Schedule, map[event.Probe]time.Duration, error) {
	scheds := map[event.Probe]cron.Schedule{}
	intervals := map[event.Probe]time.Duration{}
	for _, kind := range m.kinds {
		spec := m.opt.Schedules[kind]
		if spec == "" {
			return nil, nil, fmt.Errorf("no schedule for probe %s", kind)
		}
		sched, err := parser.Parse(spec)
		if err != nil {
			return nil, nil, fmt.Errorf("schedule %s %q: %w", kind, spec, err)
		}
		now := m.opt.Now()
		scheds[kind] = sched
		intervals[kind] = sched.Next(sched.Next(now)).Sub(sched.Next(now))
	}
	return scheds, intervals, nil
}

// shared is the state of Run on a shared queue.
type shared struct {
	m         *Monitor
	q         store.Queue
	scheds    map[event.Probe]cron.Schedule
	intervals map[event.Probe]time.Duration
}

// slotOff is name's offset inside kind's interval.
func (s *shared) slotOff(kind event.Probe, name string) time.Duration {
	if !s.m.opt.Spread {
		return 0
	}
	return offset(name, s.intervals[kind])
}

// next is the slot of kind for name after the one due at due, and after now.
func (s *shared) next(kind event.Probe, name string, due, now time.Time) time.Time {
	sched, off := s.scheds[kind], s.slotOff(kind, name)
	n := sched.Next(due.Add(-off)).Add(off)
	if !n.After(now) {
		n = sched.Next(now.Add(-off)).Add(off)
	}
	return n
}

// first is when a check that enters the queue is due: at once (spread over
// a minute at most) when it never ran or is overdue, else at its next slot.
func (s *shared) first(kind event.Probe, name string, last, now time.Time) time.Time {
	iv := s.intervals[kind]
	if last.IsZero() || now.Sub(last) >= iv {
		if s.m.opt.Spread {
			return now.Add(offset(name, min(time.Minute, iv)))
		}
		return now
	}
	return s.next(kind, name, last, now)
}

// sync queues the checks of domains that lack some, a page at a time, so
// no more than a page of the watchlist is ever in memory. With all it
// reads the whole watchlist, but only the domains whose checks are
// missing; else only the domains above the highest ID it has read (the
// ones added since), whose checks it queues without asking (queueing is
// idempotent).
func (s *shared) sync(ctx context.Context, all bool) error {
	now := s.m.opt.Now()
	queue := func(page []store.DomainRef) error {
		cs := make([]store.DueCheck, 0, len(page)*len(s.m.kinds))
		for _, d := range page {
			for _, k := range s.m.kinds {
				cs = append(cs, store.DueCheck{DomainID: d.ID, Kind: k, Due: s.first(k, d.Name, d.LastRuns[k], now)})
			}
		}
		_, err := s.q.ScheduleChecks(ctx, cs)
		return err
	}
	if !all {
		return s.m.scan(ctx, store.ScanQuery{AfterID: s.m.seen.Load(), LastRuns: true}, queue)
	}
	if err := s.m.scan(ctx, store.ScanQuery{Unqueued: s.m.kinds, LastRuns: true}, queue); err != nil {
		return err
	}
	// Read on to the highest ID, past domains that were queued already,
	// so that a poll reads only what is new.
	return s.m.scan(ctx, store.ScanQuery{AfterID: s.m.seen.Load()}, func([]store.DomainRef) error { return nil })
}

// runShared is Run on the shared queue.
func (m *Monitor) runShared(ctx context.Context, c *cron.Cron, scheds map[event.Probe]cron.Schedule, intervals map[event.Probe]time.Duration) error {
	s := &shared{m: m, q: m.opt.Queue, scheds: scheds, intervals: intervals}
	if err := s.sync(ctx, true); err != nil {
		return fmt.Errorf("queue the watchlist: %w", err)
	}
	c.Start()
	defer func() { <-c.Stop().Done() }()
	var wg sync.WaitGroup
	wg.Go(func() { s.heartbeat(ctx) })
	wg.Go(func() { s.poll(ctx) })
	for _, kinds := range lanes(m.kinds) {
		wg.Go(func() { s.lane(ctx, kinds) })
	}
	wg.Wait()
	return nil
}

// heartbeat renews this worker's leases until ctx ends.
func (s *shared) heartbeat(ctx context.Context) {
	t := time.NewTicker(max(s.m.opt.LeaseTTL/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.q.ExtendLeases(ctx, s.m.opt.Worker, s.m.opt.Now().Add(s.m.opt.LeaseTTL)); err != nil && ctx.Err() == nil {
			s.m.log.Warn("renew leases", "err", err)
		}
	}
}

// poll queues domains added while the daemon runs, and now and then reads
// the whole watchlist for domains whose checks are missing: one that
// committed below the highest ID read (PostgreSQL hands out IDs before
// commit), or a probe kind another daemon does not run.
func (s *shared) poll(ctx context.Context) {
	t := time.NewTicker(s.m.opt.Poll)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		all := time.Since(last) >= resync
		if all {
			last = time.Now()
		}
		if err := s.sync(ctx, all); err != nil && ctx.Err() == nil {
			s.m.log.Warn("queue new domains", "err", err)
		}
	}
}

// lane leases the due checks of kinds and runs them on at most Workers
// workers, until ctx ends; then it waits for the checks in flight.
func (s *shared) lane(ctx context.Context, kinds []event.Probe) {
	m := s.m
	sem := make(chan struct{}, m.opt.Workers)
	freed := make(chan struct{}, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-freed:
		}
		free := cap(sem) - len(sem)
		var cs []store.DueCheck
		if free > 0 {
			var err error
			cs, err = s.q.LeaseChecks(ctx, m.opt.Worker, event.Strings(kinds), m.opt.Now(), free, m.opt.LeaseTTL)
			if err != nil && ctx.Err() == nil {
				m.log.Warn("lease checks", "err", err)
			}
		}
		for _, job := range byDomain(cs) {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() {
					<-sem
					select {
					case freed <- struct{}{}:
					default:
					}
				}()
				s.run(ctx, job)
			})
		}
		wait := m.opt.LeasePoll
		if free > 0 && len(cs) == free {
			wait = 0 // more may be due
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}
}

// byDomain groups leased checks by domain, keeping the lease order: one
// check of a domain runs its kinds together.
func byDomain(cs []store.DueCheck) [][]store.DueCheck {
	var out [][]store.DueCheck
	at := map[int64]int{}
	for _, c := range cs {
		i, ok := at[c.DomainID]
		if !ok {
			i = len(out)
			at[c.DomainID] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], c)
	}
	return out
}

// run checks one domain's leased kinds and moves each to its next due
// time: its next slot, or the moment its rate token is due when the rate
// limit deferred it.
func (s *shared) run(ctx context.Context, job []store.DueCheck) {
	m := s.m
	name := job[0].Domain
	kinds := make([]event.Probe, len(job))
	for i, c := range job {
		kinds[i] = c.Kind
	}
	res, err := m.Check(withDeferral(ctx), name, kinds)
	now := m.opt.Now()
	fin := make([]store.DueCheck, len(job))
	copy(fin, job)
	switch {
	case ctx.Err() != nil:
		// Shut down mid-check: nothing was written; hand the checks back
		// as they were, so another worker runs them at once.
	case err != nil && !errors.Is(err, store.ErrNotFound):
		m.log.Error("check failed", "domain", name, "err", err)
		for i := range fin {
			fin[i].Due = now.Add(deferDelay + offset(name, deferDelay))
		}
	default:
		for i, c := range fin {
			fin[i].Due = s.next(c.Kind, name, c.Due, now)
			if res != nil && slices.Contains(res.Deferred, c.Kind) {
				fin[i].Due = now.Add(deferDelay)
				if at, ok := res.DeferredUntil[c.Kind]; ok && at.After(now) {
					fin[i].Due = at
				}
			}
		}
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := s.q.FinishChecks(fctx, m.opt.Worker, fin); err != nil {
		// The leases lapse and another worker runs the checks again.
		m.log.Warn("finish checks", "domain", name, "err", err)
	}
}

// claimed wraps a job so that of the daemons sharing the queue one runs
// each of its scheduled slots, and none while another still runs it.
func (m *Monitor) claimed(j Job, sched cron.Schedule) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		now := m.opt.Now()
		slot := slotOf(sched, now)
		ok, err := m.opt.Queue.ClaimJobRun(ctx, j.Name, slot, m.opt.Worker, now, m.opt.LeaseTTL)
		if err != nil || !ok {
			return err
		}
		err = j.Run(ctx)
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return errors.Join(err, m.opt.Queue.FinishJobRun(fctx, j.Name, slot, m.opt.Worker, m.opt.Now()))
	}
}

// slotOf is the scheduled time of a run of sched that fires at about now:
// the same for every daemon that fires it. "@every" schedules tick from
// each daemon's start, so their slots are the interval's multiples since
// the epoch.
func slotOf(sched cron.Schedule, now time.Time) time.Time {
	if c, ok := sched.(cron.ConstantDelaySchedule); ok {
		return now.Truncate(c.Delay)
	}
	// The last scheduled time not after now (cron fires at it, a moment
	// late), found from a time before it.
	for back := time.Minute; back < 800*24*time.Hour; back *= 2 {
		t := sched.Next(now.Add(-back))
		if t.After(now) {
			continue
		}
		for n := sched.Next(t); !n.After(now); n = sched.Next(t) {
			t = n
		}
		return t
	}
	return now.Truncate(time.Second)
}
