-- +goose Up
-- As store/sqlite/migrations/00003_suspect_and_indexes.sql.
ALTER TABLE domains ADD COLUMN suspect text COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX events_domain_id ON events(domain_id);
CREATE INDEX events_domain_kind ON events(domain, kind);
CREATE INDEX domains_enabled_checked ON domains(enabled, last_checked);

-- +goose Down
DROP INDEX domains_enabled_checked;
DROP INDEX events_domain_kind;
DROP INDEX events_domain_id;
ALTER TABLE domains DROP COLUMN suspect;
