package feeds

import (
	"context"

	"github.com/takedownhq/takedown/store"
)

// Store is what the feeds need of the store: the configured feeds and
// their cursors, the brands and watched names candidates are matched
// against, and the transaction that writes a batch's findings with its
// cursor. Every store driver provides it.
type Store interface {
	Feeds(ctx context.Context) ([]store.Feed, error)
	Feed(ctx context.Context, name string) (*store.Feed, error)
	AddFeed(ctx context.Context, f store.Feed) error
	Domains(ctx context.Context, q store.DomainQuery) ([]store.Domain, int, error)
	Update(ctx context.Context, fn func(tx store.Tx) error) error
	// The watched domains' keys and the watched infrastructure a
	// candidate name is matched against (discovery from feeds).
	WatchedKeys(ctx context.Context, kinds []string, maxCount, limit int) ([]store.Share, error)
	InfraWatches(ctx context.Context) ([]store.InfraWatch, error)
}
