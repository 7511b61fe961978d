package storetest

import (
	"context"
	"testing"

	"github.com/takedownhq/takedown/store"
)

// Versioned is a store that reports its applied migration.
type Versioned interface {
	Store
	SchemaVersion(ctx context.Context) (int64, error)
}

// Reopen checks that a database opened again keeps its data and schema
// version; open opens the same database each time. It returns the version.
func Reopen(t *testing.T, open func() (Versioned, error)) int64 {
	t.Helper()
	ctx := context.Background()
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	v1, err := s.SchemaVersion(ctx)
	if err != nil || v1 < 1 {
		t.Fatalf("schema version %d, %v", v1, err)
	}
	if _, err := s.AddDomains(ctx, []store.NewDomain{{Name: "example.com", Tags: []string{"a"}}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v2, _ := s.SchemaVersion(ctx)
	d, err := s.Domain(ctx, "example.com")
	if err != nil || v2 != v1 || d.Tags[0] != "a" {
		t.Fatalf("after reopen: version %d→%d, %+v, %v", v1, v2, d, err)
	}
	return v1
}

// Opened is a driver test's store: it fails t on err, and closes s when
// t ends.
func Opened[S interface{ Close() error }](t testing.TB, s S, err error) S {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
