package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/takedownhq/takedown/store/schema"
)

// TestOpenRefusesNewerSchema: a database a newer binary migrated (a higher
// migration number) is refused, not opened and written.
func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "takedown.db")
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	known, err := st.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	markNewerSchema(t, path, known+1)

	_, err = Open(ctx, path)
	if !errors.Is(err, schema.ErrNewerSchema) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open of a newer database: err = %v, want schema.ErrNewerSchema naming the file", err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int64
	if err := db.QueryRow(`SELECT MAX(version_id) FROM goose_db_version`).Scan(&v); err != nil || v != known+1 {
		t.Fatalf("version after refusal = %d, %v; want %d untouched", v, err, known+1)
	}
}

// markNewerSchema records a migration version this binary does not
// carry, as a newer takedown would.
func markNewerSchema(t *testing.T, path string, version int64) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)`, version); err != nil {
		t.Fatal(err)
	}
}
