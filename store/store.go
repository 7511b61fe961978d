// Package store keeps takedown's history: the watchlist, every distinct
// observation of every probe, change events, lifecycle verdicts, look-alikes,
// the alert outbox and feed cursors.
//
// This package holds only the types and the interfaces. The SQL is in
// store/sqlstore, written once for both drivers: store/sqlite and
// store/postgres keep only what differs (their Dialect, migrations,
// connection set-up, transactions, leasing and the one-statement unchanged
// check). store/storetest is the conformance suite both run.
//
// A new table costs one query definition plus two migrations: the
// migration in store/sqlite/migrations and its twin in
// store/postgres/migrations (same number, PostgreSQL's types), and one
// file in store/sqlstore with the table's columns, its scan function (Time
// and Strings read both encodings) and its methods on DB (reads) and Tx
// (writes), written with ? placeholders and the Dialect's words. Both
// drivers have the methods through embedding. Name them in Store (and Tx),
// in the consumer's own interface, and give storetest a case.
//
// Each consumer declares the narrow interface it calls (web.Store,
// feeds.Store, engine.Store, notify.Store, lookalike.Store) or names one
// of the capabilities here (Queue); Store is all of them.
// Writes that must happen together go through Update, whose Tx is the
// only way to write, so an event and its outbox rows always commit in one
// transaction. A Tx carries the context its Update was given: every
// statement of the transaction runs under it, and Tx.Context returns it.
// Rules (what a change of verdict means) belong to the monitor, not here.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
)

// ErrNotFound is returned by single-item getters when the item does not exist.
var ErrNotFound = errors.New("not found")

// ErrStale is returned by Tx.TouchUnchanged when what the check read has
// moved since (another check of the domain recorded meanwhile): nothing was
// written, and the check is to be recorded the full way.
var ErrStale = errors.New("check state moved since it was read")

// Domain kinds (the vocabulary's, named here for the store's callers).
const (
	KindWatch = event.DomainWatch
	KindBrand = event.DomainBrand
	// KindLookalike is a found look-alike watched on its own light
	// schedule by the look-alike watch, not by the probe schedule. It is
	// not part of the watchlist proper: a DomainQuery with Kind "" and
	// LastRuns and CountByState leave it out; Domain(name) finds it, so
	// its history reads like a watched domain's. Adding the name to the
	// watchlist makes it a watched domain; the look-alike watch never
	// turns a watched domain into a look-alike.
	KindLookalike = event.DomainLookalike
)

// MaxScreenshot bounds a stored screenshot's PNG, in bytes; PutScreenshot
// refuses a larger one.
const MaxScreenshot = 1 << 20

// Look-alike triage statuses and registration answers (the vocabulary's).
const (
	StatusNew          = event.StatusNew
	StatusAcknowledged = event.StatusAcknowledged
	StatusDismissed    = event.StatusDismissed

	RegYes     = event.RegYes
	RegNo      = event.RegNo
	RegUnknown = event.RegUnknown
)

// Outbox statuses (the vocabulary's).
const (
	OutboxPending = event.OutboxPending
	OutboxSent    = event.OutboxSent
	OutboxFailed  = event.OutboxFailed
)

// Domain is a watched domain and its current verdict.
type Domain struct {
	ID           int64            `json:"-"`
	Name         string           `json:"domain"`  // ASCII / punycode
	Unicode      string           `json:"unicode"` // display form
	Kind         event.DomainKind `json:"kind"`
	Tags         []string         `json:"tags"`
	Note         string           `json:"note,omitempty"`
	Source       string           `json:"source,omitempty"`
	AddedAt      time.Time        `json:"added_at"`
	Enabled      bool             `json:"enabled"`
	State        event.State      `json:"state"`
	StateSince   time.Time        `json:"state_since,omitzero"`
	StateReasons []string         `json:"state_reasons"`
	LastChecked  time.Time        `json:"last_checked,omitzero"`
}

// NewDomain is a watchlist entry to add. Name must already be normalized.
type NewDomain struct {
	Name    string
	Unicode string
	Kind    event.DomainKind // "" means KindWatch
	Tags    []string
	Note    string
	Source  string
}

// AddResult counts what AddDomains did.
type AddResult struct {
	Added  []string // names that were new
	Merged []string // names already watched whose tags (and note, kind) were merged
}

