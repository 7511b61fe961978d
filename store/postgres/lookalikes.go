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

const lookalikeCols = `id, brand, name, unicode, fuzzer, source, score, first_seen, last_checked, registered,
	registered_seen, created, dns, status, status_at, risk_level, risk_score, risk_reasons, risk_at,
	EXISTS (SELECT 1 FROM screenshots s JOIN domains d ON d.id = s.domain_id WHERE d.name = lookalikes.name)`

func scanLookalike(sc pgx.Row) (store.Lookalike, error) {
	var l store.Lookalike
	var first, checked, regSeen, created, statusAt, riskAt pgtype.Timestamptz
	var dns, reasons string
	err := sc.Scan(&l.ID, &l.Brand, &l.Name, &l.Unicode, &l.Fuzzer, &l.Source, &l.Score, &first, &checked,
		&l.Registered, &regSeen, &created, &dns, &l.Status, &statusAt, &l.Risk.Level, &l.Risk.Score, &reasons, &riskAt,
		&l.Screenshot)
	l.FirstSeen, l.LastChecked, l.RegisteredSeen = tm(first), tm(checked), tm(regSeen)
	l.Created, l.StatusAt, l.Risk.At = tm(created), tm(statusAt), tm(riskAt)
	if rs := parseStrings(reasons); len(rs) > 0 {
		l.Risk.Reasons = rs
	}
	if dns != "" && dns != "{}" {
		l.DNS = []byte(dns)
	}
	return l, err
}

func (t *pgTx) UpsertLookalike(l store.Lookalike) (store.Lookalike, bool, error) {
	if l.Brand == "" || l.Name == "" {
		return l, false, errors.New("upsert look-alike: brand and name are required")
	}
	now := us(time.Now())
	if l.FirstSeen.IsZero() {
		l.FirstSeen = now
	}
	l.FirstSeen, l.LastChecked, l.Created = us(l.FirstSeen), usZero(l.LastChecked), usZero(l.Created)
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
	old, err := scanLookalike(t.tx.QueryRow(t.ctx, `SELECT `+lookalikeCols+` FROM lookalikes WHERE brand = $1 AND name = $2`, l.Brand, l.Name))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		var regSeen time.Time
		if l.Registered == store.RegYes {
			regSeen = cmpTime(l.LastChecked, now)
		}
		err := t.tx.QueryRow(t.ctx, `INSERT INTO lookalikes (brand, name, unicode, fuzzer, source, score, first_seen,
			last_checked, registered, registered_seen, created, dns, status)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'new') RETURNING id`,
			l.Brand, l.Name, l.Unicode, l.Fuzzer, l.Source, l.Score, l.FirstSeen, null(l.LastChecked),
			l.Registered, null(regSeen), null(l.Created), dns).Scan(&l.ID)
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
	dns = string(merged.DNS)
	if dns == "" {
		dns = "{}"
	}
	_, err = t.tx.Exec(t.ctx, `UPDATE lookalikes SET fuzzer = $1, source = $2, score = $3, last_checked = $4, registered = $5,
		registered_seen = $6, created = $7, dns = $8 WHERE id = $9`, merged.Fuzzer, merged.Source, merged.Score,
		null(merged.LastChecked), merged.Registered, null(merged.RegisteredSeen), null(merged.Created), dns, old.ID)
	if err != nil {
		return old, false, fmt.Errorf("update look-alike %s: %w", l.Name, err)
	}
	return merged, newly, nil
}

// usZero is us, keeping the zero time zero.
func usZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return us(t)
}

func cmpTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

func lookalikeFilter(q store.LookalikeQuery) (string, args) {
	var conds []string
	var a args
	for _, f := range []struct{ col, v string }{{"brand", q.Brand}, {"status", string(q.Status)}, {"fuzzer", q.Fuzzer},
		{"source", q.Source}, {"registered", string(q.Registered)}} {
		if f.v != "" {
			// col comes from the fixed list above, never from a request.
			conds = append(conds, f.col+` = `+a.add(f.v))
		}
	}
	if !q.Since.IsZero() {
		conds = append(conds, `first_seen >= `+a.add(q.Since))
	}
	if q.Search != "" {
		pat := a.add(likePattern(q.Search))
		conds = append(conds, `(name ILIKE `+pat+` OR unicode ILIKE `+pat+`)`)
	}
	return where(conds), a
}

