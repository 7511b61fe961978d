package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// DomainCols are the columns scanDomain reads, from "domains d".
func (d *Dialect) DomainCols() string {
	return `d.id, d.name, d.unicode, d.kind, d.note, d.source, d.added_at, d.enabled,
	d.state, d.state_since, d.state_reasons, d.last_checked,
	(SELECT ` + d.TagList + ` FROM domain_tags t WHERE t.domain_id = d.id)`
}

// ScanDomain reads the DomainCols of a row, then extra.
func ScanDomain(r Row, extra ...any) (store.Domain, error) {
	var d store.Domain
	dest := append([]any{&d.ID, &d.Name, &d.Unicode, &d.Kind, &d.Note, &d.Source, Time(&d.AddedAt), &d.Enabled,
		&d.State, Time(&d.StateSince), Strings(&d.StateReasons), Time(&d.LastChecked), tagList{&d.Tags}}, extra...)
	return d, r.Scan(dest...)
}

func (db *DB) domain(ctx context.Context, c Conn, name string) (*store.Domain, error) {
	return one(c.QueryRow(ctx, `SELECT `+db.d.DomainCols()+` FROM domains d WHERE d.name = ?`, name),
		"domain "+name, func(r Row) (store.Domain, error) { return ScanDomain(r) })
}

// Domain reads a domain by name; ErrNotFound if absent.
func (db *DB) Domain(ctx context.Context, name string) (*store.Domain, error) {
	return db.domain(ctx, db.read, name)
}

// Domain reads inside the transaction; ErrNotFound if absent.
func (t *Tx) Domain(name string) (*store.Domain, error) { return t.db.domain(t.ctx, t.c, name) }

// AddDomains adds entries one by one in one transaction; drivers send a
// large list another way (a staging table) and a small one here.
func (db *DB) AddDomains(ctx context.Context, ds []store.NewDomain) (store.AddResult, error) {
	var res store.AddResult
	err := db.write(ctx, func(t *Tx) error {
		var err error
		res, err = t.AddDomains(ds)
		return err
	})
	if err != nil {
		return store.AddResult{}, err
	}
	return res, nil
}