// DomainQuery filters Domains. Zero values match everything, except that
// Kind "" matches the watchlist proper (watch and brand) and leaves out
// KindLookalike rows, which only Kind: KindLookalike lists.
type DomainQuery struct {
	Search  string // substring of the ASCII or Unicode name
	State   event.State
	Tag     string
	Kind    event.DomainKind
	Enabled *bool
	// NeverChecked keeps domains no check has recorded yet.
	NeverChecked bool
	Sort         string // name (default), state, added, checked; prefix "-" for descending
	Limit        int    // 0: no limit
	Offset       int
}

// MaxScan is the most domains one ScanDomains call returns.
const MaxScan = 5000

// ScanQuery pages through the enabled domains in ID order (keyset
// pagination): the scheduler's view of a watchlist of any size, one
// bounded page at a time.
type ScanQuery struct {
	// AfterID keeps domains whose ID is larger: the last ID of the
	// previous page, 0 for the first.
	AfterID int64
	// Limit bounds the page; 0 or more than MaxScan means MaxScan.
	Limit int
	// NeverChecked keeps domains no check has recorded yet.
	NeverChecked bool
	// Unqueued keeps domains that lack a row in the due queue (Queue) for
	// at least one of these probe kinds.
	Unqueued []event.Probe
	// LastRuns fills each domain's probes' last run times.
	LastRuns bool
}

// DomainRef is a domain as the scheduler sees it: no more than it needs.
type DomainRef struct {
	ID   int64
	Name string
	// LastRuns maps a probe kind to its last run; nil unless asked for
	// (ScanQuery.LastRuns), and a kind never run is absent.
	LastRuns map[event.Probe]time.Time
}

// Snapshot is one distinct observation of a probe kind for a domain.
type Snapshot struct {
	ID        int64       `json:"id"`
	DomainID  int64       `json:"-"`
	Probe     event.Probe `json:"probe"`
	FirstSeen time.Time   `json:"first_seen"`
	LastSeen  time.Time   `json:"last_seen"`
	Hash      string      `json:"hash"`
	Data      []byte      `json:"data"` // normalized JSON
}

// ProbeStatus is the scheduling and failure state of one probe of a domain.
type ProbeStatus struct {
	DomainID            int64       `json:"-"`
	Probe               event.Probe `json:"probe"`
	LastRun             time.Time   `json:"last_run,omitzero"`
	LastOK              time.Time   `json:"last_ok,omitzero"`
	ConsecutiveFailures int         `json:"consecutive_failures"`
	LastError           string      `json:"last_error,omitempty"`
	Unreachable         bool        `json:"unreachable"`
}

// CheckState is what recording a check of one domain needs to know
// before it probes, read in one statement: the domain, the head of each
// probe's latest snapshot and each probe's status.
type CheckState struct {
	Domain Domain
	// Latest maps a probe kind to its latest snapshot (without its data);
	// a kind that never succeeded is absent.
	Latest map[event.Probe]SnapshotHead
	// Status maps a probe kind to its status; a kind never run is absent.
	Status map[event.Probe]ProbeStatus
	// VerdictUntil is how long the stored verdict holds for unchanged
	// evidence (see Tx.SetVerdictUntil); zero: judge at the next check.
	VerdictUntil time.Time
}

// SnapshotHead is a snapshot without its data.
type SnapshotHead struct {
	ID       int64
	Hash     string
	LastSeen time.Time
}

// Unchanged is a check whose every answer equals its probe's latest
// snapshot, with every probe healthy: what Tx.TouchUnchanged records.
type Unchanged struct {
	DomainID int64
	At       time.Time
	Probes   []Seen
}

// Seen is one probe of an unchanged check: the snapshot its answer
// equalled and the status's last run, as CheckState read them.
type Seen struct {
	Probe      event.Probe
	SnapshotID int64
	LastRun    time.Time
}

// ProbeError is a coalesced run of equal probe failures.
type ProbeError struct {
	ID        int64       `json:"id"`
	DomainID  int64       `json:"-"`
	Probe     event.Probe `json:"probe"`
	FirstSeen time.Time   `json:"first_seen"`
	LastSeen  time.Time   `json:"last_seen"`
	Count     int         `json:"count"`
	Error     string      `json:"error"`
}

