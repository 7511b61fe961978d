-- +goose Up
-- The whole design's schema, laid out once so later work adds columns, not tables.
-- Times are RFC 3339 UTC text with nanoseconds: they sort as strings and read well in sqlite3.

CREATE TABLE domains (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,              -- ASCII / punycode, lower case
    unicode       TEXT NOT NULL,
    kind          TEXT NOT NULL DEFAULT 'watch' CHECK (kind IN ('watch', 'brand')),
    note          TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',          -- cli, import:FILE, web, indicator, ...
    added_at      TEXT NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 1,
    -- current lifecycle verdict (history in state_transitions)
    state         TEXT NOT NULL DEFAULT 'unknown',
    state_since   TEXT,
    state_reasons TEXT NOT NULL DEFAULT '[]',        -- JSON array of strings
    last_checked  TEXT
);
CREATE INDEX domains_state ON domains(state);

CREATE TABLE domain_tags (
    domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    PRIMARY KEY (domain_id, tag)
) WITHOUT ROWID;
CREATE INDEX domain_tags_tag ON domain_tags(tag);

-- One row per distinct observation of a probe kind; an equal observation moves last_seen only.
CREATE TABLE snapshots (
    id         INTEGER PRIMARY KEY,
    domain_id  INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    probe      TEXT NOT NULL,                        -- dns, delegation, whois, rdap, cert, http
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    hash       TEXT NOT NULL,                        -- sha256 of data
    data       TEXT NOT NULL                         -- normalized JSON
);
CREATE INDEX snapshots_domain_probe ON snapshots(domain_id, probe, id);

-- Failed probes: recorded, never read as "records removed". Equal consecutive errors coalesce.
CREATE TABLE probe_errors (
    id         INTEGER PRIMARY KEY,
    domain_id  INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    probe      TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    count      INTEGER NOT NULL DEFAULT 1,
    error      TEXT NOT NULL
);
CREATE INDEX probe_errors_domain_probe ON probe_errors(domain_id, probe, id);

-- Per domain and probe: scheduling and failure streaks.
CREATE TABLE probe_status (
    domain_id            INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    probe                TEXT NOT NULL,
    last_run             TEXT,
    last_ok              TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT NOT NULL DEFAULT '',
    unreachable          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (domain_id, probe)
) WITHOUT ROWID;

-- Everything that happened. domain is kept as text so events about names that
-- are not watched (look-alikes, feed hits) and about removed domains survive.
CREATE TABLE events (
    id        INTEGER PRIMARY KEY,
    domain_id INTEGER REFERENCES domains(id) ON DELETE SET NULL,
    domain    TEXT NOT NULL,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,                         -- state_changed, ns_changed, lookalike_registered, ...
    probe     TEXT NOT NULL DEFAULT '',
    field     TEXT NOT NULL DEFAULT '',
    old       TEXT NOT NULL DEFAULT '',
    new       TEXT NOT NULL DEFAULT '',
    severity  TEXT NOT NULL DEFAULT 'info' CHECK (severity IN ('info', 'notice', 'warning', 'critical')),
    detail    TEXT NOT NULL DEFAULT '{}'              -- JSON: reasons, evidence, links
);
CREATE INDEX events_domain_at ON events(domain, at);
CREATE INDEX events_at ON events(at);
CREATE INDEX events_kind ON events(kind);

CREATE TABLE state_transitions (
    id         INTEGER PRIMARY KEY,
    domain_id  INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    at         TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    reasons    TEXT NOT NULL DEFAULT '[]',
    event_id   INTEGER REFERENCES events(id)
);
CREATE INDEX state_transitions_domain ON state_transitions(domain_id, at);

CREATE TABLE lookalikes (
    id           INTEGER PRIMARY KEY,
    brand        TEXT NOT NULL,                      -- the imitated domain (ASCII)
    name         TEXT NOT NULL,                      -- candidate (ASCII)
    unicode      TEXT NOT NULL,
    fuzzer       TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT '',           -- permutation, feed:NAME
    score        REAL NOT NULL DEFAULT 0,
    first_seen   TEXT NOT NULL,
    last_checked TEXT,
    registered   TEXT NOT NULL DEFAULT 'unknown' CHECK (registered IN ('yes', 'no', 'unknown')),
    registered_seen TEXT,                            -- first time seen registered
    created      TEXT,                               -- creation date from RDAP, where known
    dns          TEXT NOT NULL DEFAULT '{}',         -- JSON summary
    status       TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'acknowledged', 'dismissed')),
    status_at    TEXT,
    UNIQUE (brand, name)
);
CREATE INDEX lookalikes_name ON lookalikes(name);
CREATE INDEX lookalikes_status ON lookalikes(status);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES events(id),
    channel         TEXT NOT NULL,
    recipient       TEXT NOT NULL,                   -- e-mail address or webhook URL
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_try        TEXT NOT NULL,
    sent_at         TEXT,
    last_error      TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox(status, next_try);

CREATE TABLE feeds (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('nrd', 'ct', 'zone')),
    url         TEXT NOT NULL,
    schedule    TEXT NOT NULL DEFAULT '',
    cursor      TEXT NOT NULL DEFAULT '',            -- opaque to the store: CT index, file date, zone serial
    last_run    TEXT,
    last_error  TEXT NOT NULL DEFAULT '',
    names_seen  INTEGER NOT NULL DEFAULT 0,
    matches     INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);

-- +goose Down
DROP TABLE feeds;
DROP TABLE outbox;
DROP TABLE lookalikes;
DROP TABLE state_transitions;
DROP TABLE events;
DROP TABLE probe_status;
DROP TABLE probe_errors;
DROP TABLE snapshots;
DROP TABLE domain_tags;
DROP TABLE domains;
