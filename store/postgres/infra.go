package postgres

import (
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/takedownhq/takedown/store"
)

// The infrastructure keys' SQL is store/sqlstore/infra.go; only the
// recording of a check's keys is PostgreSQL's own.

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
	// In the order given, as sqlstore's Tx.ObserveKeys returns them.
	slices.SortStableFunc(added, func(a, b store.InfraKey) int {
		return slices.Index(keys, a) - slices.Index(keys, b)
	})
	return added, nil
}
