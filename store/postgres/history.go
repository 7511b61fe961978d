package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

const snapshotCols = `id, domain_id, probe, first_seen, last_seen, hash, data`

func scanSnapshot(sc pgx.Row) (store.Snapshot, error) {
	var sn store.Snapshot
	var first, last pgtype.Timestamptz
	var data string
	err := sc.Scan(&sn.ID, &sn.DomainID, &sn.Probe, &first, &last, &sn.Hash, &data)
	sn.FirstSeen, sn.LastSeen, sn.Data = tm(first), tm(last), []byte(data)
	return sn, err
}

func latestSnapshot(ctx context.Context, q querier, domainID int64, probe string) (*store.Snapshot, error) {
	sn, err := scanSnapshot(q.QueryRow(ctx, `SELECT `+snapshotCols+` FROM snapshots
		WHERE domain_id = $1 AND probe = $2 ORDER BY id DESC LIMIT 1`, domainID, probe))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("latest %s snapshot: %w", probe, err)
	}
	return &sn, nil
}

func (p *Postgres) LatestSnapshot(ctx context.Context, domainID int64, probe string) (*store.Snapshot, error) {
	return latestSnapshot(ctx, p.pool, domainID, probe)
}

func (t *pgTx) LatestSnapshot(domainID int64, probe string) (*store.Snapshot, error) {
	return latestSnapshot(t.ctx, t.tx, domainID, probe)
}

func (p *Postgres) Snapshots(ctx context.Context, domainID int64, probe string, limit int) ([]store.Snapshot, error) {
	return snapshots(ctx, p.pool, domainID, probe, limit)
}

func (t *pgTx) Snapshots(domainID int64, probe string, limit int) ([]store.Snapshot, error) {
	return snapshots(t.ctx, t.tx, domainID, probe, limit)
}

func snapshots(ctx context.Context, db querier, domainID int64, probe string, limit int) ([]store.Snapshot, error) {
	a := args{}
	q := `SELECT ` + snapshotCols + ` FROM snapshots WHERE domain_id = ` + a.add(domainID)
	if probe != "" {
		q += ` AND probe = ` + a.add(probe)
	}
	rows, err := db.Query(ctx, q+` ORDER BY id DESC`+limitClause(limit, 0), a...)
	return collect(rows, err, "snapshots", func(r pgx.Rows) (store.Snapshot, error) { return scanSnapshot(r) })
}

