package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

const lookalikeCols = `id, brand, name, unicode, fuzzer, source, score, first_seen, last_checked, registered,
	registered_seen, created, dns, status, status_at, risk_level, risk_score, risk_reasons, risk_at,
	EXISTS (SELECT 1 FROM screenshots s JOIN domains d ON d.id = s.domain_id WHERE d.name = lookalikes.name)`

func scanLookalike(sc interface{ Scan(...any) error }) (store.Lookalike, error) {
	var l store.Lookalike
	var first, checked, regSeen, created, statusAt, riskAt sql.NullString
	var dns, reasons string
	err := sc.Scan(&l.ID, &l.Brand, &l.Name, &l.Unicode, &l.Fuzzer, &l.Source, &l.Score, &first, &checked,
		&l.Registered, &regSeen, &created, &dns, &l.Status, &statusAt, &l.Risk.Level, &l.Risk.Score, &reasons, &riskAt,
		&l.Screenshot)
	l.FirstSeen, l.LastChecked, l.RegisteredSeen = parseTime(first), parseTime(checked), parseTime(regSeen)
	l.Created, l.StatusAt, l.Risk.At = parseTime(created), parseTime(statusAt), parseTime(riskAt)
	if reasons != "" && reasons != "[]" {
		_ = json.Unmarshal([]byte(reasons), &l.Risk.Reasons) // a damaged list reads as none
	}
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
	// Existing row: the merge rule is every driver's (store.MergeLookalike).
	merged, newly := store.MergeLookalike(old, l, now)
	merged.RegisteredSeen = merged.RegisteredSeen.UTC()
	dns = string(merged.DNS)
	if dns == "" {
		dns = "{}"
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
	order := `COALESCE(registered_seen, first_seen) DESC, id DESC`
	if q.Sort == "risk" {
		order = `risk_score DESC, ` + order
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+lookalikeCols+` FROM lookalikes`+cond+
		` ORDER BY `+order+limitClause(q.Limit, q.Offset), args...)
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

func (s *SQLite) SetLookalikeStatus(ctx context.Context, name, brand string, status event.LookalikeStatus) (int, error) {
	if _, err := event.ParseLookalikeStatus(string(status)); err != nil {
		return 0, err
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

func (t *sqlTx) SetLookalikeRisk(brand, name string, r store.LookalikeRisk) (store.LookalikeRisk, error) {
	var prev store.LookalikeRisk
	var reasons string
	var at sql.NullString
	err := t.tx.QueryRowContext(t.ctx, `SELECT risk_level, risk_score, risk_reasons, risk_at FROM lookalikes WHERE brand = ? AND name = ?`,
		brand, name).Scan(&prev.Level, &prev.Score, &reasons, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return prev, fmt.Errorf("risk of look-alike %s of %s: %w", name, brand, store.ErrNotFound)
	}
	if err != nil {
		return prev, fmt.Errorf("risk of look-alike %s of %s: %w", name, brand, err)
	}
	prev.At = parseTime(at)
	if reasons != "" && reasons != "[]" {
		_ = json.Unmarshal([]byte(reasons), &prev.Reasons)
	}
	rj, err := json.Marshal(nonNil(r.Reasons))
	if err != nil {
		return prev, err
	}
	if r.At.IsZero() {
		r.At = time.Now()
	}
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE lookalikes SET risk_level = ?, risk_score = ?, risk_reasons = ?, risk_at = ?, last_checked = ?
		WHERE brand = ? AND name = ?`, r.Level, r.Score, string(rj), fmtTime(r.At), fmtTime(r.At), brand, name); err != nil {
		return prev, fmt.Errorf("store risk of look-alike %s of %s: %w", name, brand, err)
	}
	return prev, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (t *sqlTx) PutScreenshot(sc store.Screenshot) error {
	if len(sc.PNG) == 0 || len(sc.PNG) > store.MaxScreenshot {
		return fmt.Errorf("store screenshot of domain %d: %d bytes (want 1 to %d)", sc.DomainID, len(sc.PNG), store.MaxScreenshot)
	}
	if sc.SHA256 == "" {
		sc.SHA256 = store.Hash(sc.PNG)
	}
	if sc.TakenAt.IsZero() {
		sc.TakenAt = time.Now()
	}
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO screenshots (domain_id, url, taken_at, png, sha256, ahash) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (domain_id) DO UPDATE SET url = excluded.url, taken_at = excluded.taken_at, png = excluded.png,
		sha256 = excluded.sha256, ahash = excluded.ahash`, sc.DomainID, sc.URL, fmtTime(sc.TakenAt), sc.PNG, sc.SHA256, sc.AHash)
	if err != nil {
		return fmt.Errorf("store screenshot of domain %d: %w", sc.DomainID, err)
	}
	return nil
}

func (s *SQLite) Screenshot(ctx context.Context, name string) (*store.Screenshot, error) {
	var sc store.Screenshot
	var at sql.NullString
	err := s.read.QueryRowContext(ctx, `SELECT s.domain_id, s.url, s.taken_at, s.png, s.sha256, s.ahash FROM screenshots s
		JOIN domains d ON d.id = s.domain_id WHERE d.name = ?`, name).Scan(&sc.DomainID, &sc.URL, &at, &sc.PNG, &sc.SHA256, &sc.AHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("screenshot of %s: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("screenshot of %s: %w", name, err)
	}
	sc.TakenAt = parseTime(at)
	return &sc, nil
}
