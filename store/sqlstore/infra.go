package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/takedownhq/takedown/store"
)

// Infrastructure keys (migration 00040, store.Infra, Tx.ObserveKeys): the
// keys, each domain's first and last sight of them, the stored pivot
// counts and the infrastructure watchlist.

var _ store.Infra = (*DB)(nil)

const (
	keyUpsert = `INSERT INTO infra_keys (kind, value) VALUES (?, ?)
		ON CONFLICT (kind, value) DO UPDATE SET kind = excluded.kind RETURNING id`
	pairInsert = `INSERT INTO domain_keys (domain_id, key_id, first_seen, last_seen) VALUES (?, ?, ?, ?)
		ON CONFLICT (domain_id, key_id) DO NOTHING`
	pairTouch = `UPDATE domain_keys SET last_seen = ?3 WHERE domain_id = ?1 AND key_id = ?2 AND last_seen < ?3`
	keyCount  = `UPDATE infra_keys SET domains = domains + 1 WHERE id = ?`

	// shareCols are the columns scanShare reads: d2 the other domain, o
	// its pairing with key k.
	shareCols = `d2.name, d2.kind, d2.state, d2.source, d2.added_at, k.kind, k.value, k.domains, o.first_seen, o.last_seen`
)

// ObserveKeys records a domain's keys at at, a few statements per key,
// and returns those new to the domain, in the order given. The
// PostgreSQL driver replaces it with one statement, since it runs under
// the write lock on every check that changed a snapshot.
func (t *Tx) ObserveKeys(domainID int64, at time.Time, keys []store.InfraKey) ([]store.InfraKey, error) {
	if len(keys) > store.MaxKeysPerObservation {
		return nil, fmt.Errorf("observe keys of domain %d: %d keys (at most %d)", domainID, len(keys), store.MaxKeysPerObservation)
	}
	var added []store.InfraKey
	ts := t.db.d.Time(at)
	for _, k := range keys {
		var id int64
		if err := t.c.QueryRow(t.ctx, keyUpsert, k.Kind, k.Value).Scan(&id); err != nil {
			return nil, fmt.Errorf("key %s %s: %w", k.Kind, k.Value, err)
		}
		n, err := t.c.Exec(t.ctx, pairInsert, domainID, id, ts, ts)
		if err != nil {
			return nil, fmt.Errorf("key %s %s of domain %d: %w", k.Kind, k.Value, domainID, err)
		}
		if n == 0 {
			if _, err := t.c.Exec(t.ctx, pairTouch, domainID, id, ts); err != nil {
				return nil, fmt.Errorf("key %s %s of domain %d: %w", k.Kind, k.Value, domainID, err)
			}
			continue
		}
		if _, err := t.c.Exec(t.ctx, keyCount, id); err != nil {
			return nil, fmt.Errorf("count key %s %s: %w", k.Kind, k.Value, err)
		}
		added = append(added, k)
	}
	return added, nil
}

// orNoDomain is out when it has rows or the domain exists; an empty
// answer for an unknown name is ErrNotFound, not an empty list.
func orNoDomain[T any](ctx context.Context, db *DB, name string, out []T, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		if _, err := db.Domain(ctx, name); err != nil {
			return nil, err
		}
		return []T{}, nil
	}
	return out, nil
}

// DomainKeys lists name's keys with their pivot counts.
func (db *DB) DomainKeys(ctx context.Context, name string) ([]store.DomainKey, error) {
	rows, err := db.read.Query(ctx, `SELECT k.kind, k.value, k.domains, dk.first_seen, dk.last_seen
		FROM domains d JOIN domain_keys dk ON dk.domain_id = d.id JOIN infra_keys k ON k.id = dk.key_id
		WHERE d.name = ? ORDER BY k.kind, k.value`, name)
	out, err := Collect(rows, err, "keys of "+name, func(r Row) (k store.DomainKey, err error) {
		return k, r.Scan(&k.Kind, &k.Value, &k.Count, Time(&k.FirstSeen), Time(&k.LastSeen))
	})
	return orNoDomain(ctx, db, name, out, err)
}

