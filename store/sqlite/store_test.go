package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/takedownhq/takedown/store/storetest"
)

func openTest(t *testing.T) *SQLite {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	return storetest.Opened(t, s, err)
}

// The behaviour every driver shares lives in storetest.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return openTest(t) })
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	storetest.Reopen(t, func() (storetest.Versioned, error) { return Open(context.Background(), path) })
}
