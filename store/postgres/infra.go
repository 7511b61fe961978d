package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/takedownhq/takedown/store"
)

// Infrastructure keys (store.Infra, Tx.ObserveKeys): the SQL of the
// keys, pivots and the infrastructure watchlist, in one place; as
// store/sqlite/infra.go.

const (
	domainKeysQuery = `SELECT k.kind, k.value, k.domains, dk.first_seen, dk.last_seen
		FROM domains d JOIN domain_keys dk ON dk.domain_id = d.id JOIN infra_keys k ON k.id = dk.key_id
		WHERE d.name = $1 ORDER BY k.kind, k.value`
	keyDomainsQuery = `SELECT d.name, d.kind, d.state, dk.first_seen, dk.last_seen
		FROM infra_keys k JOIN domain_keys dk ON dk.key_id = k.id JOIN domains d ON d.id = dk.domain_id
		WHERE k.kind = $1 AND k.value = $2 ORDER BY dk.last_seen DESC, d.name LIMIT $3`
	shareCols = `d2.name, d2.kind, d2.state, d2.source, d2.added_at, k.kind, k.value, k.domains, o.first_seen, o.last_seen`
	// relatedQuery walks from the domain to its uncommon keys (the pivot
	// count is stored, so nothing is counted) and from each to the other
	// domains on it, through domain_keys_key.
	relatedQuery = `SELECT ` + shareCols + `
		FROM domains d JOIN domain_keys mine ON mine.domain_id = d.id
		JOIN infra_keys k ON k.id = mine.key_id AND k.domains <= $1
		JOIN domain_keys o ON o.key_id = k.id AND o.domain_id <> d.id
		JOIN domains d2 ON d2.id = o.domain_id
		WHERE d.name = $2 ORDER BY d2.name, k.kind, k.value LIMIT $3`
	keysDomainsQuery = `SELECT ` + shareCols + `
		FROM unnest($2::text[], $3::text[]) AS q(kind, value)
		JOIN infra_keys k ON k.kind = q.kind AND k.value = q.value AND k.domains <= $1
		JOIN domain_keys o ON o.key_id = k.id JOIN domains d2 ON d2.id = o.domain_id
		ORDER BY d2.name, k.kind, k.value LIMIT $4`
)

// observeKeys records a domain's keys in one statement: every check
// that changed a snapshot runs it under the write lock, so it costs one
// round trip, not a few per key. A key new to the store is inserted with
// its first domain counted; an UPDATE in the same statement cannot see
// that row, so it counts only the keys that existed before.
const observeKeys = `WITH input AS (SELECT * FROM unnest($2::text[], $3::text[]) AS t(kind, value)),
	ins AS (INSERT INTO infra_keys (kind, value, domains) SELECT kind, value, 1 FROM input
		ON CONFLICT (kind, value) DO NOTHING RETURNING id, kind, value),
	old AS (SELECT k.id, k.kind, k.value FROM infra_keys k JOIN input i ON k.kind = i.kind AND k.value = i.value),
	pairs AS (INSERT INTO domain_keys (domain_id, key_id, first_seen, last_seen)
		SELECT $1, id, $4, $4 FROM (SELECT id FROM ins UNION ALL SELECT id FROM old) ids
		ON CONFLICT (domain_id, key_id) DO UPDATE SET last_seen = GREATEST(domain_keys.last_seen, EXCLUDED.last_seen)
		RETURNING key_id, (xmax = 0) AS inserted),
	counted AS (UPDATE infra_keys k SET domains = k.domains + 1 FROM pairs p
		WHERE k.id = p.key_id AND p.inserted RETURNING k.kind, k.value)
	SELECT kind, value FROM counted UNION ALL SELECT kind, value FROM ins`

