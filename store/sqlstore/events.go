package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

const eventCols = `id, COALESCE(domain_id, 0), domain, at, kind, probe, field, old, new, severity, detail`

func scanEvent(r Row) (store.Event, error) {
	var e store.Event
	var detail string
	err := r.Scan(&e.ID, &e.DomainID, &e.Domain, Time(&e.At), &e.Kind, &e.Probe, &e.Field, &e.Old, &e.New, &e.Severity, &detail)
	if detail != "" && detail != "{}" {
		e.Detail = []byte(detail)
	}
	return e, err
}

// HasEvent reports whether the domain has an event of kind with this new value.
func (t *Tx) HasEvent(domainID int64, kind event.Kind, newValue string) (bool, error) {
	var ok bool
	err := t.c.QueryRow(t.ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE domain_id = ? AND kind = ? AND new = ?)`,
		domainID, kind, newValue).Scan(&ok)
	return ok, err
}

// AddEvent writes an event and, through the Router, its outbox rows.
func (t *Tx) AddEvent(ev store.Event) (int64, error) {
	if ev.Kind == "" || ev.Domain == "" {
		return 0, errors.New("add event: kind and domain are required")
	}
	ev.At = t.db.d.Norm(orTime(ev.At, time.Now()))
	ev.Severity = or(ev.Severity, event.SevInfo)
	var domID any
	if ev.DomainID != 0 {
		domID = ev.DomainID
	} else if d, err := t.Domain(ev.Domain); err == nil {
		ev.DomainID, domID = d.ID, d.ID
	}
	err := t.c.QueryRow(t.ctx, `INSERT INTO events (domain_id, domain, at, kind, probe, field, old, new, severity, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, domID, ev.Domain, t.db.d.Time(ev.At), ev.Kind, ev.Probe, ev.Field,
		ev.Old, ev.New, ev.Severity, or(string(ev.Detail), "{}")).Scan(&ev.ID)
	if err != nil {
		return 0, fmt.Errorf("add %s event for %s: %w", ev.Kind, ev.Domain, err)
	}
	if rp := t.db.router.Load(); rp != nil {
		if err := t.routing(&ev); err != nil {
			return 0, err
		}
		for _, o := range store.Deliveries(*rp, ev, time.Now()) {
			if _, err := t.AddOutbox(o); err != nil {
				return 0, err
			}
		}
	}
	return ev.ID, nil
}

// routing fills what the router reads and the events table does not
// keep: the domain row's kind and, unless the caller set them, its tags.
func (t *Tx) routing(ev *store.Event) error {
	if ev.DomainID != 0 && ev.DomainKind == "" {
		if err := t.c.QueryRow(t.ctx, `SELECT kind FROM domains WHERE id = ?`, ev.DomainID).Scan(&ev.DomainKind); err != nil {
			return fmt.Errorf("event domain kind: %w", err)
		}
	}
	if ev.Tags != nil {
		return nil
	}
	var err error
	ev.Tags, err = t.tags(ev.DomainID, ev.DomainKind, ev.Domain)
	return err
}

// tags returns a watched domain's tags; a look-alike (a name that is not
// watched, or one with a domains row of kind lookalike) inherits the tags
// of the brand it imitates, so a case team gets its look-alikes.
func (t *Tx) tags(domainID int64, kind event.DomainKind, name string) ([]string, error) {
	brandTags := `SELECT t.tag FROM domain_tags t JOIN domains d ON d.id = t.domain_id
			JOIN lookalikes l ON l.brand = d.name WHERE l.name = ?`
	q := `SELECT tag FROM domain_tags WHERE domain_id = ?`
	args := []any{domainID}
	switch {
	case domainID == 0:
		q, args = brandTags, []any{name}
	case kind == store.KindLookalike:
		q, args = q+` UNION `+brandTags, []any{domainID, name}
	}
	rows, err := t.c.Query(t.ctx, `SELECT DISTINCT tag FROM (`+q+`) x ORDER BY tag`, args...)
	out, err := Collect(rows, err, "event tags", func(r Row) (tg string, err error) { return tg, r.Scan(&tg) })
	if out == nil && err == nil {
		out = []string{}
	}
	return out, err
}

// SetState stores a verdict's state and reasons (see store.Tx).
func (t *Tx) SetState(domainID int64, at time.Time, state event.State, reasons []string) (event.State, bool, error) {
	var cur event.State
	var since time.Time
	if err := t.c.QueryRow(t.ctx, `SELECT state, state_since FROM domains WHERE id = ?`, domainID).Scan(&cur, Time(&since)); err != nil {
		return "", false, fmt.Errorf("set state of domain %d: %w", domainID, err)
	}
	rs := JSONStrings(reasons)
	if cur == state {
		_, err := t.c.Exec(t.ctx, `UPDATE domains SET state_reasons = ? WHERE id = ?`, rs, domainID)
		return cur, false, err
	}
	if _, err := t.c.Exec(t.ctx, `UPDATE domains SET state = ?, state_since = ?, state_reasons = ? WHERE id = ?`,
		state, t.db.d.Time(at), rs, domainID); err != nil {
		return "", false, fmt.Errorf("set state of domain %d: %w", domainID, err)
	}
	return cur, since.IsZero(), nil
}

