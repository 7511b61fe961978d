package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/takedownhq/takedown/store"
)

const outboxCols = `id, event_id, channel, recipient, status, attempts, next_try, sent_at, last_error, idempotency_key, created_at`

func scanOutbox(sc pgx.Row) (store.OutboxItem, error) {
	var o store.OutboxItem
	var next, sent, created pgtype.Timestamptz
	err := sc.Scan(&o.ID, &o.EventID, &o.Channel, &o.Recipient, &o.Status, &o.Attempts, &next, &sent, &o.LastError,
		&o.IdempotencyKey, &created)
	o.NextTry, o.SentAt, o.CreatedAt = tm(next), tm(sent), tm(created)
	return o, err
}

// AddOutbox writes a row; a row with the same idempotency key already there
// makes it a no-op that returns 0.
func (t *pgTx) AddOutbox(o store.OutboxItem) (int64, error) {
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
	var id int64
	err := t.tx.QueryRow(t.ctx, `INSERT INTO outbox (event_id, channel, recipient, status, attempts, next_try,
		last_error, idempotency_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
		o.EventID, o.Channel, o.Recipient, o.Status, o.Attempts, o.NextTry, o.LastError, o.IdempotencyKey,
		o.CreatedAt).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("outbox %s for event %d: %w", o.Channel, o.EventID, err)
	}
	return id, nil
}

func (t *pgTx) MarkSent(id int64, at time.Time) error {
	_, err := t.tx.Exec(t.ctx, `UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1,
		last_error = '' WHERE id = $2`, at, id)
	if err != nil {
		return fmt.Errorf("mark outbox %d sent: %w", id, err)
	}
	return nil
}

func (t *pgTx) MarkRetry(id int64, attempts int, next time.Time, errMsg string) error {
	_, err := t.tx.Exec(t.ctx, `UPDATE outbox SET attempts = $1, next_try = $2, last_error = $3 WHERE id = $4 AND status = 'pending'`,
		attempts, next, errMsg, id)
	if err != nil {
		return fmt.Errorf("reschedule outbox %d: %w", id, err)
	}
	return nil
}

func (t *pgTx) MarkFailed(id int64, attempts int, errMsg string) error {
	_, err := t.tx.Exec(t.ctx, `UPDATE outbox SET status = 'failed', attempts = $1, last_error = $2 WHERE id = $3`,
		attempts, errMsg, id)
	if err != nil {
		return fmt.Errorf("fail outbox %d: %w", id, err)
	}
	return nil
}

func outboxFilter(q store.OutboxQuery) (string, args) {
	var conds []string
	var a args
	if q.Status != "" {
		conds = append(conds, `status = `+a.add(q.Status))
	}
	if q.Channel != "" {
		conds = append(conds, `channel = `+a.add(q.Channel))
	}
	return where(conds), a
}

func (p *Postgres) Outbox(ctx context.Context, q store.OutboxQuery) ([]store.OutboxItem, error) {
	cond, a := outboxFilter(q)
	return p.queryOutbox(ctx, `SELECT `+outboxCols+` FROM outbox`+cond+` ORDER BY id DESC`+limitClause(q.Limit, q.Offset), a...)
}

func (p *Postgres) DueOutbox(ctx context.Context, now time.Time, limit int) ([]store.OutboxItem, error) {
	return p.queryOutbox(ctx, `SELECT `+outboxCols+` FROM outbox WHERE status = 'pending' AND next_try <= $1
		ORDER BY next_try, id`+limitClause(limit, 0), now)
}

func (p *Postgres) queryOutbox(ctx context.Context, q string, a ...any) ([]store.OutboxItem, error) {
	rows, err := p.pool.Query(ctx, q, a...)
	return collect(rows, err, "outbox", func(r pgx.Rows) (store.OutboxItem, error) { return scanOutbox(r) })
}

func (p *Postgres) OutboxDepth(ctx context.Context) (map[string]int, error) {
	return p.countMap(ctx, "outbox depth", `SELECT status, count(*) FROM outbox GROUP BY status`)
}