// Event is one thing that happened: a field change, a state transition, a
// look-alike registered, a certificate issued.
type Event struct {
	ID       int64          `json:"id"`
	DomainID int64          `json:"-"` // 0 when the name is not watched
	Domain   string         `json:"domain"`
	At       time.Time      `json:"at"`
	Kind     event.Kind     `json:"kind"`
	Probe    event.Probe    `json:"probe,omitempty"`
	Field    string         `json:"field,omitempty"`
	Old      string         `json:"old,omitempty"`
	New      string         `json:"new,omitempty"`
	Severity event.Severity `json:"severity"`
	Detail   []byte         `json:"detail,omitempty"` // JSON object
	// Tags are the watched domain's tags when the event was written; filled
	// by the store for routing, not stored with the event. A look-alike's
	// events (its own domains row or none) carry the tags of the brand it
	// imitates as well, so a brand's case team gets them.
	Tags []string `json:"-"`
	// DomainKind is the kind of the domain's row (KindWatch, KindBrand,
	// KindLookalike; "" when the name has none) when the event was written;
	// filled by the store for routing, not stored with the event.
	DomainKind event.DomainKind `json:"-"`
}

// EventQuery filters Events. Results are newest first.
type EventQuery struct {
	Domain   string
	Kinds    []event.Kind
	Since    time.Time
	Until    time.Time
	MinSev   event.Severity
	BeforeID int64 // keyset pagination: only ids below this
	// HideBaseline leaves out baseline verdicts: a state_changed from
	// unknown to active or unregistered, which is what a newly watched
	// domain's first verdict says (a domain back from unknown to active
	// after an outage is left out too; its probes' events stay).
	HideBaseline bool
	Limit        int
	Offset       int
}

// Transition is a change of lifecycle verdict.
type Transition struct {
	ID       int64       `json:"id"`
	DomainID int64       `json:"-"`
	At       time.Time   `json:"at"`
	From     event.State `json:"from"`
	To       event.State `json:"to"`
	Reasons  []string    `json:"reasons"`
	EventID  int64       `json:"event_id,omitempty"`
}

// Lookalike is a candidate name imitating a brand or watched domain.
type Lookalike struct {
	ID             int64                 `json:"-"`
	Brand          string                `json:"brand"`
	Name           string                `json:"name"`
	Unicode        string                `json:"unicode"`
	Fuzzer         string                `json:"fuzzer"`
	Source         string                `json:"source"`
	Score          float64               `json:"score"`
	FirstSeen      time.Time             `json:"first_seen"`
	LastChecked    time.Time             `json:"last_checked,omitzero"`
	Registered     event.Registration    `json:"registered"`
	RegisteredSeen time.Time             `json:"registered_seen,omitzero"`
	Created        time.Time             `json:"created,omitzero"`
	DNS            []byte                `json:"dns,omitempty"` // JSON summary
	Status         event.LookalikeStatus `json:"status"`
	StatusAt       time.Time             `json:"status_at,omitzero"`
	// Risk is the look-alike watch's latest judgement; its zero value
	// (Level "") means not judged yet.
	Risk LookalikeRisk
	// Screenshot: a screenshot of its page is stored (see Screenshot).
	Screenshot bool
}

// LookalikeRisk is a look-alike's risk level with its score, reasons and
// when it was judged (monitor/lookalike/risk says what they mean).
type LookalikeRisk struct {
	Level   event.RiskLevel
	Score   int
	Reasons []string
	At      time.Time
}

// Screenshot is the latest screenshot of a domain's page: the seizure
// banner of a watched domain, the page of a look-alike.
type Screenshot struct {
	DomainID int64
	URL      string
	TakenAt  time.Time
	PNG      []byte // at most MaxScreenshot bytes
	SHA256   string
	AHash    string // perceptual (average) hash, hex
}

// LookalikeQuery filters Lookalikes. Results are newest first.
type LookalikeQuery struct {
	Brand      string
	Status     event.LookalikeStatus
	Fuzzer     string
	Source     string
	Registered event.Registration
	Since      time.Time
	Search     string
	// Sort "risk" orders by risk score (level first), riskiest first;
	// default newest first.
	Sort   string
	Limit  int
	Offset int
}

