package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

const snapshotCols = `id, domain_id, probe, first_seen, last_seen, hash, data`

func scanSnapshot(sc interface{ Scan(...any) error }) (store.Snapshot, error) {
	var sn store.Snapshot
	var first, last sql.NullString
	var data string
	err := sc.Scan(&sn.ID, &sn.DomainID, &sn.Probe, &first, &last, &sn.Hash, &data)
	sn.FirstSeen, sn.LastSeen, sn.Data = parseTime(first), parseTime(last), []byte(data)
	return sn, err
}

func latestSnapshot(ctx context.Context, q querier, domainID int64, probe string) (*store.Snapshot, error) {
	row := q.QueryRowContext(ctx, `SELECT `+snapshotCols+` FROM snapshots
		WHERE domain_id = ? AND probe = ? ORDER BY id DESC LIMIT 1`, domainID, probe)
	sn, err := scanSnapshot(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("latest %s snapshot: %w", probe, err)
	}
	return &sn, nil
}

func (s *SQLite) LatestSnapshot(ctx context.Context, domainID int64, probe string) (*store.Snapshot, error) {
	return latestSnapshot(ctx, s.read, domainID, probe)
}

func (t *sqlTx) LatestSnapshot(domainID int64, probe string) (*store.Snapshot, error) {
	return latestSnapshot(t.ctx, t.tx, domainID, probe)
}

func (s *SQLite) Snapshots(ctx context.Context, domainID int64, probe string, limit int) ([]store.Snapshot, error) {
	return snapshots(ctx, s.read, domainID, probe, limit)
}

func (t *sqlTx) Snapshots(domainID int64, probe string, limit int) ([]store.Snapshot, error) {
	return snapshots(t.ctx, t.tx, domainID, probe, limit)
}

func snapshots(ctx context.Context, db querier, domainID int64, probe string, limit int) ([]store.Snapshot, error) {
	q := `SELECT ` + snapshotCols + ` FROM snapshots WHERE domain_id = ?`
	args := []any{domainID}
	if probe != "" {
		q += ` AND probe = ?`
		args = append(args, probe)
	}
	rows, err := db.QueryContext(ctx, q+` ORDER BY id DESC`+limitClause(limit, 0), args...)
	if err != nil {
		return nil, fmt.Errorf("snapshots: %w", err)
	}
	defer rows.Close()
	var out []store.Snapshot
	for rows.Next() {
		sn, err := scanSnapshot(rows)
		if err != nil {
			return nil, fmt.Errorf("snapshots: %w", err)
		}
		out = append(out, sn)
	}
	return out, rows.Err()
}

