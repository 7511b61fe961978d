-- +goose Up
-- The due-check queue (store.Queue). SQLite is one process; the tables are
-- PostgreSQL's so both drivers answer alike. Times are fixed-width text.
CREATE TABLE due_checks (
    domain_id   INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    leased_by   TEXT,
    lease_until TEXT,
    PRIMARY KEY (domain_id, kind)
);
CREATE INDEX due_checks_due ON due_checks(due_at);

CREATE TABLE job_runs (
    job         TEXT NOT NULL,
    slot        TEXT NOT NULL,
    worker      TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    lease_until TEXT NOT NULL,
    finished_at TEXT,
    PRIMARY KEY (job, slot)
);

ALTER TABLE outbox ADD COLUMN leased_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until TEXT;

CREATE TABLE rate_budget (
    server  TEXT PRIMARY KEY,
    next_at TEXT NOT NULL
);

-- +goose Down
DROP TABLE rate_budget;
ALTER TABLE outbox DROP COLUMN lease_until;
ALTER TABLE outbox DROP COLUMN leased_by;
DROP TABLE job_runs;
DROP TABLE due_checks;
