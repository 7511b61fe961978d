package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/base/metrics"
	"github.com/takedownhq/takedown/internal/base/netguard"
	"github.com/takedownhq/takedown/internal/base/ratelimit"
	"github.com/takedownhq/takedown/store"
)

// A check is three stages, the same for the daemon and for `takedown
// check`: probe (every kind asked at once, each under its own timeout),
// review (the answers compared with what is stored, which may call for the
// other probes now), then record (one transaction: snapshots, failures,
// change events, the verdict) or, for `check`, assess (the verdict from
// the same evidence, written nowhere).

// CheckResult is what one check of one domain found.
type CheckResult struct {
	Domain  string
	Changed []event.Probe          // probe kinds whose snapshot changed
	Failed  map[event.Probe]string // probe kind -> error
	Events  []store.Event
	State   event.State
	// Deferred are probe kinds this process's own rate limit held back:
	// nothing was asked, so nothing was recorded; run them again later.
	Deferred []event.Probe
	// Answered counts the probes that got an answer.
	Answered int
	// Servers are the failures as the probes reported them, ports kept,
	// so an operator sees which server did not answer.
	Servers map[event.Probe]string
	// DeferredUntil is, for deferred kinds whose limiter said so, when
	// their rate token is due: the moment to run them again.
	DeferredUntil map[event.Probe]time.Time
}

// History is what a verdict may read of a domain's past: the store's
// transaction when the daemon records a check, the store itself when
// `check` only looks, nothing for a name that was never watched. store.Tx
// satisfies it.
type History interface {
	Domain(name string) (*store.Domain, error)
	LatestSnapshot(domainID int64, probe string) (*store.Snapshot, error)
	Snapshots(domainID int64, probe string, limit int) ([]store.Snapshot, error)
	Transitions(domainID int64) ([]store.Transition, error)
}

// Check runs the given probe kinds (all when empty) for one domain and
// records the outcome in one transaction. If ctx ends while probes run,
// nothing is written: a shutdown drops the check rather than storing
// cancellations as failures.
//
// An unchanged check costs two statements: one reads the domain's check
// state before the probes, one records the check (see unchanged). Any
// other check is recorded the full way (record).
func (m *Monitor) Check(ctx context.Context, name string, kinds []event.Probe) (*CheckResult, error) {
	cs, err := m.st.CheckState(ctx, name)
	if err != nil {
		return nil, err
	}
	d := &cs.Domain
	if !d.Enabled {
		return &CheckResult{Domain: d.Name, Failed: map[event.Probe]string{}, State: d.State}, nil
	}
	results, err := m.observe(ctx, d, cs.Latest, kinds)
	if err != nil {
		return nil, err
	}
	m.originASNs(ctx, cs.Latest, results)
	m.refreshWatches(ctx, cs.Latest, results)
	res, err := m.recordUnchanged(ctx, cs, results)
	if res == nil && err == nil {
		res, err = m.record(ctx, d.Name, results)
	}
	if err != nil {
		return nil, fmt.Errorf("record check of %s: %w", d.Name, err)
	}
	for _, o := range results {
		if at, ok := ratelimit.DeferredUntil(o.err); ok {
			if res.DeferredUntil == nil {
				res.DeferredUntil = map[event.Probe]time.Time{}
			}
			res.DeferredUntil[o.kind] = at
		}
	}
	m.report(results, res)
	return res, nil
}

// recordUnchanged records a check in one statement when unchanged allows
// it. It returns nil, nil when the check is to be recorded the full way:
// it is not unchanged, or another check of the domain recorded since its
// state was read.
func (m *Monitor) recordUnchanged(ctx context.Context, cs *store.CheckState, results []outcome) (*CheckResult, error) {
	at := m.opt.Now()
	u, ok := m.unchanged(ctx, cs, results, at)
	if !ok {
		return nil, nil
	}
	err := m.st.Update(ctx, func(tx store.Tx) error { return tx.TouchUnchanged(u) })
	if errors.Is(err, store.ErrStale) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	res := &CheckResult{Domain: cs.Domain.Name, Failed: map[event.Probe]string{}, Servers: map[event.Probe]string{}}
	if m.judge != nil {
		res.State = cs.Domain.State
	}
	for _, o := range results {
		switch {
		case errors.Is(o.err, ratelimit.ErrDeferred):
			res.Deferred = append(res.Deferred, o.kind)
		case o.err == nil && !notApplicable(o.kind, o.err):
			res.Answered++
		}
	}
	return res, nil
}

