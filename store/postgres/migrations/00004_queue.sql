-- +goose Up
-- The shared work of several daemons on one database (store.Queue).
-- due_checks: one row per (domain, probe kind), its next due time and the
-- lease of the worker running it. A lapsed lease (lease_until in the past)
-- is no lease.
CREATE TABLE due_checks (
    domain_id   bigint NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    kind        text COLLATE "C" NOT NULL,
    due_at      timestamptz NOT NULL,
    leased_by   text COLLATE "C",
    lease_until timestamptz,
    PRIMARY KEY (domain_id, kind)
);
CREATE INDEX due_checks_due ON due_checks(due_at);
CREATE INDEX due_checks_leased_by ON due_checks(leased_by) WHERE leased_by IS NOT NULL;

-- job_runs: a scheduled job (brand hunting, a feed) runs once per slot.
CREATE TABLE job_runs (
    job         text COLLATE "C" NOT NULL,
    slot        timestamptz NOT NULL,
    worker      text COLLATE "C" NOT NULL,
    started_at  timestamptz NOT NULL,
    lease_until timestamptz NOT NULL,
    finished_at timestamptz,
    PRIMARY KEY (job, slot)
);
CREATE INDEX job_runs_running ON job_runs(job) WHERE finished_at IS NULL;

-- The alert outbox: a worker leases due rows before it sends them.
ALTER TABLE outbox ADD COLUMN leased_by text COLLATE "C";
ALTER TABLE outbox ADD COLUMN lease_until timestamptz;

-- rate_budget: the cluster-wide rate limit of a server, as the time of its
-- next free slot.
CREATE TABLE rate_budget (
    server  text COLLATE "C" PRIMARY KEY,
    next_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE rate_budget;
ALTER TABLE outbox DROP COLUMN lease_until;
ALTER TABLE outbox DROP COLUMN leased_by;
DROP TABLE job_runs;
DROP TABLE due_checks;