func (s *SQLite) Snapshot(ctx context.Context, id int64) (*store.Snapshot, error) {
	sn, err := scanSnapshot(s.read.QueryRowContext(ctx, `SELECT `+snapshotCols+` FROM snapshots WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("snapshot %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %d: %w", id, err)
	}
	return &sn, nil
}

func (t *sqlTx) ObserveSnapshot(domainID int64, probe string, at time.Time, data []byte) (*store.Snapshot, *store.Snapshot, bool, error) {
	prev, err := t.LatestSnapshot(domainID, probe)
	if err != nil {
		return nil, nil, false, err
	}
	h := store.Hash(data)
	if prev != nil && prev.Hash == h {
		// Never move last_seen backwards: a late writer must not shrink the range.
		if at.After(prev.LastSeen) {
			if _, err := t.tx.ExecContext(t.ctx, `UPDATE snapshots SET last_seen = ? WHERE id = ?`, fmtTime(at), prev.ID); err != nil {
				return nil, nil, false, fmt.Errorf("touch %s snapshot: %w", probe, err)
			}
			prev.LastSeen = at
		}
		return prev, prev, false, nil
	}
	r, err := t.tx.ExecContext(t.ctx, `INSERT INTO snapshots (domain_id, probe, first_seen, last_seen, hash, data)
		VALUES (?, ?, ?, ?, ?, ?)`, domainID, probe, fmtTime(at), fmtTime(at), h, string(data))
	if err != nil {
		return nil, nil, false, fmt.Errorf("store %s snapshot: %w", probe, err)
	}
	id, _ := r.LastInsertId()
	cur := &store.Snapshot{ID: id, DomainID: domainID, Probe: event.Probe(probe), FirstSeen: at.UTC(), LastSeen: at.UTC(), Hash: h, Data: data}
	return cur, prev, true, nil
}

func probeStatus(ctx context.Context, q querier, domainID int64, probe string) (store.ProbeStatus, error) {
	st := store.ProbeStatus{DomainID: domainID, Probe: event.Probe(probe)}
	var run, ok sql.NullString
	var unreach int
	err := q.QueryRowContext(ctx, `SELECT last_run, last_ok, consecutive_failures, last_error, unreachable
		FROM probe_status WHERE domain_id = ? AND probe = ?`, domainID, probe).
		Scan(&run, &ok, &st.ConsecutiveFailures, &st.LastError, &unreach)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	st.LastRun, st.LastOK, st.Unreachable = parseTime(run), parseTime(ok), unreach != 0
	return st, err
}

func (t *sqlTx) ProbeStatus(domainID int64, probe string) (store.ProbeStatus, error) {
	return probeStatus(t.ctx, t.tx, domainID, probe)
}

func (t *sqlTx) SetProbeStatus(st store.ProbeStatus) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO probe_status
		(domain_id, probe, last_run, last_ok, consecutive_failures, last_error, unreachable)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (domain_id, probe) DO UPDATE SET last_run = excluded.last_run, last_ok = excluded.last_ok,
		consecutive_failures = excluded.consecutive_failures, last_error = excluded.last_error,
		unreachable = excluded.unreachable`,
		st.DomainID, st.Probe, fmtTimePtr(st.LastRun), fmtTimePtr(st.LastOK), st.ConsecutiveFailures,
		st.LastError, boolInt(st.Unreachable))
	if err != nil {
		return fmt.Errorf("set %s status: %w", st.Probe, err)
	}
	return nil
}

func (t *sqlTx) ObserveError(domainID int64, probe string, at time.Time, msg string) (store.ProbeStatus, error) {
	var id int64
	var last string
	err := t.tx.QueryRowContext(t.ctx, `SELECT id, error FROM probe_errors WHERE domain_id = ? AND probe = ?
		ORDER BY id DESC LIMIT 1`, domainID, probe).Scan(&id, &last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return store.ProbeStatus{}, fmt.Errorf("record %s error: %w", probe, err)
	}
	st, err := t.ProbeStatus(domainID, probe)
	if err != nil {
		return st, err
	}
	// Coalesce only within one failure streak: an error after a success
	// starts a new row so the timeline shows both outages.
	if id != 0 && last == msg && st.ConsecutiveFailures > 0 {
		_, err = t.tx.ExecContext(t.ctx, `UPDATE probe_errors SET last_seen = ?, count = count + 1 WHERE id = ?`, fmtTime(at), id)
	} else {
		_, err = t.tx.ExecContext(t.ctx, `INSERT INTO probe_errors (domain_id, probe, first_seen, last_seen, error)
			VALUES (?, ?, ?, ?, ?)`, domainID, probe, fmtTime(at), fmtTime(at), msg)
	}
	if err != nil {
		return st, fmt.Errorf("record %s error: %w", probe, err)
	}
	st.LastRun = at
	st.ConsecutiveFailures++
	st.LastError = msg
	return st, t.SetProbeStatus(st)
}

func (t *sqlTx) MarkChecked(domainID int64, at time.Time) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE domains SET last_checked = ? WHERE id = ? AND (last_checked IS NULL OR last_checked < ?)`,
		fmtTime(at), domainID, fmtTime(at))
	return err
}

func (s *SQLite) ProbeStatuses(ctx context.Context, domainID int64) ([]store.ProbeStatus, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT probe FROM probe_status WHERE domain_id = ? ORDER BY probe`, domainID)
	if err != nil {
		return nil, fmt.Errorf("probe statuses: %w", err)
	}
	var probes []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return nil, err
		}
		probes = append(probes, p)
	}
	rows.Close()
	out := make([]store.ProbeStatus, 0, len(probes))
	for _, p := range probes {
		st, err := probeStatus(ctx, s.read, domainID, p)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func (s *SQLite) FailingProbes(ctx context.Context, limit int) ([]store.ProbeStatusOf, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT d.name, p.domain_id, p.probe, p.last_run, p.last_ok,
		p.consecutive_failures, p.last_error, p.unreachable
		FROM probe_status p JOIN domains d ON d.id = p.domain_id
		WHERE p.consecutive_failures > 0 ORDER BY p.consecutive_failures DESC, d.name`+limitClause(limit, 0))
	if err != nil {
		return nil, fmt.Errorf("failing probes: %w", err)
	}
	defer rows.Close()
	var out []store.ProbeStatusOf
	for rows.Next() {
		var p store.ProbeStatusOf
		var run, ok sql.NullString
		var unreach int
		if err := rows.Scan(&p.Domain, &p.DomainID, &p.Probe, &run, &ok, &p.ConsecutiveFailures, &p.LastError, &unreach); err != nil {
			return nil, err
		}
		p.LastRun, p.LastOK, p.Unreachable = parseTime(run), parseTime(ok), unreach != 0
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *SQLite) ProbeErrors(ctx context.Context, domainID int64, limit int) ([]store.ProbeError, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, domain_id, probe, first_seen, last_seen, count, error
		FROM probe_errors WHERE domain_id = ? ORDER BY id DESC`+limitClause(limit, 0), domainID)
	if err != nil {
		return nil, fmt.Errorf("probe errors: %w", err)
	}
	defer rows.Close()
	var out []store.ProbeError
	for rows.Next() {
		var e store.ProbeError
		var first, last sql.NullString
		if err := rows.Scan(&e.ID, &e.DomainID, &e.Probe, &first, &last, &e.Count, &e.Error); err != nil {
			return nil, err
		}
		e.FirstSeen, e.LastSeen = parseTime(first), parseTime(last)
		out = append(out, e)
	}
	return out, rows.Err()
}

