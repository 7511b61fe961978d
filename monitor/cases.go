package monitor

import (
	"context"
	"net/mail"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/cases"
	"github.com/takedownhq/takedown/monitor/cases/report"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/store"
)

// caseStore is the store seen by monitor/cases: the history and the cases.
type caseStore struct {
	caseHistory
	store.CaseStore
}

// caseHistory is what monitor/cases reads besides the cases: a narrow
// part of the store, which web's store and the daemon's both provide.
type caseHistory interface {
	Domain(ctx context.Context, name string) (*store.Domain, error)
	AddDomains(ctx context.Context, ds []store.NewDomain) (store.AddResult, error)
	LatestSnapshot(ctx context.Context, domainID int64, probe string) (*store.Snapshot, error)
	Screenshot(ctx context.Context, name string) (*store.Screenshot, error)
	Events(ctx context.Context, q store.EventQuery) ([]store.Event, error)
}

// CaseStore joins a store and its cases for monitor/cases.
func CaseStore(st caseHistory, cs store.CaseStore) cases.Store { return caseStore{st, cs} }

// Reporter is who sends takedown reports: the alerts' sender.
func Reporter(cfg *config.Config) report.Party {
	p := report.Party{Email: cfg.Alerts.SMTP.From, Name: "takedown"}
	if a, err := mail.ParseAddress(cfg.Alerts.SMTP.From); err == nil {
		p.Email = a.Address
		if a.Name != "" {
			p.Name = a.Name
		}
	}
	return p
}

// Brander finds the brand a look-alike imitates, from the found
// look-alikes.
func Brander(st interface {
	Lookalikes(ctx context.Context, q store.LookalikeQuery) ([]store.Lookalike, int, error)
}) cases.Brander {
	return func(ctx context.Context, name string) string {
		ls, _, err := st.Lookalikes(ctx, store.LookalikeQuery{Search: name, Limit: 20})
		if err != nil {
			return ""
		}
		for _, l := range ls {
			if l.Name == name {
				return l.Brand
			}
		}
		return ""
	}
}

// CaseReportRenderer is the alert sender's renderer of case reports.
func CaseReportRenderer(cfg *config.Config, st store.Store, cs store.CaseStore) func(ctx context.Context, ev *store.Event, to, id string) ([]byte, error) {
	return cases.Renderer(CaseStore(st, cs), Reporter(cfg), Brander(st))
}

// caseJob reviews the open cases on schedules.cases, after a cheap check
// (DNS and the registry's delegation) of each case's domain.
func (d *Daemon) caseJob(cs store.CaseStore) engine.Job {
	return engine.Job{Name: "cases", Spec: d.cfg.Schedules.Cases, Run: func(ctx context.Context) error {
		_, err := d.ReviewCases(ctx, cs, time.Now())
		return err
	}}
}

// ReviewCases re-checks and judges every open case once (the cases job;
// the demo and tests call it directly).
func (d *Daemon) ReviewCases(ctx context.Context, cs store.CaseStore, now time.Time) (cases.Outcome, error) {
	return cases.Review(ctx, CaseStore(d.st, cs), now, cases.Options{
		EscalateAfter: d.cfg.Cases.EscalateAfter,
		Log:           d.log,
		Check: func(ctx context.Context, name string) error {
			_, err := d.Monitor.Check(ctx, name, []event.Probe{event.ProbeDNS, event.ProbeDelegation})
			return err
		},
	})
}

// caseHook passes each event on to next, and reviews the domain's case
// as soon as a check changes its verdict or the registry's delegation,
// before the cases job would come to it. A domain without a case costs
// one indexed read per such event, and those events are rare.
func (d *Daemon) caseHook(cs store.CaseStore, next func(store.Event)) func(store.Event) {
	return func(ev store.Event) {
		if next != nil {
			next(ev)
		}
		if ev.Kind != event.StateChanged && (ev.Kind != event.NSChanged || ev.Probe != event.ProbeDelegation) {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := cases.ReviewDomain(ctx, CaseStore(d.st, cs), ev.Domain, time.Now(),
			cases.Options{EscalateAfter: d.cfg.Cases.EscalateAfter, Log: d.log}); err != nil {
			d.log.Warn("case review after a check", "domain", ev.Domain, "err", err)
		}
	}
}
