package sqlstore

import (
	"context"

	"github.com/takedownhq/takedown/store"
)

// EventKinds counts events per kind, for one domain or ("") for all.
func (db *DB) EventKinds(ctx context.Context, domain string) ([]store.Count, error) {
	var f filter
	if domain != "" {
		f.add(`domain = ?`, domain)
	}
	return db.counts(ctx, "event kinds", `SELECT kind, count(*) FROM events`+f.where()+` GROUP BY kind ORDER BY 2 DESC, 1`, f.args...)
}

// TagCounts counts watched domains per tag, by tag name.
func (db *DB) TagCounts(ctx context.Context) ([]store.Count, error) {
	return db.counts(ctx, "tags", `SELECT tag, count(*) FROM domain_tags GROUP BY tag ORDER BY tag`)
}

// LookalikeFacets counts look-alikes per brand, fuzzer, source and status.
func (db *DB) LookalikeFacets(ctx context.Context) (store.LookalikeFacets, error) {
	var f store.LookalikeFacets
	var err error
	for _, c := range []struct {
		col string
		dst *[]store.Count
	}{{"brand", &f.Brands}, {"fuzzer", &f.Fuzzers}, {"source", &f.Sources}, {"status", &f.Statuses}} {
		// col comes from the fixed list above, never from a request.
		*c.dst, err = db.counts(ctx, "look-alike "+c.col+"s",
			`SELECT `+c.col+`, count(*) FROM lookalikes WHERE `+c.col+` != '' GROUP BY 1 ORDER BY 1`)
		if err != nil {
			return f, err
		}
	}
	return f, nil
}

// SnapshotCounts counts a domain's stored snapshots per probe.
func (db *DB) SnapshotCounts(ctx context.Context, domainID int64) (map[string]int, error) {
	return db.countMap(ctx, "snapshots", `SELECT probe, count(*) FROM snapshots WHERE domain_id = ? GROUP BY probe`, domainID)
}
