package engine

import (
	"context"
	"encoding/json"
	"net/netip"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/infra"
	"github.com/takedownhq/takedown/store"
)

// maxASNLookups bounds the addresses of one DNS answer asked about.
const maxASNLookups = 8

// originASNs looks up the origin AS of the addresses of every DNS answer
// that differs from the stored one (an unchanged answer records no key, so
// it is asked nothing), before the record stage's transaction: the keys
// ride on the outcome. A failed lookup only leaves the key out.
func (m *Monitor) originASNs(ctx context.Context, heads map[event.Probe]store.SnapshotHead, results []outcome) {
	if m.opt.OriginASN == nil {
		return
	}
	for i, o := range results {
		if o.kind != event.ProbeDNS || o.err != nil {
			continue
		}
		if h, ok := heads[o.kind]; ok && h.Hash == store.Hash(o.data) {
			continue
		}
		var s struct{ A, AAAA []string }
		if json.Unmarshal(o.data, &s) != nil {
			continue
		}
		seen := map[int64]bool{}
		for n, a := range append(s.A, s.AAAA...) {
			if n == maxASNLookups {
				break
			}
			addr, err := netip.ParseAddr(a)
			if err != nil {
				continue
			}
			asn, err := m.opt.OriginASN(ctx, addr)
			if err != nil || asn <= 0 || seen[asn] {
				continue
			}
			seen[asn] = true
			results[i].keys = append(results[i].keys, store.InfraKey{Kind: infra.KindASN, Value: infra.FormatASN(asn)})
		}
	}
}
