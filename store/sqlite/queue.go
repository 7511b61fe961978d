package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/takedownhq/takedown/store"
)

// SQLite is one process: its queue is the shared queue's table behind the
// single writer connection, so each method is one short write transaction
// and leases never race.

// kindsCond is the kinds filter on column col, with its arguments.
func kindsCond(col string, kinds []string) (string, []any) {
	if len(kinds) == 0 {
		return "", nil
	}
	args := make([]any, len(kinds))
	for i, k := range kinds {
		args[i] = k
	}
	return ` AND ` + col + ` IN (` + placeholders(len(kinds)) + `)`, args
}

// write1 runs fn in one transaction on the writer connection.
func (s *SQLite) write1(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// ScheduleChecks adds the checks in one statement per call: the list goes
// as one JSON argument, which SQLite unpacks with json_each, so queueing
// a page of the watchlist costs one statement instead of one per check.
func (s *SQLite) ScheduleChecks(ctx context.Context, cs []store.DueCheck) (int, error) {
	if len(cs) == 0 {
		return 0, nil
	}
	rows := make([][3]any, len(cs))
	for i, c := range cs {
		rows[i] = [3]any{c.DomainID, c.Kind, fmtTime(c.Due)}
	}
	list, err := json.Marshal(rows)
	if err != nil {
		return 0, fmt.Errorf("schedule checks: %w", err)
	}
	added := 0
	err = s.write1(ctx, "schedule checks", func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `INSERT INTO due_checks (domain_id, kind, due_at)
			SELECT j.value->>0, j.value->>1, j.value->>2 FROM json_each(?) j WHERE true
			ON CONFLICT (domain_id, kind) DO NOTHING`, string(list))
		if err != nil {
			return err
		}
		n, _ := r.RowsAffected()
		added = int(n)
		return nil
	})
	return added, err
}

func (s *SQLite) LeaseChecks(ctx context.Context, worker string, kinds []string, now time.Time, n int, ttl time.Duration) ([]store.DueCheck, error) {
	if n <= 0 {
		return nil, nil
	}
	var out []store.DueCheck
	err := s.write1(ctx, "lease checks", func(tx *sql.Tx) error {
		out = nil
		cond, kargs := kindsCond("q.kind", kinds)
		args := append([]any{fmtTime(now), fmtTime(now)}, kargs...)
		rows, err := tx.QueryContext(ctx, `SELECT q.domain_id, d.name, q.kind, q.due_at
			FROM due_checks q JOIN domains d ON d.id = q.domain_id
			WHERE q.due_at <= ? AND (q.lease_until IS NULL OR q.lease_until < ?) AND d.enabled`+cond+`
			ORDER BY q.due_at LIMIT `+fmt.Sprint(n), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c store.DueCheck
			var due sql.NullString
			if err := rows.Scan(&c.DomainID, &c.Domain, &c.Kind, &due); err != nil {
				rows.Close()
				return err
			}
			c.Due = parseTime(due)
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		until := fmtTime(now.Add(ttl))
		for _, c := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE due_checks SET leased_by = ?, lease_until = ? WHERE domain_id = ? AND kind = ?`,
				worker, until, c.DomainID, c.Kind); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func (s *SQLite) FinishChecks(ctx context.Context, worker string, cs []store.DueCheck) (int, error) {
	done := 0
	err := s.write1(ctx, "finish checks", func(tx *sql.Tx) error {
		done = 0
		for _, c := range cs {
			r, err := tx.ExecContext(ctx, `UPDATE due_checks SET due_at = ?, leased_by = NULL, lease_until = NULL
				WHERE domain_id = ? AND kind = ? AND leased_by = ?`, fmtTime(c.Due), c.DomainID, c.Kind, worker)
			if err != nil {
				return err
			}
			n, _ := r.RowsAffected()
			done += int(n)
		}
		return nil
	})
	return done, err
}

func (s *SQLite) ExtendLeases(ctx context.Context, worker string, until time.Time) (int, error) {
	n := 0
	err := s.write1(ctx, "extend leases", func(tx *sql.Tx) error {
		n = 0
		for _, q := range []string{
			`UPDATE due_checks SET lease_until = ? WHERE leased_by = ?`,
			`UPDATE job_runs SET lease_until = ? WHERE worker = ? AND finished_at IS NULL`,
		} {
			r, err := tx.ExecContext(ctx, q, fmtTime(until), worker)
			if err != nil {
				return err
			}
			k, _ := r.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, err
}

func (s *SQLite) ClaimJobRun(ctx context.Context, job string, slot time.Time, worker string, now time.Time, ttl time.Duration) (bool, error) {
	claimed := false
	err := s.write1(ctx, "claim job "+job, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `INSERT INTO job_runs (job, slot, worker, started_at, lease_until)
			SELECT ?, ?, ?, ?, ?
			WHERE NOT EXISTS (SELECT 1 FROM job_runs WHERE job = ? AND finished_at IS NULL AND lease_until >= ?)
			ON CONFLICT (job, slot) DO NOTHING`,
			job, fmtTime(slot), worker, fmtTime(now), fmtTime(now.Add(ttl)), job, fmtTime(now))
		if err != nil {
			return err
		}
		n, _ := r.RowsAffected()
		claimed = n == 1
		return nil
	})
	return claimed, err
}

func (s *SQLite) FinishJobRun(ctx context.Context, job string, slot time.Time, worker string, at time.Time) error {
	return s.write1(ctx, "finish job "+job, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE job_runs SET finished_at = ? WHERE job = ? AND slot = ? AND worker = ?`,
			fmtTime(at), job, fmtTime(slot), worker)
		return err
	})
}

// LeaseOutbox is DueOutbox: one process delivers the outbox, and a
// restarted one must resend at once what its predecessor left unmarked.
func (s *SQLite) LeaseOutbox(ctx context.Context, worker string, now time.Time, limit int, ttl time.Duration) ([]store.OutboxItem, error) {
	return s.DueOutbox(ctx, now, limit)
}

func (s *SQLite) TakeRateSlot(ctx context.Context, server string, now time.Time, interval time.Duration) (time.Time, error) {
	var slot time.Time
	err := s.write1(ctx, "rate slot of "+server, func(tx *sql.Tx) error {
		var next sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT next_at FROM rate_budget WHERE server = ?`, server).Scan(&next)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		slot = now
		if t := parseTime(next); t.After(now) {
			slot = t
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO rate_budget (server, next_at) VALUES (?, ?)
			ON CONFLICT (server) DO UPDATE SET next_at = excluded.next_at`, server, fmtTime(slot.Add(interval)))
		return err
	})
	return slot, err
}
