-- +goose Up
-- Web sessions ended by logout: the signed cookie names its session, and a
-- revoked one is refused until it would have expired anyway.
CREATE TABLE revoked_sessions (
    id         TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);
CREATE INDEX revoked_sessions_expires ON revoked_sessions(expires_at);

-- +goose Down
DROP TABLE revoked_sessions;
