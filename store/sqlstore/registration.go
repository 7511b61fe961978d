package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/takedownhq/takedown/store"
)

// Registration reference data (migration 00030): the last good copy of
// each bootstrap file and the IP network cache. Its writes are each one
// Update of the driver, so on SQLite they queue behind the single writer
// as every other write does, and on PostgreSQL they take the write lock.

var _ store.RegistrationStore = (*DB)(nil)

const bootstrapCols = `name, body, etag, last_modified, publication, services, source, fetched_at, checked_at`

func scanBootstrapFile(r Row) (f store.BootstrapFile, err error) {
	return f, r.Scan(&f.Name, &f.Body, &f.ETag, &f.LastModified, &f.Publication, &f.Services, &f.Source,
		Time(&f.Fetched), Time(&f.Checked))
}

// BootstrapFiles returns the stored bootstrap files, by name.
func (db *DB) BootstrapFiles(ctx context.Context) ([]store.BootstrapFile, error) {
	rows, err := db.read.Query(ctx, `SELECT `+bootstrapCols+` FROM rdap_bootstrap ORDER BY name`)
	out, err := Collect(rows, err, "bootstrap files", scanBootstrapFile)
	if out == nil && err == nil {
		out = []store.BootstrapFile{}
	}
	return out, err
}

// PutBootstrapFile stores f over the file of the same name.
func (db *DB) PutBootstrapFile(ctx context.Context, f store.BootstrapFile) error {
	// Checked here too, not only by the column's CHECK, so the error names
	// the bound rather than a constraint.
	if len(f.Body) > store.MaxBootstrapBytes {
		return fmt.Errorf("put bootstrap %s: %d bytes, more than %d", f.Name, len(f.Body), store.MaxBootstrapBytes)
	}
	return db.write(ctx, func(t *Tx) error {
		_, err := t.c.Exec(t.ctx, `INSERT INTO rdap_bootstrap (`+bootstrapCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET body = excluded.body, etag = excluded.etag,
			last_modified = excluded.last_modified, publication = excluded.publication, services = excluded.services,
			source = excluded.source, fetched_at = excluded.fetched_at, checked_at = excluded.checked_at`,
			f.Name, f.Body, f.ETag, f.LastModified, f.Publication, f.Services, f.Source,
			db.d.Time(f.Fetched), db.d.Time(f.Checked))
		if err != nil {
			return fmt.Errorf("put bootstrap %s: %w", f.Name, err)
		}
		return nil
	})
}

// TouchBootstrapFile moves a stored file's checked time.
func (db *DB) TouchBootstrapFile(ctx context.Context, name string, checked time.Time) error {
	var n int64
	err := db.write(ctx, func(t *Tx) error {
		var err error
		if n, err = t.c.Exec(t.ctx, `UPDATE rdap_bootstrap SET checked_at = ? WHERE name = ?`,
			db.d.Time(checked), name); err != nil {
			return fmt.Errorf("touch bootstrap %s: %w", name, err)
		}
		return nil
	})
	if err == nil && n == 0 {
		err = fmt.Errorf("touch bootstrap %s: %w", name, store.ErrNotFound)
	}
	return err
}

// IPNetwork returns the most specific cached network holding ip; nil, nil
// when none does.
func (db *DB) IPNetwork(ctx context.Context, ip netip.Addr) (*store.IPNetwork, error) {
	k := store.IPKey(ip)
	var n store.IPNetwork
	var prefix, data string
	err := db.read.QueryRow(ctx, `SELECT prefix, rir, data, fetched_at FROM ip_networks
		WHERE first_key <= ? AND last_key >= ? ORDER BY bits DESC LIMIT 1`, k, k).
		Scan(&prefix, &n.RIR, &data, Time(&n.Fetched))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ip network %s: %w", ip, err)
	}
	if n.Prefix, err = netip.ParsePrefix(prefix); err != nil {
		return nil, fmt.Errorf("ip network %s: stored prefix %q: %w", ip, prefix, err)
	}
	n.Data = []byte(data)
	return &n, nil
}

// PutIPNetwork stores n over the entry of the same prefix.
func (db *DB) PutIPNetwork(ctx context.Context, n store.IPNetwork) error {
	first, last, bits := store.IPRangeKeys(n.Prefix)
	return db.write(ctx, func(t *Tx) error {
		// data is a text column on both drivers, the JSON kept byte for byte.
		_, err := t.c.Exec(t.ctx, `INSERT INTO ip_networks (prefix, first_key, last_key, bits, rir, data, fetched_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (prefix) DO UPDATE SET rir = excluded.rir, data = excluded.data,
			fetched_at = excluded.fetched_at`,
			n.Prefix.Masked().String(), first, last, bits, n.RIR, string(n.Data), db.d.Time(n.Fetched))
		if err != nil {
			return fmt.Errorf("put ip network %s: %w", n.Prefix, err)
		}
		return nil
	})
}