func (p *Postgres) Lookalikes(ctx context.Context, q store.LookalikeQuery) ([]store.Lookalike, int, error) {
	cond, a := lookalikeFilter(q)
	var total int
	if err := p.pool.QueryRow(ctx, `SELECT count(*) FROM lookalikes`+cond, a...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count look-alikes: %w", err)
	}
	order := `COALESCE(registered_seen, first_seen) DESC, id DESC`
	if q.Sort == "risk" {
		order = `risk_score DESC, ` + order
	}
	rows, err := p.pool.Query(ctx, `SELECT `+lookalikeCols+` FROM lookalikes`+cond+
		` ORDER BY `+order+limitClause(q.Limit, q.Offset), a...)
	out, err := collect(rows, err, "look-alikes", func(r pgx.Rows) (store.Lookalike, error) { return scanLookalike(r) })
	return out, total, err
}

func (p *Postgres) SetLookalikeStatus(ctx context.Context, name, brand string, status event.LookalikeStatus) (int, error) {
	if _, err := event.ParseLookalikeStatus(string(status)); err != nil {
		return 0, err
	}
	var n int64
	err := p.Update(ctx, func(tx store.Tx) error {
		t := tx.(*pgTx)
		q := `UPDATE lookalikes SET status = $1, status_at = $2 WHERE name = $3`
		a := []any{status, time.Now(), name}
		if brand != "" {
			q += ` AND brand = $4`
			a = append(a, brand)
		}
		tag, err := t.tx.Exec(t.ctx, q, a...)
		if err != nil {
			return fmt.Errorf("triage %s: %w", name, err)
		}
		n = tag.RowsAffected()
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

func (t *pgTx) SetLookalikeRisk(brand, name string, r store.LookalikeRisk) (store.LookalikeRisk, error) {
	var prev store.LookalikeRisk
	var reasons string
	var at pgtype.Timestamptz
	err := t.tx.QueryRow(t.ctx, `SELECT risk_level, risk_score, risk_reasons, risk_at FROM lookalikes WHERE brand = $1 AND name = $2 FOR UPDATE`,
		brand, name).Scan(&prev.Level, &prev.Score, &reasons, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return prev, fmt.Errorf("risk of look-alike %s of %s: %w", name, brand, store.ErrNotFound)
	}
	if err != nil {
		return prev, fmt.Errorf("risk of look-alike %s of %s: %w", name, brand, err)
	}
	prev.At = tm(at)
	if rs := parseStrings(reasons); len(rs) > 0 {
		prev.Reasons = rs
	}
	if r.At.IsZero() {
		r.At = time.Now()
	}
	// Judging the risk is a check of the look-alike: last_checked moves.
	if _, err := t.tx.Exec(t.ctx, `UPDATE lookalikes SET risk_level = $1, risk_score = $2, risk_reasons = $3, risk_at = $4, last_checked = $4
		WHERE brand = $5 AND name = $6`, r.Level, r.Score, jsonStrings(r.Reasons), us(r.At), brand, name); err != nil {
		return prev, fmt.Errorf("store risk of look-alike %s of %s: %w", name, brand, err)
	}
	return prev, nil
}

func (t *pgTx) PutScreenshot(sc store.Screenshot) error {
	if len(sc.PNG) == 0 || len(sc.PNG) > store.MaxScreenshot {
		return fmt.Errorf("store screenshot of domain %d: %d bytes (want 1 to %d)", sc.DomainID, len(sc.PNG), store.MaxScreenshot)
	}
	if sc.SHA256 == "" {
		sc.SHA256 = store.Hash(sc.PNG)
	}
	if sc.TakenAt.IsZero() {
		sc.TakenAt = time.Now()
	}
	_, err := t.tx.Exec(t.ctx, `INSERT INTO screenshots (domain_id, url, taken_at, png, sha256, ahash) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (domain_id) DO UPDATE SET url = excluded.url, taken_at = excluded.taken_at, png = excluded.png,
		sha256 = excluded.sha256, ahash = excluded.ahash`, sc.DomainID, sc.URL, us(sc.TakenAt), sc.PNG, sc.SHA256, sc.AHash)
	if err != nil {
		return fmt.Errorf("store screenshot of domain %d: %w", sc.DomainID, err)
	}
	return nil
}

func (p *Postgres) Screenshot(ctx context.Context, name string) (*store.Screenshot, error) {
	var sc store.Screenshot
	var at pgtype.Timestamptz
	err := p.pool.QueryRow(ctx, `SELECT s.domain_id, s.url, s.taken_at, s.png, s.sha256, s.ahash FROM screenshots s
		JOIN domains d ON d.id = s.domain_id WHERE d.name = $1`, name).Scan(&sc.DomainID, &sc.URL, &at, &sc.PNG, &sc.SHA256, &sc.AHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("screenshot of %s: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("screenshot of %s: %w", name, err)
	}
	sc.TakenAt = tm(at)
	return &sc, nil
}
