// Package postgres is the Store on a PostgreSQL database, for deployments
// past one machine. It behaves as store/sqlite does (storetest checks it):
// the same schema in PostgreSQL's types, the same orderings, the same
// answers for absent rows.
//
// Writes are serialized: Update takes a transaction-level advisory lock
// with its first statement, so every write transaction sees the effects of
// the one before it, as with SQLite's single writer, across connections and
// processes. The one exception is Tx.TouchUnchanged, a single statement that
// checks its own preconditions on the rows it writes. Reads run beside them
// on the pool.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/schema"
	"github.com/takedownhq/takedown/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Postgres is the Store on a PostgreSQL database.
type Postgres struct {
	// DB holds every query the drivers share (store/sqlstore).
	*sqlstore.DB
	pool  *pgxpool.Pool
	stmts *counter
}

var (
	_ store.Store     = (*Postgres)(nil)
	_ store.CaseStore = (*Postgres)(nil)
	_ store.CaseTx    = (*pgTx)(nil)
)

// writeLock is the advisory lock key every write transaction holds ("takedown").
const writeLock int64 = 0x74616b65646f776e

// IsURL reports whether db names a PostgreSQL database rather than a file.
func IsURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// Open connects to the database at url (postgres://user@host:port/db?...)
// and brings its schema up to date; concurrent Opens migrate once.
func Open(ctx context.Context, url string) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn masks only password= in the URL it quotes (not
		// sslpassword=), and its inner error may quote the URL again.
		return nil, fmt.Errorf("open store %s: the URL does not parse", config.RedactDSN(url))
	}
	where := cfg.ConnConfig.Host + "/" + cfg.ConnConfig.Database
	stmts := &counter{}
	cfg.ConnConfig.Tracer = stmts
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", where, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open store %s: %w", where, err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open store %s: %w", where, err)
	}
	p := &Postgres{pool: pool, stmts: stmts}
	p.DB = sqlstore.New(&dialect, conn{pool}, p.update)
	return p, nil
}

// Statements counts the SQL statements this store has sent to PostgreSQL
// since it opened (each statement of a batch counts), transaction control
// (BEGIN, COMMIT, ROLLBACK) aside. Tests assert the cost of a check with it.
func (p *Postgres) Statements() int64 { return p.stmts.n.Load() }

// counter is the pgx tracer behind Statements.
type counter struct{ n atomic.Int64 }

func (c *counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	switch strings.ToLower(strings.TrimSpace(data.SQL)) {
	case "begin", "commit", "rollback":
	default:
		c.n.Add(1)
	}
	return ctx
}

func (c *counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *counter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (c *counter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) { c.n.Add(1) }

func (c *counter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	// Another daemon migrating: look again every second, for up to five minutes.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool) // goose speaks database/sql; closing it leaves the pool open
	defer db.Close()
	return schema.Migrate(ctx, goose.DialectPostgres, db, migrations, goose.WithSessionLocker(locker))
}

func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}

// Update runs fn in one transaction holding the write lock from its first
// statement. A statement that fails aborts the transaction, so Update fails
// even if fn ignored the error.
func (p *Postgres) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	rollback := func() { tx.Rollback(context.WithoutCancel(ctx)) }
	l := &lockedTx{Tx: tx}
	if err := fn(&pgTx{Tx: p.DB.NewTx(ctx, conn{l}), ctx: ctx, tx: l, p: p}); err != nil {
		rollback()
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// UpdateCases is Update with the case writes of the shared layer: one
// transaction type serves both, so a case's change and its event commit
// together.
func (p *Postgres) UpdateCases(ctx context.Context, fn func(tx store.CaseTx) error) error {
	return p.Update(ctx, func(tx store.Tx) error { return fn(tx.(*pgTx)) })
}

// querier is what the pool and a transaction share, so reads are written
// once and used both inside and outside transactions.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// update is Update for the shared layer.
func (p *Postgres) update(ctx context.Context, fn func(*sqlstore.Tx) error) error {
	return p.Update(ctx, func(tx store.Tx) error { return fn(tx.(*pgTx).Tx) })
}

// pgTx is a write transaction: the shared layer's, plus what only
// PostgreSQL does (TouchUnchanged without the write lock, COPY imports).
type pgTx struct {
	*sqlstore.Tx
	ctx context.Context
	tx  *lockedTx
	p   *Postgres
}

// lockedTx is a transaction that takes the write lock before its first
// statement; its embedded Tx sends statements without it.
type lockedTx struct {
	pgx.Tx
	locked bool
}

func (l *lockedTx) lock(ctx context.Context) error {
	if l.locked {
		return nil
	}
	if _, err := l.Tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, writeLock); err != nil {
		return fmt.Errorf("write lock: %w", err)
	}
	l.locked = true
	return nil
}

func (l *lockedTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := l.lock(ctx); err != nil {
		return pgconn.CommandTag{}, err
	}
	return l.Tx.Exec(ctx, sql, args...)
}

func (l *lockedTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := l.lock(ctx); err != nil {
		return nil, err
	}
	return l.Tx.Query(ctx, sql, args...)
}

func (l *lockedTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := l.lock(ctx); err != nil {
		return errRow{err}
	}
	return l.Tx.QueryRow(ctx, sql, args...)
}

func (l *lockedTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := l.lock(ctx); err != nil {
		return errBatch{err}
	}
	return l.Tx.SendBatch(ctx, b)
}

func (l *lockedTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	if err := l.lock(ctx); err != nil {
		return 0, err
	}
	return l.Tx.CopyFrom(ctx, table, cols, src)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type errBatch struct{ err error }

func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b errBatch) QueryRow() pgx.Row                { return errRow(b) }
func (b errBatch) Close() error                     { return b.err }
func (b errBatch) Tx() pgx.Tx                       { return nil }

// dialect is PostgreSQL's SQL: times are timestamptz (microseconds),
// ILIKE folds ASCII case, and LIMIT ALL is no limit.
var dialect = sqlstore.Dialect{
	Like:    "ILIKE",
	TagList: "string_agg(tag, chr(31) ORDER BY tag)",
	NoLimit: "ALL",
	Time:    func(t time.Time) any { return us(t) },
	Norm:    us,
}

// us is t as the database keeps it: UTC, whole microseconds.
func us(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// conn is a pgx querier as the shared layer's Conn: it numbers the ?
// placeholders and answers sql.ErrNoRows for no row.
type conn struct{ q querier }

func (c conn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := c.q.Query(ctx, sqlstore.Rebind(query), args...)
	if err != nil {
		return nil, err
	}
	return pgRows{rows}, nil
}

func (c conn) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return pgRow{c.q.QueryRow(ctx, sqlstore.Rebind(query), args...)}
}

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, sqlstore.Rebind(query), args...)
	return tag.RowsAffected(), err
}

type pgRows struct{ pgx.Rows }

func (r pgRows) Close() error {
	r.Rows.Close()
	return r.Rows.Err()
}

type pgRow struct{ pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	if err := r.Row.Scan(dest...); errors.Is(err, pgx.ErrNoRows) {
		return sql.ErrNoRows
	} else {
		return err
	}
}

// collect scans every row of one of the driver's own statements.
func collect[T any](rows pgx.Rows, err error, what string, scan func(pgx.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return sqlstore.Collect(pgRows{rows}, nil, what, func(sqlstore.Row) (T, error) { return scan(rows) })
}
