package monitor

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/base/ratelimit"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/monitor/probe/certprobe"
	"github.com/takedownhq/takedown/monitor/probe/dnsprobe"
	"github.com/takedownhq/takedown/monitor/probe/hostingprobe"
	"github.com/takedownhq/takedown/monitor/probe/httpprobe"
	"github.com/takedownhq/takedown/monitor/probe/whoisprobe"
)

// Probers holds one prober of each kind built from the network
// configuration; they share the per-server rate limits.
type Probers struct {
	DNS   *dnsprobe.Prober
	RDAP  *whoisprobe.RDAP
	WHOIS *whoisprobe.WHOIS
	Cert  *certprobe.Prober
	HTTP  *httpprobe.Prober
	// Hosting looks up the networks holding the domain's addresses; its
	// cache is in memory until UseHostingCache gives it the database's.
	Hosting *hostingprobe.Prober
	// WhoisEverywhere makes the whois kind query registries that also
	// speak RDAP; by default the daemon asks those over RDAP only, halving
	// the load on registries that ban aggressive clients.
	WhoisEverywhere bool

	hostingOpts hostingprobe.Options
}

// NewProbers builds the probers. The registry limiter is shared by WHOIS
// and RDAP; DNS gets its own per-server limiter at cfg.DNSRate.
func NewProbers(n config.Network) (*Probers, error) { return NewProbersShared(n, nil) }

// NewProbersShared is NewProbers whose registry rate is a budget shared
// with other daemons (nil: this process's own).
func NewProbersShared(n config.Network, budget ratelimit.Budget) (*Probers, error) {
	regLim := ratelimit.New(ratelimit.Options{Rate: n.WhoisRate, Budget: budget})
	dnsLim := ratelimit.PerSecond(n.DNSRate)
	d, err := dnsprobe.New(dnsprobe.OptionsFromConfig(n, dnsLim))
	if err != nil {
		return nil, fmt.Errorf("dns probe: %w", err)
	}
	rd, err := whoisprobe.NewRDAP(n, regLim)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("rdap probe: %w", err)
	}
	var certOpts []certprobe.Option
	var httpOpts []httpprobe.Option
	if n.CAFile != "" {
		pool, err := rootsWith(n.CAFile)
		if err != nil {
			d.Close()
			return nil, err
		}
		certOpts = append(certOpts, certprobe.WithRoots(pool))
		httpOpts = append(httpOpts, httpprobe.WithRoots(pool))
	}
	ps := &Probers{
		DNS:   d,
		RDAP:  rd,
		WHOIS: whoisprobe.NewWHOIS(n, regLim),
		Cert:  certprobe.New(n, certOpts...),
		HTTP:  httpprobe.New(n, httpOpts...),
	}
	ps.hostingOpts = hostingprobe.Options{TTL: n.IPRDAPTTLOrDefault(), Timeout: n.Timeout}
	if n.RDAPBootstrap != "" {
		// A lab's bootstrap covers its own (loopback) addresses, and its
		// RIR is ours to load.
		ps.hostingOpts.AnyAddress, ps.hostingOpts.Rate = true, n.WhoisRate
	}
	ps.UseHostingCache(nil)
	return ps, nil
}

// UseHostingCache rebuilds the hosting prober over a cache (nil: memory),
// such as the database's, so network lookups outlive the process.
func (p *Probers) UseHostingCache(c hostingprobe.Cache) {
	p.Hosting = hostingprobe.New(p.RDAP.Registry, p.addresses, c, p.hostingOpts)
}

// addresses are a name's A and AAAA addresses, from the DNS probe.
func (p *Probers) addresses(ctx context.Context, name string) ([]string, error) {
	s, err := p.DNS.Probe(ctx, name)
	if err != nil {
		return nil, err
	}
	return append(append([]string(nil), s.A...), s.AAAA...), nil
}

// rootsWith is the system's roots plus a lab CA file.
func rootsWith(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s: no PEM certificates", path)
	}
	return pool, nil
}

// Close releases the DNS sockets.
func (p *Probers) Close() error { return p.DNS.Close() }

// List returns the probers of the given kinds (all when empty).
func (p *Probers) List(kinds ...event.Probe) ([]engine.Prober, error) {
	if len(kinds) == 0 {
		kinds = event.Probes
	}
	var out []engine.Prober
	for _, k := range kinds {
		var pr engine.Prober
		switch k {
		case event.ProbeDNS:
			pr = probeFunc{k, func(ctx context.Context, d string) (any, error) { return p.DNS.Probe(ctx, d) }}
		case event.ProbeDelegation:
			pr = probeFunc{k, func(ctx context.Context, d string) (any, error) { return p.DNS.Delegation(ctx, d) }}
		case event.ProbeRDAP:
			pr = probeFunc{k, func(ctx context.Context, d string) (any, error) {
				if !p.RDAP.Covers(ctx, d) {
					return nil, engine.ErrNotApplicable
				}
				rec, err := p.RDAP.Probe(ctx, d)
				if err != nil {
					// A registry whose RDAP is down still has WHOIS (5xx,
					// timeouts; never a 429, which waits its turn).
					return whoisprobe.Fallback(ctx, p.WHOIS, d, err)
				}
				return rec, nil
			}}
		case event.ProbeWHOIS:
			pr = probeFunc{k, func(ctx context.Context, d string) (any, error) {
				if !p.WhoisEverywhere && p.RDAP.Covers(ctx, d) {
					return nil, engine.ErrNotApplicable
				}
				return p.WHOIS.Probe(ctx, d)
			}}
		case event.ProbeCert:
			pr = probeFunc{k, func(ctx context.Context, d string) (any, error) { return p.Cert.Probe(ctx, d) }}
		case event.ProbeHosting:
			pr = probeFunc{k, func(ctx context.Context, d string) (any, error) {
				snap, err := p.Hosting.Probe(ctx, d)
				if err == nil && len(snap.Addresses) == 0 {
					// A name without addresses is hosted nowhere: the DNS
					// snapshot says so; an empty hosting snapshot would read
					// as a move when it resolves again to the same network.
					return nil, engine.ErrNotApplicable
				}
				return snap, err
			}}
		case event.ProbeHTTP:
			pr = probeFunc{k, func(ctx context.Context, d string) (any, error) { return p.HTTP.Probe(ctx, d) }}
		default:
			return nil, fmt.Errorf("unknown probe %q: want dns, delegation, whois, rdap, cert, http or hosting", k)
		}
		out = append(out, pr)
	}
	return out, nil
}

type probeFunc struct {
	kind event.Probe
	fn   func(ctx context.Context, domain string) (any, error)
}

func (p probeFunc) Kind() event.Probe { return p.kind }
func (p probeFunc) Probe(ctx context.Context, d string) (any, error) {
	return p.fn(ctx, d)
}
