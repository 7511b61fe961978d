-- +goose Up
-- As store/sqlite/migrations/00030_registration.sql.
CREATE TABLE rdap_bootstrap (
    name          text COLLATE "C" PRIMARY KEY,
    body          bytea NOT NULL CHECK (octet_length(body) <= 4194304),
    etag          text NOT NULL DEFAULT '',
    last_modified text NOT NULL DEFAULT '',
    publication   text NOT NULL DEFAULT '',
    services      integer NOT NULL,
    source        text NOT NULL DEFAULT '',
    fetched_at    timestamptz NOT NULL,
    checked_at    timestamptz NOT NULL
);

CREATE TABLE ip_networks (
    prefix     text COLLATE "C" PRIMARY KEY,
    first_key  text COLLATE "C" NOT NULL,
    last_key   text COLLATE "C" NOT NULL,
    bits       integer NOT NULL,
    rir        text NOT NULL DEFAULT '',
    data       text NOT NULL,  -- the hosting probe's JSON, kept byte for byte
    fetched_at timestamptz NOT NULL
);
CREATE INDEX ip_networks_range ON ip_networks(first_key, last_key);

-- +goose Down
DROP TABLE ip_networks;
DROP TABLE rdap_bootstrap;
