package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/takedownhq/takedown/store"
)

// caseCols are the columns scanCase reads, of cases c joined to domains d.
const caseCols = `c.id, c.domain_id, d.name, c.reason, c.status, c.note, c.opened_at, c.status_at, c.changed_at,
	c.first_reported_at, c.taken_down_at, c.time_to_takedown, c.registrar, c.hosting, c.gone_checks, c.seen_mark, c.stalled_at`

func scanCase(r Row) (store.Case, error) {
	var c store.Case
	var ttt sql.NullInt64
	err := r.Scan(&c.ID, &c.DomainID, &c.Domain, &c.Reason, &c.Status, &c.Note, Time(&c.OpenedAt), Time(&c.StatusAt),
		Time(&c.ChangedAt), Time(&c.FirstReportedAt), Time(&c.TakenDownAt), &ttt, &c.Registrar, &c.Hosting,
		&c.GoneChecks, &c.SeenMark, Time(&c.StalledAt))
	if ttt.Valid {
		v := ttt.Int64
		c.TimeToTakedown = &v
	}
	return c, err
}

// caseOf is name's case, the one not closed before the newest, read on c.
func caseOf(ctx context.Context, c Conn, name string) (*store.Case, error) {
	return one(c.QueryRow(ctx, `SELECT `+caseCols+` FROM cases c JOIN domains d ON d.id = c.domain_id
		WHERE d.name = ? ORDER BY c.status = 'closed', c.id DESC LIMIT 1`, name), "case "+name, scanCase)
}

// Case returns name's case: the one not closed, else the newest;
// ErrNotFound if the name never had one.
func (db *DB) Case(ctx context.Context, name string) (*store.Case, error) {
	return caseOf(ctx, db.read, name)
}

// Cases lists the cases q matches, newest first.
func (db *DB) Cases(ctx context.Context, q store.CaseQuery) ([]store.Case, error) {
	var f filter
	switch q.Status {
	case "":
	case "active":
		f.add(`c.status <> 'closed'`)
	default:
		f.add(`c.status = ?`, q.Status)
	}
	rows, err := db.read.Query(ctx, `SELECT `+caseCols+` FROM cases c JOIN domains d ON d.id = c.domain_id`+f.where()+
		` ORDER BY c.id DESC`+db.d.Limit(q.Limit, 0), f.args...)
	return Collect(rows, err, "cases", scanCase)
}

const contactCols = `id, case_id, role, name, email, phone, form_url, source, reported_at, ref, outbox_id`

func scanContact(r Row) (store.CaseContact, error) {
	var ct store.CaseContact
	var ob sql.NullInt64
	err := r.Scan(&ct.ID, &ct.CaseID, &ct.Role, &ct.Name, &ct.Email, &ct.Phone, &ct.FormURL, &ct.Source,
		Time(&ct.ReportedAt), &ct.Ref, &ob)
	ct.OutboxID = ob.Int64
	return ct, err
}

func caseContacts(ctx context.Context, c Conn, caseID int64) ([]store.CaseContact, error) {
	rows, err := c.Query(ctx, `SELECT `+contactCols+` FROM case_contacts WHERE case_id = ? ORDER BY id`, caseID)
	return Collect(rows, err, fmt.Sprintf("case %d contacts", caseID), scanContact)
}

// CaseContacts lists a case's contacts in the order they were added.
func (db *DB) CaseContacts(ctx context.Context, caseID int64) ([]store.CaseContact, error) {
	return caseContacts(ctx, db.read, caseID)
}

// CaseTimeline lists a case's entries, oldest first.
func (db *DB) CaseTimeline(ctx context.Context, caseID int64) ([]store.CaseEntry, error) {
	rows, err := db.read.Query(ctx, `SELECT id, case_id, at, from_status, to_status, note, evidence, event_id
		FROM case_timeline WHERE case_id = ? ORDER BY id`, caseID)
	return Collect(rows, err, fmt.Sprintf("case %d timeline", caseID), func(r Row) (store.CaseEntry, error) {
		var e store.CaseEntry
		var ev string
		var evID sql.NullInt64
		err := r.Scan(&e.ID, &e.CaseID, Time(&e.At), &e.From, &e.To, &e.Note, &ev, &evID)
		e.Evidence, e.EventID = []byte(ev), evID.Int64
		return e, err
	})
}

// CaseOf reads name's case as DB.Case does, inside the transaction.
func (t *Tx) CaseOf(name string) (*store.Case, error) { return caseOf(t.ctx, t.c, name) }

