package notify

import (
	"context"
	"time"

	"github.com/takedownhq/takedown/store"
)

// Store is what the alert sender needs of the store: due deliveries,
// leased so that of several daemons one sends each, the events and
// domains they render, and the transaction that marks them.
type Store interface {
	// LeaseOutbox leases to worker, until now+ttl, up to limit pending rows
	// whose next try is not after now and which no other worker holds a
	// live lease on, oldest first. A worker may lease its own rows again.
	// SQLite, one process, leases nothing and returns the due rows.
	LeaseOutbox(ctx context.Context, worker string, now time.Time, limit int, ttl time.Duration) ([]store.OutboxItem, error)
	Event(ctx context.Context, id int64) (*store.Event, error)
	Domain(ctx context.Context, name string) (*store.Domain, error)
	Update(ctx context.Context, fn func(tx store.Tx) error) error
}
