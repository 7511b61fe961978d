package lookalike

import (
	"context"

	"github.com/takedownhq/takedown/store"
)

// Store is what a hunt needs of the store: the look-alikes a brand has
// already, and the transaction that records a round's findings and their
// events. Every store driver provides it.
type Store interface {
	Lookalikes(ctx context.Context, q store.LookalikeQuery) ([]store.Lookalike, int, error)
	Update(ctx context.Context, fn func(tx store.Tx) error) error
}
