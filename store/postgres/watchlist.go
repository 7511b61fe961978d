package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/takedownhq/takedown/store"
)

const domainCols = `d.id, d.name, d.unicode, d.kind, d.note, d.source, d.added_at, d.enabled,
	d.state, d.state_since, d.state_reasons, d.last_checked,
	(SELECT array_agg(tag ORDER BY tag) FROM domain_tags t WHERE t.domain_id = d.id)`

func scanDomain(sc pgx.Row) (store.Domain, error) {
	var (
		d                  store.Domain
		added, since, last pgtype.Timestamptz
		reasons            string
		tags               []string
	)
	if err := sc.Scan(&d.ID, &d.Name, &d.Unicode, &d.Kind, &d.Note, &d.Source, &added, &d.Enabled,
		&d.State, &since, &reasons, &last, &tags); err != nil {
		return d, err
	}
	d.AddedAt, d.StateSince, d.LastChecked = tm(added), tm(since), tm(last)
	d.StateReasons = parseStrings(reasons)
	d.Tags = tags
	if d.Tags == nil {
		d.Tags = []string{}
	}
	return d, nil
}

func getDomain(ctx context.Context, q querier, name string) (*store.Domain, error) {
	d, err := scanDomain(q.QueryRow(ctx, `SELECT `+domainCols+` FROM domains d WHERE d.name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("domain %s: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("domain %s: %w", name, err)
	}
	return &d, nil
}

func (p *Postgres) Domain(ctx context.Context, name string) (*store.Domain, error) {
	return getDomain(ctx, p.pool, name)
}

func (t *pgTx) Domain(name string) (*store.Domain, error) { return getDomain(t.ctx, t.tx, name) }

func (p *Postgres) AddDomains(ctx context.Context, ds []store.NewDomain) (store.AddResult, error) {
	var res store.AddResult
	err := p.Update(ctx, func(tx store.Tx) error {
		r, err := tx.(*pgTx).addDomains(ds)
		res = r
		return err
	})
	if err != nil {
		return store.AddResult{}, err
	}
	return res, nil
}

// copyAbove is the list size past which AddDomains copies the list into a
// staging table and applies it with set statements (addLarge) instead of
// two statements per entry. A variable so tests can take that path.
var copyAbove = 5000

func (t *pgTx) addDomains(ds []store.NewDomain) (store.AddResult, error) {
	if len(ds) > copyAbove {
		return t.addLarge(ds)
	}
	var res store.AddResult
	now := us(time.Now())
	seen := make(map[string]bool, len(ds))
	for _, d := range ds {
		if d.Name == "" {
			return res, errors.New("add domain: empty name")
		}
		kind := d.Kind
		if kind != "" && kind != store.KindWatch && kind != store.KindBrand && kind != store.KindLookalike && kind != store.KindRelated {
			return res, fmt.Errorf("add domain %s: unknown kind %q", d.Name, kind)
		}
		uni := d.Unicode
		if uni == "" {
			uni = d.Name
		}
		var id int64
		err := t.tx.QueryRow(t.ctx, `INSERT INTO domains (name, unicode, kind, note, source, added_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING RETURNING id`,
			d.Name, uni, cmp(kind, store.KindWatch), d.Note, d.Source, now).Scan(&id)
		switch {
		case err == nil:
			if !seen[d.Name] {
				res.Added = append(res.Added, d.Name)
			}
		case errors.Is(err, pgx.ErrNoRows):
			// As the SQLite driver: a look-alike entry never changes an
			// existing row; any other makes a look-alike row watched.
			if err := t.tx.QueryRow(t.ctx, `UPDATE domains SET
				note = CASE WHEN $2 IN ('lookalike', 'related') THEN note WHEN $1 != '' THEN $1 ELSE note END,
				kind = CASE WHEN $2 IN ('lookalike', 'related') THEN kind WHEN $2 != '' THEN $2 WHEN kind IN ('lookalike', 'related') THEN 'watch' ELSE kind END,
				enabled = CASE WHEN $2 IN ('lookalike', 'related') THEN enabled ELSE true END
				WHERE name = $3 RETURNING id`, d.Note, kind, d.Name).Scan(&id); err != nil {
				return res, fmt.Errorf("merge domain %s: %w", d.Name, err)
			}
			if !seen[d.Name] && !slices.Contains(res.Added, d.Name) {
				res.Merged = append(res.Merged, d.Name)
			}
		default:
			return res, fmt.Errorf("add domain %s: %w", d.Name, err)
		}
		seen[d.Name] = true
		if err := t.addTags(id, d.Tags); err != nil {
			return res, fmt.Errorf("tag domain %s: %w", d.Name, err)
		}
	}
	return res, nil
}

// addLarge adds a large list in the same transaction: merged by name,
// copied (COPY) into a temporary table dropped at commit, then merged into
// the watchlist by four statements.
func (t *pgTx) addLarge(ds []store.NewDomain) (store.AddResult, error) {
	entries, err := store.MergeByName(ds)
	if err != nil {
		return store.AddResult{}, err
	}
	if _, err := t.tx.Exec(t.ctx, `CREATE TEMP TABLE import_stage (seq integer, name text COLLATE "C", unicode text,
		kind text, note text, source text, tags text[]) ON COMMIT DROP`); err != nil {
		return store.AddResult{}, fmt.Errorf("import: staging table: %w", err)
	}
	_, err = t.tx.CopyFrom(t.ctx, pgx.Identifier{"import_stage"}, []string{"seq", "name", "unicode", "kind", "note", "source", "tags"},
		pgx.CopyFromSlice(len(entries), func(i int) ([]any, error) {
			e := entries[i]
			tags := e.Tags
			if tags == nil {
				tags = []string{}
			}
			return []any{i, e.Name, e.Unicode, e.Kind, e.Note, e.Source, tags}, nil
		}))
	if err != nil {
		return store.AddResult{}, fmt.Errorf("import: copy: %w", err)
	}
	rows, err := t.tx.Query(t.ctx, `SELECT s.name FROM import_stage s JOIN domains d ON d.name = s.name`)
	names, err := collect(rows, err, "import", func(r pgx.Rows) (n string, err error) { return n, r.Scan(&n) })
	if err != nil {
		return store.AddResult{}, err
	}
	merged := make(map[string]bool, len(names))
	for _, n := range names {
		merged[n] = true
	}
	for _, q := range []struct {
		what, sql string
		args      []any
	}{
		{"merge", `UPDATE domains d SET note = CASE WHEN s.note != '' THEN s.note ELSE d.note END,
			kind = CASE WHEN s.kind != '' THEN s.kind ELSE d.kind END, enabled = true
			FROM import_stage s WHERE d.name = s.name`, nil},
		{"add", `INSERT INTO domains (name, unicode, kind, note, source, added_at)
			SELECT name, unicode, CASE WHEN kind = '' THEN 'watch' ELSE kind END, note, source, $1
			FROM import_stage ORDER BY seq ON CONFLICT (name) DO NOTHING`, []any{us(time.Now())}},
		{"tag", `INSERT INTO domain_tags (domain_id, tag)
			SELECT d.id, unnest(s.tags) FROM import_stage s JOIN domains d ON d.name = s.name
			WHERE cardinality(s.tags) > 0 ON CONFLICT DO NOTHING`, nil},
	} {
		if _, err := t.tx.Exec(t.ctx, q.sql, q.args...); err != nil {
			return store.AddResult{}, fmt.Errorf("import: %s: %w", q.what, err)
		}
	}
	var res store.AddResult
	seen := make(map[string]bool, len(entries))
	for _, d := range ds {
		if seen[d.Name] {
			continue
		}
		seen[d.Name] = true
		if merged[d.Name] {
			res.Merged = append(res.Merged, d.Name)
		} else {
			res.Added = append(res.Added, d.Name)
		}
	}
	return res, nil
}

// addTags adds tags to a domain in one statement; present ones stay.
func (t *pgTx) addTags(domainID int64, tags []string) error {
	if len(tags) == 0 {
		return nil
	}
	_, err := t.tx.Exec(t.ctx, `INSERT INTO domain_tags (domain_id, tag) SELECT $1, unnest($2::text[])
		ON CONFLICT DO NOTHING`, domainID, tags)
	return err
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (p *Postgres) RemoveDomains(ctx context.Context, names []string) ([]string, error) {
	var removed []string
	err := p.Update(ctx, func(tx store.Tx) error {
		t := tx.(*pgTx)
		rows, err := t.tx.Query(t.ctx, `UPDATE domains SET enabled = false WHERE name = ANY($1) AND enabled RETURNING name`, names)
		hit, err := collect(rows, err, "remove domains", func(r pgx.Rows) (n string, err error) { return n, r.Scan(&n) })
		if err != nil {
			return err
		}
		// In the order asked, each once.
		for _, n := range names {
			if slices.Contains(hit, n) && !slices.Contains(removed, n) {
				removed = append(removed, n)
			}
		}
		return nil
	})
	return removed, err
}

func (p *Postgres) SetTags(ctx context.Context, name string, tags []string) error {
	return p.Update(ctx, func(tx store.Tx) error {
		t := tx.(*pgTx)
		d, err := t.Domain(name)
		if err != nil {
			return err
		}
		if _, err := t.tx.Exec(t.ctx, `DELETE FROM domain_tags WHERE domain_id = $1`, d.ID); err != nil {
			return fmt.Errorf("set tags %s: %w", name, err)
		}
		if err := t.addTags(d.ID, tags); err != nil {
			return fmt.Errorf("set tags %s: %w", name, err)
		}
		return nil
	})
}

// domainSorts are the ORDER BY columns of each sort. NULLs sort first, as
// in SQLite: never-checked domains lead ascending and trail descending.
var domainSorts = map[string][]string{
	"name":    {"d.name"},
	"state":   {"d.state", "d.name"},
	"kind":    {"d.kind", "d.name"},
	"added":   {"d.added_at", "d.name"},
	"checked": {"d.last_checked", "d.name"},
}

func (p *Postgres) Domains(ctx context.Context, q store.DomainQuery) ([]store.Domain, int, error) {
	var conds []string
	var a args
	if q.Search != "" {
		pat := a.add(likePattern(q.Search))
		conds = append(conds, `(d.name ILIKE `+pat+` OR d.unicode ILIKE `+pat+`)`)
	}
	if q.State != "" {
		conds = append(conds, `d.state = `+a.add(q.State))
	}
	if q.Kind != "" {
		conds = append(conds, `d.kind = `+a.add(q.Kind))
	} else {
		conds = append(conds, `d.kind NOT IN ('lookalike', 'related')`)
	}
	if q.Tag != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM domain_tags t WHERE t.domain_id = d.id AND t.tag = `+a.add(q.Tag)+`)`)
	}
	if q.Enabled != nil {
		conds = append(conds, `d.enabled = `+a.add(*q.Enabled))
	}
	if q.NeverChecked {
		conds = append(conds, `d.last_checked IS NULL`)
	}
	cond := where(conds)
	var total int
	if err := p.pool.QueryRow(ctx, `SELECT count(*) FROM domains d`+cond, a...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count domains: %w", err)
	}
	sort, desc := strings.CutPrefix(q.Sort, "-")
	cols, ok := domainSorts[sort]
	if !ok {
		cols = domainSorts["name"]
	}
	dir := " ASC NULLS FIRST"
	if desc {
		dir = " DESC NULLS LAST"
	}
	order := strings.Join(cols, dir+", ") + dir
	rows, err := p.pool.Query(ctx, `SELECT `+domainCols+` FROM domains d`+cond+` ORDER BY `+order+limitClause(q.Limit, q.Offset), a...)
	out, err := collect(rows, err, "list domains", func(r pgx.Rows) (store.Domain, error) { return scanDomain(r) })
	return out, total, err
}

func (p *Postgres) CountByState(ctx context.Context) (map[string]int, error) {
	return p.countMap(ctx, "count by state", `SELECT state, count(*) FROM domains WHERE enabled AND kind NOT IN ('lookalike', 'related') GROUP BY state`)
}

// countMap runs a "value, count" query into a map.
func (p *Postgres) countMap(ctx context.Context, what, q string, args ...any) (map[string]int, error) {
	cs, err := p.counts(ctx, what, q, args...)
	if err != nil {
		return nil, err
	}
	m := make(map[string]int, len(cs))
	for _, c := range cs {
		m[c.Value] = c.N
	}
	return m, nil
}

func (p *Postgres) ScanDomains(ctx context.Context, q store.ScanQuery) ([]store.DomainRef, error) {
	conds := []string{`d.enabled`, `d.kind NOT IN ('lookalike', 'related')`, `d.id > $1`}
	a := args{q.AfterID}
	if q.NeverChecked {
		conds = append(conds, `d.last_checked IS NULL`)
	}
	if len(q.Unqueued) > 0 {
		kinds := a.add(q.Unqueued)
		conds = append(conds, `(SELECT count(*) FROM due_checks c WHERE c.domain_id = d.id AND c.kind = ANY(`+kinds+`::text[])) < cardinality(`+kinds+`::text[])`)
	}
	limit := q.Limit
	if limit <= 0 || limit > store.MaxScan {
		limit = store.MaxScan
	}
	rows, err := p.pool.Query(ctx, `SELECT d.id, d.name FROM domains d`+where(conds)+` ORDER BY d.id LIMIT `+a.add(limit), a...)
	out, err := collect(rows, err, "scan domains", func(r pgx.Rows) (x store.DomainRef, err error) { return x, r.Scan(&x.ID, &x.Name) })
	if err != nil || !q.LastRuns || len(out) == 0 {
		return out, err
	}
	type run struct {
		id    int64
		probe string
		at    pgtype.Timestamptz
	}
	rows, err = p.pool.Query(ctx, `SELECT domain_id, probe, last_run FROM probe_status
		WHERE domain_id BETWEEN $1 AND $2 AND last_run IS NOT NULL`, out[0].ID, out[len(out)-1].ID)
	runs, err := collect(rows, err, "last runs", func(r pgx.Rows) (x run, err error) { return x, r.Scan(&x.id, &x.probe, &x.at) })
	if err != nil {
		return nil, err
	}
	at := make(map[int64]int, len(out))
	for i, d := range out {
		at[d.ID] = i
	}
	for _, r := range runs {
		i, ok := at[r.id]
		if !ok {
			continue // not on this page (disabled, or filtered out)
		}
		if out[i].LastRuns == nil {
			out[i].LastRuns = map[string]time.Time{}
		}
		out[i].LastRuns[r.probe] = tm(r.at)
	}
	return out, nil
}
