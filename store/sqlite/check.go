package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlstore"
)

// An unchanged check costs two statements: checkStateQuery before it
// probes and one insert into the unchanged_checks view after (its trigger,
// migrations/00004_unchanged_checks.sql, does the writes). Both are
// prepared once, when the store opens.

// checkStateQuery reads a domain (once: materialized) with one row per
// probe status and the head of that probe's latest snapshot.
var checkStateQuery = `WITH d AS MATERIALIZED (SELECT ` + dialect.DomainCols() + `, d.verdict_until FROM domains d WHERE d.name = ?)
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

// CheckState reads a domain's check state in one prepared statement.
func (s *SQLite) CheckState(ctx context.Context, name string) (*store.CheckState, error) {
	s.stmts.Add(1)
	rows, err := s.checkState.QueryContext(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("check state of %s: %w", name, err)
	}
	return sqlstore.ReadCheckState(rows, name)
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
