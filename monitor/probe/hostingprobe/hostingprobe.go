// Package hostingprobe records who hosts a domain's addresses: for every
// A/AAAA address, the network that holds it (handle, name, CIDR, country),
// its origin AS and the network's abuse contacts, read over IP RDAP from
// the RIR that IANA's IPv4/IPv6 bootstrap names (package regdata).
//
// The RIRs are slow and strict (LACNIC allows about 10 queries a minute),
// and an address's network rarely changes, so answers are cached per
// network for network.ip_rdap_ttl (default 7 days), in the database when
// one is given. Lookups are paced per RIR and never wait long: when an RIR
// is down or its pace says "later", an address keeps its last known
// network marked stale, and the lookup is tried again on the next check.
// An address whose network was never known is not recorded without it:
// the probe returns a ratelimit.DeferredError saying when to come back, so
// no snapshot reads as a move that is only a lookup put off. The domain's
// own probes never wait on an RIR.
//
// The snapshot shape is a contract other branches decode:
// {"addresses":[{"ip","rir","network":{"handle","name","cidr","country"},
// "asn","as_name","abuse":[{"email","phone","source"}],"stale"}]}, plus
// "networks", the sorted "CIDR ASn" summary that hosting_changed diffs on.
package hostingprobe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/takedownhq/takedown/internal/base/metrics"
	"github.com/takedownhq/takedown/internal/base/netguard"
	"github.com/takedownhq/takedown/internal/base/ratelimit"
	"github.com/takedownhq/takedown/monitor/regdata"
)

// Snapshot is the hosting probe's observation of one domain.
type Snapshot struct {
	Addresses []Address `json:"addresses"`
	// Networks are "CIDR ASn" of every known network, sorted: a change of
	// hosting is a change of this list, while a stale mark or a new abuse
	// address is not.
	Networks []string `json:"networks,omitempty"`
}

// Address is one A/AAAA address and who hosts it.
type Address struct {
	IP      string    `json:"ip"`
	RIR     string    `json:"rir,omitempty"`
	Network *Network  `json:"network,omitempty"`
	ASN     uint32    `json:"asn,omitempty"`
	ASName  string    `json:"as_name,omitempty"`
	Abuse   []Contact `json:"abuse,omitempty"`
	// Stale marks data kept from an earlier lookup (or none) because the
	// RIR did not answer this time.
	Stale bool `json:"stale,omitempty"`
}

// Network is the RIR's network object that holds an address.
type Network struct {
	Handle  string `json:"handle,omitempty"`
	Name    string `json:"name,omitempty"`
	CIDR    string `json:"cidr,omitempty"`
	Country string `json:"country,omitempty"`
}

// Contact is an abuse contact and where it was read.
type Contact struct {
	Email  string `json:"email,omitempty"`
	Phone  string `json:"phone,omitempty"`
	Source string `json:"source"`
}

// AbuseSource is the source of a contact read from the RIR's network
// object.
const AbuseSource = "rir rdap entity role abuse"

// Entry is one cached network lookup: the range it covers and what the RIR
// said.
type Entry struct {
	Prefix  netip.Prefix
	RIR     string
	Data    Address // IP empty; the rest as the RIR said
	Fetched time.Time
}

// Cache keeps network lookups. Implementations are safe for concurrent
// use; Lookup returns the most specific entry covering ip, or nil, nil.
type Cache interface {
	Lookup(ctx context.Context, ip netip.Addr) (*Entry, error)
	Put(ctx context.Context, e Entry) error
}

// Resolver returns a name's A and AAAA addresses.
type Resolver func(ctx context.Context, name string) ([]string, error)

