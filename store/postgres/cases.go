package postgres

import (
	"context"

	"github.com/takedownhq/takedown/store"
)

var _ store.CaseStore = (*Postgres)(nil)

var _ store.CaseTx = (*pgTx)(nil)

// UpdateCases is Update with the case writes (store/sqlstore): the same
// transaction type serves both, so a case's change and its event commit
// together.
func (p *Postgres) UpdateCases(ctx context.Context, fn func(tx store.CaseTx) error) error {
	return p.Update(ctx, func(tx store.Tx) error { return fn(tx.(*pgTx)) })
}
