package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/takedownhq/takedown/store"
)

var _ store.CaseStore = (*SQLite)(nil)

// queryer is what the read pool and a write transaction share, so the
// case reads are written once.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const caseCols = `c.id, c.domain_id, d.name, c.reason, c.status, c.note, c.opened_at, c.status_at, c.changed_at,
	c.first_reported_at, c.taken_down_at, c.time_to_takedown, c.registrar, c.hosting, c.gone_checks, c.seen_mark, c.stalled_at`

func scanCase(sc interface{ Scan(...any) error }) (store.Case, error) {
	var c store.Case
	var opened, statusAt, changed, first, down, stalled sql.NullString
	var ttt sql.NullInt64
	err := sc.Scan(&c.ID, &c.DomainID, &c.Domain, &c.Reason, &c.Status, &c.Note, &opened, &statusAt, &changed,
		&first, &down, &ttt, &c.Registrar, &c.Hosting, &c.GoneChecks, &c.SeenMark, &stalled)
	c.OpenedAt, c.StatusAt, c.ChangedAt = parseTime(opened), parseTime(statusAt), parseTime(changed)
	c.FirstReportedAt, c.TakenDownAt, c.StalledAt = parseTime(first), parseTime(down), parseTime(stalled)
	if ttt.Valid {
		v := ttt.Int64
		c.TimeToTakedown = &v
	}
	return c, err
}

func caseOf(ctx context.Context, q queryer, name string) (*store.Case, error) {
	c, err := scanCase(q.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases c JOIN domains d ON d.id = c.domain_id
		WHERE d.name = ? ORDER BY c.status = 'closed', c.id DESC LIMIT 1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("case %s: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", name, err)
	}
	return &c, nil
}

func (s *SQLite) Case(ctx context.Context, name string) (*store.Case, error) {
	return caseOf(ctx, s.read, name)
}

func (s *SQLite) Cases(ctx context.Context, q store.CaseQuery) ([]store.Case, error) {
	cond, args := "", []any{}
	switch q.Status {
	case "":
	case "active":
		cond = ` WHERE c.status <> 'closed'`
	default:
		cond, args = ` WHERE c.status = ?`, append(args, q.Status)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+caseCols+` FROM cases c JOIN domains d ON d.id = c.domain_id`+cond+
		` ORDER BY c.id DESC`+dialect.Limit(q.Limit, 0), args...)
	if err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	defer rows.Close()
	var out []store.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("cases: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

const contactCols = `id, case_id, role, name, email, phone, form_url, source, reported_at, ref, outbox_id`

func caseContacts(ctx context.Context, q queryer, caseID int64) ([]store.CaseContact, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+contactCols+` FROM case_contacts WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("case %d contacts: %w", caseID, err)
	}
	defer rows.Close()
	var out []store.CaseContact
	for rows.Next() {
		var ct store.CaseContact
		var rep sql.NullString
		var ob sql.NullInt64
		if err := rows.Scan(&ct.ID, &ct.CaseID, &ct.Role, &ct.Name, &ct.Email, &ct.Phone, &ct.FormURL, &ct.Source,
			&rep, &ct.Ref, &ob); err != nil {
			return nil, fmt.Errorf("case %d contacts: %w", caseID, err)
		}
		ct.ReportedAt, ct.OutboxID = parseTime(rep), ob.Int64
		out = append(out, ct)
	}
	return out, rows.Err()
}

func (s *SQLite) CaseContacts(ctx context.Context, caseID int64) ([]store.CaseContact, error) {
	return caseContacts(ctx, s.read, caseID)
}

func (s *SQLite) CaseTimeline(ctx context.Context, caseID int64) ([]store.CaseEntry, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, case_id, at, from_status, to_status, note, evidence, event_id
		FROM case_timeline WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("case %d timeline: %w", caseID, err)
	}
	defer rows.Close()
	var out []store.CaseEntry
	for rows.Next() {
		var e store.CaseEntry
		var at sql.NullString
		var ev string
		var evID sql.NullInt64
		if err := rows.Scan(&e.ID, &e.CaseID, &at, &e.From, &e.To, &e.Note, &ev, &evID); err != nil {
			return nil, fmt.Errorf("case %d timeline: %w", caseID, err)
		}
		e.At, e.Evidence, e.EventID = parseTime(at), []byte(ev), evID.Int64
		out = append(out, e)
	}
	return out, rows.Err()
}