// AddTransition records a change of verdict.
func (t *Tx) AddTransition(tr store.Transition) error {
	var ev any
	if tr.EventID != 0 {
		ev = tr.EventID
	}
	if _, err := t.c.Exec(t.ctx, `INSERT INTO state_transitions (domain_id, at, from_state, to_state, reasons, event_id)
		VALUES (?, ?, ?, ?, ?, ?)`, tr.DomainID, t.db.d.Time(tr.At), tr.From, tr.To, JSONStrings(tr.Reasons), ev); err != nil {
		return fmt.Errorf("record transition of domain %d: %w", tr.DomainID, err)
	}
	return nil
}

// SetSuspect stores the state the evidence points at (see store.Tx).
func (t *Tx) SetSuspect(domainID int64, suspect event.State) (bool, error) {
	n, err := t.c.Exec(t.ctx, `UPDATE domains SET suspect = ?1 WHERE id = ?2 AND suspect != ?1`, suspect, domainID)
	if err != nil {
		return false, fmt.Errorf("set suspect of domain %d: %w", domainID, err)
	}
	return n > 0, nil
}

// eventFilter is the WHERE clause of Events and CountEvents.
func (db *DB) eventFilter(q store.EventQuery) filter {
	var f filter
	if q.Domain != "" {
		f.add(`domain = ?`, q.Domain)
	}
	in(&f, "kind", q.Kinds)
	if !q.Since.IsZero() {
		f.add(`at >= ?`, db.d.Time(q.Since))
	}
	if !q.Until.IsZero() {
		f.add(`at < ?`, db.d.Time(q.Until))
	}
	if q.MinSev != "" {
		sevs := event.AtLeast(q.MinSev)
		if len(sevs) == 0 {
			f.add(`false`)
		}
		in(&f, "severity", sevs)
	}
	if q.BeforeID > 0 {
		f.add(`id < ?`, q.BeforeID)
	}
	if q.HideBaseline {
		f.add(`NOT (kind = ? AND old = ? AND new IN (?, ?))`, event.StateChanged, event.StateUnknown,
			event.StateActive, event.StateUnregistered)
	}
	return f
}

// Events lists matching events, newest first.
func (db *DB) Events(ctx context.Context, q store.EventQuery) ([]store.Event, error) {
	f := db.eventFilter(q)
	rows, err := db.read.Query(ctx, `SELECT `+eventCols+` FROM events`+f.where()+` ORDER BY at DESC, id DESC`+db.d.Limit(q.Limit, q.Offset), f.args...)
	return Collect(rows, err, "events", scanEvent)
}

// CountEvents counts what Events(q) would list, ignoring Limit/Offset.
func (db *DB) CountEvents(ctx context.Context, q store.EventQuery) (int, error) {
	f := db.eventFilter(q)
	var n int
	if err := db.read.QueryRow(ctx, `SELECT count(*) FROM events`+f.where(), f.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

func (db *DB) event(ctx context.Context, c Conn, id int64) (*store.Event, error) {
	return one(c.QueryRow(ctx, `SELECT `+eventCols+` FROM events WHERE id = ?`, id), fmt.Sprintf("event %d", id), scanEvent)
}

// Event reads one event; ErrNotFound if absent.
func (db *DB) Event(ctx context.Context, id int64) (*store.Event, error) {
	return db.event(ctx, db.read, id)
}

// Event reads an event inside the transaction; ErrNotFound if absent.
func (t *Tx) Event(id int64) (*store.Event, error) { return t.db.event(t.ctx, t.c, id) }

func transitions(ctx context.Context, c Conn, domainID int64) ([]store.Transition, error) {
	rows, err := c.Query(ctx, `SELECT id, domain_id, at, from_state, to_state, reasons, COALESCE(event_id, 0)
		FROM state_transitions WHERE domain_id = ? ORDER BY at DESC, id DESC`, domainID)
	return Collect(rows, err, "transitions", func(r Row) (tr store.Transition, err error) {
		return tr, r.Scan(&tr.ID, &tr.DomainID, Time(&tr.At), &tr.From, &tr.To, Strings(&tr.Reasons), &tr.EventID)
	})
}

// Transitions lists a domain's state transitions, newest first.
func (db *DB) Transitions(ctx context.Context, domainID int64) ([]store.Transition, error) {
	return transitions(ctx, db.read, domainID)
}

// Transitions lists inside the transaction.
func (t *Tx) Transitions(domainID int64) ([]store.Transition, error) {
	return transitions(t.ctx, t.c, domainID)
}
