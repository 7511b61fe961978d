// Package sqlstore is the one SQL layer both store drivers share: every
// query that reads or writes the watchlist, history, events, look-alikes,
// the outbox, feeds, cases, sessions, registration data and
// infrastructure (keys, pivots, the infrastructure watchlist), the
// building of their filters and sorts, and the scanning of each entity,
// written once.
//
// A driver (store/sqlite, store/postgres) keeps what really differs: its
// Dialect (placeholders, case-insensitive match, how a time and a tag list
// are kept, the "no limit" word), its migrations, its connection set-up,
// its transactions (SQLite's single writer, PostgreSQL's advisory lock),
// the leasing statements of the queue, the one-statement unchanged
// check and PostgreSQL's one-statement recording of a check's
// infrastructure keys. It hands this layer a Conn over its pool and one
// over each transaction, and embeds DB and Tx so their methods become
// its own.
//
// Queries are written with ? placeholders; a PostgreSQL Conn numbers them
// ($1, $2, ...) on the way out (Rebind). Scanning goes through sql.Scanner
// values (Time, Strings), which both database/sql and pgx call, so one
// scan function serves both.
//
// Why our own small layer and not squirrel plus scany: what differs
// between the two dialects is a handful of words and two encodings, which
// a Dialect value of six fields covers; a query builder would spell every
// query in Go calls instead of SQL, and scany's reflection would cost
// allocations on the hot path (CheckState, TouchUnchanged) that the
// unchanged-check benchmark counts, while it cannot read SQLite's text
// times without the same Scanner values anyway.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/takedownhq/takedown/store"
)

// Dialect is what a driver's SQL differs in.
type Dialect struct {
	// Like is the operator of a case-insensitive (ASCII) substring match:
	// SQLite's LIKE folds case, PostgreSQL needs ILIKE.
	Like string
	// TagList is the aggregate of column tag into one string, sorted and
	// joined by "\x1f" (unit separator, never in a tag).
	TagList string
	// NoLimit is the LIMIT word that means none (an OFFSET needs one in
	// SQLite).
	NoLimit string
	// Time encodes a time as the database keeps it (text in SQLite,
	// timestamptz in PostgreSQL).
	Time func(time.Time) any
	// Norm is what the database keeps of t: reading t back gives Norm(t).
	Norm func(time.Time) time.Time
}

// NullTime encodes t, or NULL when t is zero.
func (d *Dialect) NullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.Time(t)
}

// Limit is the LIMIT/OFFSET clause of a page; limit 0 means no limit.
func (d *Dialect) Limit(limit, offset int) string {
	if limit <= 0 {
		if offset > 0 {
			return " LIMIT " + d.NoLimit + " OFFSET " + strconv.Itoa(offset)
		}
		return ""
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", limit, max(offset, 0))
}

// Rebind numbers the ? placeholders of q as $1, $2, ...; a ?N keeps its
// number. Queries of this layer never hold a ? inside a string literal.
func Rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c != '?' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
			b.WriteByte('$')
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// Row is one row of a query (*sql.Row, pgx.Row); Scan returns
// sql.ErrNoRows when there is none.
type Row interface {
	Scan(dest ...any) error
}

// Rows are the rows of a query (*sql.Rows or a pgx adapter).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Conn is what a driver's pool and each of its transactions offer this
// layer. Queries use ? placeholders (see Rebind).
type Conn interface {
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
	// Exec runs a statement and returns how many rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
}

// UpdateFunc is a driver's Update, seen from this layer: fn gets the
// shared half of the driver's transaction.
type UpdateFunc func(ctx context.Context, fn func(t *Tx) error) error

// DB is the shared half of a driver's Store: the reads on the pool, and
// the writes that are one Update of their own.
type DB struct {
	d      *Dialect
	read   Conn
	update UpdateFunc
	router atomic.Pointer[store.Router]
}

// New is the shared half of a driver's Store: reads go to read, writes
// through update.
func New(d *Dialect, read Conn, update UpdateFunc) *DB {
	return &DB{d: d, read: read, update: update}
}

// Dialect is the driver's dialect.
func (db *DB) Dialect() *Dialect { return db.d }

// SetRouter installs the router that AddEvent consults. Nil: no outbox rows.
func (db *DB) SetRouter(r store.Router) {
	if r == nil {
		db.router.Store(nil)
		return
	}
	db.router.Store(&r)
}

// Tx is the shared half of a driver's transaction. It carries the
// context of the Update that made it: every statement of the transaction
// runs under it.
type Tx struct {
	ctx context.Context
	c   Conn
	db  *DB
}

// NewTx is the shared half of a transaction whose statements go to c.
func (db *DB) NewTx(ctx context.Context, c Conn) *Tx { return &Tx{ctx: ctx, c: c, db: db} }

// Context is the context of the Update this transaction belongs to.
func (t *Tx) Context() context.Context { return t.ctx }

// Time is a scan destination for a nullable time column: NULL is the
// zero time; text (SQLite) is parsed, a time (PostgreSQL) taken in UTC.
func Time(t *time.Time) sql.Scanner { return timeDest{t} }

type timeDest struct{ t *time.Time }

func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.t = time.Time{}
	case time.Time:
		*d.t = v.UTC()
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("time column: unexpected %T", src)
	}
	return nil
}

