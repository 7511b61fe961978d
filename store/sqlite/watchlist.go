package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
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

// importBatch is how many entries AddDomains writes in one transaction; a
// larger list goes through a staging table (addLarge). A variable so tests
// can run the staging path on small lists.
var importBatch = 5000

func (s *SQLite) AddDomains(ctx context.Context, ds []store.NewDomain) (store.AddResult, error) {
	if len(ds) > importBatch {
		return s.addLarge(ctx, ds)
	}
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
		note = CASE WHEN ?1 IN ('lookalike', 'related') THEN note WHEN ?2 != '' THEN ?2 ELSE note END,
		kind = CASE WHEN ?1 IN ('lookalike', 'related') THEN kind WHEN ?1 != '' THEN ?1 WHEN kind IN ('lookalike', 'related') THEN 'watch' ELSE kind END,
		enabled = CASE WHEN ?1 IN ('lookalike', 'related') THEN enabled ELSE 1 END
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
		if kind != "" && kind != store.KindWatch && kind != store.KindBrand && kind != store.KindLookalike && kind != store.KindRelated {
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

// imports names the staging tables of concurrent imports.
var imports atomic.Int64

// addLarge adds a large list without holding the write lock for it: the
// entries, checked and merged by name first, go to a staging table (a
// TEMP table of the writer connection, so it is never shared and vanishes
// with it) in batches of importBatch, each its own short transaction;
// then one transaction applies them with a few set statements. Nothing
// reaches the watchlist before that last step, so the import stays all or
// nothing; a failure before it leaves the watchlist as it was. The staging
// table is dropped either way.
func (s *SQLite) addLarge(ctx context.Context, ds []store.NewDomain) (store.AddResult, error) {
	entries, err := store.MergeByName(ds)
	if err != nil {
		return store.AddResult{}, err
	}
	stage := fmt.Sprintf("temp.import_%d", imports.Add(1))
	if _, err := s.write.ExecContext(ctx, `CREATE TEMP TABLE `+strings.TrimPrefix(stage, "temp.")+` (
		seq INTEGER PRIMARY KEY, name TEXT NOT NULL, unicode TEXT NOT NULL, kind TEXT NOT NULL,
		note TEXT NOT NULL, source TEXT NOT NULL, tags TEXT NOT NULL)`); err != nil {
		return store.AddResult{}, fmt.Errorf("import: staging table: %w", err)
	}
	defer s.write.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS `+stage)
	for i := 0; i < len(entries); i += importBatch {
		if err := s.stage(ctx, stage, entries[i:min(i+importBatch, len(entries))]); err != nil {
			return store.AddResult{}, err
		}
	}
	merged := map[string]bool{}
	err = s.Update(ctx, func(tx store.Tx) error {
		t := tx.(*sqlTx)
		rows, err := t.tx.QueryContext(t.ctx, `SELECT s.name FROM `+stage+` s JOIN domains d ON d.name = s.name`)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return fmt.Errorf("import: %w", err)
			}
			merged[n] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		for _, q := range []struct{ what, sql string }{
			{"merge", `UPDATE domains SET note = CASE WHEN s.note != '' THEN s.note ELSE domains.note END,
				kind = CASE WHEN s.kind != '' THEN s.kind ELSE domains.kind END, enabled = 1
				FROM ` + stage + ` s WHERE domains.name = s.name`},
			{"add", `INSERT INTO domains (name, unicode, kind, note, source, added_at)
				SELECT name, unicode, CASE WHEN kind = '' THEN 'watch' ELSE kind END, note, source, ?
				FROM ` + stage + ` WHERE true ORDER BY seq ON CONFLICT (name) DO NOTHING`},
			{"tag", `INSERT OR IGNORE INTO domain_tags (domain_id, tag)
				SELECT d.id, j.value FROM ` + stage + ` s JOIN domains d ON d.name = s.name, json_each(s.tags) j
				WHERE s.tags != '[]'`},
		} {
			var args []any
			if q.what == "add" {
				args = append(args, fmtTime(time.Now()))
			}
			if _, err := t.tx.ExecContext(t.ctx, q.sql, args...); err != nil {
				return fmt.Errorf("import: %s: %w", q.what, err)
			}
		}
		return nil
	})
	if err != nil {
		return store.AddResult{}, err
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

// stage writes one batch of entries to the staging table, in a DEFERRED
// transaction: one that writes only a TEMP table never takes the
// database's write lock, so the batches do not keep other writers out.
func (s *SQLite) stage(ctx context.Context, stage string, entries []store.NewDomain) error {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN DEFERRED`); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	commit := false
	defer func() {
		if !commit {
			conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		}
	}()
	ins, err := conn.PrepareContext(ctx, `INSERT INTO `+stage+` (name, unicode, kind, note, source, tags) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer ins.Close()
	for _, d := range entries {
		if _, err := ins.ExecContext(ctx, d.Name, d.Unicode, d.Kind, d.Note, d.Source, jsonStrings(d.Tags)); err != nil {
			return fmt.Errorf("import %s: %w", d.Name, err)
		}
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	commit = true
	return nil
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
		where = append(where, `d.kind NOT IN ('lookalike', 'related')`)
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
	rows, err := s.read.QueryContext(ctx, `SELECT state, count(*) FROM domains WHERE enabled = 1 AND kind NOT IN ('lookalike', 'related') GROUP BY state`)
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

func (s *SQLite) ScanDomains(ctx context.Context, q store.ScanQuery) ([]store.DomainRef, error) {
	cond := `d.enabled = 1 AND d.kind NOT IN ('lookalike', 'related') AND d.id > ?`
	args := []any{q.AfterID}
	if q.NeverChecked {
		cond += ` AND d.last_checked IS NULL`
	}
	if len(q.Unqueued) > 0 {
		cond += ` AND (SELECT count(*) FROM due_checks c WHERE c.domain_id = d.id AND c.kind IN (` +
			strings.TrimSuffix(strings.Repeat("?,", len(q.Unqueued)), ",") + `)) < ?`
		for _, k := range q.Unqueued {
			args = append(args, k)
		}
		args = append(args, len(q.Unqueued))
	}
	limit := q.Limit
	if limit <= 0 || limit > store.MaxScan {
		limit = store.MaxScan
	}
	args = append(args, limit)
	rows, err := s.read.QueryContext(ctx, `SELECT d.id, d.name FROM domains d WHERE `+cond+` ORDER BY d.id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("scan domains: %w", err)
	}
	var out []store.DomainRef
	for rows.Next() {
		var d store.DomainRef
		if err := rows.Scan(&d.ID, &d.Name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan domains: %w", err)
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil || !q.LastRuns || len(out) == 0 {
		return out, err
	}
	rows, err = s.read.QueryContext(ctx, `SELECT domain_id, probe, last_run FROM probe_status
		WHERE domain_id BETWEEN ? AND ? AND last_run IS NOT NULL`, out[0].ID, out[len(out)-1].ID)
	if err != nil {
		return nil, fmt.Errorf("last runs: %w", err)
	}
	defer rows.Close()
	at := make(map[int64]int, len(out))
	for i, d := range out {
		at[d.ID] = i
	}
	for rows.Next() {
		var id int64
		var probe string
		var last sql.NullString
		if err := rows.Scan(&id, &probe, &last); err != nil {
			return nil, fmt.Errorf("last runs: %w", err)
		}
		i, ok := at[id]
		if !ok {
			continue // not on this page (disabled, or filtered out)
		}
		if out[i].LastRuns == nil {
			out[i].LastRuns = map[string]time.Time{}
		}
		out[i].LastRuns[probe] = parseTime(last)
	}
	return out, rows.Err()
}
