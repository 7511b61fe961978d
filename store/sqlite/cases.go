package sqlite

import (
	"context"

	"github.com/takedownhq/takedown/store"
)

var _ store.CaseStore = (*SQLite)(nil)

var _ store.CaseTx = (*sqlTx)(nil)

// UpdateCases is Update with the case writes (store/sqlstore): the same
// transaction type serves both, so a case's change and its event commit
// together.
func (s *SQLite) UpdateCases(ctx context.Context, fn func(tx store.CaseTx) error) error {
	return s.Update(ctx, func(tx store.Tx) error { return fn(tx.(*sqlTx)) })
}
