package web

import (
	"context"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/infra"
	"github.com/takedownhq/takedown/store"
)

// Store is what the web UI and API read and change: the watchlist and
// its triage, the history of each domain, events, look-alikes, the
// outbox's state and the counts that fill pages and filter menus. Every
// store driver provides it; the web writes only through these calls.
type Store interface {
	// The sessions logout ended, shared by every daemon on the database.
	store.Sessions
	// The infrastructure keys, for the Infrastructure panel, the graph and
	// the pivots.
	infra.Reader

	// The watchlist.
	Domain(ctx context.Context, name string) (*store.Domain, error)
	Domains(ctx context.Context, q store.DomainQuery) ([]store.Domain, int, error)
	AddDomains(ctx context.Context, ds []store.NewDomain) (store.AddResult, error)
	RemoveDomains(ctx context.Context, names []string) ([]string, error)
	SetTags(ctx context.Context, name string, tags []string) error
	CountByState(ctx context.Context) (map[string]int, error)
	TagCounts(ctx context.Context) ([]store.Count, error)

	// A domain's history.
	LatestSnapshot(ctx context.Context, domainID int64, probe string) (*store.Snapshot, error)
	Snapshots(ctx context.Context, domainID int64, probe string, limit int) ([]store.Snapshot, error)
	Snapshot(ctx context.Context, id int64) (*store.Snapshot, error)
	SnapshotCounts(ctx context.Context, domainID int64) (map[string]int, error)
	ProbeStatuses(ctx context.Context, domainID int64) ([]store.ProbeStatus, error)
	ProbeErrors(ctx context.Context, domainID int64, limit int) ([]store.ProbeError, error)
	FailingProbes(ctx context.Context, limit int) ([]store.ProbeStatusOf, error)
	Transitions(ctx context.Context, domainID int64) ([]store.Transition, error)
	Screenshot(ctx context.Context, name string) (*store.Screenshot, error)

	// Events.
	Events(ctx context.Context, q store.EventQuery) ([]store.Event, error)
	Event(ctx context.Context, id int64) (*store.Event, error)
	CountEvents(ctx context.Context, q store.EventQuery) (int, error)
	EventKinds(ctx context.Context, domain string) ([]store.Count, error)

	// Look-alikes and their triage.
	Lookalikes(ctx context.Context, q store.LookalikeQuery) ([]store.Lookalike, int, error)
	LookalikeFacets(ctx context.Context) (store.LookalikeFacets, error)
	SetLookalikeStatus(ctx context.Context, name, brand string, status event.LookalikeStatus) (int, error)
	// Update runs fn in one write transaction: the bulk triage records a
	// lookalike_triaged event per change through it.
	Update(ctx context.Context, fn func(store.Tx) error) error

	// The outbox.
	Outbox(ctx context.Context, q store.OutboxQuery) ([]store.OutboxItem, error)
	CountOutbox(ctx context.Context, q store.OutboxQuery) (int, error)
	OutboxDepth(ctx context.Context) (map[string]int, error)
}
