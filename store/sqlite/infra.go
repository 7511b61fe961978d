package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/takedownhq/takedown/store"
)

// Infrastructure keys (store.Infra, Tx.ObserveKeys): the SQL of the
// keys, pivots and the infrastructure watchlist, in one place.

const (
	keyUpsert = `INSERT INTO infra_keys (kind, value) VALUES (?, ?)
		ON CONFLICT (kind, value) DO UPDATE SET kind = excluded.kind RETURNING id`
	pairInsert = `INSERT INTO domain_keys (domain_id, key_id, first_seen, last_seen) VALUES (?, ?, ?, ?)
		ON CONFLICT (domain_id, key_id) DO NOTHING`
	pairTouch = `UPDATE domain_keys SET last_seen = ?3 WHERE domain_id = ?1 AND key_id = ?2 AND last_seen < ?3`
	keyCount  = `UPDATE infra_keys SET domains = domains + 1 WHERE id = ?`

	domainKeysQuery = `SELECT k.kind, k.value, k.domains, dk.first_seen, dk.last_seen
		FROM domains d JOIN domain_keys dk ON dk.domain_id = d.id JOIN infra_keys k ON k.id = dk.key_id
		WHERE d.name = ? ORDER BY k.kind, k.value`
	keyDomainsQuery = `SELECT d.name, d.kind, d.state, dk.first_seen, dk.last_seen
		FROM infra_keys k JOIN domain_keys dk ON dk.key_id = k.id JOIN domains d ON d.id = dk.domain_id
		WHERE k.kind = ? AND k.value = ? ORDER BY dk.last_seen DESC, d.name LIMIT ?`
	shareCols = `d2.name, d2.kind, d2.state, d2.source, d2.added_at, k.kind, k.value, k.domains, o.first_seen, o.last_seen`
	// relatedQuery walks from the domain to its uncommon keys (the
	// pivot count is stored, so nothing is counted) and from each to the
	// other domains on it, through domain_keys_key.
	relatedQuery = `SELECT ` + shareCols + `
		FROM domains d JOIN domain_keys mine ON mine.domain_id = d.id
		JOIN infra_keys k ON k.id = mine.key_id AND k.domains <= ?
		JOIN domain_keys o ON o.key_id = k.id AND o.domain_id != d.id
		JOIN domains d2 ON d2.id = o.domain_id
		WHERE d.name = ? ORDER BY d2.name, k.kind, k.value LIMIT ?`
)

