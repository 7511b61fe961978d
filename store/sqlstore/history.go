package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

const snapshotCols = `id, domain_id, probe, first_seen, last_seen, hash, data`

func scanSnapshot(r Row) (store.Snapshot, error) {
	var sn store.Snapshot
	var data string
	err := r.Scan(&sn.ID, &sn.DomainID, &sn.Probe, Time(&sn.FirstSeen), Time(&sn.LastSeen), &sn.Hash, &data)
	sn.Data = []byte(data)
	return sn, err
}

func (db *DB) latestSnapshot(ctx context.Context, c Conn, domainID int64, probe string) (*store.Snapshot, error) {
	sn, err := scanSnapshot(c.QueryRow(ctx, `SELECT `+snapshotCols+` FROM snapshots
		WHERE domain_id = ? AND probe = ? ORDER BY id DESC LIMIT 1`, domainID, probe))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("latest %s snapshot: %w", probe, err)
	}
	return &sn, nil
}

// LatestSnapshot returns nil, nil if the probe never succeeded.
func (db *DB) LatestSnapshot(ctx context.Context, domainID int64, probe string) (*store.Snapshot, error) {
	return db.latestSnapshot(ctx, db.read, domainID, probe)
}

// LatestSnapshot reads inside the transaction; nil, nil if none.
func (t *Tx) LatestSnapshot(domainID int64, probe string) (*store.Snapshot, error) {
	return t.db.latestSnapshot(t.ctx, t.c, domainID, probe)
}

func (db *DB) snapshots(ctx context.Context, c Conn, domainID int64, probe string, limit int) ([]store.Snapshot, error) {
	f := filter{conds: []string{`domain_id = ?`}, args: []any{domainID}}
	if probe != "" {
		f.add(`probe = ?`, probe)
	}
	rows, err := c.Query(ctx, `SELECT `+snapshotCols+` FROM snapshots`+f.where()+` ORDER BY id DESC`+db.d.Limit(limit, 0), f.args...)
	return Collect(rows, err, "snapshots", scanSnapshot)
}

// Snapshots lists a probe's snapshots of a domain, newest first.
func (db *DB) Snapshots(ctx context.Context, domainID int64, probe string, limit int) ([]store.Snapshot, error) {
	return db.snapshots(ctx, db.read, domainID, probe, limit)
}

// Snapshots lists inside the transaction.
func (t *Tx) Snapshots(domainID int64, probe string, limit int) ([]store.Snapshot, error) {
	return t.db.snapshots(t.ctx, t.c, domainID, probe, limit)
}

// Snapshot reads one snapshot; ErrNotFound if absent.
func (db *DB) Snapshot(ctx context.Context, id int64) (*store.Snapshot, error) {
	return one(db.read.QueryRow(ctx, `SELECT `+snapshotCols+` FROM snapshots WHERE id = ?`, id),
		fmt.Sprintf("snapshot %d", id), scanSnapshot)
}

