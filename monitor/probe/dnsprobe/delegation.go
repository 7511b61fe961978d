package dnsprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/takedownhq/takedown/internal/base/domain"
)

const (
	// registryTTL is how long a registry's servers are remembered.
	registryTTL = 10 * time.Minute
	// maxRegistryHosts bounds the registry servers whose addresses are
	// looked up (.com has 13; a few are enough to ask).
	maxRegistryHosts = 4
	// maxWalk bounds the referrals followed from the root.
	maxWalk = 6
)

// Delegation is what a domain's registry publishes for it, as its own
// servers answer without recursion. JSON keys are part of
// `takedown check --json`.
type Delegation struct {
	NS      []string `json:"ns"`      // "ns1.fbi.seized.gov"
	Glue    []string `json:"glue"`    // "ns1.example.com 192.0.2.1", for the NS above
	DS      []string `json:"ds"`      // "keytag algorithm digesttype digest"
	Rcode   string   `json:"rcode"`   // NOERROR or NXDOMAIN (not in the registry's zone)
	Servers []string `json:"servers"` // the registry's name servers asked, sorted
}

type registryServer struct {
	name  string   // FQDN
	addrs []string // host:port
}

type registryEntry struct {
	servers []registryServer
	nx      bool // the suffix itself does not exist
	expires time.Time
}

// Delegation asks the servers of name's registry (the zone of its public
// suffix) for name's NS, without recursion, and returns the referral they
// give. A registry server that fails or answers beside the question is
// skipped for the next; when none answers, the error matches
// ErrProbeFailed. The registry's servers are found through the resolver
// (or from Options.RootServers) and remembered for ten minutes.
func (p *Prober) Delegation(ctx context.Context, name string) (*Delegation, error) {
	fqdn, err := checkName(name)
	if err != nil {
		return nil, err
	}
	ascii := strings.TrimSuffix(fqdn, ".")
	suffix, known := domain.Suffix(ascii)
	if !known {
		suffix = domain.TLD(ascii)
	}
	if suffix == ascii {
		return nil, fmt.Errorf("dnsprobe: delegation of %s: a public suffix, not a domain", ascii)
	}
	reg, err := p.registryServers(ctx, suffix+".")
	if err != nil {
		return nil, delegationError(ascii, err)
	}
	d := &Delegation{NS: []string{}, Glue: []string{}, DS: []string{}, Servers: []string{}}
	for _, s := range reg.servers {
		d.Servers = append(d.Servers, normName(s.name))
	}
	if reg.nx {
		d.Rcode = "NXDOMAIN"
		return d, nil
	}
	var addrs []string
	for _, s := range reg.servers {
		addrs = append(addrs, s.addrs...)
	}
	msg, oc, err := p.askRegistry(ctx, addrs, fqdn, true, func(m *dns.Msg) bool {
		return m.Authoritative || hasNS(m.Answer, fqdn) || hasNS(m.Ns, fqdn)
	})
	if err != nil {
		return nil, delegationError(ascii, err)
	}
	if oc == NXDomain {
		d.Rcode = "NXDOMAIN"
		return d, nil
	}
	d.Rcode = "NOERROR"
	var ns, ds, glue []dns.RR
	for _, rr := range slices.Concat(msg.Answer, msg.Ns) {
		if !strings.EqualFold(rr.Header().Name, fqdn) {
			continue
		}
		switch rr.Header().Rrtype {
		case dns.TypeNS:
			ns = append(ns, rr)
		case dns.TypeDS:
			ds = append(ds, rr)
		}
	}
	d.NS = normalize(ns)
	d.DS = normalize(ds)
	for _, rr := range msg.Extra {
		h := rr.Header()
		if h.Rrtype != dns.TypeA && h.Rrtype != dns.TypeAAAA {
			continue
		}
		if slices.Contains(d.NS, normName(h.Name)) {
			glue = append(glue, rr)
		}
	}
	d.Glue = normalizeGlue(glue)
	return d, nil
}

