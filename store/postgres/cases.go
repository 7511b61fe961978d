package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/takedownhq/takedown/store"
)

var _ store.CaseStore = (*Postgres)(nil)

const caseCols = `c.id, c.domain_id, d.name, c.reason, c.status, c.note, c.opened_at, c.status_at, c.changed_at,
	c.first_reported_at, c.taken_down_at, c.time_to_takedown, c.registrar, c.hosting, c.gone_checks, c.seen_mark, c.stalled_at`

func scanCase(sc pgx.Row) (store.Case, error) {
	var c store.Case
	var opened, statusAt, changed, first, down, stalled pgtype.Timestamptz
	var ttt pgtype.Int8
	err := sc.Scan(&c.ID, &c.DomainID, &c.Domain, &c.Reason, &c.Status, &c.Note, &opened, &statusAt, &changed,
		&first, &down, &ttt, &c.Registrar, &c.Hosting, &c.GoneChecks, &c.SeenMark, &stalled)
	c.OpenedAt, c.StatusAt, c.ChangedAt = tm(opened), tm(statusAt), tm(changed)
	c.FirstReportedAt, c.TakenDownAt, c.StalledAt = tm(first), tm(down), tm(stalled)
	if ttt.Valid {
		v := ttt.Int64
		c.TimeToTakedown = &v
	}
	return c, err
}

func caseOf(ctx context.Context, q querier, name string) (*store.Case, error) {
	c, err := scanCase(q.QueryRow(ctx, `SELECT `+caseCols+` FROM cases c JOIN domains d ON d.id = c.domain_id
		WHERE d.name = $1 ORDER BY c.status = 'closed', c.id DESC LIMIT 1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("case %s: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", name, err)
	}
	return &c, nil
}

func (p *Postgres) Case(ctx context.Context, name string) (*store.Case, error) {
	return caseOf(ctx, p.pool, name)
}

func (p *Postgres) Cases(ctx context.Context, q store.CaseQuery) ([]store.Case, error) {
	cond, args := "", []any{}
	switch q.Status {
	case "":
	case "active":
		cond = ` WHERE c.status <> 'closed'`
	default:
		cond, args = ` WHERE c.status = $1`, append(args, q.Status)
	}
	rows, err := p.pool.Query(ctx, `SELECT `+caseCols+` FROM cases c JOIN domains d ON d.id = c.domain_id`+cond+
		` ORDER BY c.id DESC`+dialect.Limit(q.Limit, 0), args...)
	return collect(rows, err, "cases", func(r pgx.Rows) (store.Case, error) { return scanCase(r) })
}

const contactCols = `id, case_id, role, name, email, phone, form_url, source, reported_at, ref, outbox_id`

func caseContacts(ctx context.Context, q querier, caseID int64) ([]store.CaseContact, error) {
	rows, err := q.Query(ctx, `SELECT `+contactCols+` FROM case_contacts WHERE case_id = $1 ORDER BY id`, caseID)
	return collect(rows, err, fmt.Sprintf("case %d contacts", caseID), func(r pgx.Rows) (store.CaseContact, error) {
		var ct store.CaseContact
		var rep pgtype.Timestamptz
		var ob pgtype.Int8
		err := r.Scan(&ct.ID, &ct.CaseID, &ct.Role, &ct.Name, &ct.Email, &ct.Phone, &ct.FormURL, &ct.Source, &rep, &ct.Ref, &ob)
		ct.ReportedAt, ct.OutboxID = tm(rep), ob.Int64
		return ct, err
	})
}

func (p *Postgres) CaseContacts(ctx context.Context, caseID int64) ([]store.CaseContact, error) {
	return caseContacts(ctx, p.pool, caseID)
}

func (p *Postgres) CaseTimeline(ctx context.Context, caseID int64) ([]store.CaseEntry, error) {
	rows, err := p.pool.Query(ctx, `SELECT id, case_id, at, from_status, to_status, note, evidence, event_id
		FROM case_timeline WHERE case_id = $1 ORDER BY id`, caseID)
	return collect(rows, err, fmt.Sprintf("case %d timeline", caseID), func(r pgx.Rows) (store.CaseEntry, error) {
		var e store.CaseEntry
		var at pgtype.Timestamptz
		var ev string
		var evID pgtype.Int8
		err := r.Scan(&e.ID, &e.CaseID, &at, &e.From, &e.To, &e.Note, &ev, &evID)
		e.At, e.Evidence, e.EventID = tm(at), []byte(ev), evID.Int64
		return e, err
	})
}

// UpdateCases is Update with the case writes: the same transaction type
// serves both, so a case's change and its event commit together.
func (p *Postgres) UpdateCases(ctx context.Context, fn func(tx store.CaseTx) error) error {
	return p.Update(ctx, func(tx store.Tx) error { return fn(tx.(*pgTx)) })
}

var _ store.CaseTx = (*pgTx)(nil)

func (t *pgTx) CaseOf(name string) (*store.Case, error) { return caseOf(t.ctx, t.tx, name) }

func (t *pgTx) InsertCase(c store.Case) (int64, error) {
	var n int
	if err := t.tx.QueryRow(t.ctx, `SELECT count(*) FROM cases WHERE domain_id = $1 AND status <> 'closed'`,
		c.DomainID).Scan(&n); err != nil {
		return 0, fmt.Errorf("open case %s: %w", c.Domain, err)
	}
	if n > 0 {
		return 0, fmt.Errorf("open case %s: %w", c.Domain, store.ErrCaseOpen)
	}
	var id int64
	err := t.tx.QueryRow(t.ctx, `INSERT INTO cases (domain_id, reason, status, note, opened_at, status_at, changed_at,
		registrar, hosting) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, c.DomainID, c.Reason, c.Status, c.Note,
		c.OpenedAt, c.StatusAt, c.ChangedAt, c.Registrar, c.Hosting).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("open case %s: %w", c.Domain, err)
	}
	return id, nil
}

func tsOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func (t *pgTx) SaveCase(c store.Case) error {
	var ttt any
	if c.TimeToTakedown != nil {
		ttt = *c.TimeToTakedown
	}
	_, err := t.tx.Exec(t.ctx, `UPDATE cases SET reason = $1, status = $2, note = $3, status_at = $4, changed_at = $5,
		first_reported_at = $6, taken_down_at = $7, time_to_takedown = $8, registrar = $9, hosting = $10, gone_checks = $11,
		seen_mark = $12, stalled_at = $13 WHERE id = $14`, c.Reason, c.Status, c.Note, c.StatusAt, c.ChangedAt,
		tsOrNil(c.FirstReportedAt), tsOrNil(c.TakenDownAt), ttt, c.Registrar, c.Hosting, c.GoneChecks, c.SeenMark,
		tsOrNil(c.StalledAt), c.ID)
	if err != nil {
		return fmt.Errorf("save case %d: %w", c.ID, err)
	}
	return nil
}

func (t *pgTx) AddCaseEntry(e store.CaseEntry) (int64, error) {
	ev := string(e.Evidence)
	if ev == "" {
		ev = "{}"
	}
	var evID any
	if e.EventID != 0 {
		evID = e.EventID
	}
	var id int64
	err := t.tx.QueryRow(t.ctx, `INSERT INTO case_timeline (case_id, at, from_status, to_status, note, evidence, event_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, e.CaseID, e.At, e.From, e.To, e.Note, ev, evID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("case %d timeline: %w", e.CaseID, err)
	}
	return id, nil
}

func (t *pgTx) PutCaseContact(ct store.CaseContact) error {
	_, err := t.tx.Exec(t.ctx, `INSERT INTO case_contacts (case_id, role, address, name, email, phone, form_url, source)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (case_id, role, address) DO UPDATE SET name = excluded.name,
		email = excluded.email, phone = excluded.phone, form_url = excluded.form_url, source = excluded.source`,
		ct.CaseID, ct.Role, store.ContactAddress(ct), ct.Name, ct.Email, ct.Phone, ct.FormURL, ct.Source)
	if err != nil {
		return fmt.Errorf("case %d contact %s: %w", ct.CaseID, ct.Role, err)
	}
	return nil
}

func (t *pgTx) MarkContactReported(id int64, at time.Time, ref string, outboxID int64) error {
	var ob any
	if outboxID != 0 {
		ob = outboxID
	}
	_, err := t.tx.Exec(t.ctx, `UPDATE case_contacts SET reported_at = $1, ref = $2, outbox_id = COALESCE($3, outbox_id)
		WHERE id = $4`, at, strings.TrimSpace(ref), ob, id)
	if err != nil {
		return fmt.Errorf("mark contact %d reported: %w", id, err)
	}
	return nil
}

func (t *pgTx) TxCaseContacts(caseID int64) ([]store.CaseContact, error) {
	return caseContacts(t.ctx, t.tx, caseID)
}

// tm reads a nullable timestamptz; NULL is the zero time.
func tm(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}