func (t *pgTx) ObserveKeys(domainID int64, at time.Time, keys []store.InfraKey) ([]store.InfraKey, error) {
	if len(keys) > store.MaxKeysPerObservation {
		return nil, fmt.Errorf("observe keys of domain %d: %d keys (at most %d)", domainID, len(keys), store.MaxKeysPerObservation)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	kinds, values := make([]string, 0, len(keys)), make([]string, 0, len(keys))
	seen := make(map[store.InfraKey]bool, len(keys))
	for _, k := range keys {
		if !seen[k] { // a pair twice in one upsert is an error
			seen[k] = true
			kinds, values = append(kinds, k.Kind), append(values, k.Value)
		}
	}
	rows, err := t.tx.Query(t.ctx, observeKeys, domainID, kinds, values, us(at))
	added, err := collect(rows, err, fmt.Sprintf("keys of domain %d", domainID), func(r pgx.Rows) (store.InfraKey, error) {
		var k store.InfraKey
		err := r.Scan(&k.Kind, &k.Value)
		return k, err
	})
	if err != nil {
		return nil, err
	}
	// In the order given, as the SQLite driver returns them.
	slices.SortStableFunc(added, func(a, b store.InfraKey) int {
		return slices.Index(keys, a) - slices.Index(keys, b)
	})
	return added, nil
}

func (p *Postgres) DomainKeys(ctx context.Context, name string) ([]store.DomainKey, error) {
	rows, err := p.pool.Query(ctx, domainKeysQuery, name)
	out, err := collect(rows, err, "keys of "+name, func(r pgx.Rows) (store.DomainKey, error) {
		var k store.DomainKey
		var first, last pgtype.Timestamptz
		err := r.Scan(&k.Kind, &k.Value, &k.Count, &first, &last)
		k.FirstSeen, k.LastSeen = tm(first), tm(last)
		return k, err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		if _, err := p.Domain(ctx, name); err != nil {
			return nil, err
		}
		return []store.DomainKey{}, nil
	}
	return out, nil
}

func (p *Postgres) KeyDomains(ctx context.Context, key store.InfraKey, limit int) ([]store.KeyDomain, int, error) {
	if limit <= 0 {
		limit = 1000
	}
	var count int
	err := p.pool.QueryRow(ctx, `SELECT domains FROM infra_keys WHERE kind = $1 AND value = $2`, key.Kind, key.Value).Scan(&count)
	if errors.Is(err, pgx.ErrNoRows) {
		return []store.KeyDomain{}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("key %s %s: %w", key.Kind, key.Value, err)
	}
	rows, err := p.pool.Query(ctx, keyDomainsQuery, key.Kind, key.Value, limit)
	out, err := collect(rows, err, "domains on "+key.Kind+" "+key.Value, func(r pgx.Rows) (store.KeyDomain, error) {
		var d store.KeyDomain
		var first, last pgtype.Timestamptz
		err := r.Scan(&d.Domain, &d.Kind, &d.State, &first, &last)
		d.FirstSeen, d.LastSeen = tm(first), tm(last)
		return d, err
	})
	if out == nil && err == nil {
		out = []store.KeyDomain{}
	}
	return out, count, err
}

func scanShare(r pgx.Rows) (store.Share, error) {
	var sh store.Share
	var added, first, last pgtype.Timestamptz
	err := r.Scan(&sh.Domain, &sh.Kind, &sh.State, &sh.Source, &added, &sh.Key.Kind, &sh.Key.Value,
		&sh.Count, &first, &last)
	sh.AddedAt, sh.FirstSeen, sh.LastSeen = tm(added), tm(first), tm(last)
	return sh, err
}

func (p *Postgres) Related(ctx context.Context, name string, maxCount, limit int) ([]store.Share, error) {
	if limit <= 0 {
		limit = 5000
	}
	rows, err := p.pool.Query(ctx, relatedQuery, maxCount, name, limit)
	out, err := collect(rows, err, "related of "+name, scanShare)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		if _, err := p.Domain(ctx, name); err != nil {
			return nil, err
		}
		return []store.Share{}, nil
	}
	return out, nil
}

func (p *Postgres) KeysDomains(ctx context.Context, keys []store.InfraKey, maxCount, limit int) ([]store.Share, error) {
	if len(keys) > store.MaxKeysPerObservation {
		return nil, fmt.Errorf("domains on keys: %d keys (at most %d)", len(keys), store.MaxKeysPerObservation)
	}
	if limit <= 0 {
		limit = 5000
	}
	kinds, values := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		kinds[i], values[i] = k.Kind, k.Value
	}
	rows, err := p.pool.Query(ctx, keysDomainsQuery, maxCount, kinds, values, limit)
	out, err := collect(rows, err, "domains on keys", scanShare)
	if out == nil && err == nil {
		out = []store.Share{}
	}
	return out, err
}

