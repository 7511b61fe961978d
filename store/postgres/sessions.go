package postgres

import (
	"context"
	"fmt"
	"time"
)

func (p *Postgres) RevokeSession(ctx context.Context, id string, until, now time.Time) error {
	if _, err := p.pool.Exec(ctx, `DELETE FROM revoked_sessions WHERE expires_at < $1`, now); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	_, err := p.pool.Exec(ctx, `INSERT INTO revoked_sessions AS r (id, expires_at) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET expires_at = greatest(r.expires_at, excluded.expires_at)`, id, until)
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

func (p *Postgres) SessionRevoked(ctx context.Context, id string) (bool, error) {
	var revoked bool
	if err := p.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM revoked_sessions WHERE id = $1)`, id).Scan(&revoked); err != nil {
		return false, fmt.Errorf("session revoked: %w", err)
	}
	return revoked, nil
}