// OutboxItem is one delivery of one event to one recipient of one channel.
type OutboxItem struct {
	ID             int64              `json:"id"`
	EventID        int64              `json:"event_id"`
	Channel        string             `json:"channel"`
	Recipient      string             `json:"recipient"`
	Status         event.OutboxStatus `json:"status"`
	Attempts       int                `json:"attempts"`
	NextTry        time.Time          `json:"next_try"`
	SentAt         time.Time          `json:"sent_at,omitzero"`
	LastError      string             `json:"last_error,omitempty"`
	IdempotencyKey string             `json:"idempotency_key"`
	CreatedAt      time.Time          `json:"created_at"`
}

// OutboxQuery filters Outbox. Results are newest first.
type OutboxQuery struct {
	Status  event.OutboxStatus
	Channel string
	Limit   int
	Offset  int
}

// Delivery is where the Router sends an event: one outbox row each.
type Delivery struct {
	Channel   string
	Recipient string
	// NotBefore delays the first attempt (digests); zero means now.
	NotBefore time.Time
}

// Router decides, inside the transaction that writes an event, which outbox
// rows it gets. It must be pure and fast: it runs under the write lock.
type Router func(ev Event) []Delivery

// Feed is a configured source of candidate names and its resume point.
type Feed struct {
	ID        int64          `json:"-"`
	Name      string         `json:"name"`
	Kind      event.FeedKind `json:"kind"`
	URL       string         `json:"url"`
	Schedule  string         `json:"schedule,omitempty"`
	Cursor    string         `json:"cursor"`
	LastRun   time.Time      `json:"last_run,omitzero"`
	LastError string         `json:"last_error,omitempty"`
	NamesSeen int64          `json:"names_seen"`
	Matches   int64          `json:"matches"`
	CreatedAt time.Time      `json:"created_at"`
}