// unchanged decides whether a check may be recorded without the full
// record stage, and returns what to record then. It may when:
//   - every outcome observed nothing, was deferred, or equals its probe's
//     latest snapshot (a change is diffed into events);
//   - every probe of the domain is healthy, not only those checked: a
//     recovery raises "reachable", and a verdict judged while a probe
//     failed must be judged again once it answers;
//   - the stored verdict still holds (now is before CheckState's
//     VerdictUntil): a verdict is a function of the latest snapshots, the
//     failures, the domain's past, the time and, for a delegation to the
//     takedown operators' own watched domains, their states. Unchanged
//     evidence leaves only the time and those states to move it, so the
//     verdict is judged again when a time it depends on passes (an expiry,
//     an indicator's valid_until, the expiring_soon window: Verdict.Until
//     and verdictUntil), at every check when it read other domains'
//     states, and after RejudgeAfter in any case.
//
// A first check (no verdict yet) and Options.FullRecord take the full way.
func (m *Monitor) unchanged(ctx context.Context, cs *store.CheckState, results []outcome, at time.Time) (store.Unchanged, bool) {
	if m.opt.FullRecord || (m.judge != nil && !at.Before(cs.VerdictUntil)) {
		return store.Unchanged{}, false
	}
	for _, st := range cs.Status {
		if st.ConsecutiveFailures > 0 || st.Unreachable {
			return store.Unchanged{}, false
		}
	}
	u := store.Unchanged{DomainID: cs.Domain.ID, At: at}
	for _, o := range results {
		switch {
		case notApplicable(o.kind, o.err):
			continue
		case errors.Is(o.err, ratelimit.ErrDeferred) && !backoffFails(ctx, o.err):
			continue
		case o.err != nil:
			return store.Unchanged{}, false
		}
		head, ok := cs.Latest[o.kind]
		st, sok := cs.Status[o.kind]
		if !ok || !sok || head.Hash != store.Hash(o.data) {
			return store.Unchanged{}, false
		}
		u.Probes = append(u.Probes, store.Seen{Probe: o.kind, SnapshotID: head.ID, LastRun: st.LastRun})
	}
	return u, true
}

// verdictUntil is when a verdict judged at at is to be judged again though
// nothing changed: the judge's Until, the start of the expiring_soon
// window and the expiry itself (expiring), at most RejudgeAfter ahead.
// Zero: at the next check.
func (m *Monitor) verdictUntil(v Verdict, at time.Time) time.Time {
	if v.State == "" || v.Until.IsZero() {
		return time.Time{}
	}
	until := at.Add(m.opt.RejudgeAfter)
	if v.Until.Before(until) {
		until = v.Until
	}
	if !v.Expires.IsZero() {
		for _, b := range []time.Time{v.Expires.Add(-ExpiringWindow), v.Expires} {
			if b.After(at) && b.Before(until) {
				until = b
			}
		}
	}
	return until
}

// Assessment is what `takedown check` shows: each probe's normalized
// snapshot or error, and the verdict the daemon would reach from them.
type Assessment struct {
	Domain  string
	Data    map[event.Probe][]byte // probe kind -> snapshot JSON
	Errors  map[event.Probe]string // probe kind -> error
	Verdict Verdict
	// StoredAt is set when no probe answered and the verdict is the one
	// stored for a watched domain: the time of its last check, so the
	// verdict is not read as fresh.
	StoredAt time.Time
}