// Options tune a Prober.
type Options struct {
	// TTL is how long a network stays cached. Default 7 days.
	TTL time.Duration
	// Timeout bounds one RIR query. Default 5s.
	Timeout time.Duration
	// MaxWait is the longest a lookup waits for its RIR's pace before the
	// address is recorded stale instead. Default 500ms.
	MaxWait time.Duration
	// Budget bounds the RIR queries of one Addresses call: past it, the
	// remaining addresses keep their cached network, marked stale, so a
	// slow RIR never holds the domain's check up. Default 2×Timeout.
	Budget time.Duration
	// Rate replaces every RIR's pace (queries a second); 0 keeps theirs
	// (LACNIC one per 6s, the others one a second). Labs set it high.
	Rate float64
	// AnyAddress also looks up special-purpose addresses (loopback,
	// private, documentation) when the bootstrap covers them: a lab's own
	// bootstrap does.
	AnyAddress bool
	// HTTP is the client; default one that caps bodies at MaxReply.
	HTTP *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// MaxAddresses bounds the addresses looked up per domain.
const MaxAddresses = 16

// Prober looks addresses up. It is safe for concurrent use.
type Prober struct {
	reg     func(ctx context.Context) (*regdata.Registry, error)
	resolve Resolver
	cache   Cache
	opt     Options
	log     *slog.Logger

	mu    sync.Mutex
	pace  map[string]*rate.Limiter
	down  map[string]time.Time // RIR -> retry not before
	fails map[string]int
}

// New builds a Prober over a registry source (the RDAP probe's, so both
// answer from one bootstrap), a resolver and a cache (nil: in memory).
func New(reg func(ctx context.Context) (*regdata.Registry, error), resolve Resolver, cache Cache, opt Options) *Prober {
	if opt.TTL <= 0 {
		opt.TTL = 7 * 24 * time.Hour
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Second
	}
	if opt.MaxWait <= 0 {
		opt.MaxWait = 500 * time.Millisecond
	}
	if opt.Budget <= 0 {
		opt.Budget = 2 * opt.Timeout
	}
	if opt.HTTP == nil {
		opt.HTTP = newHTTPClient()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if cache == nil {
		cache = NewMemCache(4096)
	}
	return &Prober{reg: reg, resolve: resolve, cache: cache, opt: opt, log: slog.With("component", "hostingprobe"),
		pace: map[string]*rate.Limiter{}, down: map[string]time.Time{}, fails: map[string]int{}}
}

// Probe resolves name and looks up every address. Only a failed
// resolution fails the probe; an RIR that does not answer leaves its
// addresses stale.
func (p *Prober) Probe(ctx context.Context, name string) (*Snapshot, error) {
	addrs, err := p.resolve(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("hosting %s: %w", name, err)
	}
	return p.Addresses(ctx, addrs)
}

// Addresses looks up the given addresses (at most MaxAddresses, sorted,
// duplicates dropped).
func (p *Prober) Addresses(ctx context.Context, addrs []string) (*Snapshot, error) {
	reg, err := p.reg(ctx)
	if err != nil {
		return nil, fmt.Errorf("hosting: %w", err)
	}
	var ips []netip.Addr
	for _, s := range addrs {
		ip, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			continue
		}
		ip = ip.Unmap()
		if !slices.Contains(ips, ip) {
			ips = append(ips, ip)
		}
	}
	slices.SortFunc(ips, func(a, b netip.Addr) int { return a.Compare(b) })
	if len(ips) > MaxAddresses {
		ips = ips[:MaxAddresses]
	}
	snap := &Snapshot{Addresses: []Address{}}
	deadline := time.Now().Add(p.opt.Budget)
	var later *ratelimit.DeferredError
	unknown := 0
	for _, ip := range ips {
		a, d := p.lookup(ctx, reg, ip, time.Now().Before(deadline))
		if d != nil {
			unknown++
			if later == nil || d.Until.After(later.Until) {
				later = d
			}
		}
		snap.Addresses = append(snap.Addresses, a)
		if a.Network != nil && a.Network.CIDR != "" {
			n := a.Network.CIDR
			if a.ASN != 0 {
				n += " AS" + strconv.FormatUint(uint64(a.ASN), 10)
			}
			if !slices.Contains(snap.Networks, n) {
				snap.Networks = append(snap.Networks, n)
			}
		}
	}
	slices.Sort(snap.Networks)
	if later != nil {
		// An address whose network was never known and could not be asked
		// now: a snapshot without it would read as a move when it is
		// found. Nothing is recorded; the check comes back when the RIR
		// may be asked (the lookups done meanwhile are cached).
		return nil, fmt.Errorf("hosting: %d of %d addresses not looked up yet: %w", unknown, len(ips), later)
	}
	return snap, nil
}

// lookup answers one address from the cache while fresh, else from its
// RIR, else from the stale cache. When none of them has the address, it
// says when to come back.
func (p *Prober) lookup(ctx context.Context, reg *regdata.Registry, ip netip.Addr, mayAsk bool) (Address, *ratelimit.DeferredError) {
	out := Address{IP: ip.String()}
	if !p.opt.AnyAddress && netguard.Check(ip, false) != nil {
		return out, nil // special-purpose: no RIR holds it
	}
	w := reg.IP(ip)
	if w == nil {
		return out, nil
	}
	out.RIR = w.RIR
	cached, err := p.cache.Lookup(ctx, ip)
	if err != nil {
		p.log.Warn("ip network cache", "ip", ip, "err", err)
		cached = nil
	}
	if cached != nil && p.opt.Now().Sub(cached.Fetched) < p.opt.TTL {
		metrics.ObserveIPRDAP(w.RIR, "cached")
		return fill(out, cached.Data, false), nil
	}
	var e *Entry
	err = &ratelimit.DeferredError{Server: w.RIR, Until: p.opt.Now().Add(time.Second)} // the budget is spent
	if mayAsk {
		e, err = p.fetch(ctx, reg, w, ip)
	}
	if err != nil {
		level := slog.LevelInfo
		if errors.Is(err, ratelimit.ErrDeferred) {
			level = slog.LevelDebug // put off, not failed
		}
		p.log.Log(ctx, level, "ip rdap lookup not answered", "ip", ip, "rir", w.RIR, "err", err)
		metrics.ObserveIPRDAP(w.RIR, "stale")
		if cached != nil {
			return fill(out, cached.Data, true), nil
		}
		return out, p.until(w.RIR, err)
	}
	metrics.ObserveIPRDAP(w.RIR, "fetched")
	if err := p.cache.Put(ctx, *e); err != nil {
		p.log.Warn("ip network cache", "ip", ip, "err", err)
	}
	return fill(out, e.Data, false), nil
}

// until is when a lookup that err put off may be tried again: the pace's
// or budget's moment, or the end of the RIR's backoff after a failure.
func (p *Prober) until(rir string, err error) *ratelimit.DeferredError {
	var d *ratelimit.DeferredError
	if errors.As(err, &d) {
		return d
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return &ratelimit.DeferredError{Server: rir, Until: p.down[rir], Cause: ratelimit.ErrBackoff}
}

func fill(out, data Address, stale bool) Address {
	out.Network, out.ASN, out.ASName, out.Abuse, out.Stale = data.Network, data.ASN, data.ASName, data.Abuse, stale
	return out
}

// fetch asks the RIR about ip, within its pace.
func (p *Prober) fetch(ctx context.Context, reg *regdata.Registry, w *regdata.RDAPWhere, ip netip.Addr) (*Entry, error) {
	if err := p.admit(w.RIR); err != nil {
		return nil, err
	}
	var errs []error
	for _, base := range httpsFirst(w.URLs) {
		e, err := p.query(ctx, reg, base, w.RIR, ip)
		if err == nil {
			p.ok(w.RIR)
			return e, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	err := errors.Join(errs...)
	p.fail(w.RIR, err)
	return nil, err
}

// rirRate is each RIR's pace: LACNIC documents about 10 queries a minute;
// the others tolerate one a second.
func rirRate(rir string) rate.Limit {
	if rir == "lacnic" {
		return rate.Every(6 * time.Second)
	}
	return rate.Every(time.Second)
}

// admit takes a slot of the RIR's pace if one comes within MaxWait, and
// refuses while the RIR is backed off.
func (p *Prober) admit(rir string) error {
	p.mu.Lock()
	now := p.opt.Now()
	if until, ok := p.down[rir]; ok && now.Before(until) {
		p.mu.Unlock()
		return &ratelimit.DeferredError{Server: rir, Until: until, Cause: ratelimit.ErrBackoff}
	}
	l, ok := p.pace[rir]
	if !ok {
		lim := rirRate(rir)
		if p.opt.Rate > 0 {
			lim = rate.Limit(p.opt.Rate)
		}
		l = rate.NewLimiter(lim, 2)
		p.pace[rir] = l
	}
	r := l.Reserve()
	d := r.Delay()
	if d > p.opt.MaxWait {
		r.Cancel()
		p.mu.Unlock()
		return &ratelimit.DeferredError{Server: rir, Until: now.Add(d)}
	}
	p.mu.Unlock()
	if d > 0 {
		time.Sleep(d)
	}
	return nil
}

// fail backs the RIR off: 1 min, doubling to 1 h, or its Retry-After.
func (p *Prober) fail(rir string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fails[rir]++
	back := time.Minute << min(p.fails[rir]-1, 6)
	back = min(back, time.Hour)
	var ra *retryAfterError
	if errors.As(err, &ra) && ra.after > 0 {
		back = min(ra.after, 24*time.Hour)
	}
	p.down[rir] = p.opt.Now().Add(back)
}

func (p *Prober) ok(rir string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.fails, rir)
	delete(p.down, rir)
}

// query GETs BASE/ip/ADDR and reads the network; with an origin AS it
// also asks the AS bootstrap's RIR for the AS name (best effort).
func (p *Prober) query(ctx context.Context, reg *regdata.Registry, base, rir string, ip netip.Addr) (*Entry, error) {
	var n ipNetwork
	if err := p.get(ctx, base+"ip/"+ip.String(), &n); err != nil {
		return nil, err
	}
	if n.ObjectClassName != "" && n.ObjectClassName != "ip network" {
		return nil, fmt.Errorf("ip rdap %s: answer is a %q, not an ip network", ip, clean(n.ObjectClassName, 32))
	}
	prefix, err := n.prefix(ip)
	if err != nil {
		return nil, fmt.Errorf("ip rdap %s: %w", ip, err)
	}
	a := Address{Network: &Network{Handle: clean(n.Handle, 128), Name: clean(n.Name, 128), CIDR: prefix.String(),
		Country: strings.ToUpper(clean(n.Country, 2))}}
	if len(n.OriginAS) > 0 {
		a.ASN = n.OriginAS[0]
		a.ASName = p.ASName(ctx, reg, a.ASN)
	}
	for _, c := range n.abuse() {
		if !slices.Contains(a.Abuse, c) {
			a.Abuse = append(a.Abuse, c)
		}
		if len(a.Abuse) == 4 {
			break
		}
	}
	return &Entry{Prefix: prefix, RIR: rir, Data: a, Fetched: p.opt.Now()}, nil
}

// ASName asks the AS bootstrap's RIR for an AS number's name (one query,
// paced like the others). "" when unknown.
func (p *Prober) ASName(ctx context.Context, reg *regdata.Registry, asn uint32) string {
	w := reg.ASN(asn)
	if w == nil || p.admit(w.RIR) != nil {
		return ""
	}
	var as struct {
		Name string `json:"name"`
	}
	if err := p.get(ctx, w.BaseURL+"autnum/"+strconv.FormatUint(uint64(asn), 10), &as); err != nil {
		return ""
	}
	return clean(as.Name, 128)
}

func (p *Prober) get(ctx context.Context, u string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, p.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("ip rdap %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/rdap+json")
	req.Header.Set("User-Agent", "takedown (+https://github.com/takedownhq/takedown)")
	resp, err := p.opt.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("ip rdap %s: %w", u, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return &retryAfterError{after: retryAfter(resp.Header.Get("Retry-After")), err: fmt.Errorf("ip rdap %s: HTTP 429", u)}
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("ip rdap %s: HTTP %d", u, resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
		return fmt.Errorf("ip rdap %s: content type %q, not JSON", u, clean(ct, 64))
	}
	dec := json.NewDecoder(resp.Body)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("ip rdap %s: %w", u, err)
	}
	return nil
}

type retryAfterError struct {
	after time.Duration
	err   error
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

func retryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(min(s, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

func httpsFirst(urls []string) []string {
	out := make([]string, 0, len(urls))
	for _, u := range urls {
		if strings.HasPrefix(u, "https:") {
			out = append(out, u)
		}
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, "https:") {
			out = append(out, u)
		}
	}
	return out
}
