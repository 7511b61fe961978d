package feeds

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/time/rate"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/infra"
	"github.com/takedownhq/takedown/store"
)

// Discovery through shared infrastructure: a candidate name from a feed
// that lands on an uncommon key of a watched domain (its dedicated name
// server, its own address or prefix, its certificate or key) is related
// to it, whatever it is called. Each is announced once (related_found)
// and gets a domains row of kind related, watched on the look-alike
// watch's light schedule.

// RelatedOptions tune discovery through shared infrastructure.
type RelatedOptions struct {
	// CommonThreshold: keys shared by more domains are common and relate
	// nothing (infra.common_threshold). Default 100.
	CommonThreshold int
	// Resolve returns a name's addresses; NRD names are resolved with it
	// to find those on a watched domain's address or prefix. Nil: NRD
	// names are not resolved.
	Resolve func(ctx context.Context, name string) ([]netip.Addr, error)
	// ResolveRate bounds resolutions per second (feeds.resolve_rate,
	// config infra.resolve_rate). Default 50.
	ResolveRate float64
	// MaxResolve bounds the names one list resolves. Default 200,000.
	MaxResolve int
	// Off disables discovery.
	Off bool
}

func (o RelatedOptions) withDefaults() RelatedOptions {
	if o.CommonThreshold <= 0 {
		o.CommonThreshold = infra.DefaultCommonThreshold
	}
	if o.ResolveRate <= 0 {
		o.ResolveRate = 50
	}
	if o.MaxResolve <= 0 {
		o.MaxResolve = 200_000
	}
	return o
}

// Bounds of discovery.
const (
	// maxIndexRows bounds the watched keys read per run.
	maxIndexRows = 200_000
	// maxRelatedHits bounds the candidates one batch keeps.
	maxRelatedHits = 10_000
	// maxZoneNS bounds the delegations on watched name servers one zone
	// file remembers.
	maxZoneNS = 100_000
	// maxCertDomains: a certificate naming more registrable domains is a
	// provider's shared certificate, not a sign of one owner.
	maxCertDomains = 50
	// resolveWorkers resolve NRD names concurrently, within ResolveRate.
	resolveWorkers = 8
)

// relatedIndex is the uncommon keys of the watched domains, each with the
// watched domains seen on it.
type relatedIndex struct {
	byKey map[store.InfraKey][]store.Share
	kinds map[string]bool
	// watches are the infrastructure watchlist: a candidate on watched
	// infrastructure is kept (infrastructure_seen) even when it shares
	// nothing with a watched domain.
	watches   []store.InfraWatch
	watchedNS map[string]bool
	// crowded are keys the feed itself shows on more domains than the
	// threshold (a zone's name servers): they relate nothing this run.
	crowded map[store.InfraKey]bool
}

func (x *relatedIndex) empty() bool { return x == nil || (len(x.byKey) == 0 && len(x.watches) == 0) }

// relatedIndex reads the watched domains' uncommon keys of the kinds
// feeds can see: name servers (zone), addresses and prefixes (NRD,
// resolved), certificates and keys (CT).
func (r *Runner) relatedIndex(ctx context.Context) (*relatedIndex, error) {
	o := r.Related.withDefaults()
	if o.Off {
		return nil, nil
	}
	shares, err := r.Store.WatchedKeys(ctx, []string{infra.KindNS, infra.KindIP, infra.KindPrefix, infra.KindCert, infra.KindCertKey},
		o.CommonThreshold, maxIndexRows)
	if err != nil {
		return nil, err
	}
	ws, err := r.Store.InfraWatches(ctx)
	if err != nil {
		return nil, err
	}
	c := infra.NewCommonness(o.CommonThreshold)
	x := &relatedIndex{byKey: map[store.InfraKey][]store.Share{}, kinds: map[string]bool{}, watches: ws, watchedNS: map[string]bool{}}
	for _, w := range ws {
		switch w.Kind {
		case infra.WatchNS:
			x.watchedNS[w.Value] = true
			x.kinds[infra.KindNS] = true
		case infra.WatchIP:
			x.kinds[infra.KindIP] = true
		}
	}
	for _, s := range shares {
		if common, _ := c.Common(s.Key, s.Count); common {
			continue
		}
		x.byKey[s.Key] = append(x.byKey[s.Key], s)
		x.kinds[s.Key.Kind] = true
	}
	return x, nil
}

