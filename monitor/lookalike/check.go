package lookalike

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/time/rate"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// Registration is what the DNS says about one candidate. Status is
// store.RegYes, store.RegNo or store.RegUnknown. Marshalled, it is the DNS
// summary stored with a look-alike.
type Registration struct {
	Name   string             `json:"name"`
	Status event.Registration `json:"status"`
	Rcode  string             `json:"rcode,omitempty"` // of the first query: NOERROR, NXDOMAIN, SERVFAIL...
	NS     []string           `json:"ns,omitempty"`
	CNAME  string             `json:"cname,omitempty"`
	SOA    string             `json:"soa,omitempty"` // primary name server of the zone, when the name is a zone apex
	A      []string           `json:"a,omitempty"`
	MX     []string           `json:"mx,omitempty"`
	// Wildcard is set when the suffix answers for names nobody registered
	// and this answer could not be told apart from that.
	Wildcard bool   `json:"wildcard,omitempty"`
	Error    string `json:"error,omitempty"`
}

// Checker tells whether a registrable domain is registered. A failed
// lookup (timeout, SERVFAIL, refused) returns Status unknown and an error;
// it never says "registered" or "not registered" without an answer. The
// daemon may swap in its DNS probe's delegation lookup.
type Checker interface {
	Check(ctx context.Context, name string) (Registration, error)
}

// ErrLookup marks a failed lookup: the answer is unknown.
var ErrLookup = errors.New("lookup failed")

// DNSChecker checks registration through a recursive resolver: a name is
// registered when it is delegated (the resolver returns its NS set) or has
// an SOA, A or MX record; NXDOMAIN means not registered; SERVFAIL, a
// refusal or a timeout leaves it unknown.
type DNSChecker struct {
	// Resolver is host:port. Empty: the first nameserver of /etc/resolv.conf.
	Resolver string
	// Timeout bounds each query. Default 5s.
	Timeout time.Duration
}

// NewDNSChecker returns a checker on the configured resolver and timeout.
func NewDNSChecker(n config.Network) *DNSChecker {
	return &DNSChecker{Resolver: n.Resolver, Timeout: n.Timeout}
}

func (c *DNSChecker) resolver() (string, error) {
	if c.Resolver != "" {
		return c.Resolver, nil
	}
	cfg, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil || len(cfg.Servers) == 0 {
		return "", fmt.Errorf("system resolver: no nameserver in /etc/resolv.conf: %v", err)
	}
	return net.JoinHostPort(cfg.Servers[0], cfg.Port), nil
}

func (c *DNSChecker) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 5 * time.Second
}

// query asks one question, retrying over TCP when the answer is truncated.
func (c *DNSChecker) query(ctx context.Context, server, name string, qtype uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	m.SetEdns0(1232, false)
	for _, netw := range []string{"udp", "tcp"} {
		qctx, cancel := context.WithTimeout(ctx, c.timeout())
		cl := &dns.Client{Net: netw, UDPSize: 1232, Timeout: c.timeout()}
		r, _, err := cl.ExchangeContext(qctx, m, server)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("%s %s @%s: %w: %v", dns.TypeToString[qtype], name, server, ErrLookup, err)
		}
		if r.Id != m.Id || len(r.Question) != 1 || !strings.EqualFold(r.Question[0].Name, m.Question[0].Name) {
			return nil, fmt.Errorf("%s %s @%s: %w: answer to another question", dns.TypeToString[qtype], name, server, ErrLookup)
		}
		if !r.Truncated {
			return r, nil
		}
	}
	return nil, fmt.Errorf("%s %s @%s: %w: truncated over TCP", dns.TypeToString[qtype], name, server, ErrLookup)
}

// Check implements Checker.
func (c *DNSChecker) Check(ctx context.Context, name string) (Registration, error) {
	reg := Registration{Name: name, Status: store.RegUnknown}
	server, err := c.resolver()
	if err != nil {
		reg.Error = err.Error()
		return reg, err
	}
	fqdn := dns.Fqdn(name)
	r, err := c.query(ctx, server, name, dns.TypeNS)
	if err != nil {
		reg.Error = err.Error()
		return reg, err
	}
	reg.Rcode = dns.RcodeToString[r.Rcode]
	switch r.Rcode {
	case dns.RcodeNameError:
		reg.Status = store.RegNo
		return reg, nil
	case dns.RcodeSuccess:
	default:
		err := fmt.Errorf("NS %s @%s: %w: %s", name, server, ErrLookup, reg.Rcode)
		reg.Error = err.Error()
		return reg, err
	}
	readNS(r, fqdn, &reg)
	// The summary wants addresses and mail servers; a name without NS
	// counts as registered only through them (or an SOA of its own).
	failures := c.summarize(ctx, server, name, &reg)
	slices.Sort(reg.NS)
	slices.Sort(reg.A)
	slices.Sort(reg.MX)
	reg.NS, reg.A, reg.MX = slices.Compact(reg.NS), slices.Compact(reg.A), slices.Compact(reg.MX)
	if len(reg.NS) > 0 || reg.CNAME != "" || reg.SOA != "" || len(reg.A) > 0 || len(reg.MX) > 0 {
		reg.Status = store.RegYes
		return reg, nil
	}
	if len(failures) > 0 {
		err := fmt.Errorf("%s: %w: %s", name, ErrLookup, strings.Join(failures, "; "))
		reg.Error = err.Error()
		return reg, err
	}
	// The name exists (NOERROR) but holds nothing that shows a registration.
	reg.Error = "exists but has no NS, SOA, A or MX record"
	return reg, nil
}

