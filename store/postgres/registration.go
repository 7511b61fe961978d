package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/takedownhq/takedown/store"
)

var _ store.RegistrationStore = (*Postgres)(nil)

// BootstrapFiles returns the stored bootstrap files, by name.
func (p *Postgres) BootstrapFiles(ctx context.Context) ([]store.BootstrapFile, error) {
	rows, err := p.pool.Query(ctx, `SELECT name, body, etag, last_modified, publication, services, source,
		fetched_at, checked_at FROM rdap_bootstrap ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("bootstrap files: %w", err)
	}
	defer rows.Close()
	out := []store.BootstrapFile{}
	for rows.Next() {
		var f store.BootstrapFile
		if err := rows.Scan(&f.Name, &f.Body, &f.ETag, &f.LastModified, &f.Publication, &f.Services, &f.Source,
			&f.Fetched, &f.Checked); err != nil {
			return nil, fmt.Errorf("bootstrap files: %w", err)
		}
		f.Fetched, f.Checked = f.Fetched.UTC(), f.Checked.UTC()
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("bootstrap files: %w", err)
	}
	return out, nil
}

// PutBootstrapFile stores f over the file of the same name.
func (p *Postgres) PutBootstrapFile(ctx context.Context, f store.BootstrapFile) error {
	if len(f.Body) > store.MaxBootstrapBytes {
		return fmt.Errorf("put bootstrap %s: %d bytes, more than %d", f.Name, len(f.Body), store.MaxBootstrapBytes)
	}
	_, err := p.pool.Exec(ctx, `INSERT INTO rdap_bootstrap (name, body, etag, last_modified, publication, services,
		source, fetched_at, checked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (name) DO UPDATE SET body = excluded.body, etag = excluded.etag, last_modified = excluded.last_modified,
		publication = excluded.publication, services = excluded.services, source = excluded.source,
		fetched_at = excluded.fetched_at, checked_at = excluded.checked_at`,
		f.Name, f.Body, f.ETag, f.LastModified, f.Publication, f.Services, f.Source, f.Fetched.UTC(), f.Checked.UTC())
	if err != nil {
		return fmt.Errorf("put bootstrap %s: %w", f.Name, err)
	}
	return nil
}

// TouchBootstrapFile moves a stored file's checked time.
func (p *Postgres) TouchBootstrapFile(ctx context.Context, name string, checked time.Time) error {
	tag, err := p.pool.Exec(ctx, `UPDATE rdap_bootstrap SET checked_at = $1 WHERE name = $2`, checked.UTC(), name)
	if err != nil {
		return fmt.Errorf("touch bootstrap %s: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("touch bootstrap %s: %w", name, store.ErrNotFound)
	}
	return nil
}

// IPNetwork returns the most specific cached network holding ip.
func (p *Postgres) IPNetwork(ctx context.Context, ip netip.Addr) (*store.IPNetwork, error) {
	k := store.IPKey(ip)
	var n store.IPNetwork
	var prefix string
	var data []byte
	err := p.pool.QueryRow(ctx, `SELECT prefix, rir, data, fetched_at FROM ip_networks
		WHERE first_key <= $1 AND last_key >= $1 ORDER BY bits DESC LIMIT 1`, k).Scan(&prefix, &n.RIR, &data, &n.Fetched)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ip network %s: %w", ip, err)
	}
	if n.Prefix, err = netip.ParsePrefix(prefix); err != nil {
		return nil, fmt.Errorf("ip network %s: stored prefix %q: %w", ip, prefix, err)
	}
	n.Data, n.Fetched = data, n.Fetched.UTC()
	return &n, nil
}

// PutIPNetwork stores n over the entry of the same prefix.
func (p *Postgres) PutIPNetwork(ctx context.Context, n store.IPNetwork) error {
	first, last, bits := store.IPRangeKeys(n.Prefix)
	_, err := p.pool.Exec(ctx, `INSERT INTO ip_networks (prefix, first_key, last_key, bits, rir, data, fetched_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (prefix) DO UPDATE SET rir = excluded.rir, data = excluded.data,
		fetched_at = excluded.fetched_at`, n.Prefix.Masked().String(), first, last, bits, n.RIR, string(n.Data), n.Fetched.UTC())
	if err != nil {
		return fmt.Errorf("put ip network %s: %w", n.Prefix, err)
	}
	return nil
}
