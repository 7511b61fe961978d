-- +goose Up
-- Found look-alikes are watched on their own light schedule: each gets a
-- domains row of kind 'lookalike' (so its snapshots, events and history are
-- a watched domain's), its risk is kept on the look-alike row, and the
-- latest screenshot of a domain's page is kept apart from the snapshots.
--
-- SQLite cannot alter a CHECK constraint. Widening one changes nothing on
-- disk (every stored row already satisfies the wider rule), which is the
-- case sqlite.org/lang_altertable.html ("Making Other Kinds Of Table Schema
-- Changes") allows to do through writable_schema; RESET makes this
-- connection reread the schema. The alternative, rebuilding domains, would
-- have to repeat every column and foreign key of the table and its children.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (kind IN (''watch'', ''brand''))',
    'CHECK (kind IN (''watch'', ''brand'', ''lookalike''))')
    WHERE type = 'table' AND name = 'domains';
PRAGMA writable_schema = RESET;
PRAGMA writable_schema = OFF;
CREATE INDEX domains_kind ON domains(kind);

ALTER TABLE lookalikes ADD COLUMN risk_level TEXT NOT NULL DEFAULT '';
ALTER TABLE lookalikes ADD COLUMN risk_score INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lookalikes ADD COLUMN risk_reasons TEXT NOT NULL DEFAULT '[]';  -- JSON array of strings
ALTER TABLE lookalikes ADD COLUMN risk_at TEXT;
CREATE INDEX lookalikes_risk ON lookalikes(risk_score);

-- The latest screenshot per domain; its hash history is the "screenshot"
-- probe's snapshots. png is at most 1 MiB (store.MaxScreenshot).
CREATE TABLE screenshots (
    domain_id INTEGER PRIMARY KEY REFERENCES domains(id) ON DELETE CASCADE,
    url       TEXT NOT NULL,
    taken_at  TEXT NOT NULL,
    png       BLOB NOT NULL CHECK (length(png) <= 1048576),
    sha256    TEXT NOT NULL,
    ahash     TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE screenshots;
DROP INDEX lookalikes_risk;
ALTER TABLE lookalikes DROP COLUMN risk_at;
ALTER TABLE lookalikes DROP COLUMN risk_reasons;
ALTER TABLE lookalikes DROP COLUMN risk_score;
ALTER TABLE lookalikes DROP COLUMN risk_level;
DROP INDEX domains_kind;
DELETE FROM domains WHERE kind = 'lookalike';
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (kind IN (''watch'', ''brand'', ''lookalike''))',
    'CHECK (kind IN (''watch'', ''brand''))')
    WHERE type = 'table' AND name = 'domains';
PRAGMA writable_schema = RESET;
PRAGMA writable_schema = OFF;
