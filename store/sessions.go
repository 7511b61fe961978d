package store

import (
	"context"
	"time"
)

// Sessions is the web UI's list of ended sessions. A session cookie is
// signed and carries a random ID; logging out revokes that ID here, in the
// database, so every daemon sharing it refuses the cookie from then on.
type Sessions interface {
	// RevokeSession records that session id ended; the row is kept until
	// the cookie would have expired anyway (until), and older rows are
	// dropped. Idempotent; safe for concurrent use.
	RevokeSession(ctx context.Context, id string, until, now time.Time) error
	// SessionRevoked reports whether id was revoked.
	SessionRevoked(ctx context.Context, id string) (bool, error)
}
