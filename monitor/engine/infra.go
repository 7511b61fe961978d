package engine

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/infra"
	"github.com/takedownhq/takedown/store"
)

// keys records the infrastructure keys of a snapshot that changed (an
// unchanged one moves nothing, so an unchanged check costs no statement
// here): a domain first seen on watched infrastructure raises
// infrastructure_seen, and a watched domain whose name servers move to
// another operator raises ns_operator_changed.
func (r *recorder) keys(kind event.Probe, prev, cur *store.Snapshot, extra []store.InfraKey) error {
	if err := r.nsOperator(kind, prev, cur); err != nil {
		return err
	}
	keys := append(infra.Extract(kind, cur.Data), extra...)
	if len(keys) == 0 {
		return nil
	}
	added, err := r.tx.ObserveKeys(r.d.ID, r.at, keys)
	if err != nil || len(added) == 0 {
		return err
	}
	ws := r.m.watches.get()
	if len(ws) == 0 {
		return nil
	}
	for _, k := range added {
		w, ok := infra.Watched(ws, k)
		if !ok {
			continue
		}
		detail, _ := json.Marshal(map[string]any{"watch": map[string]string{"kind": w.Kind, "value": w.Value},
			"key":     map[string]string{"kind": k.Kind, "value": k.Value},
			"reasons": []string{"first seen on watched " + w.Kind + " " + w.Value}})
		if err := r.add(store.Event{Kind: event.InfrastructureSeen, Probe: kind, Field: k.Kind, New: k.Value,
			Severity: event.SevWarning, Detail: detail}); err != nil {
			return err
		}
	}
	return nil
}

// watchTTL is how long the cached infrastructure watchlist is used: a
// watch added by the CLI applies to checks within this long.
const watchTTL = 30 * time.Second

// watchCache is the infrastructure watchlist as last read. The record
// stage reads it from here, never from the store: inside a transaction a
// read on another connection could wait for a pool its own workers hold.
type watchCache struct {
	mu sync.Mutex
	at time.Time
	ws []store.InfraWatch
}

func (c *watchCache) get() []store.InfraWatch {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ws
}

// refreshWatches reads the infrastructure watchlist when it is older than
// watchTTL and some answer differs from its stored snapshot (only then
// can a key be new): an unchanged check reads nothing. A failed read keeps
// the last list.
func (m *Monitor) refreshWatches(ctx context.Context, heads map[event.Probe]store.SnapshotHead, results []outcome) {
	changed := false
	for _, o := range results {
		if h, ok := heads[o.kind]; o.err == nil && (!ok || h.Hash != store.Hash(o.data)) {
			changed = true
			break
		}
	}
	if !changed {
		return
	}
	m.watches.mu.Lock()
	fresh := !m.watches.at.IsZero() && time.Since(m.watches.at) < watchTTL
	m.watches.mu.Unlock()
	if fresh {
		return
	}
	ws, err := m.st.InfraWatches(ctx)
	if err != nil {
		return
	}
	m.watches.mu.Lock()
	m.watches.at, m.watches.ws = time.Now(), ws
	m.watches.mu.Unlock()
}

// nsOperator raises ns_operator_changed when a DNS snapshot's name
// servers all belong to other registered domains than before
// ("ns1.fbi.seized.gov" for "ns1.dedicated.example"): the domain moved to
// another operator, not to another server of the same one.
func (r *recorder) nsOperator(kind event.Probe, prev, cur *store.Snapshot) error {
	if kind != event.ProbeDNS || prev == nil || (r.d.Kind != store.KindWatch && r.d.Kind != store.KindBrand) {
		return nil
	}
	old, now := operators(prev.Data), operators(cur.Data)
	if len(old) == 0 || len(now) == 0 {
		return nil
	}
	for _, o := range old {
		if slices.Contains(now, o) {
			return nil
		}
	}
	detail, _ := json.Marshal(map[string]any{"old": old, "new": now,
		"reasons": []string{"name servers moved from " + strings.Join(old, ", ") + " to " + strings.Join(now, ", ")}})
	return r.add(store.Event{Kind: event.NSOperatorChanged, Probe: kind, Field: infra.KindNSDomain,
		Old: strings.Join(old, " "), New: strings.Join(now, " "), Severity: event.SevNotice, Detail: detail})
}

// operators are the registered domains of a DNS snapshot's name servers.
func operators(data []byte) []string {
	var out []string
	for _, k := range infra.Extract(event.ProbeDNS, data) {
		if k.Kind == infra.KindNSDomain {
			out = append(out, k.Value)
		}
	}
	slices.Sort(out)
	return out
}