// KeyDomains lists up to limit domains on key, latest seen first, and
// the key's pivot count.
func (db *DB) KeyDomains(ctx context.Context, key store.InfraKey, limit int) ([]store.KeyDomain, int, error) {
	if limit <= 0 {
		limit = 1000
	}
	var count int
	err := db.read.QueryRow(ctx, `SELECT domains FROM infra_keys WHERE kind = ? AND value = ?`, key.Kind, key.Value).Scan(&count)
	if errors.Is(err, sql.ErrNoRows) {
		return []store.KeyDomain{}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("key %s %s: %w", key.Kind, key.Value, err)
	}
	rows, err := db.read.Query(ctx, `SELECT d.name, d.kind, d.state, dk.first_seen, dk.last_seen
		FROM infra_keys k JOIN domain_keys dk ON dk.key_id = k.id JOIN domains d ON d.id = dk.domain_id
		WHERE k.kind = ? AND k.value = ? ORDER BY dk.last_seen DESC, d.name LIMIT ?`, key.Kind, key.Value, limit)
	out, err := Collect(rows, err, "domains on "+key.Kind+" "+key.Value, func(r Row) (d store.KeyDomain, err error) {
		return d, r.Scan(&d.Domain, &d.Kind, &d.State, Time(&d.FirstSeen), Time(&d.LastSeen))
	})
	if out == nil && err == nil {
		out = []store.KeyDomain{}
	}
	return out, count, err
}

func scanShare(r Row) (sh store.Share, err error) {
	return sh, r.Scan(&sh.Domain, &sh.Kind, &sh.State, &sh.Source, Time(&sh.AddedAt), &sh.Key.Kind, &sh.Key.Value,
		&sh.Count, Time(&sh.FirstSeen), Time(&sh.LastSeen))
}

// shares runs a query of shareCols; none is an empty list.
func (db *DB) shares(ctx context.Context, what, q string, args ...any) ([]store.Share, error) {
	rows, err := db.read.Query(ctx, q, args...)
	out, err := Collect(rows, err, what, scanShare)
	if out == nil && err == nil {
		out = []store.Share{}
	}
	return out, err
}

// Related lists the other domains on name's keys held by at most
// maxCount domains.
func (db *DB) Related(ctx context.Context, name string, maxCount, limit int) ([]store.Share, error) {
	if limit <= 0 {
		limit = 5000
	}
	// From the domain to its uncommon keys (the pivot count is stored, so
	// nothing is counted) and from each to the other domains on it,
	// through domain_keys_key.
	out, err := db.shares(ctx, "related of "+name, `SELECT `+shareCols+`
		FROM domains d JOIN domain_keys mine ON mine.domain_id = d.id
		JOIN infra_keys k ON k.id = mine.key_id AND k.domains <= ?
		JOIN domain_keys o ON o.key_id = k.id AND o.domain_id <> d.id
		JOIN domains d2 ON d2.id = o.domain_id
		WHERE d.name = ? ORDER BY d2.name, k.kind, k.value LIMIT ?`, maxCount, name, limit)
	return orNoDomain(ctx, db, name, out, err)
}

// KeysDomains lists the domains on keys held by at most maxCount domains.
func (db *DB) KeysDomains(ctx context.Context, keys []store.InfraKey, maxCount, limit int) ([]store.Share, error) {
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
	args := make([]any, 0, 2*len(keys)+2)
	args = append(args, maxCount)
	for i, k := range keys {
		conds[i] = `(k.kind = ? AND k.value = ?)`
		args = append(args, k.Kind, k.Value)
	}
	args = append(args, limit)
	return db.shares(ctx, "domains on keys", `SELECT `+shareCols+`
		FROM infra_keys k JOIN domain_keys o ON o.key_id = k.id JOIN domains d2 ON d2.id = o.domain_id
		WHERE k.domains <= ? AND (`+strings.Join(conds, " OR ")+`)
		ORDER BY d2.name, k.kind, k.value LIMIT ?`, args...)
}