// relatedHit is a candidate that shares keys with watched domains.
type relatedHit struct {
	name, unicode string
	keys          []store.InfraKey // its keys, recorded for it
	shares        []store.Share    // the watched domains on them
	// watchedKeys are keys the feed saw on a watched domain (the
	// certificate naming both), recorded for that domain too.
	watchedKeys map[int64][]store.InfraKey
	seen        map[string]any
	watches     []store.InfraWatch // the infrastructure watchlist, for infrastructure_seen
}

// match returns the hit of a candidate with these keys, or false when
// none leads to a watched domain or the candidate is itself watched.
func (x *relatedIndex) match(m *Matcher, name string, keys []store.InfraKey, seen map[string]any) (relatedHit, bool) {
	if x.empty() {
		return relatedHit{}, false
	}
	n, err := domain.Normalize(name)
	if err != nil {
		return relatedHit{}, false
	}
	if _, ok := m.watched[n.ASCII]; ok {
		return relatedHit{}, false
	}
	h := relatedHit{name: n.ASCII, unicode: n.Unicode, seen: seen, watches: x.watches}
	onWatched := false
	for _, k := range keys {
		_, watched := infra.Watched(x.watches, k)
		ws := x.byKey[k]
		if x.crowded[k] {
			ws = nil
		}
		if len(ws) == 0 && !watched {
			continue
		}
		onWatched = onWatched || watched
		h.keys = append(h.keys, k)
		h.shares = append(h.shares, ws...)
	}
	return h, len(h.shares) > 0 || onWatched
}

// addRelated adds a hit to the batch, at most maxRelatedHits.
func (b *batch) addRelated(h relatedHit) {
	if len(b.related) < maxRelatedHits {
		b.related = append(b.related, h)
	}
}

// commitRelated writes the batch's related domains inside commit's
// transaction and returns how many it announced.
func commitRelated(tx store.Tx, feed string, b *batch, now time.Time) (int, error) {
	source := SourcePrefix + feed
	n := 0
	for _, h := range b.related {
		for id, keys := range h.watchedKeys {
			if _, err := tx.ObserveKeys(id, now, keys); err != nil {
				return n, err
			}
		}
		id, _, err := tx.AddRelated(h.name, h.unicode, source, now)
		if err != nil {
			return n, err
		}
		added, err := tx.ObserveKeys(id, now, h.keys)
		if err != nil {
			return n, err
		}
		for _, k := range added {
			w, ok := infra.Watched(h.watches, k)
			if !ok {
				continue
			}
			if _, err := tx.AddEvent(store.Event{DomainID: id, Domain: h.name, At: now, Kind: event.InfrastructureSeen, Probe: "feed",
				Field: k.Kind, New: k.Value, Severity: event.SevWarning, Detail: mustJSON(map[string]any{"source": source,
					"watch": map[string]string{"kind": w.Kind, "value": w.Value}, "key": map[string]string{"kind": k.Kind, "value": k.Value},
					"reasons": []string{"first seen on watched " + w.Kind + " " + w.Value}, "seen": h.seen})}); err != nil {
				return n, fmt.Errorf("infrastructure_seen %s: %w", h.name, err)
			}
			n++
		}
		if len(h.shares) == 0 {
			continue // on watched infrastructure only: related to no watched domain
		}
		prev, err := tx.MarkSeen("related", h.name, now)
		if err != nil {
			return n, err
		}
		if !prev.IsZero() {
			continue
		}
		ev := relatedEvent(source, h)
		ev.DomainID, ev.At = id, now
		if _, err := tx.AddEvent(ev); err != nil {
			return n, fmt.Errorf("related_found %s: %w", h.name, err)
		}
		n++
	}
	return n, nil
}

// relatedEvent is a hit's related_found: warning, critical when a domain
// it relates to is taken down (the actors moving on).
func relatedEvent(source string, h relatedHit) store.Event {
	sev := event.SevWarning
	var to []string
	type shared struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
		Count int    `json:"count"`
	}
	var shares []shared
	var reasons []string
	for _, s := range h.shares {
		if event.TakenDown(event.State(s.State)) {
			sev = event.SevCritical
		}
		if !slices.Contains(to, s.Domain) {
			to = append(to, s.Domain)
		}
		sh := shared{Kind: s.Key.Kind, Value: s.Key.Value, Count: s.Count + 1}
		if !slices.Contains(shares, sh) {
			shares = append(shares, sh)
		}
		why := fmt.Sprintf("shares %s %s with %s", s.Key.Kind, s.Key.Value, s.Domain)
		if s.State != "" && event.State(s.State) != event.StateUnknown {
			why += " (" + s.State + ")"
		}
		if len(reasons) < 20 {
			reasons = append(reasons, why)
		}
	}
	field := ""
	if len(shares) > 0 {
		field = shares[0].Kind
	}
	return store.Event{Domain: h.name, Kind: event.RelatedFound, Probe: "feed", Field: field, New: strings.Join(to, " "),
		Severity: sev, Detail: mustJSON(map[string]any{"source": source, "related_to": to, "shares": shares,
			"reasons": reasons, "seen": h.seen})}
}

