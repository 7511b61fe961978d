package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/base/ratelimit"
	"github.com/takedownhq/takedown/store"
)

// ErrNothingChecked is returned by a one-shot run in which no probe of any
// domain got an answer: every server it needed was down or refusing.
var ErrNothingChecked = errors.New("nothing could be checked")

// OnceReport is what a one-shot run achieved.
type OnceReport struct {
	Domains  int // enabled domains checked
	Answered int // probes that got an answer
	// Failed lists, per probe kind, the domains whose probe failed and one
	// of the errors (which names the server), sorted by kind.
	Failed []ProbeFailures
}

// ProbeFailures are the failures of one probe kind in a one-shot run.
type ProbeFailures struct {
	Kind    string
	Domains int
	Example string // one error, cut to maxExample bytes
}

const (
	maxExample = 300
	// onceMaxRounds bounds the rounds a one-shot run spends on probes its
	// own rate limit held back; each round waits before it starts.
	onceMaxRounds = 1000
	onceWaitFirst = time.Second
	onceWaitMax   = 30 * time.Second
	// onceMaxHeld is how many held-back probes a one-shot run keeps before
	// it runs their rounds, ahead of the rest of the watchlist.
	onceMaxHeld = 20000
)

// Summary is one line per failed probe kind, or "" when nothing failed.
func (r *OnceReport) Summary() string {
	var b strings.Builder
	for _, f := range r.Failed {
		fmt.Fprintf(&b, "%s failed for %d of %d domains: %s\n", f.Kind, f.Domains, r.Domains, f.Example)
	}
	return b.String()
}

type oneShotKey struct{}

// backoffFails reports whether a deferred probe counts as failed: in a
// one-shot run a server in backoff is not waited for, so its probe is
// recorded as a failure rather than tried again.
func backoffFails(ctx context.Context, err error) bool {
	v, _ := ctx.Value(oneShotKey{}).(bool)
	return v && errors.Is(err, ratelimit.ErrBackoff)
}

// onceTally counts outcomes as the workers report them. Safe for
// concurrent use.
type onceTally struct {
	mu       sync.Mutex
	answered int
	failed   map[string]*ProbeFailures
}

func (t *onceTally) add(res *CheckResult, checkErr error, name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failed == nil {
		t.failed = map[string]*ProbeFailures{}
	}
	note := func(kind, msg string) {
		f := t.failed[kind]
		if f == nil {
			if len(msg) > maxExample {
				msg = msg[:maxExample] + "…"
			}
			f = &ProbeFailures{Kind: kind, Example: msg}
			t.failed[kind] = f
		}
		f.Domains++
	}
	if checkErr != nil {
		note("check", fmt.Sprintf("%s: %v", name, checkErr))
		return
	}
	if res == nil {
		return
	}
	for kind, msg := range res.Failed {
		if raw := res.Servers[kind]; raw != "" {
			msg = raw
		}
		note(string(kind), msg)
	}
	t.answered += res.Answered
}

func (t *onceTally) report(domains int) *OnceReport {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := &OnceReport{Domains: domains, Answered: t.answered}
	for _, f := range t.failed {
		r.Failed = append(r.Failed, *f)
	}
	sort.Slice(r.Failed, func(i, j int) bool { return r.Failed[i].Kind < r.Failed[j].Kind })
	return r
}

