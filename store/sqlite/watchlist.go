package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/takedownhq/takedown/store"
)

const domainCols = `d.id, d.name, d.unicode, d.kind, d.note, d.source, d.added_at, d.enabled,
	d.state, d.state_since, d.state_reasons, d.last_checked,
	(SELECT group_concat(tag, char(31)) FROM domain_tags t WHERE t.domain_id = d.id)`

func scanDomain(sc interface{ Scan(...any) error }) (store.Domain, error) {
	var (
		d                        store.Domain
		added, since, last, tags sql.NullString
		reasons                  string
		enabled                  int
	)
	if err := sc.Scan(&d.ID, &d.Name, &d.Unicode, &d.Kind, &d.Note, &d.Source, &added, &enabled,
		&d.State, &since, &reasons, &last, &tags); err != nil {
		return d, err
	}
	d.AddedAt = parseTime(added)
	d.Enabled = enabled != 0
	d.StateSince = parseTime(since)
	d.StateReasons = parseStrings(reasons)
	d.LastChecked = parseTime(last)
	d.Tags = []string{}
	if tags.Valid && tags.String != "" {
		d.Tags = strings.Split(tags.String, "\x1f")
		slices.Sort(d.Tags)
	}
	return d, nil
}

func getDomain(ctx context.Context, q querier, name string) (*store.Domain, error) {
	row := q.QueryRowContext(ctx, `SELECT `+domainCols+` FROM domains d WHERE d.name = ?`, name)
	d, err := scanDomain(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("domain %s: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("domain %s: %w", name, err)
	}
	return &d, nil
}

func (s *SQLite) Domain(ctx context.Context, name string) (*store.Domain, error) {
	return getDomain(ctx, s.read, name)
}

func (t *sqlTx) Domain(name string) (*store.Domain, error) { return getDomain(t.ctx, t.tx, name) }

func (s *SQLite) AddDomains(ctx context.Context, ds []store.NewDomain) (store.AddResult, error) {
	var res store.AddResult
	err := s.Update(ctx, func(tx store.Tx) error {
		r, err := tx.(*sqlTx).addDomains(ds)
		res = r
		return err
	})
	if err != nil {
		return store.AddResult{}, err
	}
	return res, nil
}

func (t *sqlTx) addDomains(ds []store.NewDomain) (store.AddResult, error) {
	var res store.AddResult
	now := fmtTime(time.Now())
	ins, err := t.tx.PrepareContext(t.ctx, `INSERT INTO domains (name, unicode, kind, note, source, added_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`)
	if err != nil {
		return res, err
	}
	defer ins.Close()
	// A look-alike entry never changes an existing row (a watched domain
	// stays watched, a removed one removed); any other entry makes a
	// look-alike row a watched domain.
	upd, err := t.tx.PrepareContext(t.ctx, `UPDATE domains SET
		note = CASE WHEN ?1 = 'lookalike' THEN note WHEN ?2 != '' THEN ?2 ELSE note END,
		kind = CASE WHEN ?1 = 'lookalike' THEN kind WHEN ?1 != '' THEN ?1 WHEN kind = 'lookalike' THEN 'watch' ELSE kind END,
		enabled = CASE WHEN ?1 = 'lookalike' THEN enabled ELSE 1 END
		WHERE name = ?3 RETURNING id`)
	if err != nil {
		return res, err
	}
	defer upd.Close()
	tag, err := t.tx.PrepareContext(t.ctx, `INSERT OR IGNORE INTO domain_tags (domain_id, tag) VALUES (?, ?)`)
	if err != nil {
		return res, err
	}
	defer tag.Close()

	seen := make(map[string]bool, len(ds))
	for _, d := range ds {
		if d.Name == "" {
			return res, errors.New("add domain: empty name")
		}
		kind := d.Kind
		if kind != "" && kind != store.KindWatch && kind != store.KindBrand && kind != store.KindLookalike {
			return res, fmt.Errorf("add domain %s: unknown kind %q", d.Name, kind)
		}
		uni := d.Unicode
		if uni == "" {
			uni = d.Name
		}
		var id int64
		r, err := ins.ExecContext(t.ctx, d.Name, uni, cmp(kind, store.KindWatch), d.Note, d.Source, now)
		if err != nil {
			return res, fmt.Errorf("add domain %s: %w", d.Name, err)
		}
		if n, _ := r.RowsAffected(); n == 1 {
			id, _ = r.LastInsertId()
			if !seen[d.Name] {
				res.Added = append(res.Added, d.Name)
			}
		} else {
			if err := upd.QueryRowContext(t.ctx, kind, d.Note, d.Name).Scan(&id); err != nil {
				return res, fmt.Errorf("merge domain %s: %w", d.Name, err)
			}
			if !seen[d.Name] && !slices.Contains(res.Added, d.Name) {
				res.Merged = append(res.Merged, d.Name)
			}
		}
		seen[d.Name] = true
		for _, tg := range d.Tags {
			if _, err := tag.ExecContext(t.ctx, id, tg); err != nil {
				return res, fmt.Errorf("tag domain %s: %w", d.Name, err)
			}
		}
	}
	return res, nil
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (s *SQLite) RemoveDomains(ctx context.Context, names []string) ([]string, error) {
	var removed []string
	err := s.Update(ctx, func(tx store.Tx) error {
		t := tx.(*sqlTx)
		for _, n := range names {
			r, err := t.tx.ExecContext(t.ctx, `UPDATE domains SET enabled = 0 WHERE name = ? AND enabled = 1`, n)
			if err != nil {
				return fmt.Errorf("remove %s: %w", n, err)
			}
			if c, _ := r.RowsAffected(); c > 0 {
				removed = append(removed, n)
			}
		}
		return nil
	})
	return removed, err
}

func (s *SQLite) SetTags(ctx context.Context, name string, tags []string) error {
	return s.Update(ctx, func(tx store.Tx) error {
		t := tx.(*sqlTx)
		d, err := t.Domain(name)
		if err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM domain_tags WHERE domain_id = ?`, d.ID); err != nil {
			return fmt.Errorf("set tags %s: %w", name, err)
		}
		for _, tg := range tags {
			if _, err := t.tx.ExecContext(t.ctx, `INSERT OR IGNORE INTO domain_tags (domain_id, tag) VALUES (?, ?)`, d.ID, tg); err != nil {
				return fmt.Errorf("set tags %s: %w", name, err)
			}
		}
		return nil
	})
}

var domainSorts = map[string]string{
	"name":    "d.name",
	"state":   "d.state, d.name",
	"kind":    "d.kind, d.name",
	"added":   "d.added_at, d.name",
	"checked": "d.last_checked, d.name",
}

func (s *SQLite) Domains(ctx context.Context, q store.DomainQuery) ([]store.Domain, int, error) {
	var where []string
	var args []any
	if q.Search != "" {
		where = append(where, `(d.name LIKE ? ESCAPE '\' OR d.unicode LIKE ? ESCAPE '\')`)
		p := "%" + likeEscape(strings.ToLower(q.Search)) + "%"
		args = append(args, p, p)
	}
	if q.State != "" {
		where = append(where, `d.state = ?`)
		args = append(args, q.State)
	}
	if q.Kind != "" {
		where = append(where, `d.kind = ?`)
		args = append(args, q.Kind)
	} else {
		where = append(where, `d.kind != 'lookalike'`)
	}
	if q.Tag != "" {
		where = append(where, `EXISTS (SELECT 1 FROM domain_tags t WHERE t.domain_id = d.id AND t.tag = ?)`)
		args = append(args, q.Tag)
	}
	if q.Enabled != nil {
		where = append(where, `d.enabled = ?`)
		args = append(args, boolInt(*q.Enabled))
	}
	if q.NeverChecked {
		where = append(where, `d.last_checked IS NULL`)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM domains d`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count domains: %w", err)
	}
	sort, desc := strings.CutPrefix(q.Sort, "-")
	order, ok := domainSorts[sort]
	if !ok {
		order = domainSorts["name"]
	}
	if desc {
		order = strings.ReplaceAll(order, ",", " DESC,") + " DESC"
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+domainCols+` FROM domains d`+cond+` ORDER BY `+order+limitClause(q.Limit, q.Offset), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list domains: %w", err)
	}
	defer rows.Close()
	var out []store.Domain
	for rows.Next() {
		d, err := scanDomain(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list domains: %w", err)
		}
		out = append(out, d)
	}
	return out, total, rows.Err()
}

func (s *SQLite) CountByState(ctx context.Context) (map[string]int, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT state, count(*) FROM domains WHERE enabled = 1 AND kind != 'lookalike' GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count by state: %w", err)
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		m[st] = n
	}
	return m, rows.Err()
}

func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *SQLite) LastRuns(ctx context.Context) (map[int64]map[string]time.Time, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT p.domain_id, p.probe, p.last_run FROM probe_status p
		JOIN domains d ON d.id = p.domain_id WHERE d.enabled = 1 AND d.kind != 'lookalike' AND p.last_run IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("last runs: %w", err)
	}
	defer rows.Close()
	out := map[int64]map[string]time.Time{}
	for rows.Next() {
		var id int64
		var probe string
		var at sql.NullString
		if err := rows.Scan(&id, &probe, &at); err != nil {
			return nil, err
		}
		if out[id] == nil {
			out[id] = map[string]time.Time{}
		}
		out[id][probe] = parseTime(at)
	}
	return out, rows.Err()
}