// parse reads a stored text time; a damaged one reads as zero, as a
// missing one does.
func (d timeDest) parse(s string) error {
	*d.t = time.Time{}
	if s == "" {
		return nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		*d.t = t.UTC()
	}
	return nil
}

// Strings is a scan destination for a JSON list of strings kept as text;
// a damaged or empty list reads as an empty one.
func Strings(v *[]string) sql.Scanner { return stringsDest{v} }

type stringsDest struct{ v *[]string }

func (d stringsDest) Scan(src any) error {
	*d.v = []string{}
	var b []byte
	switch s := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(s)
	case []byte:
		b = s
	default:
		return fmt.Errorf("string list column: unexpected %T", src)
	}
	var out []string
	if json.Unmarshal(b, &out) == nil && out != nil {
		*d.v = out
	}
	return nil
}

// JSONStrings is v as the JSON text a Strings column keeps; nil is [].
func JSONStrings(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// tagList is a scan destination for a Dialect.TagList aggregate.
type tagList struct{ v *[]string }

func (d tagList) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("tag list: unexpected %T", src)
	}
	*d.v = []string{}
	if s != "" {
		*d.v = strings.Split(s, "\x1f")
	}
	return nil
}

// likePattern is the pattern of a substring search, lowered; Dialect.Like
// folds ASCII case on the column's side.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

// filter builds a WHERE clause and its arguments.
type filter struct {
	conds []string
	args  []any
}

// add appends cond, whose ? placeholders take args.
func (f *filter) add(cond string, args ...any) {
	f.conds = append(f.conds, cond)
	f.args = append(f.args, args...)
}

// in appends "col IN (?, ...)" for vals; none adds nothing.
func in[T any](f *filter, col string, vals []T) {
	if len(vals) == 0 {
		return
	}
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	f.add(col+` IN (`+strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")+`)`, args...)
}

func (f *filter) where() string {
	if len(f.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(f.conds, " AND ")
}

// Collect scans every row of a query with scan; err is the query's.
func Collect[T any](rows Rows, err error, what string, scan func(Row) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// one reads a single row with scan; absent is ErrNotFound, named what.
func one[T any](row Row, what string, scan func(Row) (T, error)) (*T, error) {
	v, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return &v, nil
}

// counts runs a "value, count" query.
func (db *DB) counts(ctx context.Context, what, q string, args ...any) ([]store.Count, error) {
	rows, err := db.read.Query(ctx, q, args...)
	out, err := Collect(rows, err, "count "+what, func(r Row) (c store.Count, err error) { return c, r.Scan(&c.Value, &c.N) })
	if out == nil && err == nil {
		out = []store.Count{}
	}
	return out, err
}

// countMap runs a "value, count" query into a map.
func (db *DB) countMap(ctx context.Context, what, q string, args ...any) (map[string]int, error) {
	cs, err := db.counts(ctx, what, q, args...)
	if err != nil {
		return nil, err
	}
	m := make(map[string]int, len(cs))
	for _, c := range cs {
		m[c.Value] = c.N
	}
	return m, nil
}

// write runs fn in one Update of the driver.
func (db *DB) write(ctx context.Context, fn func(t *Tx) error) error { return db.update(ctx, fn) }

func or[T ~string](s, def T) T {
	if s == "" {
		return def
	}
	return s
}

func orTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

// SchemaVersion reports the applied migration version.
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.read.QueryRow(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&v)
	return v, err
}
