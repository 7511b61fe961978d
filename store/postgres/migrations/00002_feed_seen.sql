-- +goose Up
-- As store/sqlite/migrations/00002_feed_seen.sql: what feeds announce once.
CREATE TABLE feed_seen (
    scope      text COLLATE "C" NOT NULL,
    key        text COLLATE "C" NOT NULL,
    first_seen timestamptz NOT NULL,
    last_seen  timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);

-- +goose Down
DROP TABLE feed_seen;
