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

const lookalikeCols = `id, brand, name, unicode, fuzzer, source, score, first_seen, last_checked, registered,
	registered_seen, created, dns, status, status_at`

func scanLookalike(sc interface{ Scan(...any) error }) (store.Lookalike, error) {
	var l store.Lookalike
	var first, checked, regSeen, created, statusAt sql.NullString
	var dns string
	err := sc.Scan(&l.ID, &l.Brand, &l.Name, &l.Unicode, &l.Fuzzer, &l.Source, &l.Score, &first, &checked,
		&l.Registered, &regSeen, &created, &dns, &l.Status, &statusAt)
	l.FirstSeen, l.LastChecked, l.RegisteredSeen = parseTime(first), parseTime(checked), parseTime(regSeen)
	l.Created, l.StatusAt = parseTime(created), parseTime(statusAt)
	if dns != "" && dns != "{}" {
		l.DNS = []byte(dns)
	}
	return l, err
}

func (t *sqlTx) UpsertLookalike(l store.Lookalike) (store.Lookalike, bool, error) {
	if l.Brand == "" || l.Name == "" {
		return l, false, errors.New("upsert look-alike: brand and name are required")
	}
	now := time.Now()
	if l.FirstSeen.IsZero() {
		l.FirstSeen = now
	}
	if l.Registered == "" {
		l.Registered = store.RegUnknown
	}
	if l.Unicode == "" {
		l.Unicode = l.Name
	}
	dns := string(l.DNS)
	if dns == "" {
		dns = "{}"
	}
	old, err := scanLookalike(t.tx.QueryRowContext(t.ctx, `SELECT `+lookalikeCols+` FROM lookalikes WHERE brand = ? AND name = ?`, l.Brand, l.Name))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		var regSeen any
		if l.Registered == store.RegYes {
			regSeen = fmtTime(cmpTime(l.LastChecked, now))
		}
		r, err := t.tx.ExecContext(t.ctx, `INSERT INTO lookalikes (brand, name, unicode, fuzzer, source, score, first_seen,
			last_checked, registered, registered_seen, created, dns, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new')`,
			l.Brand, l.Name, l.Unicode, l.Fuzzer, l.Source, l.Score, fmtTime(l.FirstSeen), fmtTimePtr(l.LastChecked),
			l.Registered, regSeen, fmtTimePtr(l.Created), dns)
		if err != nil {
			return l, false, fmt.Errorf("insert look-alike %s of %s: %w", l.Name, l.Brand, err)
		}
		l.ID, _ = r.LastInsertId()
		l.Status = store.StatusNew
		if regSeen != nil {
			l.RegisteredSeen = cmpTime(l.LastChecked, now).UTC()
		}
		return l, l.Registered == store.RegYes, nil
	case err != nil:
		return l, false, fmt.Errorf("read look-alike %s: %w", l.Name, err)
	}
	// Existing row: keep what triage and history own (first_seen, status,
	// registered_seen). An unknown answer never overwrites a known one: a
	// timeout says nothing about registration.
	newly := l.Registered == store.RegYes && old.RegisteredSeen.IsZero()
	merged := old
	if l.Registered != store.RegUnknown {
		merged.Registered = l.Registered
	}
	if newly {
		merged.RegisteredSeen = cmpTime(l.LastChecked, now).UTC()
	}
	if !l.LastChecked.IsZero() {
		merged.LastChecked = l.LastChecked
	}
	if !l.Created.IsZero() {
		merged.Created = l.Created
	}
	if l.DNS != nil {
		merged.DNS = l.DNS
		dns = string(l.DNS)
	} else {
		dns = string(old.DNS)
		if dns == "" {
			dns = "{}"
		}
	}
	if l.Score > merged.Score {
		merged.Score = l.Score
	}
	if merged.Fuzzer == "" {
		merged.Fuzzer = l.Fuzzer
	}
	if merged.Source == "" {
		merged.Source = l.Source
	}
	_, err = t.tx.ExecContext(t.ctx, `UPDATE lookalikes SET fuzzer = ?, source = ?, score = ?, last_checked = ?, registered = ?,
		registered_seen = ?, created = ?, dns = ? WHERE id = ?`, merged.Fuzzer, merged.Source, merged.Score,
		fmtTimePtr(merged.LastChecked), merged.Registered, fmtTimePtr(merged.RegisteredSeen), fmtTimePtr(merged.Created), dns, old.ID)
	if err != nil {
		return old, false, fmt.Errorf("update look-alike %s: %w", l.Name, err)
	}
	return merged, newly, nil
}

func cmpTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

func (s *SQLite) Lookalikes(ctx context.Context, q store.LookalikeQuery) ([]store.Lookalike, int, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if q.Brand != "" {
		add(`brand = ?`, q.Brand)
	}
	if q.Status != "" {
		add(`status = ?`, q.Status)
	}
	if q.Fuzzer != "" {
		add(`fuzzer = ?`, q.Fuzzer)
	}
	if q.Source != "" {
		add(`source = ?`, q.Source)
	}
	if q.Registered != "" {
		add(`registered = ?`, q.Registered)
	}
	if !q.Since.IsZero() {
		add(`first_seen >= ?`, fmtTime(q.Since))
	}
	if q.Search != "" {
		p := "%" + likeEscape(strings.ToLower(q.Search)) + "%"
		where = append(where, `(name LIKE ? ESCAPE '\' OR unicode LIKE ? ESCAPE '\')`)
		args = append(args, p, p)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM lookalikes`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count look-alikes: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+lookalikeCols+` FROM lookalikes`+cond+
		` ORDER BY COALESCE(registered_seen, first_seen) DESC, id DESC`+limitClause(q.Limit, q.Offset), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("look-alikes: %w", err)
	}
	defer rows.Close()
	var out []store.Lookalike
	for rows.Next() {
		l, err := scanLookalike(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("look-alikes: %w", err)
		}
		out = append(out, l)
	}
	return out, total, rows.Err()
}

func (s *SQLite) SetLookalikeStatus(ctx context.Context, name, brand, status string) (int, error) {
	switch status {
	case store.StatusNew, store.StatusAcknowledged, store.StatusDismissed:
	default:
		return 0, fmt.Errorf("look-alike status %q: want new, acknowledged or dismissed", status)
	}
	var n int64
	err := s.Update(ctx, func(tx store.Tx) error {
		t := tx.(*sqlTx)
		q := `UPDATE lookalikes SET status = ?, status_at = ? WHERE name = ?`
		args := []any{status, fmtTime(time.Now()), name}
		if brand != "" {
			q += ` AND brand = ?`
			args = append(args, brand)
		}
		r, err := t.tx.ExecContext(t.ctx, q, args...)
		if err != nil {
			return fmt.Errorf("triage %s: %w", name, err)
		}
		n, _ = r.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, fmt.Errorf("look-alike %s: %w", name, store.ErrNotFound)
	}
	return int(n), nil
}
