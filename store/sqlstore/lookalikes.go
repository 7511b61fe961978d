package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

const lookalikeCols = `id, brand, name, unicode, fuzzer, source, score, first_seen, last_checked, registered,
	registered_seen, created, dns, status, status_at, risk_level, risk_score, risk_reasons, risk_at,
	EXISTS (SELECT 1 FROM screenshots s JOIN domains d ON d.id = s.domain_id WHERE d.name = lookalikes.name)`

func scanLookalike(r Row) (store.Lookalike, error) {
	var l store.Lookalike
	var dns string
	var reasons []string
	err := r.Scan(&l.ID, &l.Brand, &l.Name, &l.Unicode, &l.Fuzzer, &l.Source, &l.Score, Time(&l.FirstSeen), Time(&l.LastChecked),
		&l.Registered, Time(&l.RegisteredSeen), Time(&l.Created), &dns, &l.Status, Time(&l.StatusAt), &l.Risk.Level, &l.Risk.Score,
		Strings(&reasons), Time(&l.Risk.At), &l.Screenshot)
	if len(reasons) > 0 {
		l.Risk.Reasons = reasons
	}
	if dns != "" && dns != "{}" {
		l.DNS = []byte(dns)
	}
	return l, err
}

// UpsertLookalike inserts or updates (brand, name) (see store.Tx).
func (t *Tx) UpsertLookalike(l store.Lookalike) (store.Lookalike, bool, error) {
	if l.Brand == "" || l.Name == "" {
		return l, false, errors.New("upsert look-alike: brand and name are required")
	}
	d := t.db.d
	now := d.Norm(time.Now())
	l.FirstSeen = d.Norm(orTime(l.FirstSeen, now))
	if !l.LastChecked.IsZero() {
		l.LastChecked = d.Norm(l.LastChecked)
	}
	if !l.Created.IsZero() {
		l.Created = d.Norm(l.Created)
	}
	l.Registered = or(l.Registered, store.RegUnknown)
	l.Unicode = or(l.Unicode, l.Name)
	old, err := scanLookalike(t.c.QueryRow(t.ctx, `SELECT `+lookalikeCols+` FROM lookalikes WHERE brand = ? AND name = ?`, l.Brand, l.Name))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		var regSeen time.Time
		if l.Registered == store.RegYes {
			regSeen = orTime(l.LastChecked, now)
		}
		err := t.c.QueryRow(t.ctx, `INSERT INTO lookalikes (brand, name, unicode, fuzzer, source, score, first_seen,
			last_checked, registered, registered_seen, created, dns, status)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new') RETURNING id`,
			l.Brand, l.Name, l.Unicode, l.Fuzzer, l.Source, l.Score, d.Time(l.FirstSeen), d.NullTime(l.LastChecked),
			l.Registered, d.NullTime(regSeen), d.NullTime(l.Created), or(string(l.DNS), "{}")).Scan(&l.ID)
		if err != nil {
			return l, false, fmt.Errorf("insert look-alike %s of %s: %w", l.Name, l.Brand, err)
		}
		l.Status = store.StatusNew
		l.RegisteredSeen = regSeen
		return l, l.Registered == store.RegYes, nil
	case err != nil:
		return l, false, fmt.Errorf("read look-alike %s: %w", l.Name, err)
	}
	// Existing row: the merge rule is every driver's (store.MergeLookalike).
	merged, newly := store.MergeLookalike(old, l, now)
	merged.RegisteredSeen = merged.RegisteredSeen.UTC()
	_, err = t.c.Exec(t.ctx, `UPDATE lookalikes SET fuzzer = ?, source = ?, score = ?, last_checked = ?, registered = ?,
		registered_seen = ?, created = ?, dns = ? WHERE id = ?`, merged.Fuzzer, merged.Source, merged.Score,
		d.NullTime(merged.LastChecked), merged.Registered, d.NullTime(merged.RegisteredSeen), d.NullTime(merged.Created),
		or(string(merged.DNS), "{}"), old.ID)
	if err != nil {
		return old, false, fmt.Errorf("update look-alike %s: %w", l.Name, err)
	}
	return merged, newly, nil
}

func (db *DB) lookalikeFilter(q store.LookalikeQuery) filter {
	var f filter
	for _, c := range []struct{ col, v string }{{"brand", q.Brand}, {"status", string(q.Status)}, {"fuzzer", q.Fuzzer},
		{"source", q.Source}, {"registered", string(q.Registered)}} {
		if c.v != "" {
			f.add(c.col+` = ?`, c.v) // col comes from the fixed list above
		}
	}
	if !q.Since.IsZero() {
		f.add(`first_seen >= ?`, db.d.Time(q.Since))
	}
	if q.Search != "" {
		p := likePattern(q.Search)
		f.add(`(name `+db.d.Like+` ? ESCAPE '\' OR unicode `+db.d.Like+` ? ESCAPE '\')`, p, p)
	}
	return f
}

