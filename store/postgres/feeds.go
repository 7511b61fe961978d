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

const feedCols = `id, name, kind, url, schedule, cursor, last_run, last_error, names_seen, matches, created_at`

func scanFeed(sc pgx.Row) (store.Feed, error) {
	var f store.Feed
	var last, created pgtype.Timestamptz
	err := sc.Scan(&f.ID, &f.Name, &f.Kind, &f.URL, &f.Schedule, &f.Cursor, &last, &f.LastError, &f.NamesSeen, &f.Matches, &created)
	f.LastRun, f.CreatedAt = tm(last), tm(created)
	return f, err
}

func (p *Postgres) Feeds(ctx context.Context) ([]store.Feed, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+feedCols+` FROM feeds ORDER BY name`)
	return collect(rows, err, "feeds", func(r pgx.Rows) (store.Feed, error) { return scanFeed(r) })
}

func (p *Postgres) Feed(ctx context.Context, name string) (*store.Feed, error) {
	f, err := scanFeed(p.pool.QueryRow(ctx, `SELECT `+feedCols+` FROM feeds WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("feed %s: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("feed %s: %w", name, err)
	}
	return &f, nil
}

// AddFeed creates a feed or updates its kind, URL and schedule, keeping the cursor.
func (p *Postgres) AddFeed(ctx context.Context, f store.Feed) error {
	return p.Update(ctx, func(tx store.Tx) error {
		t := tx.(*pgTx)
		_, err := t.tx.Exec(t.ctx, `INSERT INTO feeds (name, kind, url, schedule, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, url = excluded.url, schedule = excluded.schedule`,
			f.Name, f.Kind, f.URL, f.Schedule, time.Now())
		if err != nil {
			return fmt.Errorf("add feed %s: %w", f.Name, err)
		}
		return nil
	})
}

// SaveFeed writes a feed's cursor and counters; commit it in the same
// transaction as the batch it covers so a restart neither skips nor repeats.
func (t *pgTx) SaveFeed(f store.Feed) error {
	tag, err := t.tx.Exec(t.ctx, `UPDATE feeds SET cursor = $1, last_run = $2, last_error = $3, names_seen = $4, matches = $5
		WHERE name = $6`, f.Cursor, null(f.LastRun), f.LastError, f.NamesSeen, f.Matches, f.Name)
	if err != nil {
		return fmt.Errorf("save feed %s: %w", f.Name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("save feed %s: %w", f.Name, store.ErrNotFound)
	}
	return nil
}

// RemoveFeed deletes a feed and its cursor. What it found stays: look-alikes
// and events keep their "feed:NAME" source.
func (p *Postgres) RemoveFeed(ctx context.Context, name string) error {
	var n int64
	err := p.Update(ctx, func(tx store.Tx) error {
		t := tx.(*pgTx)
		tag, err := t.tx.Exec(t.ctx, `DELETE FROM feeds WHERE name = $1`, name)
		if err != nil {
			return fmt.Errorf("remove feed %s: %w", name, err)
		}
		n = tag.RowsAffected()
		return nil
	})
	if err == nil && n == 0 {
		err = fmt.Errorf("feed %s: %w", name, store.ErrNotFound)
	}
	return err
}

// MarkSeen records key under scope as seen at time at and returns when it
// was last seen before (zero the first time). Feeds call it in the
// transaction that writes the event, so the event and the mark commit
// together and a replayed batch finds the mark.
func (t *pgTx) MarkSeen(scope, key string, at time.Time) (time.Time, error) {
	at = us(at)
	var last pgtype.Timestamptz
	err := t.tx.QueryRow(t.ctx, `SELECT last_seen FROM feed_seen WHERE scope = $1 AND key = $2`, scope, key).Scan(&last)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		_, err = t.tx.Exec(t.ctx, `INSERT INTO feed_seen (scope, key, first_seen, last_seen) VALUES ($1, $2, $3, $3)`,
			scope, key, at)
		if err != nil {
			return time.Time{}, fmt.Errorf("mark seen %s %s: %w", scope, key, err)
		}
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, fmt.Errorf("seen %s %s: %w", scope, key, err)
	}
	prev := tm(last)
	if at.After(prev) {
		if _, err := t.tx.Exec(t.ctx, `UPDATE feed_seen SET last_seen = $1 WHERE scope = $2 AND key = $3`,
			at, scope, key); err != nil {
			return prev, fmt.Errorf("mark seen %s %s: %w", scope, key, err)
		}
	}
	return prev, nil
}