func (p *Postgres) Snapshot(ctx context.Context, id int64) (*store.Snapshot, error) {
	sn, err := scanSnapshot(p.pool.QueryRow(ctx, `SELECT `+snapshotCols+` FROM snapshots WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("snapshot %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %d: %w", id, err)
	}
	return &sn, nil
}

func (t *pgTx) ObserveSnapshot(domainID int64, probe string, at time.Time, data []byte) (*store.Snapshot, *store.Snapshot, bool, error) {
	at = us(at)
	prev, err := t.LatestSnapshot(domainID, probe)
	if err != nil {
		return nil, nil, false, err
	}
	h := store.Hash(data)
	if prev != nil && prev.Hash == h {
		// Never move last_seen backwards: a late writer must not shrink the range.
		if at.After(prev.LastSeen) {
			if _, err := t.tx.Exec(t.ctx, `UPDATE snapshots SET last_seen = $1 WHERE id = $2`, at, prev.ID); err != nil {
				return nil, nil, false, fmt.Errorf("touch %s snapshot: %w", probe, err)
			}
			prev.LastSeen = at
		}
		return prev, prev, false, nil
	}
	var id int64
	err = t.tx.QueryRow(t.ctx, `INSERT INTO snapshots (domain_id, probe, first_seen, last_seen, hash, data)
		VALUES ($1, $2, $3, $3, $4, $5) RETURNING id`, domainID, probe, at, h, string(data)).Scan(&id)
	if err != nil {
		return nil, nil, false, fmt.Errorf("store %s snapshot: %w", probe, err)
	}
	cur := &store.Snapshot{ID: id, DomainID: domainID, Probe: event.Probe(probe), FirstSeen: at, LastSeen: at, Hash: h, Data: data}
	return cur, prev, true, nil
}

const probeStatusCols = `domain_id, probe, last_run, last_ok, consecutive_failures, last_error, unreachable`

func scanProbeStatus(sc pgx.Row, extra ...any) (store.ProbeStatus, error) {
	var st store.ProbeStatus
	var run, ok pgtype.Timestamptz
	err := sc.Scan(append([]any{&st.DomainID, &st.Probe, &run, &ok, &st.ConsecutiveFailures, &st.LastError, &st.Unreachable}, extra...)...)
	st.LastRun, st.LastOK = tm(run), tm(ok)
	return st, err
}

func (t *pgTx) ProbeStatus(domainID int64, probe string) (store.ProbeStatus, error) {
	st, err := scanProbeStatus(t.tx.QueryRow(t.ctx, `SELECT `+probeStatusCols+` FROM probe_status
		WHERE domain_id = $1 AND probe = $2`, domainID, probe))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ProbeStatus{DomainID: domainID, Probe: event.Probe(probe)}, nil
	}
	return st, err
}

func (t *pgTx) SetProbeStatus(st store.ProbeStatus) error {
	_, err := t.tx.Exec(t.ctx, `INSERT INTO probe_status (`+probeStatusCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (domain_id, probe) DO UPDATE SET last_run = excluded.last_run, last_ok = excluded.last_ok,
		consecutive_failures = excluded.consecutive_failures, last_error = excluded.last_error,
		unreachable = excluded.unreachable`,
		st.DomainID, st.Probe, null(st.LastRun), null(st.LastOK), st.ConsecutiveFailures, st.LastError, st.Unreachable)
	if err != nil {
		return fmt.Errorf("set %s status: %w", st.Probe, err)
	}
	return nil
}

func (t *pgTx) ObserveError(domainID int64, probe string, at time.Time, msg string) (store.ProbeStatus, error) {
	at = us(at)
	var id int64
	var last string
	err := t.tx.QueryRow(t.ctx, `SELECT id, error FROM probe_errors WHERE domain_id = $1 AND probe = $2
		ORDER BY id DESC LIMIT 1`, domainID, probe).Scan(&id, &last)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return store.ProbeStatus{}, fmt.Errorf("record %s error: %w", probe, err)
	}
	st, err := t.ProbeStatus(domainID, probe)
	if err != nil {
		return st, err
	}
	// Coalesce only within one failure streak: an error after a success
	// starts a new row so the timeline shows both outages.
	if id != 0 && last == msg && st.ConsecutiveFailures > 0 {
		_, err = t.tx.Exec(t.ctx, `UPDATE probe_errors SET last_seen = $1, count = count + 1 WHERE id = $2`, at, id)
	} else {
		_, err = t.tx.Exec(t.ctx, `INSERT INTO probe_errors (domain_id, probe, first_seen, last_seen, error)
			VALUES ($1, $2, $3, $3, $4)`, domainID, probe, at, msg)
	}
	if err != nil {
		return st, fmt.Errorf("record %s error: %w", probe, err)
	}
	st.LastRun = at
	st.ConsecutiveFailures++
	st.LastError = msg
	return st, t.SetProbeStatus(st)
}

func (t *pgTx) MarkChecked(domainID int64, at time.Time) error {
	_, err := t.tx.Exec(t.ctx, `UPDATE domains SET last_checked = $1 WHERE id = $2 AND (last_checked IS NULL OR last_checked < $1)`,
		us(at), domainID)
	return err
}

func (p *Postgres) ProbeStatuses(ctx context.Context, domainID int64) ([]store.ProbeStatus, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+probeStatusCols+` FROM probe_status WHERE domain_id = $1 ORDER BY probe`, domainID)
	out, err := collect(rows, err, "probe statuses", func(r pgx.Rows) (store.ProbeStatus, error) { return scanProbeStatus(r) })
	if out == nil && err == nil {
		out = []store.ProbeStatus{}
	}
	return out, err
}

func (p *Postgres) FailingProbes(ctx context.Context, limit int) ([]store.ProbeStatusOf, error) {
	rows, err := p.pool.Query(ctx, `SELECT p.domain_id, p.probe, p.last_run, p.last_ok, p.consecutive_failures,
		p.last_error, p.unreachable, d.name
		FROM probe_status p JOIN domains d ON d.id = p.domain_id
		WHERE p.consecutive_failures > 0 ORDER BY p.consecutive_failures DESC, d.name`+limitClause(limit, 0))
	return collect(rows, err, "failing probes", func(r pgx.Rows) (store.ProbeStatusOf, error) {
		var ps store.ProbeStatusOf
		var err error
		ps.ProbeStatus, err = scanProbeStatus(r, &ps.Domain)
		return ps, err
	})
}

func (p *Postgres) ProbeErrors(ctx context.Context, domainID int64, limit int) ([]store.ProbeError, error) {
	rows, err := p.pool.Query(ctx, `SELECT id, domain_id, probe, first_seen, last_seen, count, error
		FROM probe_errors WHERE domain_id = $1 ORDER BY id DESC`+limitClause(limit, 0), domainID)
	return collect(rows, err, "probe errors", func(r pgx.Rows) (store.ProbeError, error) {
		var e store.ProbeError
		var first, last pgtype.Timestamptz
		err := r.Scan(&e.ID, &e.DomainID, &e.Probe, &first, &last, &e.Count, &e.Error)
		e.FirstSeen, e.LastSeen = tm(first), tm(last)
		return e, err
	})
}