// --- events

const eventCols = `id, COALESCE(domain_id, 0), domain, at, kind, probe, field, old, new, severity, detail`

func scanEvent(sc interface{ Scan(...any) error }) (store.Event, error) {
	var e store.Event
	var at sql.NullString
	var detail string
	err := sc.Scan(&e.ID, &e.DomainID, &e.Domain, &at, &e.Kind, &e.Probe, &e.Field, &e.Old, &e.New, &e.Severity, &detail)
	e.At = parseTime(at)
	if detail != "" && detail != "{}" {
		e.Detail = []byte(detail)
	}
	return e, err
}

func (t *sqlTx) HasEvent(domainID int64, kind event.Kind, newValue string) (bool, error) {
	var one int
	err := t.tx.QueryRowContext(t.ctx, `SELECT 1 FROM events WHERE domain_id = ? AND kind = ? AND new = ? LIMIT 1`,
		domainID, kind, newValue).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (t *sqlTx) AddEvent(ev store.Event) (int64, error) {
	if ev.Kind == "" || ev.Domain == "" {
		return 0, errors.New("add event: kind and domain are required")
	}
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
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
	r, err := t.tx.ExecContext(t.ctx, `INSERT INTO events (domain_id, domain, at, kind, probe, field, old, new, severity, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, domID, ev.Domain, fmtTime(ev.At), ev.Kind, ev.Probe, ev.Field,
		ev.Old, ev.New, ev.Severity, detail)
	if err != nil {
		return 0, fmt.Errorf("add %s event for %s: %w", ev.Kind, ev.Domain, err)
	}
	ev.ID, _ = r.LastInsertId()
	if rp := t.s.router.Load(); rp != nil {
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
func (t *sqlTx) routing(ev *store.Event) error {
	if ev.DomainID != 0 && ev.DomainKind == "" {
		if err := t.tx.QueryRowContext(t.ctx, `SELECT kind FROM domains WHERE id = ?`, ev.DomainID).Scan(&ev.DomainKind); err != nil {
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
func (t *sqlTx) tags(domainID int64, kind event.DomainKind, name string) ([]string, error) {
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
	rows, err := t.tx.QueryContext(t.ctx, `SELECT DISTINCT tag FROM (`+q+`) ORDER BY tag`, args...)
	if err != nil {
		return nil, fmt.Errorf("event tags: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var tg string
		if err := rows.Scan(&tg); err != nil {
			return nil, err
		}
		out = append(out, tg)
	}
	return out, rows.Err()
}

func (t *sqlTx) SetState(domainID int64, at time.Time, state event.State, reasons []string) (event.State, bool, error) {
	var cur event.State
	var since sql.NullString
	if err := t.tx.QueryRowContext(t.ctx, `SELECT state, state_since FROM domains WHERE id = ?`, domainID).Scan(&cur, &since); err != nil {
		return "", false, fmt.Errorf("set state of domain %d: %w", domainID, err)
	}
	rs := jsonStrings(reasons)
	if cur == state {
		_, err := t.tx.ExecContext(t.ctx, `UPDATE domains SET state_reasons = ? WHERE id = ?`, rs, domainID)
		return cur, false, err
	}
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE domains SET state = ?, state_since = ?, state_reasons = ? WHERE id = ?`,
		state, fmtTime(at), rs, domainID); err != nil {
		return "", false, fmt.Errorf("set state of domain %d: %w", domainID, err)
	}
	return cur, !since.Valid, nil
}

func (t *sqlTx) AddTransition(tr store.Transition) error {
	var ev any
	if tr.EventID != 0 {
		ev = tr.EventID
	}
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO state_transitions (domain_id, at, from_state, to_state, reasons, event_id)
		VALUES (?, ?, ?, ?, ?, ?)`, tr.DomainID, fmtTime(tr.At), tr.From, tr.To, jsonStrings(tr.Reasons), ev); err != nil {
		return fmt.Errorf("record transition of domain %d: %w", tr.DomainID, err)
	}
	return nil
}

func (t *sqlTx) SetSuspect(domainID int64, suspect event.State) (bool, error) {
	r, err := t.tx.ExecContext(t.ctx, `UPDATE domains SET suspect = ? WHERE id = ? AND suspect != ?`, suspect, domainID, suspect)
	if err != nil {
		return false, fmt.Errorf("set suspect of domain %d: %w", domainID, err)
	}
	n, _ := r.RowsAffected()
	return n > 0, nil
}

func (s *SQLite) Events(ctx context.Context, q store.EventQuery) ([]store.Event, error) {
	cond, args := eventFilter(q)
	rows, err := s.read.QueryContext(ctx, `SELECT `+eventCols+` FROM events`+cond+` ORDER BY at DESC, id DESC`+limitClause(q.Limit, q.Offset), args...)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer rows.Close()
	var out []store.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *SQLite) Event(ctx context.Context, id int64) (*store.Event, error) {
	return getEvent(ctx, s.read, id)
}

func (t *sqlTx) Event(id int64) (*store.Event, error) { return getEvent(t.ctx, t.tx, id) }

func getEvent(ctx context.Context, db querier, id int64) (*store.Event, error) {
	e, err := scanEvent(db.QueryRowContext(ctx, `SELECT `+eventCols+` FROM events WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("event %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("event %d: %w", id, err)
	}
	return &e, nil
}

func (s *SQLite) Transitions(ctx context.Context, domainID int64) ([]store.Transition, error) {
	return transitions(ctx, s.read, domainID)
}

func (t *sqlTx) Transitions(domainID int64) ([]store.Transition, error) {
	return transitions(t.ctx, t.tx, domainID)
}

func transitions(ctx context.Context, db querier, domainID int64) ([]store.Transition, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, domain_id, at, from_state, to_state, reasons, COALESCE(event_id, 0)
		FROM state_transitions WHERE domain_id = ? ORDER BY at DESC, id DESC`, domainID)
	if err != nil {
		return nil, fmt.Errorf("transitions: %w", err)
	}
	defer rows.Close()
	var out []store.Transition
	for rows.Next() {
		var tr store.Transition
		var at sql.NullString
		var reasons string
		if err := rows.Scan(&tr.ID, &tr.DomainID, &at, &tr.From, &tr.To, &reasons, &tr.EventID); err != nil {
			return nil, err
		}
		tr.At, tr.Reasons = parseTime(at), parseStrings(reasons)
		out = append(out, tr)
	}
	return out, rows.Err()
}
