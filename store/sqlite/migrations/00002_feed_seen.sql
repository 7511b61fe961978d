-- +goose Up
-- What feeds announce once across runs, feeds and logs: a certificate (by
-- issuer and serial, so a precertificate and its final certificate, or the
-- same certificate in two logs, give one event), a watched name on a list.
CREATE TABLE feed_seen (
    scope      TEXT NOT NULL,                        -- cert, nrd, ...
    key        TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE feed_seen;
