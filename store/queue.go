package store

import (
	"context"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
)

// DueCheck is one probe kind of one domain in the due queue.
type DueCheck struct {
	DomainID int64
	Domain   string // the domain's name; filled by LeaseChecks
	Kind     event.Probe
	// Due is when the check is due. In FinishChecks it is the next due
	// time: the next slot of the schedule, or the moment a rate token is
	// due for a check the rate limit deferred.
	Due time.Time
}

// Queue is the due-check queue that several daemons on one database share:
// one row per (domain, probe kind) holding its next due time and, while a
// daemon runs it, that daemon's lease. A lease is a worker name and an
// expiry; a worker that dies stops renewing its leases and they lapse, so
// its checks, job runs and alert deliveries come back to the others.
//
// PostgreSQL leases rows with FOR UPDATE SKIP LOCKED, so concurrent workers
// never wait on each other and never lease the same live row. SQLite is one
// process: its queue is the same table behind its single writer.
//
// All methods are safe for concurrent use, also across processes.
type Queue interface {
	// ScheduleChecks adds the checks that are not queued yet, due at their
	// Due time; a queued check keeps its due time and lease. It returns how
	// many it added. Idempotent.
	ScheduleChecks(ctx context.Context, cs []DueCheck) (added int, err error)
	// LeaseChecks leases to worker, until now+ttl, up to n checks of the
	// given kinds (all kinds when empty) that are due at now, belong to an
	// enabled domain and hold no live lease, earliest due first. A lapsed
	// lease counts as none.
	LeaseChecks(ctx context.Context, worker string, kinds []string, now time.Time, n int, ttl time.Duration) ([]DueCheck, error)
	// FinishChecks releases worker's leases on the checks and sets each
	// one's next due time to its Due. A check whose lease the worker lost
	// (it lapsed and another worker took it) is left alone. It returns how
	// many it released.
	FinishChecks(ctx context.Context, worker string, cs []DueCheck) (int, error)
	// ExtendLeases renews every lease worker holds (checks, unfinished job
	// runs, pending outbox rows) until until: the heartbeat of a live
	// worker. A lease another worker took over is not worker's any more.
	// It returns how many leases it renewed.
	ExtendLeases(ctx context.Context, worker string, until time.Time) (int, error)

	// ClaimJobRun claims the run of job scheduled at slot for worker, with
	// a lease until now+ttl. It reports false when the slot was claimed
	// before (by anyone) or another run of the same job still holds a live
	// lease: a scheduled job runs once per slot across the cluster, and
	// never twice at once, so a feed's cursor never doubles.
	ClaimJobRun(ctx context.Context, job string, slot time.Time, worker string, now time.Time, ttl time.Duration) (bool, error)
	// FinishJobRun marks worker's run of job at slot finished at at.
	FinishJobRun(ctx context.Context, job string, slot time.Time, worker string, at time.Time) error
}