// delegationError makes sure every failure to learn the delegation
// matches ErrProbeFailed, whichever step it came from.
func delegationError(name string, err error) error {
	if errors.Is(err, ErrProbeFailed) {
		return fmt.Errorf("delegation %s: %w", name, err)
	}
	return fmt.Errorf("delegation %s: %w: %w", name, ErrProbeFailed, err)
}

// normalizeGlue is "host address" per glue record, sorted and bounded.
func normalizeGlue(rrs []dns.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		if s, ok := rdata(rr); ok {
			out = append(out, normName(rr.Header().Name)+" "+s)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > MaxRecords {
		out = out[:MaxRecords:MaxRecords]
	}
	return out
}

// askRegistry asks registry servers for name's NS without recursion until
// one gives an NXDOMAIN or an answer that accept takes (a lame server's is
// skipped). Each server is asked once in turn, at least Attempts times in
// all.
func (p *Prober) askRegistry(ctx context.Context, addrs []string, name string, do bool, accept func(*dns.Msg) bool) (*dns.Msg, Outcome, error) {
	if len(addrs) == 0 {
		return nil, Unreachable, &QueryError{Name: name, Type: dns.TypeNS, Outcome: Unreachable, Err: errors.New("no registry server address")}
	}
	tries := max(p.t.attempts, min(len(addrs), 2*maxRegistryHosts))
	var errs []error
	for i := range tries {
		if i > 0 && i%len(addrs) == 0 {
			if err := backoff(ctx, i/len(addrs)); err != nil {
				break
			}
		}
		server := addrs[i%len(addrs)]
		msg, oc, err := p.t.query(ctx, []string{server}, name, dns.TypeNS, queryOpts{do: do, attempts: 1})
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if oc == NXDomain || accept(msg) {
			return msg, oc, nil
		}
		errs = append(errs, &QueryError{Name: name, Type: dns.TypeNS, Server: server, Outcome: BadResponse, Attempts: 1,
			Err: errors.New("neither a referral nor an authoritative answer (lame server)")})
	}
	if len(errs) == 0 {
		errs = append(errs, &QueryError{Name: name, Type: dns.TypeNS, Outcome: Timeout, Err: ctx.Err()})
	}
	return nil, BadResponse, errors.Join(errs...)
}

func hasNS(rrs []dns.RR, owner string) bool {
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeNS && strings.EqualFold(rr.Header().Name, owner) {
			return true
		}
	}
	return false
}

// registryServers finds the name servers of a registry zone and their
// addresses, from the cache, the root servers or the resolver.
func (p *Prober) registryServers(ctx context.Context, zone string) (registryEntry, error) {
	p.regMu.Lock()
	e, ok := p.registry[zone]
	p.regMu.Unlock()
	if ok && time.Now().Before(e.expires) {
		return e, nil
	}
	var err error
	if len(p.rootServers) > 0 {
		e, err = p.walkFromRoot(ctx, zone)
	} else {
		e, err = p.registryFromResolver(ctx, zone)
	}
	if err != nil {
		return registryEntry{}, err
	}
	e.expires = time.Now().Add(registryTTL)
	p.regMu.Lock()
	p.registry[zone] = e
	p.regMu.Unlock()
	return e, nil
}

// registryFromResolver asks the resolver for the zone's NS, then for the
// addresses of the first few (additional-section addresses are not
// trusted: a resolver need not vouch for them).
func (p *Prober) registryFromResolver(ctx context.Context, zone string) (registryEntry, error) {
	q, err := p.query(ctx, zone, dns.TypeNS)
	if err != nil {
		return registryEntry{}, fmt.Errorf("servers of %s: %w", zone, err)
	}
	if q.Outcome == NXDomain {
		return registryEntry{nx: true}, nil
	}
	var names []string
	for _, rr := range q.Records {
		names = append(names, strings.ToLower(rr.(*dns.NS).Ns))
	}
	return p.addressServers(ctx, zone, names, nil)
}

