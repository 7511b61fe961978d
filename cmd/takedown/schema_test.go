package main

import (
	"database/sql"
	"strings"
	"testing"
)

// TestNewerDatabaseExits1: an older binary refuses a database with a higher
// migration number, with a clear message and exit 1.
func TestNewerDatabaseExits1(t *testing.T) {
	c := newCLI(t)
	c.ok("watch", "add", "example.org")
	db, err := sql.Open("sqlite", c.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (999999, 1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r := c.run("watch", "add", "example.net")
	if r.code != exitRuntime || !strings.Contains(r.stderr, "newer takedown version") || !strings.Contains(r.stderr, "999999") {
		t.Fatalf("exit %d, stderr %q; want 1 and a clear message", r.code, r.stderr)
	}
}
