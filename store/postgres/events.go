package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

const eventCols = `id, COALESCE(domain_id, 0), domain, at, kind, probe, field, old, new, severity, detail`

func scanEvent(sc pgx.Row) (store.Event, error) {
	var e store.Event
	var at pgtype.Timestamptz
	var detail string
	err := sc.Scan(&e.ID, &e.DomainID, &e.Domain, &at, &e.Kind, &e.Probe, &e.Field, &e.Old, &e.New, &e.Severity, &detail)
	e.At = tm(at)
	if detail != "" && detail != "{}" {
		e.Detail = []byte(detail)
	}
	return e, err
}

func (t *pgTx) HasEvent(domainID int64, kind event.Kind, newValue string) (bool, error) {
	var ok bool
	err := t.tx.QueryRow(t.ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE domain_id = $1 AND kind = $2 AND new = $3)`,
		domainID, kind, newValue).Scan(&ok)
	return ok, err
}

func (t *pgTx) AddEvent(ev store.Event) (int64, error) {
	if ev.Kind == "" || ev.Domain == "" {
		return 0, errors.New("add event: kind and domain are required")
	}
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	ev.At = us(ev.At)
	if ev.Severity == "" {
		ev.Severity = event.SevInfo
	}
	detail := string(ev.Detail)
	if detail == "" {
		detail = "{}"
	}
	var domID any
	if ev.DomainID != 0 {
		domID = ev.DomainID
	} else if d, err := t.Domain(ev.Domain); err == nil {
		ev.DomainID, domID = d.ID, d.ID
	}
	err := t.tx.QueryRow(t.ctx, `INSERT INTO events (domain_id, domain, at, kind, probe, field, old, new, severity, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, domID, ev.Domain, ev.At, ev.Kind, ev.Probe, ev.Field,
		ev.Old, ev.New, ev.Severity, detail).Scan(&ev.ID)
	if err != nil {
		return 0, fmt.Errorf("add %s event for %s: %w", ev.Kind, ev.Domain, err)
	}
	if rp := t.p.router.Load(); rp != nil {
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
func (t *pgTx) routing(ev *store.Event) error {
	if ev.DomainID != 0 && ev.DomainKind == "" {
		if err := t.tx.QueryRow(t.ctx, `SELECT kind FROM domains WHERE id = $1`, ev.DomainID).Scan(&ev.DomainKind); err != nil {
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
func (t *pgTx) tags(domainID int64, kind event.DomainKind, name string) ([]string, error) {
	brandTags := `SELECT t.tag FROM domain_tags t JOIN domains d ON d.id = t.domain_id
			JOIN lookalikes l ON l.brand = d.name WHERE l.name = `
	q, args := `SELECT tag FROM domain_tags WHERE domain_id = $1`, []any{domainID}
	switch {
	case domainID == 0:
		q, args = brandTags+`$1`, []any{name}
	case kind == store.KindLookalike:
		q, args = q+` UNION `+brandTags+`$2`, []any{domainID, name}
	}
	var tags []string
	err := t.tx.QueryRow(t.ctx, `SELECT COALESCE(array_agg(DISTINCT tag ORDER BY tag), '{}') FROM (`+q+`) x`, args...).Scan(&tags)
	if err != nil {
		return nil, fmt.Errorf("event tags: %w", err)
	}
	return tags, nil
}

func (t *pgTx) SetState(domainID int64, at time.Time, state event.State, reasons []string) (event.State, bool, error) {
	at = us(at)
	var cur event.State
	var since pgtype.Timestamptz
	if err := t.tx.QueryRow(t.ctx, `SELECT state, state_since FROM domains WHERE id = $1`, domainID).Scan(&cur, &since); err != nil {
		return "", false, fmt.Errorf("set state of domain %d: %w", domainID, err)
	}
	rs := jsonStrings(reasons)
	if cur == state {
		_, err := t.tx.Exec(t.ctx, `UPDATE domains SET state_reasons = $1 WHERE id = $2`, rs, domainID)
		return cur, false, err
	}
	if _, err := t.tx.Exec(t.ctx, `UPDATE domains SET state = $1, state_since = $2, state_reasons = $3 WHERE id = $4`,
		state, at, rs, domainID); err != nil {
		return "", false, fmt.Errorf("set state of domain %d: %w", domainID, err)
	}
	return cur, !since.Valid, nil
}

func (t *pgTx) AddTransition(tr store.Transition) error {
	var ev any
	if tr.EventID != 0 {
		ev = tr.EventID
	}
	if _, err := t.tx.Exec(t.ctx, `INSERT INTO state_transitions (domain_id, at, from_state, to_state, reasons, event_id)
		VALUES ($1, $2, $3, $4, $5, $6)`, tr.DomainID, us(tr.At), tr.From, tr.To, jsonStrings(tr.Reasons), ev); err != nil {
		return fmt.Errorf("record transition of domain %d: %w", tr.DomainID, err)
	}
	return nil
}

func (t *pgTx) SetSuspect(domainID int64, suspect event.State) (bool, error) {
	tag, err := t.tx.Exec(t.ctx, `UPDATE domains SET suspect = $1 WHERE id = $2 AND suspect != $1`, suspect, domainID)
	if err != nil {
		return false, fmt.Errorf("set suspect of domain %d: %w", domainID, err)
	}
	return tag.RowsAffected() > 0, nil
}

// eventFilter is the WHERE clause of Events and CountEvents.
func eventFilter(q store.EventQuery) (string, args) {
	var conds []string
	var a args
	if q.Domain != "" {
		conds = append(conds, `domain = `+a.add(q.Domain))
	}
	if len(q.Kinds) > 0 {
		conds = append(conds, `kind = ANY(`+a.add(q.Kinds)+`)`)
	}
	if !q.Since.IsZero() {
		conds = append(conds, `at >= `+a.add(q.Since))
	}
	if !q.Until.IsZero() {
		conds = append(conds, `at < `+a.add(q.Until))
	}
	if q.MinSev != "" {
		conds = append(conds, `severity = ANY(`+a.add(event.Strings(event.AtLeast(q.MinSev)))+`)`)
	}
	if q.BeforeID > 0 {
		conds = append(conds, `id < `+a.add(q.BeforeID))
	}
	return where(conds), a
}

func (p *Postgres) Events(ctx context.Context, q store.EventQuery) ([]store.Event, error) {
	cond, a := eventFilter(q)
	rows, err := p.pool.Query(ctx, `SELECT `+eventCols+` FROM events`+cond+` ORDER BY at DESC, id DESC`+limitClause(q.Limit, q.Offset), a...)
	return collect(rows, err, "events", func(r pgx.Rows) (store.Event, error) { return scanEvent(r) })
}

func (p *Postgres) Event(ctx context.Context, id int64) (*store.Event, error) {
	return getEvent(ctx, p.pool, id)
}

func (t *pgTx) Event(id int64) (*store.Event, error) { return getEvent(t.ctx, t.tx, id) }

func getEvent(ctx context.Context, db querier, id int64) (*store.Event, error) {
	e, err := scanEvent(db.QueryRow(ctx, `SELECT `+eventCols+` FROM events WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("event %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("event %d: %w", id, err)
	}
	return &e, nil
}

func (p *Postgres) Transitions(ctx context.Context, domainID int64) ([]store.Transition, error) {
	return transitions(ctx, p.pool, domainID)
}

func (t *pgTx) Transitions(domainID int64) ([]store.Transition, error) {
	return transitions(t.ctx, t.tx, domainID)
}

func transitions(ctx context.Context, db querier, domainID int64) ([]store.Transition, error) {
	rows, err := db.Query(ctx, `SELECT id, domain_id, at, from_state, to_state, reasons, COALESCE(event_id, 0)
		FROM state_transitions WHERE domain_id = $1 ORDER BY at DESC, id DESC`, domainID)
	return collect(rows, err, "transitions", func(r pgx.Rows) (store.Transition, error) {
		var tr store.Transition
		var at pgtype.Timestamptz
		var reasons string
		err := r.Scan(&tr.ID, &tr.DomainID, &at, &tr.From, &tr.To, &reasons, &tr.EventID)
		tr.At, tr.Reasons = tm(at), parseStrings(reasons)
		return tr, err
	})
}