// UpdateCases is Update with the case writes: the same transaction type
// serves both, so a case's change and its event commit together.
func (s *SQLite) UpdateCases(ctx context.Context, fn func(tx store.CaseTx) error) error {
	return s.Update(ctx, func(tx store.Tx) error { return fn(tx.(*sqlTx)) })
}

var _ store.CaseTx = (*sqlTx)(nil)

func (t *sqlTx) CaseOf(name string) (*store.Case, error) { return caseOf(t.ctx, t.tx, name) }

func (t *sqlTx) InsertCase(c store.Case) (int64, error) {
	var n int
	if err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM cases WHERE domain_id = ? AND status <> 'closed'`,
		c.DomainID).Scan(&n); err != nil {
		return 0, fmt.Errorf("open case %s: %w", c.Domain, err)
	}
	if n > 0 {
		return 0, fmt.Errorf("open case %s: %w", c.Domain, store.ErrCaseOpen)
	}
	r, err := t.tx.ExecContext(t.ctx, `INSERT INTO cases (domain_id, reason, status, note, opened_at, status_at, changed_at,
		registrar, hosting) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.DomainID, c.Reason, c.Status, c.Note, fmtTime(c.OpenedAt),
		fmtTime(c.StatusAt), fmtTime(c.ChangedAt), c.Registrar, c.Hosting)
	if err != nil {
		return 0, fmt.Errorf("open case %s: %w", c.Domain, err)
	}
	return r.LastInsertId()
}

func (t *sqlTx) SaveCase(c store.Case) error {
	var ttt any
	if c.TimeToTakedown != nil {
		ttt = *c.TimeToTakedown
	}
	_, err := t.tx.ExecContext(t.ctx, `UPDATE cases SET reason = ?, status = ?, note = ?, status_at = ?, changed_at = ?,
		first_reported_at = ?, taken_down_at = ?, time_to_takedown = ?, registrar = ?, hosting = ?, gone_checks = ?,
		seen_mark = ?, stalled_at = ? WHERE id = ?`, c.Reason, c.Status, c.Note, fmtTime(c.StatusAt), fmtTime(c.ChangedAt),
		dialect.NullTime(c.FirstReportedAt), dialect.NullTime(c.TakenDownAt), ttt, c.Registrar, c.Hosting, c.GoneChecks, c.SeenMark,
		dialect.NullTime(c.StalledAt), c.ID)
	if err != nil {
		return fmt.Errorf("save case %d: %w", c.ID, err)
	}
	return nil
}

func (t *sqlTx) AddCaseEntry(e store.CaseEntry) (int64, error) {
	ev := string(e.Evidence)
	if ev == "" {
		ev = "{}"
	}
	var evID any
	if e.EventID != 0 {
		evID = e.EventID
	}
	r, err := t.tx.ExecContext(t.ctx, `INSERT INTO case_timeline (case_id, at, from_status, to_status, note, evidence, event_id)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.CaseID, fmtTime(e.At), e.From, e.To, e.Note, ev, evID)
	if err != nil {
		return 0, fmt.Errorf("case %d timeline: %w", e.CaseID, err)
	}
	return r.LastInsertId()
}

func (t *sqlTx) PutCaseContact(ct store.CaseContact) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO case_contacts (case_id, role, address, name, email, phone, form_url, source)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, role, address) DO UPDATE SET name = excluded.name,
		email = excluded.email, phone = excluded.phone, form_url = excluded.form_url, source = excluded.source`,
		ct.CaseID, ct.Role, store.ContactAddress(ct), ct.Name, ct.Email, ct.Phone, ct.FormURL, ct.Source)
	if err != nil {
		return fmt.Errorf("case %d contact %s: %w", ct.CaseID, ct.Role, err)
	}
	return nil
}

func (t *sqlTx) MarkContactReported(id int64, at time.Time, ref string, outboxID int64) error {
	var ob any
	if outboxID != 0 {
		ob = outboxID
	}
	_, err := t.tx.ExecContext(t.ctx, `UPDATE case_contacts SET reported_at = ?, ref = ?, outbox_id = COALESCE(?, outbox_id)
		WHERE id = ?`, fmtTime(at), strings.TrimSpace(ref), ob, id)
	if err != nil {
		return fmt.Errorf("mark contact %d reported: %w", id, err)
	}
	return nil
}

func (t *sqlTx) TxCaseContacts(caseID int64) ([]store.CaseContact, error) {
	return caseContacts(t.ctx, t.tx, caseID)
}
