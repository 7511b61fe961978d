package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/schema"
	"github.com/takedownhq/takedown/store/sqlstore"
	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// SQLite is the Store on a SQLite file. Writes go through one connection
// (SQLite has one writer; a single connection avoids SQLITE_BUSY between our
// own writers) and reads through a small pool, which WAL lets run beside it.
type SQLite struct {
	// DB holds every query the drivers share (store/sqlstore).
	*sqlstore.DB
	path  string
	write *sql.DB
	read  countDB
	// stmts counts the statements sent (see Statements).
	stmts atomic.Int64
	// checkState and touch are the two statements of an unchanged check,
	// prepared once (check.go).
	checkState, touch *sql.Stmt
}

var (
	_ store.Store     = (*SQLite)(nil)
	_ store.CaseStore = (*SQLite)(nil)
	_ store.CaseTx    = (*sqlTx)(nil)
)

// dialect is SQLite's SQL: times are fixed-width UTC text, LIKE folds
// ASCII case, and a LIMIT is needed before an OFFSET.
var dialect = sqlstore.Dialect{
	Like:    "LIKE",
	TagList: "group_concat(tag, char(31) ORDER BY tag)",
	NoLimit: "-1",
	Time:    func(t time.Time) any { return fmtTime(t) },
	Norm:    func(t time.Time) time.Time { return t.UTC() },
}

// timeLayout is fixed-width so times sort correctly as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s sql.NullString) time.Time {
	if !s.Valid || s.String == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s.String)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date. A database written by an older version is migrated in place.
func Open(ctx context.Context, path string) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("open store: empty database path")
	}
	dsn := func(txlock string) string {
		q := url.Values{}
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		if txlock != "" {
			q.Set("_txlock", txlock)
		}
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	}
	w, err := sql.Open("sqlite", dsn("immediate"))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	err = w.PingContext(ctx)
	if err == nil {
		err = migrate(ctx, w)
	}
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(""))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	s := &SQLite{path: path, write: w}
	s.read = countDB{DB: r, n: &s.stmts}
	s.DB = sqlstore.New(&dialect, conn{s.read}, s.update)
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	return schema.Migrate(ctx, goose.DialectSQLite3, db, migrations)
}

// Path is the database file.
func (s *SQLite) Path() string { return s.path }

func (s *SQLite) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.checkState, s.touch} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(append(errs, s.read.Close(), s.write.Close())...)
}

// Statements counts the SQL statements this store has sent to SQLite
// since it opened, reads and writes, transaction control (BEGIN, COMMIT,
// ROLLBACK) and the statements of an import's batches aside. Tests assert
// the cost of a check with it.
func (s *SQLite) Statements() int64 { return s.stmts.Load() }

// Update runs fn in one IMMEDIATE transaction on the writer connection.
// When another process holds the write lock past the busy timeout, it
// waits and tries again until ctx ends (begin).
func (s *SQLite) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return err
	}
	c := countTx{Tx: tx, n: &s.stmts}
	t := &sqlTx{Tx: s.DB.NewTx(ctx, conn{c}), ctx: ctx, tx: c, s: s}
	if err := fn(t); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// UpdateCases is Update with the case writes of the shared layer: one
// transaction type serves both, so a case's change and its event commit
// together.
func (s *SQLite) UpdateCases(ctx context.Context, fn func(tx store.CaseTx) error) error {
	return s.Update(ctx, func(tx store.Tx) error { return fn(tx.(*sqlTx)) })
}

// begin starts an IMMEDIATE transaction. SQLite answers SQLITE_BUSY when
// another process (a large `watch import`, another daemon) held the write
// lock for the whole busy timeout; a check must not drop its observation
// for that, so begin waits, from 100 ms doubling to 5 s with jitter, and
// tries again until ctx ends.
func (s *SQLite) begin(ctx context.Context) (*sql.Tx, error) {
	wait := 100 * time.Millisecond
	for tries := 0; ; tries++ {
		tx, err := s.write.BeginTx(ctx, nil)
		if err == nil || !busy(err) {
			if err != nil {
				return nil, fmt.Errorf("begin: %w", err)
			}
			return tx, nil
		}
		d := wait/2 + rand.N(wait)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("begin: %w (retried %d times): %w", err, tries, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// busy reports SQLITE_BUSY (and its extended codes).
func busy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// querier is what *sql.DB and *sql.Tx share, so reads are written once and
// used both inside and outside transactions.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// update is Update for the shared layer.
func (s *SQLite) update(ctx context.Context, fn func(*sqlstore.Tx) error) error {
	return s.Update(ctx, func(tx store.Tx) error { return fn(tx.(*sqlTx).Tx) })
}

// sqlTx is a write transaction: the shared layer's, plus what only
// SQLite does (TouchUnchanged, the staging of a large import).
type sqlTx struct {
	*sqlstore.Tx
	ctx context.Context
	tx  countTx
	s   *SQLite
}

// countDB and countTx count the statements they send.
type countDB struct {
	*sql.DB
	n *atomic.Int64
}

func (c countDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.n.Add(1)
	return c.DB.QueryContext(ctx, query, args...)
}

func (c countDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	c.n.Add(1)
	return c.DB.QueryRowContext(ctx, query, args...)
}

func (c countDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	c.n.Add(1)
	return c.DB.ExecContext(ctx, query, args...)
}

type countTx struct {
	*sql.Tx
	n *atomic.Int64
}

func (c countTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.n.Add(1)
	return c.Tx.QueryContext(ctx, query, args...)
}

func (c countTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	c.n.Add(1)
	return c.Tx.QueryRowContext(ctx, query, args...)
}

func (c countTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	c.n.Add(1)
	return c.Tx.ExecContext(ctx, query, args...)
}

// placeholders returns "?,?,?" for n arguments.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}

// Checkpoint folds the write-ahead log into the database file (benchmarks
// and backups measure the file).
func (s *SQLite) Checkpoint(ctx context.Context) error {
	_, err := s.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// conn is a database/sql querier as the shared layer's Conn.
type conn struct{ q querier }

func (c conn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	return c.q.QueryContext(ctx, query, args...)
}

func (c conn) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return c.q.QueryRowContext(ctx, query, args...)
}

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	r, err := c.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}
