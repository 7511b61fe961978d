package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/takedownhq/takedown/store"
)

const outboxCols = `id, event_id, channel, recipient, status, attempts, next_try, sent_at, last_error, idempotency_key, created_at`

func scanOutbox(sc interface{ Scan(...any) error }) (store.OutboxItem, error) {
	var o store.OutboxItem
	var next, sent, created sql.NullString
	err := sc.Scan(&o.ID, &o.EventID, &o.Channel, &o.Recipient, &o.Status, &o.Attempts, &next, &sent, &o.LastError,
		&o.IdempotencyKey, &created)
	o.NextTry, o.SentAt, o.CreatedAt = parseTime(next), parseTime(sent), parseTime(created)
	return o, err
}

func (t *sqlTx) AddOutbox(o store.OutboxItem) (int64, error) {
	if o.Status == "" {
		o.Status = store.OutboxPending
	}
	if o.CreatedAt.IsZero() {
		o.CreatedAt = time.Now()
	}
	if o.NextTry.IsZero() {
		o.NextTry = o.CreatedAt
	}
	if o.IdempotencyKey == "" {
		o.IdempotencyKey = store.IdempotencyKey(o.EventID, o.Channel, o.Recipient)
	}
	r, err := t.tx.ExecContext(t.ctx, `INSERT INTO outbox (event_id, channel, recipient, status, attempts, next_try,
		last_error, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (idempotency_key) DO NOTHING`,
		o.EventID, o.Channel, o.Recipient, o.Status, o.Attempts, fmtTime(o.NextTry), o.LastError, o.IdempotencyKey,
		fmtTime(o.CreatedAt))
	if err != nil {
		return 0, fmt.Errorf("outbox %s for event %d: %w", o.Channel, o.EventID, err)
	}
	id, _ := r.LastInsertId()
	return id, nil
}

func (t *sqlTx) MarkSent(id int64, at time.Time) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1,
		last_error = '' WHERE id = ?`, fmtTime(at), id)
	if err != nil {
		return fmt.Errorf("mark outbox %d sent: %w", id, err)
	}
	return nil
}

func (t *sqlTx) MarkRetry(id int64, attempts int, next time.Time, errMsg string) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE outbox SET attempts = ?, next_try = ?, last_error = ? WHERE id = ? AND status = 'pending'`,
		attempts, fmtTime(next), errMsg, id)
	if err != nil {
		return fmt.Errorf("reschedule outbox %d: %w", id, err)
	}
	return nil
}

func (t *sqlTx) MarkFailed(id int64, attempts int, errMsg string) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE outbox SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?`,
		attempts, errMsg, id)
	if err != nil {
		return fmt.Errorf("fail outbox %d: %w", id, err)
	}
	return nil
}

func (s *SQLite) Outbox(ctx context.Context, q store.OutboxQuery) ([]store.OutboxItem, error) {
	var where []string
	var args []any
	if q.Status != "" {
		where = append(where, `status = ?`)
		args = append(args, q.Status)
	}
	if q.Channel != "" {
		where = append(where, `channel = ?`)
		args = append(args, q.Channel)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	return s.queryOutbox(ctx, `SELECT `+outboxCols+` FROM outbox`+cond+` ORDER BY id DESC`+limitClause(q.Limit, q.Offset), args...)
}

func (s *SQLite) DueOutbox(ctx context.Context, now time.Time, limit int) ([]store.OutboxItem, error) {
	return s.queryOutbox(ctx, `SELECT `+outboxCols+` FROM outbox WHERE status = 'pending' AND next_try <= ?
		ORDER BY next_try, id`+limitClause(limit, 0), fmtTime(now))
}

func (s *SQLite) queryOutbox(ctx context.Context, q string, args ...any) ([]store.OutboxItem, error) {
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	defer rows.Close()
	var out []store.OutboxItem
	for rows.Next() {
		o, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func (s *SQLite) OutboxDepth(ctx context.Context) (map[string]int, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT status, count(*) FROM outbox GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("outbox depth: %w", err)
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		m[st] = n
	}
	return m, rows.Err()
}
