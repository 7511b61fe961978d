package cases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// DefaultEscalateAfter is how long a case may go without news before
// case_stalled (config cases.escalate_after).
const DefaultEscalateAfter = 48 * time.Hour

// GoneChecks is how many checks in a row must show the phishing signals
// gone before a takedown is confirmed on them alone: one page that did not
// load is not a takedown.
const GoneChecks = 2

// maxReview bounds the cases one Review reads.
const maxReview = 10000

// phishingLevel is the look-alike risk level of a page that imitates the
// brand (monitor/lookalike/risk.LevelPhishingLike).
const phishingLevel = "phishing_like"

// Options tune Review.
type Options struct {
	// EscalateAfter: default DefaultEscalateAfter.
	EscalateAfter time.Duration
	// Check, when set, re-checks a case's domain cheaply (DNS and the
	// registry's delegation) before it is judged; its error is logged and
	// the stored evidence judged as it is.
	Check func(ctx context.Context, name string) error
	Log   *slog.Logger
}

// Outcome counts what one Review did.
type Outcome struct {
	Reviewed, Confirmed, Reverted, Stalled int
}

// Review judges every case that is not closed against its domain's latest
// evidence: a takedown (state suspended, seized, sinkholed or deleted; the
// registry's NXDOMAIN; or the look-alike's phishing signals gone on
// GoneChecks checks in a row) confirms it, the domain back reverts it, and
// a case quiet for EscalateAfter raises case_stalled once. Each step
// writes one event; a review that finds nothing new writes nothing but
// the count of checks without signals.
func Review(ctx context.Context, st Store, now time.Time, opt Options) (Outcome, error) {
	if opt.EscalateAfter <= 0 {
		opt.EscalateAfter = DefaultEscalateAfter
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	log := opt.Log.With("component", "cases")
	var out Outcome
	cs, err := st.Cases(ctx, store.CaseQuery{Status: "active", Limit: maxReview})
	if err != nil {
		return out, fmt.Errorf("review cases: %w", err)
	}
	var errs []error
	for _, c := range cs {
		if ctx.Err() != nil {
			break
		}
		if opt.Check != nil {
			if err := opt.Check(ctx, c.Domain); err != nil {
				log.Info("case check", "domain", c.Domain, "err", err)
			}
		}
		if err := reviewOne(ctx, st, c.Domain, now, opt, &out); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// ReviewDomain judges name's case, if it has one not closed, as Review
// does, without a check of its own: the check that just changed the
// domain's verdict calls it, so a takedown is confirmed at once.
func ReviewDomain(ctx context.Context, st Store, name string, now time.Time, opt Options) (Outcome, error) {
	if opt.EscalateAfter <= 0 {
		opt.EscalateAfter = DefaultEscalateAfter
	}
	var out Outcome
	c, err := st.Case(ctx, name)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.Status == store.CaseClosed) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	return out, reviewOne(ctx, st, name, now, opt, &out)
}

// observation is what a case is judged on.
type observation struct {
	// hard is the takedown the lifecycle engine or the registry shows,
	// with its reasons.
	hard    bool
	reasons []string
	state   string
	// alive: the domain is back in service (active, parked, registered
	// again) by its verdict.
	alive bool
	// page is known when the look-alike watch has judged the page; mark
	// names that judgement, so each counts once, and phishing says the
	// page imitates the brand.
	page     bool
	mark     string
	phishing bool
	risk     []string
}

var takenDownStates = []event.State{event.StateSuspended, event.StateSeized, event.StateSinkholed, event.StateDeleted}
var aliveStates = []event.State{event.StateActive, event.StateParked, event.StateReregistered}

func observe(ctx context.Context, st Store, d *store.Domain) observation {
	o := observation{state: string(d.State)}
	if slices.Contains(takenDownStates, d.State) {
		o.hard = true
		o.reasons = append(o.reasons, "state "+string(d.State))
		o.reasons = append(o.reasons, d.StateReasons...)
	}
	var del struct {
		Rcode string `json:"rcode"`
	}
	if latest(ctx, st, d.ID, event.ProbeDelegation, &del) && del.Rcode == "NXDOMAIN" {
		o.hard = true
		o.reasons = append(o.reasons, "the registry answers NXDOMAIN")
	}
	o.alive = !o.hard && slices.Contains(aliveStates, d.State)
	if s, err := st.LatestSnapshot(ctx, d.ID, string(event.ProbeRisk)); err == nil && s != nil {
		var r struct {
			Level   string   `json:"level"`
			Reasons []string `json:"reasons"`
		}
		if json.Unmarshal(s.Data, &r) == nil {
			o.page, o.mark = true, fmt.Sprintf("%s@%d", event.ProbeRisk, s.LastSeen.UnixNano())
			o.phishing, o.risk = r.Level == phishingLevel, r.Reasons
		}
	}
	return o
}

func reviewOne(ctx context.Context, st Store, name string, now time.Time, opt Options, out *Outcome) error {
	d, err := st.Domain(ctx, name)
	if err != nil {
		return fmt.Errorf("review case %s: %w", name, err)
	}
	c, err := st.Case(ctx, name)
	if err != nil {
		return fmt.Errorf("review case %s: %w", name, err)
	}
	o := observe(ctx, st, d)
	var by string
	if c.Status == store.CaseTakenDown {
		by = takenDownBy(ctx, st, c.ID)
	}
	out.Reviewed++
	if !due(*c, o, by, now, opt.EscalateAfter) {
		// Nothing new: no write, so a quiet tick costs reads only.
		return nil
	}
	return st.UpdateCases(ctx, func(tx store.CaseTx) error {
		c, d, err := active(tx, name)
		if errors.Is(err, ErrNoCase) {
			return nil // closed meanwhile
		}
		if err != nil {
			return err
		}
		newCheck := o.page && o.mark != c.SeenMark
		if newCheck {
			c.SeenMark = o.mark
		}
		switch c.Status {
		case store.CaseTakenDown:
			back := newCheck && o.phishing
			if by != "page" && o.alive {
				back = true
			}
			if !back {
				return tx.SaveCase(*c)
			}
			out.Reverted++
			c.GoneChecks = 0
			reasons := []string{"state " + o.state}
			if newCheck && o.phishing {
				reasons = append(reasons, "the page imitates the brand again")
				reasons = append(reasons, o.risk...)
			}
			return change(tx, c, d, now, store.CaseReverted, event.TakedownReverted, event.SevCritical, "",
				map[string]any{"reasons": reasons, "state": o.state, "taken_down_at": c.TakenDownAt})
		default: // open, reported, reverted
			if newCheck {
				if o.phishing {
					c.GoneChecks = 0
				} else {
					c.GoneChecks++
				}
			}
			switch {
			case o.hard:
				return confirm(tx, c, d, now, "state", o.reasons, o, out)
			case c.GoneChecks >= GoneChecks:
				return confirm(tx, c, d, now, "page", []string{fmt.Sprintf("the phishing signals are gone on %d checks in a row", c.GoneChecks)}, o, out)
			case c.StalledAt.IsZero() && now.Sub(c.ChangedAt) >= opt.EscalateAfter:
				return stall(tx, c, d, now, opt.EscalateAfter, out)
			}
			return tx.SaveCase(*c)
		}
	})
}

// due says whether a review of c against o can change anything: a new
// page judgement to count, a takedown or a return to record, a stall to
// raise. The transaction reads the case again and decides for good.
func due(c store.Case, o observation, by string, now time.Time, escalate time.Duration) bool {
	if o.page && o.mark != c.SeenMark {
		return true
	}
	switch c.Status {
	case store.CaseClosed:
		return false
	case store.CaseTakenDown:
		return by != "page" && o.alive
	}
	return o.hard || (c.StalledAt.IsZero() && now.Sub(c.ChangedAt) >= escalate)
}

// confirm marks a takedown; the time to takedown runs from the first
// report, else from the opening, to the first confirmation.
func confirm(tx store.CaseTx, c *store.Case, d *store.Domain, now time.Time, by string, reasons []string, o observation, out *Outcome) error {
	out.Confirmed++
	c.TakenDownAt = now
	c.GoneChecks = 0
	if c.TimeToTakedown == nil {
		from := c.OpenedAt
		if !c.FirstReportedAt.IsZero() {
			from = c.FirstReportedAt
		}
		secs := int64(now.Sub(from) / time.Second)
		c.TimeToTakedown = &secs
	}
	return change(tx, c, d, now, store.CaseTakenDown, event.TakedownConfirmed, event.SevNotice, "", map[string]any{
		"by": by, "reasons": reasons, "state": o.state, "time_to_takedown_seconds": *c.TimeToTakedown,
		"first_reported_at": c.FirstReportedAt, "opened_at": c.OpenedAt})
}

// stall raises case_stalled once for a quiet case, naming the next contact
// in the escalation chain. It is no step of the case: the status and the
// time of its last change stay, so it does not hold off the next stall.
func stall(tx store.CaseTx, c *store.Case, d *store.Domain, now time.Time, after time.Duration, out *Outcome) error {
	out.Stalled++
	cts, err := tx.TxCaseContacts(c.ID)
	if err != nil {
		return err
	}
	next, ok := nextContact(cts)
	ev := map[string]any{"case_id": c.ID, "status": c.Status, "quiet_seconds": int64(now.Sub(c.ChangedAt) / time.Second),
		"escalate_after_seconds": int64(after / time.Second)}
	msg := "no contact left to escalate to"
	if ok {
		ev["next_role"], ev["next_contact"], ev["next_source"] = next.Role, store.ContactAddress(next), next.Source
		msg = "escalate to " + next.Role + " " + store.ContactAddress(next)
	}
	ev["next"] = msg
	detail, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	eid, err := tx.AddEvent(store.Event{DomainID: d.ID, Domain: d.Name, At: now, Kind: event.CaseStalled, Field: "case",
		New: c.Status, Severity: event.SevWarning, Detail: detail})
	if err != nil {
		return err
	}
	if _, err := tx.AddCaseEntry(store.CaseEntry{CaseID: c.ID, At: now, From: c.Status, To: c.Status, Note: "stalled: " + msg,
		Evidence: detail, EventID: eid}); err != nil {
		return err
	}
	c.StalledAt = now
	return tx.SaveCase(*c)
}

// takenDownBy reads how the last takedown was confirmed ("state" or
// "page") from the timeline.
func takenDownBy(ctx context.Context, st Store, caseID int64) string {
	tl, err := st.CaseTimeline(ctx, caseID)
	if err != nil {
		return ""
	}
	for i := len(tl) - 1; i >= 0; i-- {
		if tl[i].To == store.CaseTakenDown && tl[i].From != store.CaseTakenDown {
			var ev struct {
				By string `json:"by"`
			}
			json.Unmarshal(tl[i].Evidence, &ev)
			return ev.By
		}
	}
	return ""
}