// InsertCase writes a new case and returns its ID; ErrCaseOpen when the
// domain has one not closed.
func (t *Tx) InsertCase(c store.Case) (int64, error) {
	var n int
	if err := t.c.QueryRow(t.ctx, `SELECT count(*) FROM cases WHERE domain_id = ? AND status <> 'closed'`,
		c.DomainID).Scan(&n); err != nil {
		return 0, fmt.Errorf("open case %s: %w", c.Domain, err)
	}
	if n > 0 {
		return 0, fmt.Errorf("open case %s: %w", c.Domain, store.ErrCaseOpen)
	}
	d := t.db.d
	var id int64
	err := t.c.QueryRow(t.ctx, `INSERT INTO cases (domain_id, reason, status, note, opened_at, status_at, changed_at,
		registrar, hosting) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.DomainID, c.Reason, c.Status, c.Note,
		d.Time(c.OpenedAt), d.Time(c.StatusAt), d.Time(c.ChangedAt), c.Registrar, c.Hosting).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("open case %s: %w", c.Domain, err)
	}
	return id, nil
}

// SaveCase writes every mutable field of c (by ID).
func (t *Tx) SaveCase(c store.Case) error {
	var ttt any
	if c.TimeToTakedown != nil {
		ttt = *c.TimeToTakedown
	}
	d := t.db.d
	_, err := t.c.Exec(t.ctx, `UPDATE cases SET reason = ?, status = ?, note = ?, status_at = ?, changed_at = ?,
		first_reported_at = ?, taken_down_at = ?, time_to_takedown = ?, registrar = ?, hosting = ?, gone_checks = ?,
		seen_mark = ?, stalled_at = ? WHERE id = ?`, c.Reason, c.Status, c.Note, d.Time(c.StatusAt), d.Time(c.ChangedAt),
		d.NullTime(c.FirstReportedAt), d.NullTime(c.TakenDownAt), ttt, c.Registrar, c.Hosting, c.GoneChecks, c.SeenMark,
		d.NullTime(c.StalledAt), c.ID)
	if err != nil {
		return fmt.Errorf("save case %d: %w", c.ID, err)
	}
	return nil
}

// nullID is id, or NULL when it is 0 (no row).
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// AddCaseEntry appends an entry to a case's timeline and returns its ID;
// no evidence is kept as an empty JSON object.
func (t *Tx) AddCaseEntry(e store.CaseEntry) (int64, error) {
	ev := string(e.Evidence)
	if ev == "" {
		ev = "{}"
	}
	var id int64
	err := t.c.QueryRow(t.ctx, `INSERT INTO case_timeline (case_id, at, from_status, to_status, note, evidence, event_id)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, e.CaseID, t.db.d.Time(e.At), e.From, e.To, e.Note, ev,
		nullID(e.EventID)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("case %d timeline: %w", e.CaseID, err)
	}
	return id, nil
}

// PutCaseContact adds a contact, or replaces the one of the same case,
// role and address, keeping its report.
func (t *Tx) PutCaseContact(ct store.CaseContact) error {
	_, err := t.c.Exec(t.ctx, `INSERT INTO case_contacts (case_id, role, address, name, email, phone, form_url, source)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, role, address) DO UPDATE SET name = excluded.name,
		email = excluded.email, phone = excluded.phone, form_url = excluded.form_url, source = excluded.source`,
		ct.CaseID, ct.Role, store.ContactAddress(ct), ct.Name, ct.Email, ct.Phone, ct.FormURL, ct.Source)
	if err != nil {
		return fmt.Errorf("case %d contact %s: %w", ct.CaseID, ct.Role, err)
	}
	return nil
}

// MarkContactReported records a report to the contact with id; outboxID
// 0 keeps the outbox row it had.
func (t *Tx) MarkContactReported(id int64, at time.Time, ref string, outboxID int64) error {
	_, err := t.c.Exec(t.ctx, `UPDATE case_contacts SET reported_at = ?, ref = ?, outbox_id = COALESCE(?, outbox_id)
		WHERE id = ?`, t.db.d.Time(at), strings.TrimSpace(ref), nullID(outboxID), id)
	if err != nil {
		return fmt.Errorf("mark contact %d reported: %w", id, err)
	}
	return nil
}

// TxCaseContacts lists a case's contacts inside the transaction.
func (t *Tx) TxCaseContacts(caseID int64) ([]store.CaseContact, error) {
	return caseContacts(t.ctx, t.c, caseID)
}
