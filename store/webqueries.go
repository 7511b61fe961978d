package store

import "context"

// WebQueries are the reads the web UI and API need beyond Store: totals for
// pagination and the values that fill filter menus. Every driver
// implements it (see WebStore).
type WebQueries interface {
	// CountEvents counts what Events(q) would list, ignoring Limit/Offset.
	CountEvents(ctx context.Context, q EventQuery) (int, error)
	// CountOutbox counts what Outbox(q) would list, ignoring Limit/Offset.
	CountOutbox(ctx context.Context, q OutboxQuery) (int, error)
	// EventKinds counts events per kind, for one domain or ("") for all,
	// most frequent first.
	EventKinds(ctx context.Context, domain string) ([]Count, error)
	// TagCounts counts watched domains per tag, by tag name.
	TagCounts(ctx context.Context) ([]Count, error)
	// LookalikeFacets counts look-alikes per brand, fuzzer, source and status.
	LookalikeFacets(ctx context.Context) (LookalikeFacets, error)
	// SnapshotCounts counts a domain's stored snapshots per probe.
	SnapshotCounts(ctx context.Context, domainID int64) (map[string]int, error)
}

// Count is a value and how many rows carry it.
type Count struct {
	Value string `json:"value"`
	N     int    `json:"n"`
}

// LookalikeFacets are the distinct values of look-alike columns with counts.
type LookalikeFacets struct {
	Brands   []Count `json:"brands"`
	Fuzzers  []Count `json:"fuzzers"`
	Sources  []Count `json:"sources"`
	Statuses []Count `json:"statuses"`
}
