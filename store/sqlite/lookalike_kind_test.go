package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/takedownhq/takedown/store"
)

// TestLookalikeKindMigration upgrades a database with rows at version 3:
// the widened CHECK on domains.kind takes "lookalike" on every connection,
// still refuses an unknown kind, and the file passes integrity_check with
// its rows and their history intact.
func TestLookalikeKindMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "takedown.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	sub, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO domains (name, unicode, kind, added_at) VALUES ('example.com', 'example.com', 'brand', '2026-01-01T00:00:00.000000000Z')`,
		`INSERT INTO snapshots (domain_id, probe, first_seen, last_seen, hash, data) VALUES (1, 'dns', '2026-01-01T00:00:00.000000000Z', '2026-01-01T00:00:00.000000000Z', 'h', '{}')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO domains (name, unicode, kind, added_at) VALUES ('x.com', 'x.com', 'lookalike', '')`); err == nil {
		t.Fatal("version 3 took kind lookalike: the test does not test the migration")
	}
	db.Close()

	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: "examp1e.com", Kind: store.KindLookalike}}); err != nil {
		t.Fatalf("writer after the migration: %v", err)
	}
	if _, err := st.read.ExecContext(ctx, `INSERT INTO domains (name, unicode, kind, added_at) VALUES ('exarnple.com', 'exarnple.com', 'lookalike', '')`); err != nil {
		t.Fatalf("another connection after the migration: %v", err)
	}
	if _, err := st.write.ExecContext(ctx, `INSERT INTO domains (name, unicode, kind, added_at) VALUES ('bogus.com', 'bogus.com', 'bogus', '')`); err == nil {
		t.Error("an unknown kind was accepted")
	}
	var ok string
	if err := st.write.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check = %q, %v", ok, err)
	}
	if snaps, err := st.Snapshots(ctx, 1, "dns", 0); err != nil || len(snaps) != 1 {
		t.Errorf("history after the migration: %v, %v", snaps, err)
	}
}
