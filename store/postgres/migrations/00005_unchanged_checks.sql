-- +goose Up
-- As store/sqlite/migrations/00004_unchanged_checks.sql; the one-statement
-- record of an unchanged check is a query with data-modifying CTEs
-- (store/postgres/check.go), so it needs no view.
ALTER TABLE domains ADD COLUMN verdict_until timestamptz;

-- +goose Down
ALTER TABLE domains DROP COLUMN verdict_until;
