package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/takedownhq/takedown/internal/pgtest"
	"github.com/takedownhq/takedown/store/postgres"
	"github.com/takedownhq/takedown/store/sqlite"
)

func TestOpenStoreChoosesTheDriver(t *testing.T) {
	st, err := openStore(context.Background(), filepath.Join(t.TempDir(), "postgres:x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, ok := st.(*sqlite.SQLite); !ok {
		t.Fatalf("a file path opened %T", st)
	}
	// A URL that cannot connect fails as PostgreSQL, not as a file named so.
	st, err = openStore(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
	if err == nil || st != nil {
		t.Fatalf("unreachable postgres: %v, %v", st, err)
	}
}

// The CLI runs on PostgreSQL when --db is a postgres:// URL. The cluster is
// started here, not in a TestMain, so the other CLI tests do not pay for it.
func TestCLIOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	if _, err := pgtest.FindBin(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	cl, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Stop() })
	url, err := cl.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := newCLI(t)
	c.db = url
	c.ok("watch", "add", "example.org", "example.net", "--tag", "case-1")
	out := c.ok("watch", "list")
	if !strings.Contains(out, "example.org") || !strings.Contains(out, "example.net") {
		t.Fatalf("watch list:\n%s", out)
	}
	st, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if d, err := st.Domain(ctx, "example.org"); err != nil || len(d.Tags) != 1 || d.Tags[0] != "case-1" {
		t.Fatalf("stored %+v, %v", d, err)
	}
}
