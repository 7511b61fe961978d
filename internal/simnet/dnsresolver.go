package simnet

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

const (
	dnsMaxCNAMEHops  = 8
	dnsMaxReferrals  = 12
	dnsMaxNSDepth    = 3
	dnsMaxCacheTTL   = 300 * time.Second
	dnsUpstreamBufSz = 4096
)

// recurse answers a query on the resolver: from the cache, else by walking
// the hierarchy. Any failure on the way is SERVFAIL, as real resolvers say.
func (d *DNS) recurse(r *dns.Msg) *dns.Msg {
	q := r.Question[0]
	m := new(dns.Msg)
	m.SetReply(r)
	m.RecursionAvailable = true
	if q.Qclass != dns.ClassINET {
		m.Rcode = dns.RcodeNotImplemented
		return m
	}
	key := dnsCacheKey{name: strings.ToLower(q.Name), qtype: q.Qtype}
	gen := d.gen.Load()
	if !d.opts.NoCache {
		if e, ok := d.cache.get(key, gen); ok {
			// Clipped, so that appending to the reply cannot write into
			// the cached arrays other goroutines read.
			m.Rcode, m.Answer, m.Ns = e.rcode, slices.Clip(e.answer), slices.Clip(e.ns)
			return m
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*d.opts.UpstreamTimeout)
	defer cancel()
	res, err := d.resolve(ctx, key.name, key.qtype, 0)
	if err != nil {
		d.log.Debug("resolve failed", "name", key.name, "type", dns.TypeToString[key.qtype], "err", err)
		m.Rcode = dns.RcodeServerFailure
		return m
	}
	if !d.opts.NoCache {
		d.cache.put(key, gen, res)
	}
	m.Rcode, m.Answer, m.Ns = res.rcode, slices.Clip(res.answer), slices.Clip(res.ns)
	return m
}

// dnsResult is a resolved answer: rcode, the answer chain (CNAMEs, then the
// records asked for) and, for negative answers, the SOA.
type dnsResult struct {
	rcode      int
	answer, ns []dns.RR
}

// resolve follows CNAMEs across zones, each link found by iterate.
func (d *DNS) resolve(ctx context.Context, qname string, qtype uint16, depth int) (dnsResult, error) {
	var chain []dns.RR
	name := qname
	for hop := 0; hop <= dnsMaxCNAMEHops; hop++ {
		resp, err := d.iterate(ctx, name, qtype, depth)
		if err != nil {
			return dnsResult{}, err
		}
		var found []dns.RR
		var cname *dns.CNAME
		for _, rr := range resp.Answer {
			h := rr.Header()
			if !strings.EqualFold(h.Name, name) || h.Class != dns.ClassINET {
				continue
			}
			if h.Rrtype == qtype {
				found = append(found, rr)
			} else if c, ok := rr.(*dns.CNAME); ok {
				cname = c
			}
		}
		if len(found) > 0 {
			return dnsResult{rcode: dns.RcodeSuccess, answer: append(chain, found...)}, nil
		}
		if cname != nil && resp.Rcode == dns.RcodeSuccess {
			chain = append(chain, cname)
			name = strings.ToLower(cname.Target)
			continue
		}
		var soa []dns.RR
		for _, rr := range resp.Ns {
			if rr.Header().Rrtype == dns.TypeSOA {
				soa = append(soa, rr)
				break
			}
		}
		return dnsResult{rcode: resp.Rcode, answer: chain, ns: soa}, nil
	}
	return dnsResult{}, fmt.Errorf("%s: CNAME chain longer than %d", qname, dnsMaxCNAMEHops)
}

// iterate asks down the hierarchy from the closest known delegation until
// a server answers for name with data, NODATA or NXDOMAIN.
func (d *DNS) iterate(ctx context.Context, name string, qtype uint16, depth int) (*dns.Msg, error) {
	// DS lives in the parent zone, so its walk must stop above name.
	zone, servers := d.closestDelegation(name, qtype == dns.TypeDS)
	for step := 0; step < dnsMaxReferrals; step++ {
		resp, err := d.askServers(ctx, servers, name, qtype)
		if err != nil {
			return nil, fmt.Errorf("%s %s at %s: %w", name, dns.TypeToString[qtype], zone, err)
		}
		if resp.Rcode == dns.RcodeNameError || len(resp.Answer) > 0 || resp.Authoritative {
			return resp, nil
		}
		child, hosts, ttl := dnsReferral(resp)
		if child == "" || child == zone || !dns.IsSubDomain(zone, child) || !dns.IsSubDomain(child, name) {
			return nil, fmt.Errorf("%s %s: lame answer from %s servers", name, dns.TypeToString[qtype], zone)
		}
		addrs := d.referralAddrs(ctx, resp, hosts, depth)
		if len(addrs) == 0 {
			return nil, fmt.Errorf("%s %s: no reachable name server for %s", name, dns.TypeToString[qtype], child)
		}
		if !d.opts.NoCache {
			d.cache.putDeleg(child, d.gen.Load(), addrs, ttl)
		}
		zone, servers = child, addrs
	}
	return nil, fmt.Errorf("%s %s: more than %d referrals", name, dns.TypeToString[qtype], dnsMaxReferrals)
}

// dnsReferral reads the zone cut, its name servers and the smallest TTL
// from a referral's authority section.
func dnsReferral(resp *dns.Msg) (child string, hosts []string, ttl uint32) {
	ttl = uint32(dnsMaxCacheTTL / time.Second)
	for _, rr := range resp.Ns {
		ns, ok := rr.(*dns.NS)
		if !ok {
			continue
		}
		owner := strings.ToLower(ns.Hdr.Name)
		if child == "" {
			child = owner
		}
		if owner == child {
			hosts = append(hosts, strings.ToLower(ns.Ns))
			ttl = min(ttl, ns.Hdr.Ttl)
		}
	}
	return child, hosts, ttl
}

// referralAddrs takes the name servers' addresses from the glue, or
// resolves them. Only IPv4 loopback addresses can be simnet servers.
func (d *DNS) referralAddrs(ctx context.Context, resp *dns.Msg, hosts []string, depth int) []netip.AddrPort {
	port := uint16(d.Port())
	var out []netip.AddrPort
	add := func(rr dns.RR) {
		if a, ok := rr.(*dns.A); ok {
			if ip, ok := netip.AddrFromSlice(a.A.To4()); ok && ip.IsLoopback() {
				if ap := netip.AddrPortFrom(ip, port); !slices.Contains(out, ap) {
					out = append(out, ap)
				}
			}
		}
	}
	for _, rr := range resp.Extra {
		if slices.Contains(hosts, strings.ToLower(rr.Header().Name)) {
			add(rr)
		}
	}
	if len(out) > 0 || depth >= dnsMaxNSDepth {
		return out
	}
	for _, h := range hosts {
		res, err := d.resolve(ctx, h, dns.TypeA, depth+1)
		if err != nil {
			continue
		}
		for _, rr := range res.answer {
			add(rr)
		}
	}
	return out
}

// askServers asks each server in turn until one gives a usable answer.
func (d *DNS) askServers(ctx context.Context, servers []netip.AddrPort, name string, qtype uint16) (*dns.Msg, error) {
	var errs []error
	for _, s := range servers {
		q := new(dns.Msg)
		q.SetQuestion(name, qtype)
		q.RecursionDesired = false
		q.SetEdns0(1232, false)
		resp, err := d.up.exchange(ctx, s, q, d.opts.UpstreamTimeout)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
			errs = append(errs, fmt.Errorf("%s: %s", s, dns.RcodeToString[resp.Rcode]))
			continue
		}
		return resp, nil
	}
	if len(errs) == 0 {
		return nil, errors.New("no servers")
	}
	return nil, errors.Join(errs...)
}

