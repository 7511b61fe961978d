// Package dnsprobe takes the DNS snapshot of a domain: its records through a
// recursive resolver (A, AAAA, CNAME, NS, MX, TXT, SOA, CAA, DS), and the
// delegation its registry publishes, asked of the registry's own servers
// without recursion. The delegation is the registry's view: after a seizure
// it names the seizure name servers even while the child zone still lists
// the old ones.
//
// Answers are normalized (lower-case names, no TTLs, sorted, bounded) so
// that equal states serialize, and hash, equal. A query that gets no answer
// (SERVFAIL, REFUSED, a timeout, garbage) fails the whole probe with an
// error matching ErrProbeFailed; NXDOMAIN is an answer.
package dnsprobe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/takedownhq/takedown/internal/base/config"
)

// Limiter paces queries per server. Wait blocks until one more query may be
// sent to server (host:port, the resolver's or an authoritative server's)
// or returns an error, typically ctx's. It is called before every query
// sent, retries and TCP fallbacks included, and must be safe for
// concurrent use.
type Limiter interface {
	Wait(ctx context.Context, server string) error
}

// Options configure a Prober. Field comments give the defaults.
type Options struct {
	// Resolver is the recursive resolver, host:port (port 53 if omitted).
	// Default: the name servers of ResolvConf.
	Resolver string
	// ResolvConf is read when Resolver is empty. Default /etc/resolv.conf.
	ResolvConf string
	// AuthPort is the port of authoritative servers, used with the
	// addresses of a registry's name servers. Default 53.
	AuthPort int
	// RootServers, host:port, make the delegation probe find a registry's
	// servers by walking down from these instead of asking Resolver.
	RootServers []string
	// Timeout bounds one attempt of one query. Default 5s.
	Timeout time.Duration
	// Attempts is how often a query is tried when it times out, the
	// server fails (SERVFAIL) or the answer is garbage. Default 3.
	Attempts int
	// UDPSize is the EDNS0 buffer size advertised. Default 1232.
	UDPSize uint16
	// Limiter paces queries per server. Default none.
	Limiter Limiter
	// Logger gets debug lines about failed queries. Default slog.Default().
	Logger *slog.Logger
}

// OptionsFromConfig maps the network configuration to Options.
func OptionsFromConfig(n config.Network, lim Limiter) Options {
	return Options{
		Resolver:    n.Resolver,
		AuthPort:    n.AuthPort,
		RootServers: n.RootServers,
		Timeout:     n.Timeout,
		Limiter:     lim,
	}
}

// Prober takes DNS snapshots. It is safe for concurrent use; Close it to
// release its sockets.
type Prober struct {
	resolvers   []string
	authPort    string
	rootServers []string
	t           *transport
	log         *slog.Logger

	regMu    sync.Mutex
	registry map[string]registryEntry // suffix FQDN → its servers
}

