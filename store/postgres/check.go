package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlstore"
)

// An unchanged check costs two statements: checkStateQuery before it
// probes and touchQuery after. pgx prepares and caches both per
// connection.

// checkStateQuery reads a domain with one row per probe status and the
// head of that probe's latest snapshot.
var checkStateQuery = `SELECT ` + dialect.DomainCols() + `, d.verdict_until,
	p.probe, p.last_run, p.last_ok, p.consecutive_failures, p.last_error, p.unreachable,
	s.id, s.hash, s.last_seen
	FROM domains d
	LEFT JOIN probe_status p ON p.domain_id = d.id
	LEFT JOIN LATERAL (SELECT x.id, x.hash, x.last_seen FROM snapshots x
		WHERE x.domain_id = d.id AND x.probe = p.probe ORDER BY x.id DESC LIMIT 1) s ON true
	WHERE d.name = $1`

// touchQuery records an unchanged check. The probe_status update is the
// guard: its WHERE is evaluated again on the newest row version when
// another transaction wrote the row meanwhile (every recorded outcome of a
// probe writes its status), so a status that moved is not touched and the
// count falls short.
const touchQuery = `WITH want AS (
		SELECT * FROM unnest($2::text[], $3::bigint[], $4::timestamptz[]) AS w(probe, snapshot, last_run)
	), st AS (
		UPDATE probe_status p SET last_run = $5, last_ok = $5 FROM want w
		WHERE p.domain_id = $1 AND p.probe = w.probe AND p.last_run = w.last_run
			AND p.consecutive_failures = 0 AND NOT p.unreachable
			AND w.snapshot = (SELECT max(x.id) FROM snapshots x WHERE x.domain_id = $1 AND x.probe = w.probe)
		RETURNING p.probe
	), sn AS (
		UPDATE snapshots s SET last_seen = $5 FROM want w
		WHERE s.id = w.snapshot AND s.domain_id = $1 AND s.last_seen < $5
	), dm AS (
		UPDATE domains SET last_checked = $5 WHERE id = $1 AND (last_checked IS NULL OR last_checked < $5)
	)
	SELECT count(*) FROM st`

// CheckState reads a domain's check state in one statement.
func (p *Postgres) CheckState(ctx context.Context, name string) (*store.CheckState, error) {
	rows, err := p.pool.Query(ctx, checkStateQuery, name)
	if err != nil {
		return nil, fmt.Errorf("check state of %s: %w", name, err)
	}
	return sqlstore.ReadCheckState(pgRows{rows}, name)
}

func (t *pgTx) TouchUnchanged(u store.Unchanged) error {
	probes := make([]string, len(u.Probes))
	snaps := make([]int64, len(u.Probes))
	runs := make([]time.Time, len(u.Probes))
	for i, s := range u.Probes {
		probes[i], snaps[i], runs[i] = string(s.Probe), s.SnapshotID, us(s.LastRun)
	}
	// No write lock: the statement guards itself (touchQuery).
	var n int
	if err := t.tx.Tx.QueryRow(t.ctx, touchQuery, u.DomainID, probes, snaps, runs, us(u.At)).Scan(&n); err != nil {
		return fmt.Errorf("record unchanged check of domain %d: %w", u.DomainID, err)
	}
	if n != len(u.Probes) {
		return fmt.Errorf("record unchanged check of domain %d: %w", u.DomainID, store.ErrStale)
	}
	return nil
}