// closestDelegation is the deepest cached zone cut above name (strictly
// above when strict), else the root.
func (d *DNS) closestDelegation(name string, strict bool) (string, []netip.AddrPort) {
	if !d.opts.NoCache {
		gen := d.gen.Load()
		n := name
		if strict {
			n = dnsParentZone(n)
		}
		for n != "." {
			if addrs, ok := d.cache.getDeleg(n, gen); ok {
				return n, addrs
			}
			n = dnsParentZone(n)
		}
	}
	return ".", []netip.AddrPort{netip.AddrPortFrom(dnsRootAddr, uint16(d.Port()))}
}

type dnsCacheKey struct {
	name  string
	qtype uint16
}

type dnsCacheEntry struct {
	dnsResult
	gen     uint64
	expires time.Time
}

type dnsDelegEntry struct {
	addrs   []netip.AddrPort
	gen     uint64
	expires time.Time
}

// dnsCache holds answers and zone cuts. Entries made before the last change
// to the simulated DNS (an older gen) are misses.
type dnsCache struct {
	mu    sync.RWMutex
	max   int
	ans   map[dnsCacheKey]dnsCacheEntry
	deleg map[string]dnsDelegEntry
}

func newDNSCache(max int) *dnsCache {
	return &dnsCache{max: max, ans: map[dnsCacheKey]dnsCacheEntry{}, deleg: map[string]dnsDelegEntry{}}
}

func (c *dnsCache) get(k dnsCacheKey, gen uint64) (dnsCacheEntry, bool) {
	c.mu.RLock()
	e, ok := c.ans[k]
	c.mu.RUnlock()
	if !ok || e.gen != gen || time.Now().After(e.expires) {
		return dnsCacheEntry{}, false
	}
	return e, true
}