// ObserveSnapshot stores data as the probe's newest observation (see store.Tx).
func (t *Tx) ObserveSnapshot(domainID int64, probe string, at time.Time, data []byte) (*store.Snapshot, *store.Snapshot, bool, error) {
	at = t.db.d.Norm(at)
	prev, err := t.LatestSnapshot(domainID, probe)
	if err != nil {
		return nil, nil, false, err
	}
	h := store.Hash(data)
	if prev != nil && prev.Hash == h {
		// Never move last_seen backwards: a late writer must not shrink the range.
		if at.After(prev.LastSeen) {
			if _, err := t.c.Exec(t.ctx, `UPDATE snapshots SET last_seen = ? WHERE id = ?`, t.db.d.Time(at), prev.ID); err != nil {
				return nil, nil, false, fmt.Errorf("touch %s snapshot: %w", probe, err)
			}
			prev.LastSeen = at
		}
		return prev, prev, false, nil
	}
	var id int64
	err = t.c.QueryRow(t.ctx, `INSERT INTO snapshots (domain_id, probe, first_seen, last_seen, hash, data)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, domainID, probe, t.db.d.Time(at), t.db.d.Time(at), h, string(data)).Scan(&id)
	if err != nil {
		return nil, nil, false, fmt.Errorf("store %s snapshot: %w", probe, err)
	}
	cur := &store.Snapshot{ID: id, DomainID: domainID, Probe: event.Probe(probe), FirstSeen: at, LastSeen: at, Hash: h, Data: data}
	return cur, prev, true, nil
}

const probeStatusCols = `domain_id, probe, last_run, last_ok, consecutive_failures, last_error, unreachable`

func scanProbeStatus(r Row, extra ...any) (store.ProbeStatus, error) {
	var st store.ProbeStatus
	err := r.Scan(append([]any{&st.DomainID, &st.Probe, Time(&st.LastRun), Time(&st.LastOK), &st.ConsecutiveFailures,
		&st.LastError, &st.Unreachable}, extra...)...)
	return st, err
}

// ProbeStatus reads a probe's status; a probe never run has a zero one.
func (t *Tx) ProbeStatus(domainID int64, probe string) (store.ProbeStatus, error) {
	st, err := scanProbeStatus(t.c.QueryRow(t.ctx, `SELECT `+probeStatusCols+` FROM probe_status
		WHERE domain_id = ? AND probe = ?`, domainID, probe))
	if errors.Is(err, sql.ErrNoRows) {
		return store.ProbeStatus{DomainID: domainID, Probe: event.Probe(probe)}, nil
	}
	return st, err
}

// SetProbeStatus writes a probe's status row.
func (t *Tx) SetProbeStatus(st store.ProbeStatus) error {
	d := t.db.d
	_, err := t.c.Exec(t.ctx, `INSERT INTO probe_status
		(domain_id, probe, last_run, last_ok, consecutive_failures, last_error, unreachable)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (domain_id, probe) DO UPDATE SET last_run = excluded.last_run, last_ok = excluded.last_ok,
		consecutive_failures = excluded.consecutive_failures, last_error = excluded.last_error,
		unreachable = excluded.unreachable`,
		st.DomainID, st.Probe, d.NullTime(st.LastRun), d.NullTime(st.LastOK), st.ConsecutiveFailures, st.LastError, st.Unreachable)
	if err != nil {
		return fmt.Errorf("set %s status: %w", st.Probe, err)
	}
	return nil
}

// ObserveError records a failed probe and returns the new failure streak.
func (t *Tx) ObserveError(domainID int64, probe string, at time.Time, msg string) (store.ProbeStatus, error) {
	at = t.db.d.Norm(at)
	var id int64
	var last string
	err := t.c.QueryRow(t.ctx, `SELECT id, error FROM probe_errors WHERE domain_id = ? AND probe = ?
		ORDER BY id DESC LIMIT 1`, domainID, probe).Scan(&id, &last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return store.ProbeStatus{}, fmt.Errorf("record %s error: %w", probe, err)
	}
	st, err := t.ProbeStatus(domainID, probe)
	if err != nil {
		return st, err
	}
	// Coalesce only within one failure streak: an error after a success
	// starts a new row so the timeline shows both outages.
	if id != 0 && last == msg && st.ConsecutiveFailures > 0 {
		_, err = t.c.Exec(t.ctx, `UPDATE probe_errors SET last_seen = ?, count = count + 1 WHERE id = ?`, t.db.d.Time(at), id)
	} else {
		_, err = t.c.Exec(t.ctx, `INSERT INTO probe_errors (domain_id, probe, first_seen, last_seen, error)
			VALUES (?, ?, ?, ?, ?)`, domainID, probe, t.db.d.Time(at), t.db.d.Time(at), msg)
	}
	if err != nil {
		return st, fmt.Errorf("record %s error: %w", probe, err)
	}
	st.LastRun = at
	st.ConsecutiveFailures++
	st.LastError = msg
	return st, t.SetProbeStatus(st)
}

// MarkChecked moves the domain's last check forward to at (never back).
func (t *Tx) MarkChecked(domainID int64, at time.Time) error {
	a := t.db.d.Time(at)
	_, err := t.c.Exec(t.ctx, `UPDATE domains SET last_checked = ? WHERE id = ? AND (last_checked IS NULL OR last_checked < ?)`,
		a, domainID, a)
	return err
}

// SetVerdictUntil stores how long the domain's verdict holds.
func (t *Tx) SetVerdictUntil(domainID int64, until time.Time) error {
	if _, err := t.c.Exec(t.ctx, `UPDATE domains SET verdict_until = ? WHERE id = ?`, t.db.d.NullTime(until), domainID); err != nil {
		return fmt.Errorf("set verdict time of domain %d: %w", domainID, err)
	}
	return nil
}

// ProbeStatuses lists a domain's probe statuses by probe.
func (db *DB) ProbeStatuses(ctx context.Context, domainID int64) ([]store.ProbeStatus, error) {
	rows, err := db.read.Query(ctx, `SELECT `+probeStatusCols+` FROM probe_status WHERE domain_id = ? ORDER BY probe`, domainID)
	out, err := Collect(rows, err, "probe statuses", func(r Row) (store.ProbeStatus, error) { return scanProbeStatus(r) })
	if out == nil && err == nil {
		out = []store.ProbeStatus{}
	}
	return out, err
}

// FailingProbes lists probe statuses with at least one failure.
func (db *DB) FailingProbes(ctx context.Context, limit int) ([]store.ProbeStatusOf, error) {
	rows, err := db.read.Query(ctx, `SELECT p.domain_id, p.probe, p.last_run, p.last_ok, p.consecutive_failures,
		p.last_error, p.unreachable, d.name
		FROM probe_status p JOIN domains d ON d.id = p.domain_id
		WHERE p.consecutive_failures > 0 ORDER BY p.consecutive_failures DESC, d.name`+db.d.Limit(limit, 0))
	return Collect(rows, err, "failing probes", func(r Row) (store.ProbeStatusOf, error) {
		var ps store.ProbeStatusOf
		var err error
		ps.ProbeStatus, err = scanProbeStatus(r, &ps.Domain)
		return ps, err
	})
}

// ProbeErrors lists a domain's coalesced probe failures, newest first.
func (db *DB) ProbeErrors(ctx context.Context, domainID int64, limit int) ([]store.ProbeError, error) {
	rows, err := db.read.Query(ctx, `SELECT id, domain_id, probe, first_seen, last_seen, count, error
		FROM probe_errors WHERE domain_id = ? ORDER BY id DESC`+db.d.Limit(limit, 0), domainID)
	return Collect(rows, err, "probe errors", func(r Row) (e store.ProbeError, err error) {
		return e, r.Scan(&e.ID, &e.DomainID, &e.Probe, Time(&e.FirstSeen), Time(&e.LastSeen), &e.Count, &e.Error)
	})
}

// ReadCheckState reads the rows of a driver's check-state query: the
// DomainCols, verdict_until, then per probe status its probe, last_run,
// last_ok, consecutive_failures, last_error, unreachable and the latest
// snapshot's id, hash and last_seen (NULL where absent).
func ReadCheckState(rows Rows, name string) (*store.CheckState, error) {
	defer rows.Close()
	var cs *store.CheckState
	for rows.Next() {
		var (
			until, run, ok, snapSeen time.Time
			probe, lastErr, hash     sql.NullString
			fails, snapID            sql.NullInt64
			unreach                  sql.NullBool
		)
		d, err := ScanDomain(rows, Time(&until), &probe, Time(&run), Time(&ok), &fails, &lastErr, &unreach, &snapID, &hash, Time(&snapSeen))
		if err != nil {
			return nil, fmt.Errorf("check state of %s: %w", name, err)
		}
		if cs == nil {
			cs = &store.CheckState{Domain: d, VerdictUntil: until,
				Latest: map[event.Probe]store.SnapshotHead{}, Status: map[event.Probe]store.ProbeStatus{}}
		}
		if !probe.Valid {
			continue
		}
		cs.Status[event.Probe(probe.String)] = store.ProbeStatus{DomainID: d.ID, Probe: event.Probe(probe.String), LastRun: run, LastOK: ok,
			ConsecutiveFailures: int(fails.Int64), LastError: lastErr.String, Unreachable: unreach.Bool}
		if snapID.Valid {
			cs.Latest[event.Probe(probe.String)] = store.SnapshotHead{ID: snapID.Int64, Hash: hash.String, LastSeen: snapSeen}
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