// Store is takedown's storage, the whole of what a driver provides. Each
// consumer declares the narrow part it calls (web.Store, feeds.Store,
// engine.Store, notify.Store, lookalike.Store), so it asks for no more.
// All methods are safe for concurrent use. Getters of one item return
// ErrNotFound when it is absent; "latest" getters return nil, nil when
// there is nothing yet.
type Store interface {
	Sessions
	Infra

	// The one way to write history.
	// Update runs fn in one write transaction; an error from fn rolls it back.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// SetRouter installs the router that AddEvent consults. Nil: no outbox rows.
	SetRouter(r Router)

	// The watched domains.
	// AddDomains adds entries in one transaction: all or none. An entry whose
	// name is already watched merges its tags (union), and replaces the note
	// and kind when given. Idempotent.
	AddDomains(ctx context.Context, ds []NewDomain) (AddResult, error)
	// RemoveDomains stops watching names: they are disabled, and their
	// snapshots, events and transitions stay in history; adding a name again
	// resumes it. It returns the names that were watched.
	RemoveDomains(ctx context.Context, names []string) ([]string, error)
	// SetTags replaces a domain's tags.
	SetTags(ctx context.Context, name string, tags []string) error
	Domain(ctx context.Context, name string) (*Domain, error)
	// Domains lists matching domains and the total count ignoring Limit/Offset.
	Domains(ctx context.Context, q DomainQuery) ([]Domain, int, error)
	// ScanDomains lists one page of enabled watchlist domains (not
	// look-alikes, which have their own schedule), in ID order. A caller
	// pages through the watchlist by passing the last ID it got as the
	// next AfterID, until a page comes back empty.
	ScanDomains(ctx context.Context, q ScanQuery) ([]DomainRef, error)
	// CountByState counts watched (enabled, not look-alike) domains per
	// lifecycle state.
	CountByState(ctx context.Context) (map[string]int, error)

	// The read side of snapshots, probe health, events and transitions.
	// CheckState reads a domain's check state in one statement;
	// ErrNotFound if the name is not watched.
	CheckState(ctx context.Context, name string) (*CheckState, error)
	// LatestSnapshot returns nil, nil if the probe never succeeded.
	LatestSnapshot(ctx context.Context, domainID int64, probe string) (*Snapshot, error)
	// Snapshots lists a probe's snapshots of a domain, newest first; probe ""
	// lists all probes.
	Snapshots(ctx context.Context, domainID int64, probe string, limit int) ([]Snapshot, error)
	Snapshot(ctx context.Context, id int64) (*Snapshot, error)
	ProbeStatuses(ctx context.Context, domainID int64) ([]ProbeStatus, error)
	ProbeErrors(ctx context.Context, domainID int64, limit int) ([]ProbeError, error)
	// FailingProbes lists probe statuses with at least one consecutive failure.
	FailingProbes(ctx context.Context, limit int) ([]ProbeStatusOf, error)

	Events(ctx context.Context, q EventQuery) ([]Event, error)
	Event(ctx context.Context, id int64) (*Event, error)
	Transitions(ctx context.Context, domainID int64) ([]Transition, error)

	// The read and triage side of found look-alikes.
	Lookalikes(ctx context.Context, q LookalikeQuery) ([]Lookalike, int, error)
	// SetLookalikeStatus triages every row of name (or only brand's, when
	// brand is not empty). Returns ErrNotFound if no row matched.
	SetLookalikeStatus(ctx context.Context, name, brand string, status event.LookalikeStatus) (int, error)
	// Screenshot returns the latest screenshot of a domain (watched or
	// look-alike, by name); ErrNotFound when there is none.
	Screenshot(ctx context.Context, name string) (*Screenshot, error)

	// The read side of the alert outbox.
	Outbox(ctx context.Context, q OutboxQuery) ([]OutboxItem, error)
	// DueOutbox returns pending rows whose next try is not after now, oldest first.
	DueOutbox(ctx context.Context, now time.Time, limit int) ([]OutboxItem, error)
	// OutboxDepth counts rows per status.
	OutboxDepth(ctx context.Context) (map[string]int, error)
	// LeaseOutbox leases to worker, until now+ttl, up to limit pending rows
	// whose next try is not after now and which no other worker holds a
	// live lease on, oldest first (as DueOutbox orders them). A worker may
	// lease its own rows again. SQLite, one process, leases nothing and
	// returns DueOutbox's rows.
	LeaseOutbox(ctx context.Context, worker string, now time.Time, limit int, ttl time.Duration) ([]OutboxItem, error)

	// The configured feeds.
	Feeds(ctx context.Context) ([]Feed, error)
	Feed(ctx context.Context, name string) (*Feed, error)
	AddFeed(ctx context.Context, f Feed) error
	// RemoveFeed deletes a feed; ErrNotFound if there is none. What the
	// feed found stays.
	RemoveFeed(ctx context.Context, name string) error

	// The reads the web UI and API need beyond the above: totals for
	// pagination and the values that fill filter menus.
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

	Queue

	// A rate limit per server shared by every worker on the database (the
	// consumer is ratelimit.Budget): the token bucket's clock kept in one
	// row per server. TakeRateSlot takes the next free slot of server,
	// every interval apart, not before now, and returns its time. Slots
	// once taken are gone: a caller that does not use its slot wastes it.
	TakeRateSlot(ctx context.Context, server string, now time.Time, interval time.Duration) (time.Time, error)

	Close() error
}

// ProbeStatusOf is a ProbeStatus with its domain name.
type ProbeStatusOf struct {
	ProbeStatus
	Domain string `json:"domain"`
}

