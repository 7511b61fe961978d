package postgres

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/takedownhq/takedown/internal/pgtest"
	"github.com/takedownhq/takedown/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func openTest(t testing.TB) *Postgres {
	t.Helper()
	s, err := Open(context.Background(), pgtest.DB(t))
	return storetest.Opened(t, s, err)
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
	url := pgtest.DB(t)
	// The newest migration file, whatever branch added it.
	ents, _ := migrations.ReadDir("migrations")
	var want int64
	for _, e := range ents {
		var n int64
		if _, err := fmt.Sscanf(e.Name(), "%d_", &n); err == nil && n > want {
			want = n
		}
	}
	if v := storetest.Reopen(t, func() (storetest.Versioned, error) { return Open(context.Background(), url) }); v != want {
		t.Errorf("schema version %d; want %d, the newest migration", v, want)
	}
}
