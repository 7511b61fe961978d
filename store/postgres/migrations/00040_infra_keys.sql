-- +goose Up
-- As store/sqlite/migrations/00040_infra_keys.sql: infrastructure keys
-- with their pivot counts, each domain's keys with first and last seen,
-- the infrastructure watchlist, and domains of kind 'related'.
CREATE TABLE infra_keys (
    id      bigserial PRIMARY KEY,
    kind    text COLLATE "C" NOT NULL,
    value   text COLLATE "C" NOT NULL,
    domains integer NOT NULL DEFAULT 0,
    UNIQUE (kind, value)
);

CREATE TABLE domain_keys (
    domain_id  bigint NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    key_id     bigint NOT NULL REFERENCES infra_keys(id),
    first_seen timestamptz NOT NULL,
    last_seen  timestamptz NOT NULL,
    PRIMARY KEY (domain_id, key_id)
);
CREATE INDEX domain_keys_key ON domain_keys(key_id, domain_id);

CREATE TABLE infra_watch (
    kind     text COLLATE "C" NOT NULL CHECK (kind IN ('ns', 'ip', 'asn')),
    value    text COLLATE "C" NOT NULL,
    note     text NOT NULL DEFAULT '',
    added_at timestamptz NOT NULL,
    PRIMARY KEY (kind, value)
);

ALTER TABLE domains DROP CONSTRAINT domains_kind_check;
ALTER TABLE domains ADD CONSTRAINT domains_kind_check CHECK (kind IN ('watch', 'brand', 'lookalike', 'related'));

-- +goose Down
DELETE FROM domains WHERE kind = 'related';
ALTER TABLE domains DROP CONSTRAINT domains_kind_check;
ALTER TABLE domains ADD CONSTRAINT domains_kind_check CHECK (kind IN ('watch', 'brand', 'lookalike'));
DROP TABLE infra_watch;
DROP TABLE domain_keys;
DROP TABLE infra_keys;
