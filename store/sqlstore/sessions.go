package sqlstore

import (
	"context"
	"fmt"
	"time"
)

// RevokeSession records that session id ended, until the cookie would
// have expired anyway, and drops the rows past theirs. A second revocation
// keeps the later end. Idempotent.
func (db *DB) RevokeSession(ctx context.Context, id string, until, now time.Time) error {
	err := db.write(ctx, func(t *Tx) error {
		if _, err := t.c.Exec(t.ctx, `DELETE FROM revoked_sessions WHERE expires_at < ?`, db.d.Time(now)); err != nil {
			return err
		}
		// CASE rather than max()/greatest(): SQLite and PostgreSQL name
		// the two-argument maximum differently; both compare the column
		// in time order (SQLite keeps fixed-width UTC text).
		_, err := t.c.Exec(t.ctx, `INSERT INTO revoked_sessions (id, expires_at) VALUES (?, ?)
			ON CONFLICT (id) DO UPDATE SET expires_at = CASE WHEN excluded.expires_at > revoked_sessions.expires_at
			THEN excluded.expires_at ELSE revoked_sessions.expires_at END`, id, db.d.Time(until))
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// SessionRevoked reports whether session id was revoked.
func (db *DB) SessionRevoked(ctx context.Context, id string) (bool, error) {
	var n int
	if err := db.read.QueryRow(ctx, `SELECT count(*) FROM revoked_sessions WHERE id = ?`, id).Scan(&n); err != nil {
		return false, fmt.Errorf("session revoked: %w", err)
	}
	return n > 0, nil
}