// Lookalikes lists matching look-alikes and their total, newest first.
func (db *DB) Lookalikes(ctx context.Context, q store.LookalikeQuery) ([]store.Lookalike, int, error) {
	f := db.lookalikeFilter(q)
	var total int
	if err := db.read.QueryRow(ctx, `SELECT count(*) FROM lookalikes`+f.where(), f.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count look-alikes: %w", err)
	}
	order := `COALESCE(registered_seen, first_seen) DESC, id DESC`
	if q.Sort == "risk" {
		order = `risk_score DESC, ` + order
	}
	rows, err := db.read.Query(ctx, `SELECT `+lookalikeCols+` FROM lookalikes`+f.where()+
		` ORDER BY `+order+db.d.Limit(q.Limit, q.Offset), f.args...)
	out, err := Collect(rows, err, "look-alikes", scanLookalike)
	return out, total, err
}

// SetLookalikeStatus triages every row of name, or only brand's.
func (db *DB) SetLookalikeStatus(ctx context.Context, name, brand string, status event.LookalikeStatus) (int, error) {
	if !status.Valid() {
		return 0, fmt.Errorf("look-alike status %q: want new, acknowledged or dismissed", status)
	}
	var n int64
	err := db.write(ctx, func(t *Tx) error {
		f := filter{conds: []string{`name = ?`}, args: []any{name}}
		if brand != "" {
			f.add(`brand = ?`, brand)
		}
		var err error
		n, err = t.c.Exec(t.ctx, `UPDATE lookalikes SET status = ?, status_at = ?`+f.where(),
			append([]any{status, db.d.Time(time.Now())}, f.args...)...)
		if err != nil {
			return fmt.Errorf("triage %s: %w", name, err)
		}
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

// SetLookalikeRisk stores the risk of (brand, name), returning the one
// it replaces. Writes are serialized by Update, so the read and the write
// see the same row.
func (t *Tx) SetLookalikeRisk(brand, name string, r store.LookalikeRisk) (store.LookalikeRisk, error) {
	var prev store.LookalikeRisk
	var reasons []string
	err := t.c.QueryRow(t.ctx, `SELECT risk_level, risk_score, risk_reasons, risk_at FROM lookalikes WHERE brand = ? AND name = ?`,
		brand, name).Scan(&prev.Level, &prev.Score, Strings(&reasons), Time(&prev.At))
	if errors.Is(err, sql.ErrNoRows) {
		return prev, fmt.Errorf("risk of look-alike %s of %s: %w", name, brand, store.ErrNotFound)
	}
	if err != nil {
		return prev, fmt.Errorf("risk of look-alike %s of %s: %w", name, brand, err)
	}
	if len(reasons) > 0 {
		prev.Reasons = reasons
	}
	at := t.db.d.Time(orTime(r.At, time.Now()))
	// Judging the risk is a check of the look-alike: last_checked moves.
	if _, err := t.c.Exec(t.ctx, `UPDATE lookalikes SET risk_level = ?, risk_score = ?, risk_reasons = ?, risk_at = ?, last_checked = ?
		WHERE brand = ? AND name = ?`, r.Level, r.Score, JSONStrings(r.Reasons), at, at, brand, name); err != nil {
		return prev, fmt.Errorf("store risk of look-alike %s of %s: %w", name, brand, err)
	}
	return prev, nil
}

// PutScreenshot replaces a domain's screenshot (see store.Tx).
func (t *Tx) PutScreenshot(sc store.Screenshot) error {
	if len(sc.PNG) == 0 || len(sc.PNG) > store.MaxScreenshot {
		return fmt.Errorf("store screenshot of domain %d: %d bytes (want 1 to %d)", sc.DomainID, len(sc.PNG), store.MaxScreenshot)
	}
	sc.SHA256 = or(sc.SHA256, store.Hash(sc.PNG))
	_, err := t.c.Exec(t.ctx, `INSERT INTO screenshots (domain_id, url, taken_at, png, sha256, ahash) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (domain_id) DO UPDATE SET url = excluded.url, taken_at = excluded.taken_at, png = excluded.png,
		sha256 = excluded.sha256, ahash = excluded.ahash`, sc.DomainID, sc.URL, t.db.d.Time(orTime(sc.TakenAt, time.Now())),
		sc.PNG, sc.SHA256, sc.AHash)
	if err != nil {
		return fmt.Errorf("store screenshot of domain %d: %w", sc.DomainID, err)
	}
	return nil
}

// Screenshot returns the latest screenshot of a domain; ErrNotFound if none.
func (db *DB) Screenshot(ctx context.Context, name string) (*store.Screenshot, error) {
	return one(db.read.QueryRow(ctx, `SELECT s.domain_id, s.url, s.taken_at, s.png, s.sha256, s.ahash FROM screenshots s
		JOIN domains d ON d.id = s.domain_id WHERE d.name = ?`, name), "screenshot of "+name,
		func(r Row) (sc store.Screenshot, err error) {
			return sc, r.Scan(&sc.DomainID, &sc.URL, Time(&sc.TakenAt), &sc.PNG, &sc.SHA256, &sc.AHash)
		})
}
