package engine

import (
	"context"

	"github.com/takedownhq/takedown/store"
)

// Store is what the engine needs of the store to schedule and record
// checks: the domain and its check state before probing, its history for
// the judge, and the transaction that records the outcome. Every store
// driver provides it.
type Store interface {
	Domain(ctx context.Context, name string) (*store.Domain, error)
	// CheckState reads a domain's check state in one statement;
	// ErrNotFound if the name is not watched.
	CheckState(ctx context.Context, name string) (*store.CheckState, error)
	Domains(ctx context.Context, q store.DomainQuery) ([]store.Domain, int, error)
	ScanDomains(ctx context.Context, q store.ScanQuery) ([]store.DomainRef, error)
	LatestSnapshot(ctx context.Context, domainID int64, probe string) (*store.Snapshot, error)
	Snapshots(ctx context.Context, domainID int64, probe string, limit int) ([]store.Snapshot, error)
	Transitions(ctx context.Context, domainID int64) ([]store.Transition, error)
	Update(ctx context.Context, fn func(tx store.Tx) error) error
	// InfraWatches is read when a changed snapshot brings a domain a new
	// infrastructure key (the infrastructure watchlist).
	InfraWatches(ctx context.Context) ([]store.InfraWatch, error)
}