// Assess runs the probe and review stages for one name and judges it as
// Check would, writing nothing. A watched name is judged with its stored
// history (previous state, registrations, transitions), so `check` and the
// daemon agree; any other name is judged as new.
func (m *Monitor) Assess(ctx context.Context, name string, kinds []event.Probe) (*Assessment, error) {
	d := &store.Domain{Name: name, State: event.StateUnknown}
	var h History = noHistory{}
	if m.st != nil {
		switch sd, err := m.st.Domain(ctx, name); {
		case err == nil:
			d, h = sd, storeHistory{ctx: ctx, st: m.st}
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
	}
	results, err := m.observe(ctx, d, nil, kinds)
	if err != nil {
		return nil, err
	}
	a := &Assessment{Domain: name, Data: map[event.Probe][]byte{}, Errors: map[event.Probe]string{}}
	latest, failed := map[event.Probe]*store.Snapshot{}, map[event.Probe]bool{}
	for _, o := range results {
		switch {
		case notApplicable(o.kind, o.err):
		case errors.Is(o.err, ratelimit.ErrDeferred):
			a.Errors[o.kind] = o.err.Error()
		case o.err != nil:
			a.Errors[o.kind], failed[o.kind] = o.err.Error(), true
		default:
			a.Data[o.kind] = o.data
			latest[o.kind] = &store.Snapshot{DomainID: d.ID, Probe: o.kind, Hash: store.Hash(o.data), Data: o.data}
		}
	}
	if m.judge == nil {
		return a, nil
	}
	if err := m.fillLatest(h, d.ID, latest); err != nil {
		return nil, err
	}
	v, err := m.judge.Verdict(h, d, latest, failed, m.opt.Now())
	if err != nil {
		return nil, fmt.Errorf("verdict %s: %w", name, err)
	}
	a.Verdict = v
	if len(a.Data) == 0 && d.ID != 0 {
		a.StoredAt = d.LastChecked
	}
	return a, nil
}

// observe is the probe and review stages: it runs the kinds' probes and,
// when the review finds the name servers or the answer moved, the other
// probes now too, so the verdict rests on one consistent view (a dropped
// name resolving again is judged with its new registration, not hours
// later when RDAP is due). heads, when not nil, are the latest snapshots'
// heads the review compares with before it reads any snapshot.
func (m *Monitor) observe(ctx context.Context, d *store.Domain, heads map[event.Probe]store.SnapshotHead, kinds []event.Probe) ([]outcome, error) {
	if len(kinds) == 0 {
		kinds = m.kinds
	}
	results, err := m.probe(ctx, d.Name, kinds)
	if err != nil {
		return nil, err
	}
	if !m.review(ctx, d.ID, heads, results) {
		return results, nil
	}
	var rest []event.Probe
	for _, k := range m.kinds {
		if !slices.Contains(kinds, k) {
			rest = append(rest, k)
		}
	}
	if len(rest) == 0 {
		return results, nil
	}
	more, err := m.probe(ctx, d.Name, rest)
	if err != nil {
		return nil, err
	}
	return append(results, more...), nil
}

// record is the record stage: one transaction writes every outcome, the
// change events, the check time and the verdict.
func (m *Monitor) record(ctx context.Context, name string, results []outcome) (*CheckResult, error) {
	at := m.opt.Now()
	var res *CheckResult
	err := m.st.Update(ctx, func(tx store.Tx) error {
		// Another check of this domain may have committed since it was read.
		d, err := tx.Domain(name)
		if err != nil {
			return err
		}
		// Update may run fn again: start from nothing each time.
		res = &CheckResult{Domain: d.Name, Failed: map[event.Probe]string{}, Servers: map[event.Probe]string{}}
		r := &recorder{m: m, tx: tx, d: d, at: at, res: res,
			latest: map[event.Probe]*store.Snapshot{}, failed: map[event.Probe]bool{}}
		for _, o := range results {
			if err := r.outcome(o); err != nil {
				return err
			}
		}
		if err := tx.MarkChecked(d.ID, at); err != nil {
			return err
		}
		if m.judge == nil {
			return nil
		}
		return r.verdict()
	})
	return res, err
}

// recorder writes one check inside its transaction.
type recorder struct {
	m      *Monitor
	tx     store.Tx
	d      *store.Domain
	at     time.Time
	res    *CheckResult
	latest map[event.Probe]*store.Snapshot
	failed map[event.Probe]bool
}

// add writes an event of the domain and keeps it for the result.
func (r *recorder) add(ev store.Event) error {
	ev.DomainID, ev.Domain = r.d.ID, r.d.Name
	if ev.At.IsZero() {
		ev.At = r.at
	}
	id, err := r.tx.AddEvent(ev)
	if err != nil {
		return err
	}
	ev.ID = id
	r.res.Events = append(r.res.Events, ev)
	return nil
}

// outcome records one probe's outcome: nothing for one that observes
// nothing or was deferred, a failure, or a snapshot.
func (r *recorder) outcome(o outcome) error {
	switch {
	case notApplicable(o.kind, o.err):
		return nil
	case errors.Is(o.err, ratelimit.ErrDeferred) && !backoffFails(r.tx.Context(), o.err):
		r.res.Deferred = append(r.res.Deferred, o.kind)
		return nil
	case o.err != nil:
		return r.failure(o)
	}
	return r.snapshot(o)
}

// failure records a failed probe; the streak that reaches UnreachableAfter
// raises one unreachable event. A failure is never read as a change.
func (r *recorder) failure(o outcome) error {
	r.failed[o.kind] = true
	msg := errText(o.err)
	r.res.Failed[o.kind] = msg
	r.res.Servers[o.kind] = netguard.Clean(o.err.Error(), 512)
	st, err := r.tx.ObserveError(r.d.ID, string(o.kind), r.at, msg)
	if err != nil {
		return err
	}
	if st.ConsecutiveFailures < r.m.opt.UnreachableAfter || st.Unreachable {
		return nil
	}
	st.Unreachable = true
	if err := r.tx.SetProbeStatus(st); err != nil {
		return err
	}
	return r.add(store.Event{Kind: event.Unreachable, Probe: o.kind, Severity: event.SevWarning,
		New: fmt.Sprintf("%d consecutive failures: %s", st.ConsecutiveFailures, msg)})
}

// snapshot records an observation: a new snapshot and its change events
// when it differs from the last, otherwise only its last-seen time.
func (r *recorder) snapshot(o outcome) error {
	cur, prev, changed, err := r.tx.ObserveSnapshot(r.d.ID, string(o.kind), r.at, o.data)
	if err != nil {
		return err
	}
	r.latest[o.kind] = cur
	r.res.Answered++
	st, err := r.tx.ProbeStatus(r.d.ID, string(o.kind))
	if err != nil {
		return err
	}
	wasUnreachable := st.Unreachable
	st.LastRun, st.LastOK, st.ConsecutiveFailures, st.LastError, st.Unreachable = r.at, r.at, 0, "", false
	if err := r.tx.SetProbeStatus(st); err != nil {
		return err
	}
	if wasUnreachable {
		if err := r.add(store.Event{Kind: event.Reachable, Probe: o.kind, Severity: event.SevInfo, New: "answering again"}); err != nil {
			return err
		}
	}
	if !changed {
		return nil
	}
	r.res.Changed = append(r.res.Changed, o.kind)
	if err := r.keys(o.kind, prev, cur, o.keys); err != nil {
		return err
	}
	if prev == nil || r.m.judge == nil {
		return nil
	}
	for _, ev := range r.m.judge.Changes(r.d.Name, o.kind, prev.Data, cur.Data, r.at) {
		if err := r.add(ev); err != nil {
			return err
		}
	}
	return nil
}

// verdict judges the domain from its latest snapshots and records the
// verdict, a new suspicion and an approaching expiry.
func (r *recorder) verdict() error {
	if err := r.m.fillLatest(r.tx, r.d.ID, r.latest); err != nil {
		return err
	}
	v, err := r.m.judge.Verdict(r.tx, r.d, r.latest, r.failed, r.at)
	if err != nil {
		return fmt.Errorf("verdict %s: %w", r.d.Name, err)
	}
	r.res.State = v.State
	if err := r.tx.SetVerdictUntil(r.d.ID, r.m.verdictUntil(v, r.at)); err != nil {
		return err
	}
	if v.State == "" {
		return nil
	}
	if err := r.m.expiring(r.tx, r.d, v, r.at, r.add); err != nil {
		return err
	}
	// A suspicion (a seizure name server nobody corroborates) changes no
	// state but is worth one event when it first appears.
	newSuspect, err := r.tx.SetSuspect(r.d.ID, v.Suspect)
	if err != nil {
		return err
	}
	if newSuspect && v.Suspect != "" {
		if err := r.add(store.Event{Kind: event.Suspected(v.Suspect), Field: "state", Old: string(r.d.State), New: string(v.State),
			Severity: v.Severity, Detail: reasonsJSON(v.Reasons)}); err != nil {
			return err
		}
	}
	ev, err := RecordVerdict(r.tx, r.d, r.at, v.State, v.Reasons, v.Severity)
	if err != nil || ev == nil {
		return err
	}
	r.res.Events = append(r.res.Events, *ev)
	return nil
}

// fillLatest adds, for every kind this monitor runs and the check did not
// observe, the latest stored snapshot: the verdict reads the whole domain.
func (m *Monitor) fillLatest(h History, domainID int64, latest map[event.Probe]*store.Snapshot) error {
	if domainID == 0 {
		return nil
	}
	for _, k := range m.kinds {
		if latest[k] != nil {
			continue
		}
		sn, err := h.LatestSnapshot(domainID, string(k))
		if err != nil {
			return err
		}
		if sn != nil {
			latest[k] = sn
		}
	}
	return nil
}

// report feeds the metrics and the OnEvent hook after a check committed.
func (m *Monitor) report(results []outcome, res *CheckResult) {
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
}

// noHistory is the past of a name that was never watched.
type noHistory struct{}

func (noHistory) Domain(string) (*store.Domain, error) { return nil, store.ErrNotFound }
func (noHistory) LatestSnapshot(int64, string) (*store.Snapshot, error) {
	return nil, nil
}
func (noHistory) Snapshots(int64, string, int) ([]store.Snapshot, error) { return nil, nil }
func (noHistory) Transitions(int64) ([]store.Transition, error)          { return nil, nil }

// storeHistory reads a watched domain's past from the store, outside any
// transaction (`check` writes nothing).
type storeHistory struct {
	ctx context.Context
	st  Store
}

func (h storeHistory) Domain(name string) (*store.Domain, error) { return h.st.Domain(h.ctx, name) }
func (h storeHistory) LatestSnapshot(id int64, probe string) (*store.Snapshot, error) {
	return h.st.LatestSnapshot(h.ctx, id, probe)
}
func (h storeHistory) Snapshots(id int64, probe string, limit int) ([]store.Snapshot, error) {
	return h.st.Snapshots(h.ctx, id, probe, limit)
}
func (h storeHistory) Transitions(id int64) ([]store.Transition, error) {
	return h.st.Transitions(h.ctx, id)
}

func reasonsJSON(reasons []string) []byte {
	if reasons == nil {
		reasons = []string{}
	}
	b, _ := json.Marshal(map[string][]string{"reasons": reasons})
	return b
}

type outcome struct {
	kind event.Probe
	data []byte
	err  error
	took time.Duration
	// keys are infrastructure keys found beside the snapshot (origin ASes
	// of a DNS answer's addresses), recorded with its own.
	keys []store.InfraKey
}

// probe runs the kinds' probes of one domain concurrently, each under its
// own timeout. It fails only when ctx ends: a shutdown drops the check.
func (m *Monitor) probe(ctx context.Context, name string, kinds []event.Probe) ([]outcome, error) {
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
			pctx, cancel := context.WithTimeout(m.deferrable(ctx, name, k), m.opt.ProbeTimeout)
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
func (m *Monitor) review(ctx context.Context, domainID int64, heads map[event.Probe]store.SnapshotHead, results []outcome) bool {
	if m.st == nil || domainID == 0 {
		return false // nothing stored to compare with
	}
	moved := false
	for i, o := range results {
		if o.err != nil {
			continue
		}
		switch o.kind {
		case event.ProbeDNS, event.ProbeDelegation:
			if h, ok := heads[o.kind]; heads != nil && (!ok || h.Hash == store.Hash(o.data)) {
				continue // unchanged, or nothing stored: no snapshot to read
			}
			sn, err := m.st.LatestSnapshot(ctx, domainID, string(o.kind))
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
		case event.ProbeHTTP:
			var now struct {
				Scheme     string `json:"scheme"`
				HTTPSError string `json:"https_error"`
			}
			if json.Unmarshal(o.data, &now) != nil || now.Scheme != "http" || now.HTTPSError != "timeout" {
				continue
			}
			sn, err := m.st.LatestSnapshot(ctx, domainID, string(o.kind))
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
func NotApplicable(kind event.Probe, err error) bool { return notApplicable(kind, err) }

// notApplicable is an outcome that observes nothing: WHOIS where the
// registry speaks RDAP, or a certificate or page of a name that does not
// resolve (the DNS probe records that; it is no outage of the web server).
func notApplicable(kind event.Probe, err error) bool {
	if errors.Is(err, ErrNotApplicable) {
		return true
	}
	if kind != event.ProbeCert && kind != event.ProbeHTTP {
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
func (m *Monitor) expiring(tx store.Tx, d *store.Domain, v Verdict, at time.Time, add func(store.Event) error) error {
	if v.Expires.IsZero() {
		return nil
	}
	left := v.Expires.Sub(at)
	if left <= 0 || left > ExpiringWindow {
		return nil
	}
	date := v.Expires.UTC().Format(time.DateOnly)
	seen, err := tx.HasEvent(d.ID, event.ExpiringSoon, date)
	if err != nil || seen {
		return err
	}
	sev := event.SevNotice
	if event.TakenDown(v.State) {
		sev = event.SevWarning
	}
	return add(store.Event{Kind: event.ExpiringSoon, Probe: v.ExpiresFrom, Field: "expires", New: date, Severity: sev,
		Detail: reasonsJSON([]string{fmt.Sprintf("registration expires in %d days while %s", int(left.Hours()/24)+1, v.State)})})
}
