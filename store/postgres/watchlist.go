package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlstore"
)

// AddDomains adds entries in one transaction; a large list goes through
// a staging table.
func (p *Postgres) AddDomains(ctx context.Context, ds []store.NewDomain) (store.AddResult, error) {
	if len(ds) <= copyAbove {
		return p.DB.AddDomains(ctx, ds)
	}
	var res store.AddResult
	err := p.Update(ctx, func(tx store.Tx) error {
		var err error
		res, err = tx.(*pgTx).addLarge(ds)
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
	merged, err := t.Merges("import_stage")
	if err != nil {
		return store.AddResult{}, err
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
	return sqlstore.ImportResult(ds, merged), nil
}
