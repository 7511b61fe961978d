package sqlite

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlstore"
)

// importBatch is how many entries AddDomains writes in one transaction; a
// larger list goes through a staging table (addLarge). A variable so tests
// can run the staging path on small lists.
var importBatch = 5000

func (s *SQLite) AddDomains(ctx context.Context, ds []store.NewDomain) (store.AddResult, error) {
	if len(ds) > importBatch {
		return s.addLarge(ctx, ds)
	}
	return s.DB.AddDomains(ctx, ds)
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
	var merged map[string]bool
	err = s.Update(ctx, func(tx store.Tx) error {
		t := tx.(*sqlTx)
		var err error
		if merged, err = t.Merges(stage); err != nil {
			return err
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
	return sqlstore.ImportResult(ds, merged), nil
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
		if _, err := ins.ExecContext(ctx, d.Name, d.Unicode, d.Kind, d.Note, d.Source, sqlstore.JSONStrings(d.Tags)); err != nil {
			return fmt.Errorf("import %s: %w", d.Name, err)
		}
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	commit = true
	return nil
}
