package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/storetest"
)

// The staging path keeps every watchlist rule the one-transaction path
// has: the conformance suite again, with every list past two entries staged.
func TestConformanceStagedImports(t *testing.T) {
	defer func(n int) { importBatch = n }(importBatch)
	importBatch = 2
	storetest.Run(t, func(t *testing.T) storetest.Store { return openTest(t) })
}

// A 1,000,000-line import (TAKEDOWN_IMPORT_LINES; 100,000 with -short or
// under the race detector)
// lets another process's writer in while it stages, so a check that meets
// it waits and never fails, and the other process sees the watchlist
// before the import or after it, never half of it.
func TestLargeImportLetsOtherWritersIn(t *testing.T) {
	n := 1_000_000
	if testing.Short() || raceEnabled {
		n = 100_000
	}
	if v, err := strconv.Atoi(os.Getenv("TAKEDOWN_IMPORT_LINES")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	importer, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer importer.Close()
	// The daemon: its own connections, as another process has.
	daemon, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer daemon.Close()
	if _, err := daemon.AddDomains(ctx, []store.NewDomain{{Name: "example.org"}}); err != nil {
		t.Fatal(err)
	}
	d, _ := daemon.Domain(ctx, "example.org")

	ds := make([]store.NewDomain, n)
	for i := range ds {
		ds[i] = store.NewDomain{Name: fmt.Sprintf("import-%07d.example", i), Tags: []string{"bulk"}, Source: "import:test"}
	}
	done := make(chan struct{})
	var importErr error
	var took time.Duration
	go func() {
		defer close(done)
		start := time.Now()
		_, importErr = importer.AddDomains(ctx, ds)
		took = time.Since(start)
	}()

	var (
		mu       sync.Mutex
		checks   int
		maxWait  time.Duration
		partial  []int
		at       = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		finished bool
	)
	for !finished {
		select {
		case <-done:
			finished = true
		default:
		}
		at = at.Add(time.Second)
		start := time.Now()
		err := daemon.Update(ctx, func(tx store.Tx) error {
			_, _, _, err := tx.ObserveSnapshot(d.ID, "dns", at, fmt.Appendf(nil, `{"n":%d}`, checks))
			return err
		})
		if err != nil {
			t.Fatalf("a check meeting the import failed: %v", err)
		}
		wait := time.Since(start)
		var count int
		if err := daemon.read.QueryRowContext(ctx, `SELECT count(*) FROM domains`).Scan(&count); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		checks++
		maxWait = max(maxWait, wait)
		if count != 1 && count != n+1 {
			partial = append(partial, count)
		}
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	if importErr != nil {
		t.Fatal(importErr)
	}
	if len(partial) > 0 {
		t.Fatalf("the daemon saw part of the import: counts %v", partial[:min(5, len(partial))])
	}
	snaps, _ := daemon.Snapshots(ctx, d.ID, "dns", 0)
	if len(snaps) != checks {
		t.Fatalf("%d checks recorded, %d snapshots", checks, len(snaps))
	}
	got, err := daemon.Domain(ctx, ds[n/2].Name)
	if err != nil || len(got.Tags) != 1 || got.Tags[0] != "bulk" || got.Source != "import:test" || !got.Enabled {
		t.Fatalf("imported domain %+v, %v", got, err)
	}
	t.Logf("%d lines imported in %s; %d checks recorded meanwhile, the longest waited %s", n, took.Round(time.Millisecond), checks, maxWait.Round(time.Millisecond))
}
