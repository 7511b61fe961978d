package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/takedownhq/takedown/internal/pgtest"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func openTest(t testing.TB) *Postgres {
	t.Helper()
	s, err := Open(context.Background(), pgtest.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return openTest(t) })
}

// The COPY path keeps every watchlist rule the per-entry path has: the
// conformance suite again, with every list past two entries copied.
func TestConformanceCopiedImports(t *testing.T) {
	defer func(n int) { copyAbove = n }(copyAbove)
	copyAbove = 2
	storetest.Run(t, func(t *testing.T) storetest.Store { return openTest(t) })
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	ctx := context.Background()
	url := pgtest.DB(t)
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := s.SchemaVersion(ctx)
	if err != nil || v1 != 40 {
		t.Fatalf("schema version %d, %v; want 40, as SQLite's", v1, err)
	}
	if _, err := s.AddDomains(ctx, []store.NewDomain{{Name: "example.com", Tags: []string{"a"}}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v2, _ := s.SchemaVersion(ctx)
	d, err := s.Domain(ctx, "example.com")
	if err != nil || v2 != v1 || d.Tags[0] != "a" {
		t.Fatalf("after reopen: version %d→%d, %+v, %v", v1, v2, d, err)
	}
}
