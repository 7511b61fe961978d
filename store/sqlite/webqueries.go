package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

var _ store.WebQueries = (*SQLite)(nil)

// eventFilter is the WHERE clause of Events and CountEvents.
func eventFilter(q store.EventQuery) (string, []any) {
	var where []string
	var args []any
	if q.Domain != "" {
		where = append(where, `domain = ?`)
		args = append(args, q.Domain)
	}
	if len(q.Kinds) > 0 {
		where = append(where, `kind IN (`+placeholders(len(q.Kinds))+`)`)
		for _, k := range q.Kinds {
			args = append(args, k)
		}
	}
	if !q.Since.IsZero() {
		where = append(where, `at >= ?`)
		args = append(args, fmtTime(q.Since))
	}
	if !q.Until.IsZero() {
		where = append(where, `at < ?`)
		args = append(args, fmtTime(q.Until))
	}
	if q.MinSev != "" {
		var sevs []any
		for _, sv := range event.AtLeast(q.MinSev) {
			sevs = append(sevs, sv)
		}
		where = append(where, `severity IN (`+placeholders(len(sevs))+`)`)
		args = append(args, sevs...)
	}
	if q.BeforeID > 0 {
		where = append(where, `id < ?`)
		args = append(args, q.BeforeID)
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

func (s *SQLite) CountEvents(ctx context.Context, q store.EventQuery) (int, error) {
	cond, args := eventFilter(q)
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM events`+cond, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

func (s *SQLite) CountOutbox(ctx context.Context, q store.OutboxQuery) (int, error) {
	var where []string
	var args []any
	if q.Status != "" {
		where = append(where, `status = ?`)
		args = append(args, q.Status)
	}
	if q.Channel != "" {
		where = append(where, `channel = ?`)
		args = append(args, q.Channel)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM outbox`+cond, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count outbox: %w", err)
	}
	return n, nil
}

func (s *SQLite) counts(ctx context.Context, what, q string, args ...any) ([]store.Count, error) {
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("count %s: %w", what, err)
	}
	defer rows.Close()
	out := []store.Count{}
	for rows.Next() {
		var c store.Count
		if err := rows.Scan(&c.Value, &c.N); err != nil {
			return nil, fmt.Errorf("count %s: %w", what, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *SQLite) EventKinds(ctx context.Context, domain string) ([]store.Count, error) {
	if domain == "" {
		return s.counts(ctx, "event kinds", `SELECT kind, count(*) FROM events GROUP BY kind ORDER BY 2 DESC, 1`)
	}
	return s.counts(ctx, "event kinds", `SELECT kind, count(*) FROM events WHERE domain = ? GROUP BY kind ORDER BY 2 DESC, 1`, domain)
}

func (s *SQLite) TagCounts(ctx context.Context) ([]store.Count, error) {
	return s.counts(ctx, "tags", `SELECT tag, count(*) FROM domain_tags GROUP BY tag ORDER BY tag`)
}

func (s *SQLite) LookalikeFacets(ctx context.Context) (store.LookalikeFacets, error) {
	var f store.LookalikeFacets
	var err error
	for _, c := range []struct {
		col string
		dst *[]store.Count
	}{{"brand", &f.Brands}, {"fuzzer", &f.Fuzzers}, {"source", &f.Sources}, {"status", &f.Statuses}} {
		// col comes from the fixed list above, never from a request.
		*c.dst, err = s.counts(ctx, "look-alike "+c.col+"s",
			`SELECT `+c.col+`, count(*) FROM lookalikes WHERE `+c.col+` != '' GROUP BY 1 ORDER BY 1`)
		if err != nil {
			return f, err
		}
	}
	return f, nil
}

func (s *SQLite) SnapshotCounts(ctx context.Context, domainID int64) (map[string]int, error) {
	cs, err := s.counts(ctx, "snapshots", `SELECT probe, count(*) FROM snapshots WHERE domain_id = ? GROUP BY probe`, domainID)
	if err != nil {
		return nil, err
	}
	m := make(map[string]int, len(cs))
	for _, c := range cs {
		m[c.Value] = c.N
	}
	return m, nil
}
