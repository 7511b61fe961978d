-- +goose Up
-- A suspicion (a seizure name server nobody corroborates, a lapsed operator
-- domain) is kept apart from the verdict so its event fires once.
ALTER TABLE domains ADD COLUMN suspect TEXT NOT NULL DEFAULT '';
-- Removing a watched domain keeps its history; these serve the per-domain
-- event queries of the timeline and of triage.
CREATE INDEX events_domain_id ON events(domain_id);
CREATE INDEX events_domain_kind ON events(domain, kind);
CREATE INDEX domains_enabled_checked ON domains(enabled, last_checked);

-- +goose Down
DROP INDEX domains_enabled_checked;
DROP INDEX events_domain_kind;
DROP INDEX events_domain_id;
ALTER TABLE domains DROP COLUMN suspect;
