package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlstore"
)

// The queue's statements run on the pool, beside Update's write lock: a
// lease is one statement, and FOR UPDATE SKIP LOCKED lets any number of
// workers lease at once without waiting on each other or on a check being
// recorded.

// kindsArg is the kinds filter: NULL matches every kind.
func kindsArg(kinds []string) any {
	if len(kinds) == 0 {
		return nil
	}
	return kinds
}

func (p *Postgres) ScheduleChecks(ctx context.Context, cs []store.DueCheck) (int, error) {
	if len(cs) == 0 {
		return 0, nil
	}
	ids := make([]int64, len(cs))
	kinds := make([]string, len(cs))
	dues := make([]time.Time, len(cs))
	for i, c := range cs {
		ids[i], kinds[i], dues[i] = c.DomainID, string(c.Kind), c.Due
	}
	tag, err := p.pool.Exec(ctx, `INSERT INTO due_checks (domain_id, kind, due_at)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[])
		ON CONFLICT (domain_id, kind) DO NOTHING`, ids, kinds, dues)
	if err != nil {
		return 0, fmt.Errorf("schedule checks: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

func (p *Postgres) LeaseChecks(ctx context.Context, worker string, kinds []string, now time.Time, n int, ttl time.Duration) ([]store.DueCheck, error) {
	if n <= 0 {
		return nil, nil
	}
	rows, err := p.pool.Query(ctx, `WITH c AS (
			SELECT q.domain_id, q.kind FROM due_checks q JOIN domains d ON d.id = q.domain_id
			WHERE q.due_at <= $1 AND (q.lease_until IS NULL OR q.lease_until < $1) AND d.enabled
			  AND ($2::text[] IS NULL OR q.kind = ANY($2))
			ORDER BY q.due_at LIMIT $3
			FOR UPDATE OF q SKIP LOCKED),
		u AS (
			UPDATE due_checks q SET leased_by = $4, lease_until = $5
			FROM c WHERE q.domain_id = c.domain_id AND q.kind = c.kind
			RETURNING q.domain_id, q.kind, q.due_at)
		SELECT u.domain_id, d.name, u.kind, u.due_at FROM u JOIN domains d ON d.id = u.domain_id
		ORDER BY u.due_at`,
		now, kindsArg(kinds), n, worker, now.Add(ttl))
	return collect(rows, err, "lease checks", func(r pgx.Rows) (store.DueCheck, error) {
		var c store.DueCheck
		err := r.Scan(&c.DomainID, &c.Domain, &c.Kind, &c.Due)
		c.Due = c.Due.UTC()
		return c, err
	})
}

func (p *Postgres) FinishChecks(ctx context.Context, worker string, cs []store.DueCheck) (int, error) {
	if len(cs) == 0 {
		return 0, nil
	}
	ids := make([]int64, len(cs))
	kinds := make([]string, len(cs))
	dues := make([]time.Time, len(cs))
	for i, c := range cs {
		ids[i], kinds[i], dues[i] = c.DomainID, string(c.Kind), c.Due
	}
	tag, err := p.pool.Exec(ctx, `UPDATE due_checks q SET due_at = f.due, leased_by = NULL, lease_until = NULL
		FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS f(domain_id, kind, due)
		WHERE q.domain_id = f.domain_id AND q.kind = f.kind AND q.leased_by = $4`, ids, kinds, dues, worker)
	if err != nil {
		return 0, fmt.Errorf("finish checks: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

func (p *Postgres) ExtendLeases(ctx context.Context, worker string, until time.Time) (int, error) {
	var n int
	err := p.pool.QueryRow(ctx, `WITH a AS (
			UPDATE due_checks SET lease_until = $2 WHERE leased_by = $1 RETURNING 1),
		b AS (
			UPDATE job_runs SET lease_until = $2 WHERE worker = $1 AND finished_at IS NULL RETURNING 1),
		c AS (
			UPDATE outbox SET lease_until = $2 WHERE leased_by = $1 AND status = 'pending' RETURNING 1)
		SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b) + (SELECT count(*) FROM c)`, worker, until).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("extend leases of %s: %w", worker, err)
	}
	return n, nil
}

// jobLock is the advisory lock namespace of job claims ("jobs").
const jobLock int32 = 0x6a6f6273

func (p *Postgres) ClaimJobRun(ctx context.Context, job string, slot time.Time, worker string, now time.Time, ttl time.Duration) (bool, error) {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("claim job %s: %w", job, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// Two claims of one job serialize here, so "no other run is live" and
	// the insert are one step.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, jobLock, job); err != nil {
		return false, fmt.Errorf("claim job %s: %w", job, err)
	}
	tag, err := tx.Exec(ctx, `INSERT INTO job_runs (job, slot, worker, started_at, lease_until)
		SELECT $1, $2, $3, $4, $5
		WHERE NOT EXISTS (SELECT 1 FROM job_runs WHERE job = $1 AND finished_at IS NULL AND lease_until >= $4)
		ON CONFLICT (job, slot) DO NOTHING`, job, slot, worker, now, now.Add(ttl))
	if err != nil {
		return false, fmt.Errorf("claim job %s: %w", job, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("claim job %s: %w", job, err)
	}
	return tag.RowsAffected() == 1, nil
}

func (p *Postgres) FinishJobRun(ctx context.Context, job string, slot time.Time, worker string, at time.Time) error {
	_, err := p.pool.Exec(ctx, `UPDATE job_runs SET finished_at = $4 WHERE job = $1 AND slot = $2 AND worker = $3`,
		job, slot, worker, at)
	if err != nil {
		return fmt.Errorf("finish job %s: %w", job, err)
	}
	return nil
}

func (p *Postgres) LeaseOutbox(ctx context.Context, worker string, now time.Time, limit int, ttl time.Duration) ([]store.OutboxItem, error) {
	if limit <= 0 {
		limit = 500
	}
	return p.leaseOutbox(ctx, `WITH c AS (
			SELECT id FROM outbox
			WHERE status = 'pending' AND next_try <= $1
			  AND (lease_until IS NULL OR lease_until < $1 OR leased_by = $3)
			ORDER BY next_try, id LIMIT $2
			FOR UPDATE SKIP LOCKED),
		u AS (
			UPDATE outbox o SET leased_by = $3, lease_until = $4 FROM c WHERE o.id = c.id RETURNING o.*)
		SELECT `+sqlstore.OutboxCols+` FROM u ORDER BY next_try, id`, now, limit, worker, now.Add(ttl))
}

func (p *Postgres) TakeRateSlot(ctx context.Context, server string, now time.Time, interval time.Duration) (time.Time, error) {
	var next time.Time
	err := p.pool.QueryRow(ctx, `INSERT INTO rate_budget AS r (server, next_at) VALUES ($1, $2::timestamptz + $3::bigint * interval '1 microsecond')
		ON CONFLICT (server) DO UPDATE SET next_at = greatest(r.next_at, $2::timestamptz) + $3::bigint * interval '1 microsecond'
		RETURNING next_at`, server, now, interval.Microseconds()).Scan(&next)
	if err != nil {
		return time.Time{}, fmt.Errorf("rate slot of %s: %w", server, err)
	}
	return next.Add(-interval).UTC(), nil
}

func (p *Postgres) leaseOutbox(ctx context.Context, q string, args ...any) ([]store.OutboxItem, error) {
	rows, err := p.pool.Query(ctx, q, args...)
	return sqlstore.Collect(pgRows{rows}, err, "lease outbox", sqlstore.ScanOutbox)
}