// AddDomains adds entries inside the transaction (see store.Store).
func (t *Tx) AddDomains(ds []store.NewDomain) (store.AddResult, error) {
	var res store.AddResult
	now := t.db.d.Time(time.Now())
	seen := make(map[string]bool, len(ds))
	for _, d := range ds {
		if d.Name == "" {
			return res, errors.New("add domain: empty name")
		}
		kind := d.Kind
		if kind != "" && !kind.Valid() {
			return res, fmt.Errorf("add domain %s: unknown kind %q", d.Name, kind)
		}
		var id int64
		err := t.c.QueryRow(t.ctx, `INSERT INTO domains (name, unicode, kind, note, source, added_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id`,
			d.Name, or(d.Unicode, d.Name), or(kind, store.KindWatch), d.Note, d.Source, now).Scan(&id)
		switch {
		case err == nil:
			if !seen[d.Name] {
				res.Added = append(res.Added, d.Name)
			}
		case errors.Is(err, sql.ErrNoRows):
			// A look-alike entry never changes an existing row (a watched
			// domain stays watched, a removed one removed); any other
			// entry makes a look-alike row a watched domain.
			if err := t.c.QueryRow(t.ctx, `UPDATE domains SET
				note = CASE WHEN ?2 IN ('lookalike', 'related') THEN note WHEN ?1 != '' THEN ?1 ELSE note END,
				kind = CASE WHEN ?2 IN ('lookalike', 'related') THEN kind WHEN ?2 != '' THEN ?2 WHEN kind IN ('lookalike', 'related') THEN 'watch' ELSE kind END,
				enabled = CASE WHEN ?2 IN ('lookalike', 'related') THEN enabled ELSE true END
				WHERE name = ?3 RETURNING id`, d.Note, kind, d.Name).Scan(&id); err != nil {
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

// addTags adds tags to a domain; present ones stay.
func (t *Tx) addTags(domainID int64, tags []string) error {
	for _, tg := range tags {
		if _, err := t.c.Exec(t.ctx, `INSERT INTO domain_tags (domain_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING`, domainID, tg); err != nil {
			return err
		}
	}
	return nil
}

// removeChunk is how many names one statement of RemoveDomains disables:
// well under both databases' limits on bound arguments.
const removeChunk = 500

// RemoveDomains disables names (see store.Store), a chunk of names a
// statement; it returns the ones that were watched, in the order given,
// each once.
func (db *DB) RemoveDomains(ctx context.Context, names []string) ([]string, error) {
	var removed []string
	err := db.write(ctx, func(t *Tx) error {
		hit := map[string]bool{}
		for i := 0; i < len(names); i += removeChunk {
			var f filter
			in(&f, "name", names[i:min(i+removeChunk, len(names))])
			rows, err := t.c.Query(t.ctx, `UPDATE domains SET enabled = false`+f.where()+` AND enabled RETURNING name`, f.args...)
			got, err := Collect(rows, err, "remove domains", func(r Row) (n string, err error) { return n, r.Scan(&n) })
			if err != nil {
				return err
			}
			for _, n := range got {
				hit[n] = true
			}
		}
		removed = nil
		for _, n := range names {
			if hit[n] {
				removed = append(removed, n)
				delete(hit, n)
			}
		}
		return nil
	})
	return removed, err
}

// SetTags replaces a domain's tags.
func (db *DB) SetTags(ctx context.Context, name string, tags []string) error {
	return db.write(ctx, func(t *Tx) error {
		d, err := t.Domain(name)
		if err != nil {
			return err
		}
		if _, err := t.c.Exec(t.ctx, `DELETE FROM domain_tags WHERE domain_id = ?`, d.ID); err != nil {
			return fmt.Errorf("set tags %s: %w", name, err)
		}
		if err := t.addTags(d.ID, tags); err != nil {
			return fmt.Errorf("set tags %s: %w", name, err)
		}
		return nil
	})
}

// domainSorts are the ORDER BY columns of each sort. NULLs sort first
// ascending and last descending, on both dialects.
var domainSorts = map[string][]string{
	"name":    {"d.name"},
	"state":   {"d.state", "d.name"},
	"kind":    {"d.kind", "d.name"},
	"added":   {"d.added_at", "d.name"},
	"checked": {"d.last_checked", "d.name"},
}

func (db *DB) domainFilter(q store.DomainQuery) filter {
	var f filter
	if q.Search != "" {
		p := likePattern(q.Search)
		f.add(`(d.name `+db.d.Like+` ? ESCAPE '\' OR d.unicode `+db.d.Like+` ? ESCAPE '\')`, p, p)
	}
	if q.State != "" {
		f.add(`d.state = ?`, q.State)
	}
	if q.Kind != "" {
		f.add(`d.kind = ?`, q.Kind)
	} else {
		f.add(`d.kind NOT IN ('lookalike', 'related')`)
	}
	if q.Tag != "" {
		f.add(`EXISTS (SELECT 1 FROM domain_tags t WHERE t.domain_id = d.id AND t.tag = ?)`, q.Tag)
	}
	if q.Enabled != nil {
		f.add(`d.enabled = ?`, *q.Enabled)
	}
	if q.NeverChecked {
		f.add(`d.last_checked IS NULL`)
	}
	return f
}

// Domains lists matching domains and their total (see store.Store).
func (db *DB) Domains(ctx context.Context, q store.DomainQuery) ([]store.Domain, int, error) {
	f := db.domainFilter(q)
	var total int
	if err := db.read.QueryRow(ctx, `SELECT count(*) FROM domains d`+f.where(), f.args...).Scan(&total); err != nil {
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
	rows, err := db.read.Query(ctx, `SELECT `+db.d.DomainCols()+` FROM domains d`+f.where()+` ORDER BY `+order+db.d.Limit(q.Limit, q.Offset), f.args...)
	out, err := Collect(rows, err, "list domains", func(r Row) (store.Domain, error) { return ScanDomain(r) })
	return out, total, err
}

// CountByState counts watched domains per state.
func (db *DB) CountByState(ctx context.Context) (map[string]int, error) {
	return db.countMap(ctx, "by state", `SELECT state, count(*) FROM domains WHERE enabled AND kind NOT IN ('lookalike', 'related') GROUP BY state`)
}

// ScanDomains pages through the enabled watchlist by ID (see store.Store).
func (db *DB) ScanDomains(ctx context.Context, q store.ScanQuery) ([]store.DomainRef, error) {
	f := filter{conds: []string{`d.enabled`, `d.kind NOT IN ('lookalike', 'related')`, `d.id > ?`}, args: []any{q.AfterID}}
	if q.NeverChecked {
		f.add(`d.last_checked IS NULL`)
	}
	if len(q.Unqueued) > 0 {
		var kinds filter
		in(&kinds, "c.kind", q.Unqueued)
		f.add(`(SELECT count(*) FROM due_checks c WHERE c.domain_id = d.id AND `+kinds.conds[0]+`) < ?`,
			append(kinds.args, len(q.Unqueued))...)
	}
	limit := q.Limit
	if limit <= 0 || limit > store.MaxScan {
		limit = store.MaxScan
	}
	rows, err := db.read.Query(ctx, `SELECT d.id, d.name FROM domains d`+f.where()+` ORDER BY d.id LIMIT ?`, append(f.args, limit)...)
	out, err := Collect(rows, err, "scan domains", func(r Row) (x store.DomainRef, err error) { return x, r.Scan(&x.ID, &x.Name) })
	if err != nil || !q.LastRuns || len(out) == 0 {
		return out, err
	}
	type run struct {
		id    int64
		probe string
		at    time.Time
	}
	rows, err = db.read.Query(ctx, `SELECT domain_id, probe, last_run FROM probe_status
		WHERE domain_id BETWEEN ? AND ? AND last_run IS NOT NULL`, out[0].ID, out[len(out)-1].ID)
	runs, err := Collect(rows, err, "last runs", func(r Row) (x run, err error) { return x, r.Scan(&x.id, &x.probe, Time(&x.at)) })
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
			out[i].LastRuns = map[event.Probe]time.Time{}
		}
		out[i].LastRuns[event.Probe(r.probe)] = r.at
	}
	return out, nil
}

// Merges reads which names of a large import's staging table (columns
// name, ...) are in the watchlist already: the ones it merges.
func (t *Tx) Merges(stage string) (map[string]bool, error) {
	rows, err := t.c.Query(t.ctx, `SELECT s.name FROM `+stage+` s JOIN domains d ON d.name = s.name`)
	names, err := Collect(rows, err, "import", func(r Row) (n string, err error) { return n, r.Scan(&n) })
	if err != nil {
		return nil, err
	}
	merged := make(map[string]bool, len(names))
	for _, n := range names {
		merged[n] = true
	}
	return merged, nil
}

// ImportResult is the AddResult of a large import of ds, of which merged
// were watched before: each name once, in the order given.
func ImportResult(ds []store.NewDomain, merged map[string]bool) store.AddResult {
	var res store.AddResult
	seen := make(map[string]bool, len(ds))
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
	return res
}
