package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/takedownhq/takedown/store"
)

// OutboxCols are the columns ScanOutbox reads.
const OutboxCols = `id, event_id, channel, recipient, status, attempts, next_try, sent_at, last_error, idempotency_key, created_at`

// ScanOutbox reads the OutboxCols of a row.
func ScanOutbox(r Row) (store.OutboxItem, error) {
	var o store.OutboxItem
	err := r.Scan(&o.ID, &o.EventID, &o.Channel, &o.Recipient, &o.Status, &o.Attempts, Time(&o.NextTry), Time(&o.SentAt),
		&o.LastError, &o.IdempotencyKey, Time(&o.CreatedAt))
	return o, err
}

// AddOutbox writes an outbox row; a repeated idempotency key writes
// nothing and returns 0.
func (t *Tx) AddOutbox(o store.OutboxItem) (int64, error) {
	o.Status = or(o.Status, store.OutboxPending)
	o.CreatedAt = orTime(o.CreatedAt, time.Now())
	o.NextTry = orTime(o.NextTry, o.CreatedAt)
	if o.IdempotencyKey == "" {
		o.IdempotencyKey = store.IdempotencyKey(o.EventID, o.Channel, o.Recipient)
	}
	var id int64
	err := t.c.QueryRow(t.ctx, `INSERT INTO outbox (event_id, channel, recipient, status, attempts, next_try,
		last_error, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
		o.EventID, o.Channel, o.Recipient, o.Status, o.Attempts, t.db.d.Time(o.NextTry), o.LastError, o.IdempotencyKey,
		t.db.d.Time(o.CreatedAt)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("outbox %s for event %d: %w", o.Channel, o.EventID, err)
	}
	return id, nil
}

// MarkSent marks a delivery sent at at.
func (t *Tx) MarkSent(id int64, at time.Time) error {
	_, err := t.c.Exec(t.ctx, `UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1,
		last_error = '' WHERE id = ?`, t.db.d.Time(at), id)
	if err != nil {
		return fmt.Errorf("mark outbox %d sent: %w", id, err)
	}
	return nil
}

// MarkRetry reschedules a pending delivery.
func (t *Tx) MarkRetry(id int64, attempts int, next time.Time, errMsg string) error {
	_, err := t.c.Exec(t.ctx, `UPDATE outbox SET attempts = ?, next_try = ?, last_error = ? WHERE id = ? AND status = 'pending'`,
		attempts, t.db.d.Time(next), errMsg, id)
	if err != nil {
		return fmt.Errorf("reschedule outbox %d: %w", id, err)
	}
	return nil
}

// MarkFailed gives a delivery up.
func (t *Tx) MarkFailed(id int64, attempts int, errMsg string) error {
	_, err := t.c.Exec(t.ctx, `UPDATE outbox SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?`,
		attempts, errMsg, id)
	if err != nil {
		return fmt.Errorf("fail outbox %d: %w", id, err)
	}
	return nil
}

func outboxFilter(q store.OutboxQuery) filter {
	var f filter
	if q.Status != "" {
		f.add(`status = ?`, q.Status)
	}
	if q.Channel != "" {
		f.add(`channel = ?`, q.Channel)
	}
	return f
}

// Outbox lists matching deliveries, newest first.
func (db *DB) Outbox(ctx context.Context, q store.OutboxQuery) ([]store.OutboxItem, error) {
	f := outboxFilter(q)
	return db.queryOutbox(ctx, `SELECT `+OutboxCols+` FROM outbox`+f.where()+` ORDER BY id DESC`+db.d.Limit(q.Limit, q.Offset), f.args...)
}

// CountOutbox counts what Outbox(q) would list, ignoring Limit/Offset.
func (db *DB) CountOutbox(ctx context.Context, q store.OutboxQuery) (int, error) {
	f := outboxFilter(q)
	var n int
	if err := db.read.QueryRow(ctx, `SELECT count(*) FROM outbox`+f.where(), f.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count outbox: %w", err)
	}
	return n, nil
}

// DueOutbox returns pending rows whose next try is not after now, oldest first.
func (db *DB) DueOutbox(ctx context.Context, now time.Time, limit int) ([]store.OutboxItem, error) {
	return db.queryOutbox(ctx, `SELECT `+OutboxCols+` FROM outbox WHERE status = 'pending' AND next_try <= ?
		ORDER BY next_try, id`+db.d.Limit(limit, 0), db.d.Time(now))
}

func (db *DB) queryOutbox(ctx context.Context, q string, args ...any) ([]store.OutboxItem, error) {
	rows, err := db.read.Query(ctx, q, args...)
	return Collect(rows, err, "outbox", ScanOutbox)
}

// OutboxDepth counts rows per status.
func (db *DB) OutboxDepth(ctx context.Context) (map[string]int, error) {
	return db.countMap(ctx, "outbox depth", `SELECT status, count(*) FROM outbox GROUP BY status`)
}
