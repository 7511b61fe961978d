package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/takedownhq/takedown/store"
)

const feedCols = `id, name, kind, url, schedule, cursor, last_run, last_error, names_seen, matches, created_at`

func scanFeed(r Row) (f store.Feed, err error) {
	return f, r.Scan(&f.ID, &f.Name, &f.Kind, &f.URL, &f.Schedule, &f.Cursor, Time(&f.LastRun), &f.LastError,
		&f.NamesSeen, &f.Matches, Time(&f.CreatedAt))
}

// Feeds lists the feeds by name.
func (db *DB) Feeds(ctx context.Context) ([]store.Feed, error) {
	rows, err := db.read.Query(ctx, `SELECT `+feedCols+` FROM feeds ORDER BY name`)
	return Collect(rows, err, "feeds", scanFeed)
}

// Feed reads one feed; ErrNotFound if absent.
func (db *DB) Feed(ctx context.Context, name string) (*store.Feed, error) {
	return one(db.read.QueryRow(ctx, `SELECT `+feedCols+` FROM feeds WHERE name = ?`, name), "feed "+name, scanFeed)
}

// AddFeed creates a feed or updates its kind, URL and schedule, keeping the cursor.
func (db *DB) AddFeed(ctx context.Context, f store.Feed) error {
	return db.write(ctx, func(t *Tx) error {
		_, err := t.c.Exec(t.ctx, `INSERT INTO feeds (name, kind, url, schedule, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, url = excluded.url, schedule = excluded.schedule`,
			f.Name, f.Kind, f.URL, f.Schedule, db.d.Time(time.Now()))
		if err != nil {
			return fmt.Errorf("add feed %s: %w", f.Name, err)
		}
		return nil
	})
}

// SaveFeed writes a feed's cursor and counters; commit it in the same
// transaction as the batch it covers so a restart neither skips nor repeats.
func (t *Tx) SaveFeed(f store.Feed) error {
	n, err := t.c.Exec(t.ctx, `UPDATE feeds SET cursor = ?, last_run = ?, last_error = ?, names_seen = ?, matches = ?
		WHERE name = ?`, f.Cursor, t.db.d.NullTime(f.LastRun), f.LastError, f.NamesSeen, f.Matches, f.Name)
	if err != nil {
		return fmt.Errorf("save feed %s: %w", f.Name, err)
	}
	if n == 0 {
		return fmt.Errorf("save feed %s: %w", f.Name, store.ErrNotFound)
	}
	return nil
}

// RemoveFeed deletes a feed and its cursor. What it found stays: look-alikes
// and events keep their "feed:NAME" source.
func (db *DB) RemoveFeed(ctx context.Context, name string) error {
	var n int64
	err := db.write(ctx, func(t *Tx) error {
		var err error
		if n, err = t.c.Exec(t.ctx, `DELETE FROM feeds WHERE name = ?`, name); err != nil {
			return fmt.Errorf("remove feed %s: %w", name, err)
		}
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
func (t *Tx) MarkSeen(scope, key string, at time.Time) (time.Time, error) {
	at = t.db.d.Norm(at)
	var prev time.Time
	err := t.c.QueryRow(t.ctx, `SELECT last_seen FROM feed_seen WHERE scope = ? AND key = ?`, scope, key).Scan(Time(&prev))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := t.c.Exec(t.ctx, `INSERT INTO feed_seen (scope, key, first_seen, last_seen) VALUES (?, ?, ?, ?)`,
			scope, key, t.db.d.Time(at), t.db.d.Time(at)); err != nil {
			return time.Time{}, fmt.Errorf("mark seen %s %s: %w", scope, key, err)
		}
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, fmt.Errorf("seen %s %s: %w", scope, key, err)
	}
	if at.After(prev) {
		if _, err := t.c.Exec(t.ctx, `UPDATE feed_seen SET last_seen = ? WHERE scope = ? AND key = ?`,
			t.db.d.Time(at), scope, key); err != nil {
			return prev, fmt.Errorf("mark seen %s %s: %w", scope, key, err)
		}
	}
	return prev, nil
}