// WatchedKeys lists the keys of kinds, held by at most maxCount domains,
// of the enabled watched and brand domains.
func (db *DB) WatchedKeys(ctx context.Context, kinds []string, maxCount, limit int) ([]store.Share, error) {
	if len(kinds) == 0 {
		return []store.Share{}, nil
	}
	if limit <= 0 {
		limit = 100000
	}
	f := filter{conds: []string{`d2.enabled`, `d2.kind IN ('watch', 'brand')`, `k.domains <= ?`}, args: []any{maxCount}}
	in(&f, `k.kind`, kinds)
	return db.shares(ctx, "watched keys", `SELECT `+shareCols+`
		FROM domains d2 JOIN domain_keys o ON o.domain_id = d2.id JOIN infra_keys k ON k.id = o.key_id`+f.where()+`
		ORDER BY d2.id, k.id LIMIT ?`, append(f.args, limit)...)
}

// AddInfraWatches watches ws; a watch already there takes a new note if
// one is given. It returns how many were new.
func (db *DB) AddInfraWatches(ctx context.Context, ws []store.InfraWatch) (int, error) {
	n := 0
	err := db.write(ctx, func(t *Tx) error {
		n = 0
		now := db.d.Time(time.Now())
		for _, w := range ws {
			c, err := t.c.Exec(t.ctx, `INSERT INTO infra_watch (kind, value, note, added_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (kind, value) DO NOTHING`, w.Kind, w.Value, w.Note, now)
			if err != nil {
				return fmt.Errorf("watch %s %s: %w", w.Kind, w.Value, err)
			}
			if c == 1 {
				n++
				continue
			}
			if w.Note != "" {
				if _, err := t.c.Exec(t.ctx, `UPDATE infra_watch SET note = ? WHERE kind = ? AND value = ?`,
					w.Note, w.Kind, w.Value); err != nil {
					return fmt.Errorf("watch %s %s: %w", w.Kind, w.Value, err)
				}
			}
		}
		return nil
	})
	return n, err
}

// RemoveInfraWatches stops watching ws and returns how many were watched.
func (db *DB) RemoveInfraWatches(ctx context.Context, ws []store.InfraWatch) (int, error) {
	n := 0
	err := db.write(ctx, func(t *Tx) error {
		n = 0
		for _, w := range ws {
			c, err := t.c.Exec(t.ctx, `DELETE FROM infra_watch WHERE kind = ? AND value = ?`, w.Kind, w.Value)
			if err != nil {
				return fmt.Errorf("unwatch %s %s: %w", w.Kind, w.Value, err)
			}
			n += int(c)
		}
		return nil
	})
	return n, err
}

// InfraWatches lists the infrastructure watchlist by kind and value.
func (db *DB) InfraWatches(ctx context.Context) ([]store.InfraWatch, error) {
	rows, err := db.read.Query(ctx, `SELECT kind, value, note, added_at FROM infra_watch ORDER BY kind, value`)
	out, err := Collect(rows, err, "infrastructure watchlist", func(r Row) (w store.InfraWatch, err error) {
		return w, r.Scan(&w.Kind, &w.Value, &w.Note, Time(&w.AddedAt))
	})
	if out == nil && err == nil {
		out = []store.InfraWatch{}
	}
	return out, err
}

// AddRelated adds name as a related domain found through source, unless
// it is there already; it returns the domain's ID and whether it is new.
func (t *Tx) AddRelated(name, unicode, source string, at time.Time) (int64, bool, error) {
	if unicode == "" {
		unicode = name
	}
	var id int64
	err := t.c.QueryRow(t.ctx, `INSERT INTO domains (name, unicode, kind, note, source, added_at)
		VALUES (?, ?, 'related', '', ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id`,
		name, unicode, source, t.db.d.Time(at)).Scan(&id)
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("add related %s: %w", name, err)
	}
	if err := t.c.QueryRow(t.ctx, `SELECT id FROM domains WHERE name = ?`, name).Scan(&id); err != nil {
		return 0, false, fmt.Errorf("add related %s: %w", name, err)
	}
	return id, false, nil
}