func (t *sqlTx) ObserveKeys(domainID int64, at time.Time, keys []store.InfraKey) ([]store.InfraKey, error) {
	if len(keys) > store.MaxKeysPerObservation {
		return nil, fmt.Errorf("observe keys of domain %d: %d keys (at most %d)", domainID, len(keys), store.MaxKeysPerObservation)
	}
	var added []store.InfraKey
	ts := fmtTime(at)
	for _, k := range keys {
		var id int64
		if err := t.tx.QueryRowContext(t.ctx, keyUpsert, k.Kind, k.Value).Scan(&id); err != nil {
			return nil, fmt.Errorf("key %s %s: %w", k.Kind, k.Value, err)
		}
		r, err := t.tx.ExecContext(t.ctx, pairInsert, domainID, id, ts, ts)
		if err != nil {
			return nil, fmt.Errorf("key %s %s of domain %d: %w", k.Kind, k.Value, domainID, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			if _, err := t.tx.ExecContext(t.ctx, pairTouch, domainID, id, ts); err != nil {
				return nil, fmt.Errorf("key %s %s of domain %d: %w", k.Kind, k.Value, domainID, err)
			}
			continue
		}
		if _, err := t.tx.ExecContext(t.ctx, keyCount, id); err != nil {
			return nil, fmt.Errorf("count key %s %s: %w", k.Kind, k.Value, err)
		}
		added = append(added, k)
	}
	return added, nil
}

func (s *SQLite) DomainKeys(ctx context.Context, name string) ([]store.DomainKey, error) {
	rows, err := s.read.QueryContext(ctx, domainKeysQuery, name)
	if err != nil {
		return nil, fmt.Errorf("keys of %s: %w", name, err)
	}
	defer rows.Close()
	out := []store.DomainKey{}
	for rows.Next() {
		var k store.DomainKey
		var first, last sql.NullString
		if err := rows.Scan(&k.Kind, &k.Value, &k.Count, &first, &last); err != nil {
			return nil, fmt.Errorf("keys of %s: %w", name, err)
		}
		k.FirstSeen, k.LastSeen = parseTime(first), parseTime(last)
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("keys of %s: %w", name, err)
	}
	if len(out) == 0 {
		if _, err := s.Domain(ctx, name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *SQLite) KeyDomains(ctx context.Context, key store.InfraKey, limit int) ([]store.KeyDomain, int, error) {
	if limit <= 0 {
		limit = 1000
	}
	var count int
	err := s.read.QueryRowContext(ctx, `SELECT domains FROM infra_keys WHERE kind = ? AND value = ?`, key.Kind, key.Value).Scan(&count)
	if errors.Is(err, sql.ErrNoRows) {
		return []store.KeyDomain{}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("key %s %s: %w", key.Kind, key.Value, err)
	}
	rows, err := s.read.QueryContext(ctx, keyDomainsQuery, key.Kind, key.Value, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("domains on %s %s: %w", key.Kind, key.Value, err)
	}
	defer rows.Close()
	out := []store.KeyDomain{}
	for rows.Next() {
		var d store.KeyDomain
		var first, last sql.NullString
		if err := rows.Scan(&d.Domain, &d.Kind, &d.State, &first, &last); err != nil {
			return nil, 0, fmt.Errorf("domains on %s %s: %w", key.Kind, key.Value, err)
		}
		d.FirstSeen, d.LastSeen = parseTime(first), parseTime(last)
		out = append(out, d)
	}
	return out, count, rows.Err()
}

func scanShares(rows *sql.Rows, what string) ([]store.Share, error) {
	defer rows.Close()
	out := []store.Share{}
	for rows.Next() {
		var sh store.Share
		var added, first, last sql.NullString
		if err := rows.Scan(&sh.Domain, &sh.Kind, &sh.State, &sh.Source, &added, &sh.Key.Kind, &sh.Key.Value,
			&sh.Count, &first, &last); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		sh.AddedAt, sh.FirstSeen, sh.LastSeen = parseTime(added), parseTime(first), parseTime(last)
		out = append(out, sh)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

func (s *SQLite) Related(ctx context.Context, name string, maxCount, limit int) ([]store.Share, error) {
	if limit <= 0 {
		limit = 5000
	}
	rows, err := s.read.QueryContext(ctx, relatedQuery, maxCount, name, limit)
	if err != nil {
		return nil, fmt.Errorf("related of %s: %w", name, err)
	}
	out, err := scanShares(rows, "related of "+name)
	if err == nil && len(out) == 0 {
		if _, err := s.Domain(ctx, name); err != nil {
			return nil, err
		}
	}
	return out, err
}

func (s *SQLite) KeysDomains(ctx context.Context, keys []store.InfraKey, maxCount, limit int) ([]store.Share, error) {
	if len(keys) == 0 {
		return []store.Share{}, nil
	}
	if len(keys) > store.MaxKeysPerObservation {
		return nil, fmt.Errorf("domains on keys: %d keys (at most %d)", len(keys), store.MaxKeysPerObservation)
	}
	if limit <= 0 {
		limit = 5000
	}
	conds := make([]string, len(keys))
	args := []any{maxCount}
	for i, k := range keys {
		conds[i] = `(k.kind = ? AND k.value = ?)`
		args = append(args, k.Kind, k.Value)
	}
	args = append(args, limit)
	rows, err := s.read.QueryContext(ctx, `SELECT `+shareCols+`
		FROM infra_keys k JOIN domain_keys o ON o.key_id = k.id JOIN domains d2 ON d2.id = o.domain_id
		WHERE k.domains <= ? AND (`+strings.Join(conds, " OR ")+`)
		ORDER BY d2.name, k.kind, k.value LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("domains on keys: %w", err)
	}
	return scanShares(rows, "domains on keys")
}

func (s *SQLite) AddInfraWatches(ctx context.Context, ws []store.InfraWatch) (int, error) {
	n := 0
	err := s.Update(ctx, func(tx store.Tx) error {
		t := tx.(*sqlTx)
		n = 0
		now := fmtTime(time.Now())
		for _, w := range ws {
			r, err := t.tx.ExecContext(t.ctx, `INSERT INTO infra_watch (kind, value, note, added_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (kind, value) DO NOTHING`, w.Kind, w.Value, w.Note, now)
			if err != nil {
				return fmt.Errorf("watch %s %s: %w", w.Kind, w.Value, err)
			}
			if c, _ := r.RowsAffected(); c == 1 {
				n++
				continue
			}
			if w.Note != "" {
				if _, err := t.tx.ExecContext(t.ctx, `UPDATE infra_watch SET note = ? WHERE kind = ? AND value = ?`,
					w.Note, w.Kind, w.Value); err != nil {
					return fmt.Errorf("watch %s %s: %w", w.Kind, w.Value, err)
				}
			}
		}
		return nil
	})
	return n, err
}

func (s *SQLite) RemoveInfraWatches(ctx context.Context, ws []store.InfraWatch) (int, error) {
	n := 0
	err := s.Update(ctx, func(tx store.Tx) error {
		t := tx.(*sqlTx)
		n = 0
		for _, w := range ws {
			r, err := t.tx.ExecContext(t.ctx, `DELETE FROM infra_watch WHERE kind = ? AND value = ?`, w.Kind, w.Value)
			if err != nil {
				return fmt.Errorf("unwatch %s %s: %w", w.Kind, w.Value, err)
			}
			c, _ := r.RowsAffected()
			n += int(c)
		}
		return nil
	})
	return n, err
}

func (s *SQLite) InfraWatches(ctx context.Context) ([]store.InfraWatch, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT kind, value, note, added_at FROM infra_watch ORDER BY kind, value`)
	if err != nil {
		return nil, fmt.Errorf("infrastructure watchlist: %w", err)
	}
	defer rows.Close()
	out := []store.InfraWatch{}
	for rows.Next() {
		var w store.InfraWatch
		var at sql.NullString
		if err := rows.Scan(&w.Kind, &w.Value, &w.Note, &at); err != nil {
			return nil, fmt.Errorf("infrastructure watchlist: %w", err)
		}
		w.AddedAt = parseTime(at)
		out = append(out, w)
	}
	return out, rows.Err()
}

func (t *sqlTx) AddRelated(name, unicode, source string, at time.Time) (int64, bool, error) {
	if unicode == "" {
		unicode = name
	}
	r, err := t.tx.ExecContext(t.ctx, `INSERT INTO domains (name, unicode, kind, note, source, added_at)
		VALUES (?, ?, 'related', '', ?, ?) ON CONFLICT (name) DO NOTHING`, name, unicode, source, fmtTime(at))
	if err != nil {
		return 0, false, fmt.Errorf("add related %s: %w", name, err)
	}
	if n, _ := r.RowsAffected(); n == 1 {
		id, err := r.LastInsertId()
		return id, true, err
	}
	var id int64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT id FROM domains WHERE name = ?`, name).Scan(&id); err != nil {
		return 0, false, fmt.Errorf("add related %s: %w", name, err)
	}
	return id, false, nil
}

func (s *SQLite) WatchedKeys(ctx context.Context, kinds []string, maxCount, limit int) ([]store.Share, error) {
	if len(kinds) == 0 {
		return []store.Share{}, nil
	}
	if limit <= 0 {
		limit = 100000
	}
	args := []any{maxCount}
	for _, k := range kinds {
		args = append(args, k)
	}
	args = append(args, limit)
	rows, err := s.read.QueryContext(ctx, `SELECT d2.name, d2.kind, d2.state, d2.source, d2.added_at, k.kind, k.value, k.domains,
		o.first_seen, o.last_seen
		FROM domains d2 JOIN domain_keys o ON o.domain_id = d2.id JOIN infra_keys k ON k.id = o.key_id
		WHERE d2.enabled = 1 AND d2.kind IN ('watch', 'brand') AND k.domains <= ? AND k.kind IN (`+placeholders(len(kinds))+`)
		ORDER BY d2.id, k.id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("watched keys: %w", err)
	}
	return scanShares(rows, "watched keys")
}
