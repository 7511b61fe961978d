package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

func (s *SQLite) RevokeSession(ctx context.Context, id string, until, now time.Time) error {
	return s.write1(ctx, "revoke session", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM revoked_sessions WHERE expires_at < ?`, fmtTime(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO revoked_sessions (id, expires_at) VALUES (?, ?)
			ON CONFLICT (id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)`, id, fmtTime(until))
		return err
	})
}

func (s *SQLite) SessionRevoked(ctx context.Context, id string) (bool, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM revoked_sessions WHERE id = ?`, id).Scan(&n); err != nil {
		return false, fmt.Errorf("session revoked: %w", err)
	}
	return n > 0, nil
}
