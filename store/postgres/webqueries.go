package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/takedownhq/takedown/store"
)

func (p *Postgres) CountEvents(ctx context.Context, q store.EventQuery) (int, error) {
	cond, a := eventFilter(q)
	var n int
	if err := p.pool.QueryRow(ctx, `SELECT count(*) FROM events`+cond, a...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

func (p *Postgres) CountOutbox(ctx context.Context, q store.OutboxQuery) (int, error) {
	cond, a := outboxFilter(q)
	var n int
	if err := p.pool.QueryRow(ctx, `SELECT count(*) FROM outbox`+cond, a...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count outbox: %w", err)
	}
	return n, nil
}

// counts runs a "value, count" query; no rows is an empty, non-nil list.
func (p *Postgres) counts(ctx context.Context, what, q string, a ...any) ([]store.Count, error) {
	rows, err := p.pool.Query(ctx, q, a...)
	out, err := collect(rows, err, "count "+what, func(r pgx.Rows) (c store.Count, err error) { return c, r.Scan(&c.Value, &c.N) })
	if out == nil && err == nil {
		out = []store.Count{}
	}
	return out, err
}

func (p *Postgres) EventKinds(ctx context.Context, domain string) ([]store.Count, error) {
	if domain == "" {
		return p.counts(ctx, "event kinds", `SELECT kind, count(*) FROM events GROUP BY kind ORDER BY 2 DESC, 1`)
	}
	return p.counts(ctx, "event kinds", `SELECT kind, count(*) FROM events WHERE domain = $1 GROUP BY kind ORDER BY 2 DESC, 1`, domain)
}

func (p *Postgres) TagCounts(ctx context.Context) ([]store.Count, error) {
	return p.counts(ctx, "tags", `SELECT tag, count(*) FROM domain_tags GROUP BY tag ORDER BY tag`)
}

func (p *Postgres) LookalikeFacets(ctx context.Context) (store.LookalikeFacets, error) {
	var f store.LookalikeFacets
	var err error
	for _, c := range []struct {
		col string
		dst *[]store.Count
	}{{"brand", &f.Brands}, {"fuzzer", &f.Fuzzers}, {"source", &f.Sources}, {"status", &f.Statuses}} {
		// col comes from the fixed list above, never from a request.
		*c.dst, err = p.counts(ctx, "look-alike "+c.col+"s",
			`SELECT `+c.col+`, count(*) FROM lookalikes WHERE `+c.col+` != '' GROUP BY 1 ORDER BY 1`)
		if err != nil {
			return f, err
		}
	}
	return f, nil
}

func (p *Postgres) SnapshotCounts(ctx context.Context, domainID int64) (map[string]int, error) {
	return p.countMap(ctx, "snapshots", `SELECT probe, count(*) FROM snapshots WHERE domain_id = $1 GROUP BY probe`, domainID)
}