// readNS takes the name's own NS set and CNAME from an NS answer.
func readNS(r *dns.Msg, fqdn string, reg *Registration) {
	for _, rr := range r.Answer {
		switch v := rr.(type) {
		case *dns.NS:
			if strings.EqualFold(v.Hdr.Name, fqdn) {
				reg.NS = append(reg.NS, strings.ToLower(strings.TrimSuffix(v.Ns, ".")))
			}
		case *dns.CNAME:
			if strings.EqualFold(v.Hdr.Name, fqdn) {
				reg.CNAME = strings.ToLower(strings.TrimSuffix(v.Target, "."))
			}
		}
	}
}

// summarize asks for the addresses and mail servers (and the SOA when
// the name has no NS set) and returns the queries that failed.
func (c *DNSChecker) summarize(ctx context.Context, server, name string, reg *Registration) []string {
	fqdn := dns.Fqdn(name)
	var failures []string
	types := []uint16{dns.TypeA, dns.TypeMX}
	if len(reg.NS) == 0 && reg.CNAME == "" {
		types = []uint16{dns.TypeSOA, dns.TypeA, dns.TypeMX}
	}
	for _, qt := range types {
		r, err := c.query(ctx, server, name, qt)
		if err != nil {
			failures = append(failures, err.Error())
			continue
		}
		if r.Rcode != dns.RcodeSuccess {
			if r.Rcode != dns.RcodeNameError {
				failures = append(failures, fmt.Sprintf("%s %s: %s", dns.TypeToString[qt], name, dns.RcodeToString[r.Rcode]))
			}
			continue
		}
		for _, rr := range r.Answer {
			switch v := rr.(type) {
			case *dns.SOA:
				if strings.EqualFold(v.Hdr.Name, fqdn) {
					reg.SOA = strings.ToLower(strings.TrimSuffix(v.Ns, "."))
				}
			case *dns.A:
				reg.A = append(reg.A, v.A.String())
			case *dns.MX:
				reg.MX = append(reg.MX, strings.ToLower(strings.TrimSuffix(v.Mx, ".")))
			}
		}
	}
	return failures
}

// ScanOptions bound a bulk check.
type ScanOptions struct {
	// Concurrency is the number of checks in flight. Default 16.
	Concurrency int
	// Rate is checks started per second. Default 50; negative: unlimited.
	Rate float64
	// Progress, if set, is called after each check with the count done.
	Progress func(done, total int)
}

// ScanResult is the outcome of a bulk check.
type ScanResult struct {
	// Registrations, in the order of the names given.
	Registrations []Registration
	// Wildcards lists suffixes whose registry answers for any name. Under
	// them only a delegation of its own (an NS set the random probe did not
	// get) counts as registered; the rest are unknown, flagged Wildcard.
	Wildcards []string
}

// Scan checks names (registrable domains) with bounded concurrency and
// rate. Before checking names under a suffix it asks for a random name
// under that suffix: an answer means the suffix answers wildcards. A
// cancelled context stops the scan and returns its error.
func Scan(ctx context.Context, c Checker, names []string, opts ScanOptions) (ScanResult, error) {
	workers, lim := opts.limiter()
	res := ScanResult{Registrations: make([]Registration, len(names))}
	suffixOf, wild, wildcards, err := probeWildcards(ctx, c, lim, names)
	res.Wildcards = wildcards
	if err != nil {
		return res, err
	}

	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				reg, _ := c.Check(ctx, names[i])
				reg.Name = names[i]
				if w, ok := wild[suffixOf[i]]; ok && reg.Status == store.RegYes && !ownDelegation(reg, w) {
					reg.Status, reg.Wildcard = store.RegUnknown, true
				}
				res.Registrations[i] = reg
				if opts.Progress != nil {
					mu.Lock()
					done++
					opts.Progress(done, len(names))
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for i := range names {
		if err = lim.Wait(ctx); err != nil {
			break
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	return res, err
}

// limiter is the number of workers and the rate checks start at.
func (opts ScanOptions) limiter() (int, *rate.Limiter) {
	workers := opts.Concurrency
	if workers <= 0 {
		workers = 16
	}
	limit := rate.Limit(opts.Rate)
	switch {
	case opts.Rate == 0:
		limit = 50
	case opts.Rate < 0:
		limit = rate.Inf
	}
	return workers, rate.NewLimiter(limit, workers)
}

// probeWildcards checks a random name under each suffix of names: a suffix
// that answers for it answers for any name. It returns each name's suffix
// and the wildcard answers by suffix, with the wildcard suffixes in the
// order first seen.
func probeWildcards(ctx context.Context, c Checker, lim *rate.Limiter, names []string) (suffixOf []string, wild map[string]Registration, wildcards []string, err error) {
	suffixOf = make([]string, len(names))
	var suffixes []string
	for i, n := range names {
		s, _ := domain.Suffix(n)
		suffixOf[i] = s
		if !slices.Contains(suffixes, s) {
			suffixes = append(suffixes, s)
		}
	}
	wild = map[string]Registration{}
	for _, s := range suffixes {
		if err := lim.Wait(ctx); err != nil {
			return nil, nil, wildcards, err
		}
		reg, err := c.Check(ctx, randomLabel()+"."+s)
		if ctx.Err() != nil {
			return nil, nil, wildcards, ctx.Err()
		}
		if err == nil && reg.Status == store.RegYes {
			wild[s] = reg
			wildcards = append(wildcards, s)
		}
	}
	return suffixOf, wild, wildcards, nil
}

// ownDelegation reports whether reg shows a delegation the wildcard probe
// did not get.
func ownDelegation(reg, wildcard Registration) bool {
	return len(reg.NS) > 0 && !slices.Equal(reg.NS, wildcard.NS)
}

// randomLabel is a label nobody registers: 20 random letters and digits.
func randomLabel() string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	b[0] = 'z' // a letter first, for suffixes that refuse leading digits
	return "tdprobe-" + string(b)
}
