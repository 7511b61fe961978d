package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// MarkSeen records key under scope as seen at time at and returns when it
// was last seen before (zero the first time). Feeds call it in the
// transaction that writes the event, so the event and the mark commit
// together and a replayed batch finds the mark.
func (t *sqlTx) MarkSeen(scope, key string, at time.Time) (time.Time, error) {
	var last sql.NullString
	err := t.tx.QueryRowContext(t.ctx, `SELECT last_seen FROM feed_seen WHERE scope = ? AND key = ?`, scope, key).Scan(&last)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = t.tx.ExecContext(t.ctx, `INSERT INTO feed_seen (scope, key, first_seen, last_seen) VALUES (?, ?, ?, ?)`,
			scope, key, fmtTime(at), fmtTime(at))
		if err != nil {
			return time.Time{}, fmt.Errorf("mark seen %s %s: %w", scope, key, err)
		}
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, fmt.Errorf("seen %s %s: %w", scope, key, err)
	}
	prev := parseTime(last)
	if at.After(prev) {
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE feed_seen SET last_seen = ? WHERE scope = ? AND key = ?`,
			fmtTime(at), scope, key); err != nil {
			return prev, fmt.Errorf("mark seen %s %s: %w", scope, key, err)
		}
	}
	return prev, nil
}