// addressServers turns registry server names into servers with addresses:
// from glue when given, else through the resolver. Names are sorted, so the
// same servers are asked first every time.
func (p *Prober) addressServers(ctx context.Context, zone string, names []string, glue []dns.RR) (registryEntry, error) {
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) == 0 {
		return registryEntry{}, &QueryError{Name: zone, Type: dns.TypeNS, Outcome: BadResponse, Err: errors.New("no name servers")}
	}
	if len(names) > MaxRecords {
		names = names[:MaxRecords]
	}
	e := registryEntry{servers: make([]registryServer, len(names))}
	var wg sync.WaitGroup
	errs := make([]error, len(names))
	for i, n := range names {
		e.servers[i].name = n
		for _, rr := range glue {
			if strings.EqualFold(rr.Header().Name, n) {
				if a, ok := glueAddr(rr); ok {
					e.servers[i].addrs = append(e.servers[i].addrs, net.JoinHostPort(a.String(), p.authPort))
				}
			}
		}
		if len(e.servers[i].addrs) > 0 || i >= maxRegistryHosts {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.servers[i].addrs, errs[i] = p.lookupAddrs(ctx, n)
		}()
	}
	wg.Wait()
	for _, s := range e.servers {
		if len(s.addrs) > 0 {
			return e, nil
		}
	}
	err := errors.Join(errs...)
	if err == nil {
		err = errors.New("no address records")
	}
	return registryEntry{}, fmt.Errorf("servers of %s: no address: %w", zone, err)
}

// lookupAddrs resolves a server name: IPv4, or IPv6 when it has no IPv4.
func (p *Prober) lookupAddrs(ctx context.Context, host string) ([]string, error) {
	var out []string
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		q, err := p.query(ctx, host, qt)
		if err != nil {
			return nil, err
		}
		for _, rr := range q.Records {
			if a, ok := glueAddr(rr); ok {
				out = append(out, net.JoinHostPort(a.String(), p.authPort))
			}
		}
		if len(out) > 0 {
			break
		}
	}
	return out, nil
}

func glueAddr(rr dns.RR) (netip.Addr, bool) {
	switch r := rr.(type) {
	case *dns.A:
		return netip.AddrFromSlice(r.A.To4())
	case *dns.AAAA:
		return netip.AddrFromSlice(r.AAAA.To16())
	}
	return netip.Addr{}, false
}

// walkFromRoot follows referrals from the root servers down to zone.
func (p *Prober) walkFromRoot(ctx context.Context, zone string) (registryEntry, error) {
	addrs := p.rootServers
	at := "."
	for range maxWalk {
		msg, oc, err := p.askRegistry(ctx, addrs, zone, false, func(m *dns.Msg) bool {
			if m.Authoritative {
				return true
			}
			for _, rr := range m.Ns {
				if o := rr.Header().Name; rr.Header().Rrtype == dns.TypeNS && dns.IsSubDomain(o, zone) && !strings.EqualFold(o, at) {
					return true
				}
			}
			return false
		})
		if err != nil {
			return registryEntry{}, fmt.Errorf("servers of %s from %s: %w", zone, at, err)
		}
		if oc == NXDomain {
			return registryEntry{nx: true}, nil
		}
		var names []string
		cut := ""
		for _, rr := range slices.Concat(msg.Answer, msg.Ns) {
			ns, ok := rr.(*dns.NS)
			if !ok {
				continue
			}
			owner := strings.ToLower(ns.Hdr.Name)
			if cut == "" && dns.IsSubDomain(owner, zone) && dns.IsSubDomain(at, owner) && owner != at {
				cut = owner
			}
			if owner == cut {
				names = append(names, strings.ToLower(ns.Ns))
			}
		}
		if cut == "" {
			// The servers are authoritative for zone, without NS: no registry.
			return registryEntry{}, &QueryError{Name: zone, Type: dns.TypeNS, Outcome: BadResponse, Err: fmt.Errorf("no delegation from %s", at)}
		}
		e, err := p.addressServers(ctx, cut, names, msg.Extra)
		if err != nil || cut == zone {
			return e, err
		}
		addrs, at = nil, cut
		for _, s := range e.servers {
			addrs = append(addrs, s.addrs...)
		}
	}
	return registryEntry{}, fmt.Errorf("servers of %s: more than %d referrals", zone, maxWalk)
}
