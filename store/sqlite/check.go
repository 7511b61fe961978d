package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"fmt"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// An unchanged check costs two statements: checkStateQuery before it
// probes and one insert into the unchanged_checks view after (its trigger,
// migrations/00004_unchanged_checks.sql, does the writes). Both are
// prepared once, when the store opens.

// checkStateQuery reads a domain (once: materialized) with one row per
// probe status and the head of that probe's latest snapshot.
const checkStateQuery = `WITH d AS MATERIALIZED (SELECT ` + domainCols + `, d.verdict_until FROM domains d WHERE d.name = ?)
	SELECT d.*, p.probe, p.last_run, p.last_ok, p.consecutive_failures, p.last_error, p.unreachable,
	s.id, s.hash, s.last_seen
	FROM d
	LEFT JOIN probe_status p ON p.domain_id = d.id
	LEFT JOIN snapshots s ON s.id = (SELECT MAX(x.id) FROM snapshots x WHERE x.domain_id = d.id AND x.probe = p.probe)`

const touchQuery = `INSERT INTO unchanged_checks (domain_id, at, probes) VALUES (?, ?, ?)`

func (s *SQLite) prepare(ctx context.Context) error {
	var err error
	if s.checkState, err = s.read.PrepareContext(ctx, checkStateQuery); err != nil {
		return fmt.Errorf("prepare check state: %w", err)
	}
	if s.touch, err = s.write.PrepareContext(ctx, touchQuery); err != nil {
		return fmt.Errorf("prepare unchanged check: %w", err)
	}
	return nil
}

// withExtra scans a row's leading columns with scan and the rest into extra.
type withExtra struct {
	rows  *sql.Rows
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.extra...)...) }

func (s *SQLite) CheckState(ctx context.Context, name string) (*store.CheckState, error) {
	s.stmts.Add(1)
	rows, err := s.checkState.QueryContext(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("check state of %s: %w", name, err)
	}
	defer rows.Close()
	var cs *store.CheckState
	for rows.Next() {
		var (
			until, probe, run, ok, snapSeen, hash, lastErr sql.NullString
			fails, unreach, snapID                         sql.NullInt64
		)
		d, err := scanDomain(withExtra{rows, []any{&until, &probe, &run, &ok, &fails, &lastErr, &unreach, &snapID, &hash, &snapSeen}})
		if err != nil {
			return nil, fmt.Errorf("check state of %s: %w", name, err)
		}
		if cs == nil {
			cs = &store.CheckState{Domain: d, VerdictUntil: parseTime(until),
				Latest: map[event.Probe]store.SnapshotHead{}, Status: map[event.Probe]store.ProbeStatus{}}
		}
		if !probe.Valid {
			continue
		}
		cs.Status[event.Probe(probe.String)] = store.ProbeStatus{DomainID: d.ID, Probe: event.Probe(probe.String), LastRun: parseTime(run),
			LastOK: parseTime(ok), ConsecutiveFailures: int(fails.Int64), LastError: lastErr.String, Unreachable: unreach.Int64 != 0}
		if snapID.Valid {
			cs.Latest[event.Probe(probe.String)] = store.SnapshotHead{ID: snapID.Int64, Hash: hash.String, LastSeen: parseTime(snapSeen)}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("check state of %s: %w", name, err)
	}
	if cs == nil {
		return nil, fmt.Errorf("domain %s: %w", name, store.ErrNotFound)
	}
	return cs, nil
}

// seenJSON is one element of the trigger's NEW.probes.
type seenJSON struct {
	Probe    string `json:"probe"`
	Snapshot int64  `json:"snapshot"`
	LastRun  string `json:"last_run"`
}

func (t *sqlTx) TouchUnchanged(u store.Unchanged) error {
	seen := make([]seenJSON, len(u.Probes))
	for i, p := range u.Probes {
		seen[i] = seenJSON{string(p.Probe), p.SnapshotID, fmtTime(p.LastRun)}
	}
	probes, err := json.Marshal(seen)
	if err != nil {
		return err
	}
	t.s.stmts.Add(1)
	if _, err := t.tx.StmtContext(t.ctx, t.s.touch).ExecContext(t.ctx, u.DomainID, fmtTime(u.At), string(probes)); err != nil {
		if strings.Contains(err.Error(), "stale check") {
			return fmt.Errorf("record unchanged check of domain %d: %w", u.DomainID, store.ErrStale)
		}
		return fmt.Errorf("record unchanged check of domain %d: %w", u.DomainID, err)
	}
	return nil
}

func (t *sqlTx) SetVerdictUntil(domainID int64, until time.Time) error {
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE domains SET verdict_until = ? WHERE id = ?`, fmtTimePtr(until), domainID); err != nil {
		return fmt.Errorf("set verdict time of domain %d: %w", domainID, err)
	}
	return nil
}
