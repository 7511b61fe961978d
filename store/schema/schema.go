// Package schema holds what every driver does with its migrations beyond
// applying them: refusing a database a newer takedown migrated.
package schema

import (
	"context"
	"errors"
	"fmt"

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