// New checks the options and returns a Prober.
func New(o Options) (*Prober, error) {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Attempts <= 0 {
		o.Attempts = 3
	}
	if o.UDPSize < dns.MinMsgSize {
		o.UDPSize = 1232
	}
	if o.AuthPort == 0 {
		o.AuthPort = 53
	}
	if o.AuthPort < 0 || o.AuthPort > 65535 {
		return nil, fmt.Errorf("dnsprobe: auth port %d is not a port", o.AuthPort)
	}
	p := &Prober{
		authPort: strconv.Itoa(o.AuthPort),
		t:        &transport{timeout: o.Timeout, attempts: o.Attempts, udpSize: o.UDPSize, limiter: o.Limiter},
		log:      o.Logger,
		registry: map[string]registryEntry{},
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	p.log = p.log.With("component", "dnsprobe")
	if o.Resolver != "" {
		addr, err := hostPort(o.Resolver, "53")
		if err != nil {
			return nil, fmt.Errorf("dnsprobe: resolver: %w", err)
		}
		p.resolvers = []string{addr}
	} else {
		path := o.ResolvConf
		if path == "" {
			path = "/etc/resolv.conf"
		}
		cc, err := dns.ClientConfigFromFile(path)
		if err != nil {
			return nil, fmt.Errorf("dnsprobe: system resolver: %w", err)
		}
		for _, s := range cc.Servers {
			p.resolvers = append(p.resolvers, net.JoinHostPort(s, cc.Port))
		}
		if len(p.resolvers) == 0 {
			return nil, fmt.Errorf("dnsprobe: system resolver: no nameserver in %s", path)
		}
	}
	for _, r := range o.RootServers {
		addr, err := hostPort(r, "53")
		if err != nil {
			return nil, fmt.Errorf("dnsprobe: root server: %w", err)
		}
		p.rootServers = append(p.rootServers, addr)
	}
	return p, nil
}

// hostPort checks host:port, adding the default port to a bare host.
func hostPort(s, defPort string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		host, port = strings.Trim(s, "[]"), defPort
	}
	if host == "" {
		return "", fmt.Errorf("%q: no host", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return "", fmt.Errorf("%q: bad port", s)
	}
	return net.JoinHostPort(host, port), nil
}

// Close releases the sockets kept for reuse.
func (p *Prober) Close() error {
	p.t.close()
	return nil
}

// Resolvers are the recursive resolvers in use, host:port.
func (p *Prober) Resolvers() []string { return append([]string(nil), p.resolvers...) }

// Snapshot is a domain's DNS seen through the resolver. Lists hold
// normalized record data (see the field comments), sorted; JSON keys are
// part of `takedown check --json`.
type Snapshot struct {
	A     []string `json:"a"`     // "192.0.2.1"
	AAAA  []string `json:"aaaa"`  // "2001:db8::1"
	CNAME []string `json:"cname"` // the apex's alias target, "target.example.net"
	NS    []string `json:"ns"`    // "ns1.example.net" — the child zone's NS
	MX    []string `json:"mx"`    // "10 mail.example.net"
	TXT   []string `json:"txt"`   // "v=spf1 -all" (strings joined, \DDD escapes)
	SOA   []string `json:"soa"`   // "mname rname serial refresh retry expire minimum"
	CAA   []string `json:"caa"`   // `0 issue "letsencrypt.org"`
	DS    []string `json:"ds"`    // "keytag algorithm digesttype digest"
	Rcode string   `json:"rcode"` // NOERROR or NXDOMAIN
}

// Query is one question, with its outcome.
type Query struct {
	Name    string  // FQDN, lower case
	Type    uint16  // dns.TypeA, …
	Outcome Outcome // NoError, NoData or NXDomain (failures are errors)
	Records []dns.RR
	CNAME   string   // the first alias target, if Name is an alias
	Msg     *dns.Msg // the whole answer
}

// Query asks the resolver one question. Failures are *QueryError
// (ErrProbeFailed).
func (p *Prober) Query(ctx context.Context, name string, qtype uint16) (*Query, error) {
	fqdn, err := checkName(name)
	if err != nil {
		return nil, err
	}
	return p.query(ctx, fqdn, qtype)
}

func (p *Prober) query(ctx context.Context, fqdn string, qtype uint16) (*Query, error) {
	msg, oc, err := p.t.query(ctx, p.resolvers, fqdn, qtype, queryOpts{rd: true})
	if err != nil {
		p.log.Debug("query failed", "err", err)
		return nil, err
	}
	q := &Query{Name: fqdn, Type: qtype, Outcome: oc, Msg: msg}
	q.Records, q.CNAME = chase(msg.Answer, fqdn, qtype)
	if oc == NoError && len(q.Records) == 0 {
		q.Outcome = NoData
	}
	return q, nil
}

// probeTypes are asked for every snapshot. CNAME is not among them: the A
// answer carries the apex's alias, if any.
var probeTypes = [...]uint16{dns.TypeA, dns.TypeAAAA, dns.TypeNS, dns.TypeMX, dns.TypeTXT, dns.TypeSOA, dns.TypeCAA, dns.TypeDS}

// Probe takes the DNS snapshot of name through the resolver: eight queries
// in parallel. Any failed query fails the probe (ErrProbeFailed), as do
// answers that disagree on whether the name exists.
func (p *Prober) Probe(ctx context.Context, name string) (*Snapshot, error) {
	fqdn, err := checkName(name)
	if err != nil {
		return nil, err
	}
	var res [len(probeTypes)]*Query
	var errs [len(probeTypes)]error
	var wg sync.WaitGroup
	for i, qt := range probeTypes[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i+1], errs[i+1] = p.query(ctx, fqdn, qt)
		}()
	}
	res[0], errs[0] = p.query(ctx, fqdn, probeTypes[0])
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("dns %s: %w", strings.TrimSuffix(fqdn, "."), err)
	}
	nx := res[0].Outcome == NXDomain
	for i, q := range res {
		// DS comes from the parent zone, which may know the name when the
		// child does not (a dangling alias), so it is left out here.
		if probeTypes[i] != dns.TypeDS && (q.Outcome == NXDomain) != nx {
			return nil, fmt.Errorf("dns %s: %w: %s says %s but %s says %s", strings.TrimSuffix(fqdn, "."), ErrProbeFailed,
				dns.TypeToString[probeTypes[0]], res[0].Outcome, dns.TypeToString[probeTypes[i]], q.Outcome)
		}
	}
	s := &Snapshot{Rcode: "NOERROR"}
	if nx {
		s.Rcode = "NXDOMAIN"
	}
	lists := [...]*[]string{&s.A, &s.AAAA, &s.NS, &s.MX, &s.TXT, &s.SOA, &s.CAA, &s.DS}
	for i, q := range res {
		*lists[i] = normalize(q.Records)
	}
	s.CNAME = []string{}
	if c := res[0].CNAME; c != "" {
		s.CNAME = []string{c}
	}
	return s, nil
}

// checkName lower-cases a domain name and makes it a FQDN.
func checkName(name string) (string, error) {
	n := dns.Fqdn(strings.ToLower(strings.TrimSpace(name)))
	if _, ok := dns.IsDomainName(n); !ok || n == "." || len(n) > 254 {
		return "", fmt.Errorf("dnsprobe: %q is not a domain name", name)
	}
	return n, nil
}
