-- +goose Up
-- As store/sqlite/migrations/00004_lookalike_watch.sql.
ALTER TABLE domains DROP CONSTRAINT domains_kind_check;
ALTER TABLE domains ADD CONSTRAINT domains_kind_check CHECK (kind IN ('watch', 'brand', 'lookalike'));
CREATE INDEX domains_kind ON domains(kind);

ALTER TABLE lookalikes ADD COLUMN risk_level text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE lookalikes ADD COLUMN risk_score integer NOT NULL DEFAULT 0;
ALTER TABLE lookalikes ADD COLUMN risk_reasons text NOT NULL DEFAULT '[]';       -- JSON array of strings
ALTER TABLE lookalikes ADD COLUMN risk_at timestamptz;
CREATE INDEX lookalikes_risk ON lookalikes(risk_score);

CREATE TABLE screenshots (
    domain_id bigint PRIMARY KEY REFERENCES domains(id) ON DELETE CASCADE,
    url       text NOT NULL,
    taken_at  timestamptz NOT NULL,
    png       bytea NOT NULL CHECK (octet_length(png) <= 1048576),
    sha256    text COLLATE "C" NOT NULL,
    ahash     text COLLATE "C" NOT NULL DEFAULT ''
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
ALTER TABLE domains DROP CONSTRAINT domains_kind_check;
ALTER TABLE domains ADD CONSTRAINT domains_kind_check CHECK (kind IN ('watch', 'brand'));
