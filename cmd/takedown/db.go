package main

import (
	"context"

	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/postgres"
	"github.com/takedownhq/takedown/store/sqlite"
)

// appStore is what the commands need of a store, whichever the driver.
type appStore interface {
	store.Store
	store.CaseStore
	SchemaVersion(ctx context.Context) (int64, error)
}

var (
	_ appStore = (*sqlite.SQLite)(nil)
	_ appStore = (*postgres.Postgres)(nil)
)

// openStore opens the database db names (--db, TAKEDOWN_DB, config db:):
// a postgres:// or postgresql:// URL is a PostgreSQL database, anything
// else a SQLite file.
func openStore(ctx context.Context, db string) (appStore, error) {
	// Each branch returns its own nil on error: a nil *Postgres in an
	// appStore would not be a nil interface.
	if postgres.IsURL(db) {
		st, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	return st, nil
}