// RunOnceReport checks every enabled domain with every probe once, with at
// most Workers checks at a time, and reports what failed. A server in
// backoff is not waited for: its probes fail (and are named in the report).
// Probes the rate limit alone held back run again in a later round, after a
// wait, so the run never spins. progress, when set, is called after each
// domain. It returns an error wrapping ErrNothingChecked when there were
// domains and no probe got an answer.
func (m *Monitor) RunOnceReport(ctx context.Context, progress func(done, total int)) (*OnceReport, error) {
	enabled := true
	_, total, err := m.st.Domains(ctx, store.DomainQuery{Enabled: &enabled, Limit: 1})
	if err != nil {
		return nil, err
	}
	if progress != nil {
		progress(0, total) // the plan, before the first answer comes back
	}
	ctx = ratelimit.FailFast(context.WithValue(ctx, oneShotKey{}, true))
	var tally onceTally
	var domains, done, unrecorded int
	finished := func() {
		done++
		if progress != nil {
			progress(done, max(total, domains))
		}
	}
	// The watchlist is read a page at a time and each page checked before
	// the next is read; the probes the rate limit held back wait for
	// later rounds, run once they are many or the pages are done, so
	// memory stays bounded however long the watchlist.
	var held []onceTask
	wait := onceWaitFirst
	err = m.scan(ctx, store.ScanQuery{}, func(page []store.DomainRef) error {
		domains += len(page)
		todo := make([]onceTask, len(page))
		for i, d := range page {
			todo[i] = onceTask{name: d.Name}
		}
		again, n, failed := m.onceRound(ctx, todo, &tally, finished)
		unrecorded += failed
		if err := ctx.Err(); err != nil {
			return err
		}
		if n == 0 {
			wait = min(2*wait, onceWaitMax)
		} else {
			wait = onceWaitFirst
		}
		if held = append(held, again...); len(held) < onceMaxHeld {
			return nil
		}
		failed, err := m.onceRetry(ctx, held, wait, &tally, finished)
		unrecorded += failed
		held, wait = nil, onceWaitFirst
		return err
	})
	if err != nil {
		return nil, err
	}
	failed, err := m.onceRetry(ctx, held, wait, &tally, finished)
	unrecorded += failed
	if err != nil {
		return nil, err
	}
	rep := tally.report(domains)
	var errs []error
	if unrecorded > 0 {
		errs = append(errs, fmt.Errorf("%d of %d checks could not be recorded", unrecorded, domains))
	}
	if domains > 0 && rep.Answered == 0 {
		errs = append(errs, fmt.Errorf("%w: no probe of %d domains got an answer", ErrNothingChecked, domains))
	}
	return rep, errors.Join(errs...)
}

// onceRetry runs the probes the rate limit held back in rounds, each after
// a wait (longer when a round got nothing done), until none is left or
// onceMaxRounds passed. It returns how many checks could not be recorded.
func (m *Monitor) onceRetry(ctx context.Context, todo []onceTask, wait time.Duration, tally *onceTally, finished func()) (unrecorded int, err error) {
	for round := 1; len(todo) > 0; round++ {
		if round >= onceMaxRounds {
			for _, t := range todo {
				tally.add(&CheckResult{Failed: map[event.Probe]string{event.Probe(strings.Join(event.Strings(t.kinds), ",")): "still held back by the local rate limit"}}, nil, t.name)
			}
			return unrecorded, nil
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return unrecorded, err
		}
		again, n, failed := m.onceRound(ctx, todo, tally, finished)
		unrecorded += failed
		if err := ctx.Err(); err != nil {
			return unrecorded, err
		}
		// A round in which everything was held back again waits longer.
		if n == 0 {
			wait = min(2*wait, onceWaitMax)
		} else {
			wait = onceWaitFirst
		}
		todo = again
	}
	return unrecorded, nil
}

type onceTask struct {
	name  string
	kinds []event.Probe
}

// onceRound runs one round of checks with at most Workers at a time. It
// returns the probes held back for another round, how many checks
// completed, and how many could not be recorded.
func (m *Monitor) onceRound(ctx context.Context, todo []onceTask, tally *onceTally, finished func()) (again []onceTask, completed, unrecorded int) {
	work := make(chan onceTask)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(m.opt.Workers, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				res, err := m.Check(ctx, t.name, t.kinds)
				if ctx.Err() != nil {
					continue
				}
				if err != nil {
					m.log.Error("check failed", "domain", t.name, "err", err)
				}
				tally.add(res, err, t.name)
				mu.Lock()
				if err != nil {
					unrecorded++
				}
				if res != nil && len(res.Deferred) > 0 {
					again = append(again, onceTask{t.name, res.Deferred})
					mu.Unlock()
					continue
				}
				completed++
				finished()
				mu.Unlock()
			}
		}()
	}
feed:
	for _, t := range todo {
		select {
		case work <- t:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return again, completed, unrecorded
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
