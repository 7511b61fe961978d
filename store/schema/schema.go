// Package schema holds what every driver does with its migrations beyond
// applying them: refusing a database a newer takedown migrated.
package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// ErrNewerSchema is returned by Open for a database a newer takedown
// migrated: this binary does not know its tables and must not write them.
var ErrNewerSchema = errors.New("database is from a newer takedown version")

// RefuseNewer fails when the database's applied migration is higher than
// the highest this binary carries.
func RefuseNewer(ctx context.Context, p *goose.Provider) error {
	var known int64
	for _, s := range p.ListSources() {
		known = max(known, s.Version)
	}
	have, err := p.GetDBVersion(ctx)
	if err != nil {
		// A new file has no version table yet: nothing to compare.
		return nil
	}
	if have > known {
		return fmt.Errorf("%w: its schema is version %d, this binary knows up to %d; upgrade takedown (the database was left untouched)", ErrNewerSchema, have, known)
	}
	return nil
}

// Migrate applies the migrations of fsys (its "migrations" folder) to db,
// after refusing a database a newer takedown migrated.
func Migrate(ctx context.Context, dialect goose.Dialect, db *sql.DB, fsys fs.FS, opts ...goose.ProviderOption) error {
	sub, err := fs.Sub(fsys, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, db, sub, append([]goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}, opts...)...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if err := RefuseNewer(ctx, p); err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
