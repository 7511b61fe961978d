-- +goose Up
-- Registration reference data. rdap_bootstrap keeps the last good copy of
-- each RFC 9224 bootstrap file the daemon fetched (never a worse one), with
-- its HTTP validators for the next conditional request. ip_networks caches
-- IP RDAP networks per prefix; first_key/last_key are the 128-bit range as
-- 32 hex digits (IPv4 mapped), so "which networks hold this address" is a
-- text range test that SQLite and PostgreSQL answer alike.
CREATE TABLE rdap_bootstrap (
    name          TEXT PRIMARY KEY,
    body          BLOB NOT NULL CHECK (length(body) <= 4194304),
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    publication   TEXT NOT NULL DEFAULT '',
    services      INTEGER NOT NULL,
    source        TEXT NOT NULL DEFAULT '',
    fetched_at    TEXT NOT NULL,
    checked_at    TEXT NOT NULL
);

CREATE TABLE ip_networks (
    prefix     TEXT PRIMARY KEY,
    first_key  TEXT NOT NULL,
    last_key   TEXT NOT NULL,
    bits       INTEGER NOT NULL,
    rir        TEXT NOT NULL DEFAULT '',
    data       TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
CREATE INDEX ip_networks_range ON ip_networks(first_key, last_key);

-- +goose Down
DROP TABLE ip_networks;
DROP TABLE rdap_bootstrap;
