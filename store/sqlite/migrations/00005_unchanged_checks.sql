-- +goose Up
-- How long a domain's verdict holds for unchanged evidence: an unchanged,
-- healthy check before then is not judged again (monitor/check.go).
ALTER TABLE domains ADD COLUMN verdict_until TEXT;

-- An unchanged check is recorded by one statement: an insert into this view
-- runs the trigger, which aborts with "stale check" unless each probe's
-- latest snapshot and last run are still the ones the check read and the
-- probe is healthy, then moves last_seen, last_run, last_ok and
-- last_checked. NEW.probes is a JSON array of
-- {"probe": …, "snapshot": id, "last_run": time as stored}.
CREATE VIEW unchanged_checks AS SELECT 0 AS domain_id, '' AS at, '[]' AS probes WHERE 0;

-- +goose StatementBegin
CREATE TRIGGER unchanged_checks_touch INSTEAD OF INSERT ON unchanged_checks BEGIN
    SELECT RAISE(ABORT, 'stale check') WHERE
        (SELECT count(*) FROM json_each(NEW.probes) j
            JOIN probe_status p ON p.domain_id = NEW.domain_id AND p.probe = j.value ->> 'probe'
            WHERE p.last_run = j.value ->> 'last_run' AND p.consecutive_failures = 0 AND p.unreachable = 0
              AND j.value ->> 'snapshot' = (SELECT MAX(s.id) FROM snapshots s
                                            WHERE s.domain_id = NEW.domain_id AND s.probe = p.probe))
        != json_array_length(NEW.probes);
    UPDATE snapshots SET last_seen = NEW.at
        WHERE id IN (SELECT j.value ->> 'snapshot' FROM json_each(NEW.probes) j) AND last_seen < NEW.at;
    UPDATE probe_status SET last_run = NEW.at, last_ok = NEW.at
        WHERE domain_id = NEW.domain_id AND probe IN (SELECT j.value ->> 'probe' FROM json_each(NEW.probes) j);
    UPDATE domains SET last_checked = NEW.at
        WHERE id = NEW.domain_id AND (last_checked IS NULL OR last_checked < NEW.at);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER unchanged_checks_touch;
DROP VIEW unchanged_checks;
ALTER TABLE domains DROP COLUMN verdict_until;
