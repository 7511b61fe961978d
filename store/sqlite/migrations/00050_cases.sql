-- +goose Up
-- Takedown cases: one request the team pursues per domain at a time (a
-- closed case can be followed by a new one), its contacts with when each
-- was reported to, and its timeline with the evidence of each step.
CREATE TABLE cases (
    id                INTEGER PRIMARY KEY,
    domain_id         INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    reason            TEXT NOT NULL CHECK (reason IN ('phishing', 'malware', 'brand', 'fraud')),
    status            TEXT NOT NULL CHECK (status IN ('open', 'reported', 'taken_down', 'reverted', 'closed')),
    note              TEXT NOT NULL DEFAULT '',
    opened_at         TEXT NOT NULL,
    status_at         TEXT NOT NULL,
    changed_at        TEXT NOT NULL,
    first_reported_at TEXT,
    taken_down_at     TEXT,
    time_to_takedown  INTEGER,            -- seconds, from first report (or opening)
    registrar         TEXT NOT NULL DEFAULT '',
    hosting           TEXT NOT NULL DEFAULT '',
    gone_checks       INTEGER NOT NULL DEFAULT 0,
    seen_mark         TEXT NOT NULL DEFAULT '',
    stalled_at        TEXT
);
CREATE UNIQUE INDEX cases_one_active ON cases(domain_id) WHERE status <> 'closed';
CREATE INDEX cases_status ON cases(status);
CREATE INDEX cases_domain ON cases(domain_id);

CREATE TABLE case_contacts (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('registrant', 'hosting', 'registrar', 'dns', 'registry')),
    address     TEXT NOT NULL,        -- e-mail, else form URL, else phone: the contact's identity
    name        TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    form_url    TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT '',
    reported_at TEXT,
    ref         TEXT NOT NULL DEFAULT '',
    outbox_id   INTEGER,
    UNIQUE (case_id, role, address)
);

CREATE TABLE case_timeline (
    id       INTEGER PRIMARY KEY,
    case_id  INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at       TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL,
    note     TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '{}',  -- JSON object
    event_id INTEGER
);
CREATE INDEX case_timeline_case ON case_timeline(case_id, id);

-- +goose Down
DROP TABLE case_timeline;
DROP TABLE case_contacts;
DROP TABLE cases;