// Tx is the write side of the store, valid only inside Update.
type Tx interface {
	// Context is the context Update was given: every statement of the
	// transaction runs under it, and work that fn does beside them (a call
	// that takes a context) uses it too.
	Context() context.Context

	// Domain reads inside the transaction; ErrNotFound if absent.
	Domain(name string) (*Domain, error)
	LatestSnapshot(domainID int64, probe string) (*Snapshot, error)

	// ObserveSnapshot stores data as the probe's newest observation at time
	// at. If its hash equals the latest snapshot's, only last_seen moves and
	// changed is false. prev is the snapshot it replaced (nil for the first).
	ObserveSnapshot(domainID int64, probe string, at time.Time, data []byte) (cur *Snapshot, prev *Snapshot, changed bool, err error)
	// ObserveError records a failed probe and returns the new failure streak.
	ObserveError(domainID int64, probe string, at time.Time, msg string) (ProbeStatus, error)
	// Snapshots lists a probe's snapshots of a domain, newest first.
	Snapshots(domainID int64, probe string, limit int) ([]Snapshot, error)
	// Transitions lists a domain's state transitions, newest first.
	Transitions(domainID int64) ([]Transition, error)
	// SetProbeStatus writes a probe's status row (for ok runs and flags).
	SetProbeStatus(st ProbeStatus) error
	ProbeStatus(domainID int64, probe string) (ProbeStatus, error)
	MarkChecked(domainID int64, at time.Time) error
	// TouchUnchanged records an unchanged, healthy check in one statement:
	// each probe's latest snapshot's last_seen moves forward to u.At, its
	// status's last run and last success become u.At, and so does the
	// domain's last check (never backwards). It takes no write lock of its
	// own: the statement checks that every probe's latest snapshot and
	// last run are still those read and that it is still healthy, and
	// returns ErrStale when one moved; the Update's fn returns that error,
	// so nothing is written. Call it alone in its Update.
	TouchUnchanged(u Unchanged) error
	// SetVerdictUntil stores how long the domain's verdict holds for
	// unchanged evidence; zero means judge again at the next check.
	SetVerdictUntil(domainID int64, until time.Time) error

	// HasEvent reports whether the domain already has an event of kind with
	// this new value (events that must fire once per fact).
	HasEvent(domainID int64, kind event.Kind, newValue string) (bool, error)
	// Event reads an event inside the transaction; ErrNotFound if absent.
	Event(id int64) (*Event, error)
	// AddEvent writes an event and, through the Router, its outbox rows.
	AddEvent(ev Event) (int64, error)
	// SetSuspect stores the state the evidence points at without
	// establishing it ("" for none); changed says whether it differed.
	SetSuspect(domainID int64, suspect event.State) (changed bool, err error)
	// SetState stores a verdict's state and reasons. When the state
	// differs from the stored one it moves state_since and returns the
	// previous state and changed; first says the domain had no verdict
	// before (the monitor writes the event and the transition: the rule of
	// what a change means is not the store's).
	SetState(domainID int64, at time.Time, state event.State, reasons []string) (prev event.State, first bool, err error)
	// AddTransition records a change of verdict.
	AddTransition(tr Transition) error

	// UpsertLookalike inserts or updates (brand, name). It keeps first_seen
	// and status; it returns the stored row and whether this call saw the
	// name registered for the first time.
	UpsertLookalike(l Lookalike) (stored Lookalike, newlyRegistered bool, err error)
	// SetLookalikeRisk stores the risk of (brand, name) and returns the
	// one it replaces (zero when never judged); ErrNotFound if the row
	// does not exist.
	SetLookalikeRisk(brand, name string, r LookalikeRisk) (prev LookalikeRisk, err error)
	// PutScreenshot replaces a domain's screenshot; a PNG over
	// MaxScreenshot bytes is refused. Idempotent.
	PutScreenshot(s Screenshot) error

	// Outbox transitions, for the notifier.
	MarkSent(id int64, at time.Time) error
	MarkRetry(id int64, attempts int, next time.Time, errMsg string) error
	MarkFailed(id int64, attempts int, errMsg string) error
	// AddOutbox writes an outbox row directly (tests, "alerts test").
	AddOutbox(item OutboxItem) (int64, error)

	SaveFeed(f Feed) error
	// ObserveKeys records that the domain was seen on keys at at: a pair
	// seen for the first time gets first_seen at and adds one to the key's
	// pivot count; a known pair's last_seen moves forward; keys of the
	// domain not given are left as they were (history). It returns the
	// keys new to this domain. At most MaxKeysPerObservation keys.
	ObserveKeys(domainID int64, at time.Time, keys []InfraKey) (added []InfraKey, err error)
	// AddRelated gives a domain found through shared infrastructure a
	// domains row of KindRelated (source says where it was found) unless
	// the name has one of any kind, which is left as it is; it returns
	// the row's id and whether it was added.
	AddRelated(name, unicode, source string, at time.Time) (id int64, added bool, err error)

	// MarkSeen records key under scope (a feed's dedup space: "cert" for
	// issuer+serial) as seen at at and returns when it was last seen before,
	// zero the first time. Idempotent for equal times.
	MarkSeen(scope, key string, at time.Time) (prev time.Time, err error)
}
