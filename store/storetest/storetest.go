// Package storetest is the conformance suite every store driver passes:
// the behaviour the monitor, the feeds and the web UI rely on, written once
// and run against SQLite and PostgreSQL alike.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Store { return openEmpty(t) })
//	}
package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// Store is what a driver provides: the store, the web UI's queries and
// the count of statements sent, which the suite holds costs to.
type Store interface {
	store.Store
	// Statements counts the SQL statements sent since the store opened,
	// transaction control aside.
	Statements() int64
}

// Run runs every case as a subtest. open returns an empty store that the
// test owns; it is closed by the driver's own cleanup.
func Run(t *testing.T, open func(t *testing.T) Store) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

type testCase struct {
	name string
	fn   func(t *testing.T, s Store)
}

var cases = []testCase{
	// watchlist
	{"AddDomainsIsAllOrNothing", addDomainsIsAllOrNothing},
	{"DomainsQuery", domainsQuery},
	{"DomainsFiltersAndSorts", domainsFiltersAndSorts},
	{"SetTagsReplaces", setTagsReplaces},
	{"RemoveKeepsHistoryAndAddResumes", removeKeepsHistoryAndAddResumes},
	{"ScanDomainsPages", scanDomainsPages},
	// observations
	{"ObserveSnapshotMovesLastSeenOnly", observeSnapshotMovesLastSeenOnly},
	{"SnapshotsListAndGet", snapshotsListAndGet},
	{"ObserveErrorCoalescesWithinAStreak", observeErrorCoalescesWithinAStreak},
	{"ProbeStatusRoundTrip", probeStatusRoundTrip},
	{"MarkCheckedNeverMovesBack", markCheckedNeverMovesBack},
	{"CheckStateAndTouchUnchanged", checkStateAndTouchUnchanged},
	// events and verdicts
	{"EventAndOutboxShareATransaction", eventAndOutboxShareATransaction},
	{"FirstVerdictMarksOnlyTheFirst", firstVerdictMarksOnlyTheFirst},
	{"EventsFieldsAndOrder", eventsFieldsAndOrder},
	{"HasEventAndSuspect", hasEventAndSuspect},
	{"UnwatchedEventInheritsBrandTags", unwatchedEventInheritsBrandTags},
	{"RouterSeesDomainKindAndBrandTags", routerSeesDomainKindAndBrandTags},
	{"TxRunsUnderUpdatesContext", txRunsUnderUpdatesContext},
	// look-alikes
	{"UpsertLookalikeFlagsFirstRegistrationOnce", upsertLookalikeFlagsFirstRegistrationOnce},
	{"LookalikesQuery", lookalikesQuery},
	{"LookalikeRowsStayOffTheWatchlist", lookalikeRowsStayOffTheWatchlist},
	{"LookalikeRiskAndScreenshot", lookalikeRiskAndScreenshot},
	// outbox
	{"OutboxLifecycle", outboxLifecycle},
	// feeds
	{"FeedCursor", feedCursor},
	{"FeedsListAndRemove", feedsListAndRemove},
	{"MarkSeen", markSeen},
	// the shared queue
	{"QueueLeasesEachCheckOnce", queueLeasesEachCheckOnce},
	{"JobRunsOncePerSlot", jobRunsOncePerSlot},
	{"OutboxLeaseReturnsDueRows", outboxLeaseReturnsDueRows},
	{"RateSlotsAreSpaced", rateSlotsAreSpaced},
	// web queries
	{"CountEventsMatchesEvents", countEventsMatchesEvents},
	{"Facets", facets},
	// web sessions
	{"RevokedSessionKeepsTheLaterEnd", revokedSessionKeepsTheLaterEnd},
	// infrastructure
	{"InfraKeysAreHistory", infraKeysAreHistory},
	{"InfraRelatedSkipsCommonKeys", infraRelatedSkipsCommonKeys},
	{"InfraWatchlist", infraWatchlist},
	{"InfraRelatedRowsAndWatchedKeys", infraRelatedRowsAndWatchedKeys},
}

var ctx = context.Background()

// t0 is a fixed moment; drivers keep times to the microsecond at least.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func update(t *testing.T, s Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Update(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func mustAdd(t *testing.T, s Store, ds ...store.NewDomain) {
	t.Helper()
	if _, err := s.AddDomains(ctx, ds); err != nil {
		t.Fatal(err)
	}
}

func mustDomain(t *testing.T, s Store, name string) *store.Domain {
	t.Helper()
	d, err := s.Domain(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// recordState writes a verdict with the store's primitives the way the
// monitor's RecordVerdict does (the rule lives there; storetest sits below
// the monitor): a new state is a state_changed event and a transition
// pointing at it. It returns the event's id, or 0 when the state stayed.
func recordState(tx store.Tx, d *store.Domain, at time.Time, state event.State, reasons []string, sev event.Severity) (int64, error) {
	prev, first, err := tx.SetState(d.ID, at, state, reasons)
	if err != nil || prev == state {
		return 0, err
	}
	detail, _ := json.Marshal(event.VerdictDetail{Reasons: append([]string{}, reasons...), First: first})
	id, err := tx.AddEvent(store.Event{DomainID: d.ID, Domain: d.Name, At: at, Kind: event.StateChanged, Field: "state",
		Old: string(prev), New: string(state), Severity: sev, Detail: detail})
	if err != nil {
		return 0, err
	}
	return id, tx.AddTransition(store.Transition{DomainID: d.ID, At: at, From: prev, To: state, Reasons: reasons, EventID: id})
}
