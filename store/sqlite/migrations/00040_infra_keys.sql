-- +goose Up
-- Infrastructure keys (monitor/infra): one row per distinct key with its
-- pivot count, kept up to date when a domain is first seen on it, so a
-- pivot never counts rows; one row per (domain, key) with first and last
-- seen, kept as history when the domain moves away.
CREATE TABLE infra_keys (
    id      INTEGER PRIMARY KEY,
    kind    TEXT NOT NULL,
    value   TEXT NOT NULL,
    domains INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, value)
);

CREATE TABLE domain_keys (
    domain_id  INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    key_id     INTEGER NOT NULL REFERENCES infra_keys(id),
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    PRIMARY KEY (domain_id, key_id)
) WITHOUT ROWID;
-- The pivot: every domain on a key.
CREATE INDEX domain_keys_key ON domain_keys(key_id, domain_id);

-- Watched infrastructure: name servers, addresses or CIDRs, origin ASes.
CREATE TABLE infra_watch (
    kind     TEXT NOT NULL CHECK (kind IN ('ns', 'ip', 'asn')),
    value    TEXT NOT NULL,
    note     TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL,
    PRIMARY KEY (kind, value)
);

-- Domains found through shared infrastructure are watched as kind
-- 'related' (see 00006 for why the CHECK is widened in place).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (kind IN (''watch'', ''brand'', ''lookalike''))',
    'CHECK (kind IN (''watch'', ''brand'', ''lookalike'', ''related''))')
    WHERE type = 'table' AND name = 'domains';
PRAGMA writable_schema = RESET;
PRAGMA writable_schema = OFF;

-- +goose Down
DELETE FROM domains WHERE kind = 'related';
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (kind IN (''watch'', ''brand'', ''lookalike'', ''related''))',
    'CHECK (kind IN (''watch'', ''brand'', ''lookalike''))')
    WHERE type = 'table' AND name = 'domains';
PRAGMA writable_schema = RESET;
PRAGMA writable_schema = OFF;
DROP TABLE infra_watch;
DROP TABLE domain_keys;
DROP TABLE infra_keys;
