package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/takedownhq/takedown/store"
)

var _ store.RegistrationStore = (*SQLite)(nil)

// BootstrapFiles returns the stored bootstrap files, by name.
func (s *SQLite) BootstrapFiles(ctx context.Context) ([]store.BootstrapFile, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT name, body, etag, last_modified, publication, services, source,
		fetched_at, checked_at FROM rdap_bootstrap ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("bootstrap files: %w", err)
	}
	defer rows.Close()
	out := []store.BootstrapFile{}
	for rows.Next() {
		var f store.BootstrapFile
		var fetched, checked sql.NullString
		if err := rows.Scan(&f.Name, &f.Body, &f.ETag, &f.LastModified, &f.Publication, &f.Services, &f.Source,
			&fetched, &checked); err != nil {
			return nil, fmt.Errorf("bootstrap files: %w", err)
		}
		f.Fetched, f.Checked = parseTime(fetched), parseTime(checked)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("bootstrap files: %w", err)
	}
	return out, nil
}

// PutBootstrapFile stores f over the file of the same name.
func (s *SQLite) PutBootstrapFile(ctx context.Context, f store.BootstrapFile) error {
	if len(f.Body) > store.MaxBootstrapBytes {
		return fmt.Errorf("put bootstrap %s: %d bytes, more than %d", f.Name, len(f.Body), store.MaxBootstrapBytes)
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO rdap_bootstrap (name, body, etag, last_modified, publication, services,
		source, fetched_at, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET body = excluded.body, etag = excluded.etag, last_modified = excluded.last_modified,
		publication = excluded.publication, services = excluded.services, source = excluded.source,
		fetched_at = excluded.fetched_at, checked_at = excluded.checked_at`,
		f.Name, f.Body, f.ETag, f.LastModified, f.Publication, f.Services, f.Source, fmtTime(f.Fetched), fmtTime(f.Checked))
	if err != nil {
		return fmt.Errorf("put bootstrap %s: %w", f.Name, err)
	}
	return nil
}

// TouchBootstrapFile moves a stored file's checked time.
func (s *SQLite) TouchBootstrapFile(ctx context.Context, name string, checked time.Time) error {
	r, err := s.write.ExecContext(ctx, `UPDATE rdap_bootstrap SET checked_at = ? WHERE name = ?`, fmtTime(checked), name)
	if err != nil {
		return fmt.Errorf("touch bootstrap %s: %w", name, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("touch bootstrap %s: %w", name, store.ErrNotFound)
	}
	return nil
}

// IPNetwork returns the most specific cached network holding ip.
func (s *SQLite) IPNetwork(ctx context.Context, ip netip.Addr) (*store.IPNetwork, error) {
	k := store.IPKey(ip)
	var n store.IPNetwork
	var prefix, data string
	var fetched sql.NullString
	err := s.read.QueryRowContext(ctx, `SELECT prefix, rir, data, fetched_at FROM ip_networks
		WHERE first_key <= ? AND last_key >= ? ORDER BY bits DESC LIMIT 1`, k, k).Scan(&prefix, &n.RIR, &data, &fetched)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ip network %s: %w", ip, err)
	}
	if n.Prefix, err = netip.ParsePrefix(prefix); err != nil {
		return nil, fmt.Errorf("ip network %s: stored prefix %q: %w", ip, prefix, err)
	}
	n.Data, n.Fetched = []byte(data), parseTime(fetched)
	return &n, nil
}

// PutIPNetwork stores n over the entry of the same prefix.
func (s *SQLite) PutIPNetwork(ctx context.Context, n store.IPNetwork) error {
	first, last, bits := store.IPRangeKeys(n.Prefix)
	_, err := s.write.ExecContext(ctx, `INSERT INTO ip_networks (prefix, first_key, last_key, bits, rir, data, fetched_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (prefix) DO UPDATE SET rir = excluded.rir, data = excluded.data,
		fetched_at = excluded.fetched_at`, n.Prefix.Masked().String(), first, last, bits, n.RIR, string(n.Data), fmtTime(n.Fetched))
	if err != nil {
		return fmt.Errorf("put ip network %s: %w", n.Prefix, err)
	}
	return nil
}
