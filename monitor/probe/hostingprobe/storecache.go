package hostingprobe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"

	"github.com/takedownhq/takedown/store"
)

// NetworkStore is the part of the store the database cache needs.
type NetworkStore interface {
	IPNetwork(ctx context.Context, ip netip.Addr) (*store.IPNetwork, error)
	PutIPNetwork(ctx context.Context, n store.IPNetwork) error
}

// StoreCache keeps network lookups in the database, so they outlive the
// process and are shared by every daemon on it.
type StoreCache struct{ S NetworkStore }

// Lookup returns the most specific stored network holding ip.
func (c StoreCache) Lookup(ctx context.Context, ip netip.Addr) (*Entry, error) {
	n, err := c.S.IPNetwork(ctx, ip)
	if err != nil || n == nil {
		return nil, err
	}
	e := &Entry{Prefix: n.Prefix, RIR: n.RIR, Fetched: n.Fetched}
	if err := json.Unmarshal(n.Data, &e.Data); err != nil {
		return nil, fmt.Errorf("ip network %s: stored data: %w", n.Prefix, err)
	}
	return e, nil
}

// Put stores e.
func (c StoreCache) Put(ctx context.Context, e Entry) error {
	b, err := json.Marshal(e.Data)
	if err != nil {
		return err
	}
	return c.S.PutIPNetwork(ctx, store.IPNetwork{Prefix: e.Prefix, RIR: e.RIR, Data: b, Fetched: e.Fetched})
}