func (c *dnsCache) put(k dnsCacheKey, gen uint64, r dnsResult) {
	ttl := dnsMaxCacheTTL
	for _, rr := range r.answer {
		ttl = min(ttl, time.Duration(rr.Header().Ttl)*time.Second)
	}
	for _, rr := range r.ns {
		if soa, ok := rr.(*dns.SOA); ok {
			ttl = min(ttl, time.Duration(min(soa.Minttl, soa.Hdr.Ttl))*time.Second)
		}
	}
	if ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ans) >= c.max {
		clear(c.ans) // crude, but bounded
	}
	c.ans[k] = dnsCacheEntry{dnsResult: r, gen: gen, expires: time.Now().Add(ttl)}
}

func (c *dnsCache) getDeleg(zone string, gen uint64) ([]netip.AddrPort, bool) {
	c.mu.RLock()
	e, ok := c.deleg[zone]
	c.mu.RUnlock()
	if !ok || e.gen != gen || time.Now().After(e.expires) {
		return nil, false
	}
	return e.addrs, true
}

func (c *dnsCache) putDeleg(zone string, gen uint64, addrs []netip.AddrPort, ttl uint32) {
	d := min(time.Duration(ttl)*time.Second, dnsMaxCacheTTL)
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.deleg) >= c.max {
		clear(c.deleg)
	}
	c.deleg[zone] = dnsDelegEntry{addrs: addrs, gen: gen, expires: time.Now().Add(d)}
}

// dnsUpstream sends the resolver's queries, reusing connected UDP sockets
// per server, and retries over TCP when an answer comes back truncated.
type dnsUpstream struct {
	mu     sync.Mutex
	idle   map[netip.AddrPort][]*net.UDPConn
	closed bool
	bufs   sync.Pool
}

const dnsMaxIdlePerServer = 1024

func newDNSUpstream() *dnsUpstream {
	u := &dnsUpstream{idle: map[netip.AddrPort][]*net.UDPConn{}}
	u.bufs.New = func() any { b := make([]byte, dnsUpstreamBufSz); return &b }
	return u
}

func (u *dnsUpstream) get(s netip.AddrPort) (*net.UDPConn, error) {
	u.mu.Lock()
	if l := u.idle[s]; len(l) > 0 {
		c := l[len(l)-1]
		u.idle[s] = l[:len(l)-1]
		u.mu.Unlock()
		return c, nil
	}
	u.mu.Unlock()
	return net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(s))
}

func (u *dnsUpstream) put(s netip.AddrPort, c *net.UDPConn) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed || len(u.idle[s]) >= dnsMaxIdlePerServer {
		c.Close()
		return
	}
	u.idle[s] = append(u.idle[s], c)
}

func (u *dnsUpstream) close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closed = true
	for s, l := range u.idle {
		for _, c := range l {
			c.Close()
		}
		delete(u.idle, s)
	}
}

func (u *dnsUpstream) exchange(ctx context.Context, s netip.AddrPort, q *dns.Msg, timeout time.Duration) (*dns.Msg, error) {
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	q.Id = uint16(rand.Uint32())
	bp := u.bufs.Get().(*[]byte)
	defer u.bufs.Put(bp)
	buf := *bp
	wire, err := q.PackBuffer(buf)
	if err != nil {
		return nil, err
	}
	c, err := u.get(s)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(deadline)
	if _, err := c.Write(wire); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	for {
		n, err := c.Read(buf)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("%s: %w", s, err)
		}
		if n < 12 || binary.BigEndian.Uint16(buf) != q.Id {
			continue // a late answer to an earlier query on this socket
		}
		resp := new(dns.Msg)
		if err := resp.Unpack(buf[:n]); err != nil {
			u.put(s, c)
			return nil, fmt.Errorf("%s: bad answer: %w", s, err)
		}
		if !dnsSameQuestion(q, resp) {
			continue
		}
		u.put(s, c)
		if resp.Truncated {
			return u.exchangeTCP(s, q, deadline)
		}
		return resp, nil
	}
}

func (u *dnsUpstream) exchangeTCP(s netip.AddrPort, q *dns.Msg, deadline time.Time) (*dns.Msg, error) {
	nc, err := net.DialTimeout("tcp4", s.String(), time.Until(deadline))
	if err != nil {
		return nil, fmt.Errorf("%s tcp: %w", s, err)
	}
	defer nc.Close()
	nc.SetDeadline(deadline)
	co := &dns.Conn{Conn: nc}
	if err := co.WriteMsg(q); err != nil {
		return nil, fmt.Errorf("%s tcp: %w", s, err)
	}
	resp, err := co.ReadMsg()
	if err != nil {
		return nil, fmt.Errorf("%s tcp: %w", s, err)
	}
	if resp.Id != q.Id || !dnsSameQuestion(q, resp) {
		return nil, fmt.Errorf("%s tcp: answer does not match the query", s)
	}
	return resp, nil
}

func dnsSameQuestion(q, r *dns.Msg) bool {
	return r.Response && len(r.Question) == 1 && r.Question[0].Qtype == q.Question[0].Qtype &&
		strings.EqualFold(r.Question[0].Name, q.Question[0].Name)
}