// nsKeys are the keys a delegation to these name servers gives.
func nsKeys(hosts []string) []store.InfraKey {
	var out []store.InfraKey
	for _, h := range hosts {
		out = append(out, store.InfraKey{Kind: infra.KindNS, Value: h})
	}
	return out
}

// addrKeys are the keys of resolved addresses.
func addrKeys(addrs []netip.Addr) []store.InfraKey {
	var out []store.InfraKey
	for _, a := range addrs {
		a = a.Unmap()
		k := store.InfraKey{Kind: infra.KindIP, Value: a.String()}
		p := store.InfraKey{Kind: infra.KindPrefix, Value: infra.PrefixOf(a).String()}
		for _, x := range []store.InfraKey{k, p} {
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	return out
}

// resolver resolves NRD names within the rate, with bounded memory: a
// small queue the list's reader blocks on, and a fixed set of workers.
type resolver struct {
	m       *Matcher
	x       *relatedIndex
	resolve func(ctx context.Context, name string) ([]netip.Addr, error)
	lim     *rate.Limiter
	queue   chan string
	wg      sync.WaitGroup
	mu      sync.Mutex
	hits    []relatedHit
	left    int
	seen    map[string]any
}

func (r *Runner) newResolver(ctx context.Context, m *Matcher, x *relatedIndex, seen map[string]any) *resolver {
	o := r.Related.withDefaults()
	if o.Resolve == nil || x.empty() || !(x.kinds[infra.KindIP] || x.kinds[infra.KindPrefix]) {
		return nil
	}
	rs := &resolver{m: m, x: x, resolve: o.Resolve, lim: rate.NewLimiter(rate.Limit(o.ResolveRate), 1),
		queue: make(chan string, 2*resolveWorkers), left: o.MaxResolve, seen: seen}
	for range resolveWorkers {
		rs.wg.Add(1)
		go rs.work(ctx)
	}
	return rs
}

// add queues a name (copied: the caller's string aliases its buffer);
// it blocks while the workers are busy, and stops at MaxResolve names.
func (rs *resolver) add(ctx context.Context, name string) {
	if rs == nil || rs.left <= 0 {
		return
	}
	rs.left--
	select {
	case rs.queue <- strings.Clone(name):
	case <-ctx.Done():
	}
}

func (rs *resolver) work(ctx context.Context) {
	defer rs.wg.Done()
	for name := range rs.queue {
		if rs.lim.Wait(ctx) != nil {
			continue // drain: the run is ending
		}
		addrs, err := rs.resolve(ctx, name)
		if err != nil || len(addrs) == 0 {
			continue
		}
		if h, ok := rs.x.match(rs.m, name, addrKeys(addrs), rs.seen); ok {
			h.keys = addrKeys(addrs) // the candidate's own addresses, shared or not
			rs.mu.Lock()
			if len(rs.hits) < maxRelatedHits {
				rs.hits = append(rs.hits, h)
			}
			rs.mu.Unlock()
		}
	}
}

// finish waits for the queued names and returns the hits.
func (rs *resolver) finish() []relatedHit {
	if rs == nil {
		return nil
	}
	close(rs.queue)
	rs.wg.Wait()
	return rs.hits
}

// DNSResolver resolves A and AAAA records through a recursive resolver at
// addr (host:port), each query under timeout: what NRD discovery uses.
// An empty addr uses the system's resolver.
func DNSResolver(addr string, timeout time.Duration) func(ctx context.Context, name string) ([]netip.Addr, error) {
	if addr == "" {
		return func(ctx context.Context, name string) ([]netip.Addr, error) {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", name)
			if len(addrs) > 32 {
				addrs = addrs[:32]
			}
			return addrs, err
		}
	}
	c := &dns.Client{Timeout: timeout, UDPSize: 1232}
	return func(ctx context.Context, name string) ([]netip.Addr, error) {
		var out []netip.Addr
		for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
			qctx, cancel := context.WithTimeout(ctx, timeout)
			msg := new(dns.Msg)
			msg.SetQuestion(dns.Fqdn(name), t)
			msg.SetEdns0(1232, false)
			in, _, err := c.ExchangeContext(qctx, msg, addr)
			cancel()
			if err != nil {
				return out, fmt.Errorf("resolve %s at %s: %w", name, addr, err)
			}
			for i, rr := range in.Answer {
				if i >= 32 {
					break // a hostile answer's length is not ours to keep
				}
				switch rr := rr.(type) {
				case *dns.A:
					if a, ok := netip.AddrFromSlice(rr.A.To4()); ok {
						out = append(out, a)
					}
				case *dns.AAAA:
					if a, ok := netip.AddrFromSlice(rr.AAAA); ok {
						out = append(out, a)
					}
				}
			}
		}
		return out, nil
	}
}

// zoneNS collects, while a zone is parsed, the delegations to name
// servers of watched domains (at most maxZoneNS owners), and counts every
// delegation to each: the diff then knows which new delegations land on
// them, and a name server the zone shows with more than the threshold's
// delegations is common whatever the store has seen.
func zoneNS(x *relatedIndex, threshold int) (func(owner, host string), func(name string) []string) {
	if x.empty() || !x.kinds[infra.KindNS] {
		return nil, func(string) []string { return nil }
	}
	nsOf := map[string][]string{}
	count := map[string]int{}
	onNS := func(owner, host string) {
		if len(x.byKey[store.InfraKey{Kind: infra.KindNS, Value: host}]) == 0 && !x.watchedNS[host] {
			return
		}
		count[host]++
		hosts, ok := nsOf[owner]
		if !ok && len(nsOf) >= maxZoneNS {
			return
		}
		if !slices.Contains(hosts, host) {
			nsOf[strings.Clone(owner)] = append(hosts, strings.Clone(host))
		}
	}
	hostsOf := func(name string) []string {
		var out []string
		for _, h := range nsOf[name] {
			// A crowded name server relates nothing; a watched one is
			// watched however crowded.
			crowded := count[h] > threshold
			if crowded {
				if x.crowded == nil {
					x.crowded = map[store.InfraKey]bool{}
				}
				x.crowded[store.InfraKey{Kind: infra.KindNS, Value: h}] = true
			}
			if !crowded || x.watchedNS[h] {
				out = append(out, h)
			}
		}
		return out
	}
	return onNS, hostsOf
}

// ctRelated finds the names a certificate relates to watched domains: a
// certificate naming a watched domain together with other domains (one
// owner asked for them together), or one whose key a watched domain's
// certificate uses. A certificate naming more than maxCertDomains
// registrable domains is a provider's shared one and relates nothing.
func ctRelated(m *Matcher, x *relatedIndex, logURL string, e *ctEntry, b *batch) {
	if e.err != nil || len(e.names) < 1 {
		return
	}
	var watched []Watched
	var others []string
	for _, name := range e.names {
		if w, ok := watchedUnder(m, name); ok {
			if !slices.ContainsFunc(watched, func(x Watched) bool { return x.ID == w.ID }) {
				watched = append(watched, w)
			}
			continue
		}
		n, err := domain.Normalize(name)
		if err != nil || slices.Contains(others, n.ASCII) {
			continue
		}
		others = append(others, n.ASCII)
		if len(others) > maxCertDomains {
			return
		}
	}
	if len(others) == 0 {
		return
	}
	seen := map[string]any{"log": logURL, "index": e.index, "precert": e.precert}
	certKey := store.InfraKey{Kind: infra.KindCert, Value: e.fp}
	keyKey := store.InfraKey{Kind: infra.KindCertKey, Value: e.spki}
	for _, name := range others {
		h := relatedHit{name: name, unicode: name, seen: seen}
		for _, w := range watched {
			// Named together: both get the certificate as a key.
			h.shares = append(h.shares, store.Share{KeyDomain: store.KeyDomain{Domain: w.Name, Kind: string(w.Kind), State: string(w.State)},
				Key: certKey, Count: 1})
			if h.watchedKeys == nil {
				h.watchedKeys = map[int64][]store.InfraKey{}
			}
			h.watchedKeys[w.ID] = []store.InfraKey{certKey}
		}
		if len(watched) > 0 {
			h.keys = append(h.keys, certKey)
		}
		if !x.empty() {
			if ws := x.byKey[keyKey]; len(ws) > 0 {
				h.keys = append(h.keys, keyKey)
				h.shares = append(h.shares, ws...)
			}
			if ws := x.byKey[certKey]; len(ws) > 0 && len(watched) == 0 {
				h.keys = append(h.keys, certKey)
				h.shares = append(h.shares, ws...)
			}
		}
		if len(h.shares) > 0 {
			if u, err := domain.Normalize(name); err == nil {
				h.unicode = u.Unicode
			}
			b.addRelated(h)
		}
	}
}