func (p *Postgres) AddInfraWatches(ctx context.Context, ws []store.InfraWatch) (int, error) {
	n := 0
	err := p.Update(ctx, func(tx store.Tx) error {
		t := tx.(*pgTx)
		n = 0
		now := us(time.Now())
		for _, w := range ws {
			tag, err := t.tx.Exec(t.ctx, `INSERT INTO infra_watch (kind, value, note, added_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (kind, value) DO NOTHING`, w.Kind, w.Value, w.Note, now)
			if err != nil {
				return fmt.Errorf("watch %s %s: %w", w.Kind, w.Value, err)
			}
			if tag.RowsAffected() == 1 {
				n++
				continue
			}
			if w.Note != "" {
				if _, err := t.tx.Exec(t.ctx, `UPDATE infra_watch SET note = $1 WHERE kind = $2 AND value = $3`,
					w.Note, w.Kind, w.Value); err != nil {
					return fmt.Errorf("watch %s %s: %w", w.Kind, w.Value, err)
				}
			}
		}
		return nil
	})
	return n, err
}

func (p *Postgres) RemoveInfraWatches(ctx context.Context, ws []store.InfraWatch) (int, error) {
	n := 0
	err := p.Update(ctx, func(tx store.Tx) error {
		t := tx.(*pgTx)
		n = 0
		for _, w := range ws {
			tag, err := t.tx.Exec(t.ctx, `DELETE FROM infra_watch WHERE kind = $1 AND value = $2`, w.Kind, w.Value)
			if err != nil {
				return fmt.Errorf("unwatch %s %s: %w", w.Kind, w.Value, err)
			}
			n += int(tag.RowsAffected())
		}
		return nil
	})
	return n, err
}

func (p *Postgres) InfraWatches(ctx context.Context) ([]store.InfraWatch, error) {
	rows, err := p.pool.Query(ctx, `SELECT kind, value, note, added_at FROM infra_watch ORDER BY kind, value`)
	out, err := collect(rows, err, "infrastructure watchlist", func(r pgx.Rows) (store.InfraWatch, error) {
		var w store.InfraWatch
		var at pgtype.Timestamptz
		err := r.Scan(&w.Kind, &w.Value, &w.Note, &at)
		w.AddedAt = tm(at)
		return w, err
	})
	if out == nil && err == nil {
		out = []store.InfraWatch{}
	}
	return out, err
}

func (t *pgTx) AddRelated(name, unicode, source string, at time.Time) (int64, bool, error) {
	if unicode == "" {
		unicode = name
	}
	var id int64
	err := t.tx.QueryRow(t.ctx, `INSERT INTO domains (name, unicode, kind, note, source, added_at)
		VALUES ($1, $2, 'related', '', $3, $4) ON CONFLICT (name) DO NOTHING RETURNING id`, name, unicode, source, us(at)).Scan(&id)
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, false, fmt.Errorf("add related %s: %w", name, err)
	}
	if err := t.tx.QueryRow(t.ctx, `SELECT id FROM domains WHERE name = $1`, name).Scan(&id); err != nil {
		return 0, false, fmt.Errorf("add related %s: %w", name, err)
	}
	return id, false, nil
}

func (p *Postgres) WatchedKeys(ctx context.Context, kinds []string, maxCount, limit int) ([]store.Share, error) {
	if limit <= 0 {
		limit = 100000
	}
	rows, err := p.pool.Query(ctx, `SELECT d2.name, d2.kind, d2.state, d2.source, d2.added_at, k.kind, k.value, k.domains,
		o.first_seen, o.last_seen
		FROM domains d2 JOIN domain_keys o ON o.domain_id = d2.id JOIN infra_keys k ON k.id = o.key_id
		WHERE d2.enabled AND d2.kind IN ('watch', 'brand') AND k.domains <= $1 AND k.kind = ANY($2)
		ORDER BY d2.id, k.id LIMIT $3`, maxCount, kinds, limit)
	out, err := collect(rows, err, "watched keys", scanShare)
	if out == nil && err == nil {
		out = []store.Share{}
	}
	return out, err
}

// tm reads a nullable timestamptz; NULL is the zero time.
func tm(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}
