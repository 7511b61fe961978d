package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/takedownhq/takedown/store"
)

const feedCols = `id, name, kind, url, schedule, cursor, last_run, last_error, names_seen, matches, created_at`

func scanFeed(sc interface{ Scan(...any) error }) (store.Feed, error) {
	var f store.Feed
	var last, created sql.NullString
	err := sc.Scan(&f.ID, &f.Name, &f.Kind, &f.URL, &f.Schedule, &f.Cursor, &last, &f.LastError, &f.NamesSeen, &f.Matches, &created)
	f.LastRun, f.CreatedAt = parseTime(last), parseTime(created)
	return f, err
}

func (s *SQLite) Feeds(ctx context.Context) ([]store.Feed, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+feedCols+` FROM feeds ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("feeds: %w", err)
	}
	defer rows.Close()
	var out []store.Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("feeds: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func (s *SQLite) Feed(ctx context.Context, name string) (*store.Feed, error) {
	f, err := scanFeed(s.read.QueryRowContext(ctx, `SELECT `+feedCols+` FROM feeds WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("feed %s: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("feed %s: %w", name, err)
	}
	return &f, nil
}

// AddFeed creates a feed or updates its kind, URL and schedule, keeping the cursor.
func (s *SQLite) AddFeed(ctx context.Context, f store.Feed) error {
	return s.Update(ctx, func(tx store.Tx) error {
		t := tx.(*sqlTx)
		_, err := t.tx.ExecContext(t.ctx, `INSERT INTO feeds (name, kind, url, schedule, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, url = excluded.url, schedule = excluded.schedule`,
			f.Name, f.Kind, f.URL, f.Schedule, fmtTime(time.Now()))
		if err != nil {
			return fmt.Errorf("add feed %s: %w", f.Name, err)
		}
		return nil
	})
}

// SaveFeed writes a feed's cursor and counters; commit it in the same
// transaction as the batch it covers so a restart neither skips nor repeats.
func (t *sqlTx) SaveFeed(f store.Feed) error {
	r, err := t.tx.ExecContext(t.ctx, `UPDATE feeds SET cursor = ?, last_run = ?, last_error = ?, names_seen = ?, matches = ?
		WHERE name = ?`, f.Cursor, fmtTimePtr(f.LastRun), f.LastError, f.NamesSeen, f.Matches, f.Name)
	if err != nil {
		return fmt.Errorf("save feed %s: %w", f.Name, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("save feed %s: %w", f.Name, store.ErrNotFound)
	}
	return nil
}

// RemoveFeed deletes a feed and its cursor. What it found stays: look-alikes
// and events keep their "feed:NAME" source.
func (s *SQLite) RemoveFeed(ctx context.Context, name string) error {
	var n int64
	err := s.Update(ctx, func(tx store.Tx) error {
		t := tx.(*sqlTx)
		r, err := t.tx.ExecContext(t.ctx, `DELETE FROM feeds WHERE name = ?`, name)
		if err != nil {
			return fmt.Errorf("remove feed %s: %w", name, err)
		}
		n, _ = r.RowsAffected()
		return nil
	})
	if err == nil && n == 0 {
		err = fmt.Errorf("feed %s: %w", name, store.ErrNotFound)
	}
	return err
}
