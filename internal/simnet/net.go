package simnet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
)

// NetOptions configure a Net. The zero value is ready to use.
type NetOptions struct {
	// Dir is where the CA file is written. Default: a new temporary
	// directory, removed by Close.
	Dir string
	// Now is the clock for registrations and certificates. Default time.Now.
	Now func() time.Time
	// Logger receives start and stop lines. Default slog.Default().
	Logger *slog.Logger
	// Latency is how long the servers take to answer. Default: no delay.
	Latency Latency
	// Infrastructure are domains that exist from the start as ordinary
	// sites: the seizure and sinkhole operators' own domains, which the
	// daemon watches. seized.gov is always registered.
	Infrastructure []string
}

// Net is the whole simulated internet on loopback: DNS (root, registries,
// name servers, a recursive resolver), WHOIS with IANA-style referral, RDAP
// with a bootstrap file, HTTPS and HTTP sites under a simnet CA, and an
// SMTP server that keeps what it receives. The Site helpers change all of
// them at once, as a registry, a registrar and a hoster would.
type Net struct {
	DNS      *DNS
	Registry *Registry
	Whois    *Whois
	RDAP     *RDAP
	// RIR is the regional registry holding simnet's addresses; RDAP
	// publishes its bootstrap files.
	RIR  *RIR
	Web  *Web
	SMTP *SMTPServer
	// CAFile holds the simnet root in PEM, for config.Network.CAFile.
	CAFile string

	now     func() time.Time
	tmpDir  string
	serial  atomic.Int64
	mu      sync.Mutex
	hosting map[string]Site // current site of each domain
}

// StartNet starts every server. Close stops them.
func StartNet(ctx context.Context, o NetOptions) (*Net, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	n := &Net{now: o.Now, hosting: map[string]Site{}, Registry: NewRegistry()}
	fail := func(err error) (*Net, error) {
		n.Close()
		return nil, err
	}
	n.DNS = NewDNS(DNSOptions{Logger: o.Logger})
	if err := n.DNS.Start(ctx); err != nil {
		return fail(fmt.Errorf("simnet dns: %w", err))
	}
	var err error
	if n.Whois, err = StartWhois(n.Registry); err != nil {
		return fail(fmt.Errorf("simnet whois: %w", err))
	}
	if n.RDAP, err = StartRDAP(n.Registry); err != nil {
		return fail(fmt.Errorf("simnet rdap: %w", err))
	}
	if n.RIR, err = StartRIR(); err != nil {
		return fail(fmt.Errorf("simnet rir: %w", err))
	}
	n.RDAP.SetRIR(n.RIR)
	if n.Web, err = NewWeb(WebOptions{Now: o.Now, Logger: o.Logger}); err != nil {
		return fail(fmt.Errorf("simnet web: %w", err))
	}
	if err := n.Web.Start(ctx); err != nil {
		return fail(fmt.Errorf("simnet web: %w", err))
	}
	if n.SMTP, err = StartSMTP(SMTPOptions{}); err != nil {
		return fail(fmt.Errorf("simnet smtp: %w", err))
	}
	n.SetLatency(o.Latency)
	if err := n.addSeizureRegistry(); err != nil {
		return fail(fmt.Errorf("simnet seized.gov: %w", err))
	}
	for _, d := range o.Infrastructure {
		if d == "seized.gov" {
			continue
		}
		page := SitePage(d, "Security research and takedown operations.")
		if err := n.AddSite(Site{Domain: d, Page: &page}); err != nil {
			return fail(fmt.Errorf("simnet infrastructure %s: %w", d, err))
		}
	}
	dir := o.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "simnet-"); err != nil {
			return fail(err)
		}
		n.tmpDir = dir
	}
	n.CAFile = filepath.Join(dir, "simnet-ca.pem")
	if err := os.WriteFile(n.CAFile, n.Web.RootPEM(), 0o644); err != nil {
		return fail(fmt.Errorf("simnet ca file: %w", err))
	}
	return n, nil
}

// Close stops every server and removes the temporary directory.
func (n *Net) Close() error {
	var errs []error
	for _, c := range []interface{ Close() error }{n.SMTP, n.Web, n.RIR, n.RDAP, n.Whois, n.DNS} {
		if c != nil && !isNilCloser(c) {
			errs = append(errs, c.Close())
		}
	}
	if n.tmpDir != "" {
		os.RemoveAll(n.tmpDir)
	}
	return errors.Join(errs...)
}

func isNilCloser(c interface{ Close() error }) bool {
	switch v := c.(type) {
	case *SMTPServer:
		return v == nil
	case *Web:
		return v == nil
	case *RDAP:
		return v == nil
	case *RIR:
		return v == nil
	case *Whois:
		return v == nil
	case *DNS:
		return v == nil
	}
	return false
}

// Network points a network configuration at simnet: its resolver, its
// registries' port, WHOIS referral, RDAP bootstrap, web ports and CA. The
// probes must be allowed to reach loopback, and registries here do not ban.
func (n *Net) Network(base config.Network) config.Network {
	base.Resolver = n.DNS.ResolverAddr()
	base.AuthPort = n.DNS.Port()
	base.WhoisReferral = n.Whois.ReferralAddr()
	base.WhoisServers = nil
	base.RDAPURL = ""
	base.RDAPBootstrap = n.RDAP.BootstrapBase()
	base.CertPort = port(n.Web.HTTPSAddr())
	base.HTTPSPort = port(n.Web.HTTPSAddr())
	base.HTTPPort = port(n.Web.HTTPAddr())
	base.MXPort = port(n.SMTP.Addr())
	base.AllowPrivate = true
	base.CAFile = n.CAFile
	if base.WhoisRate < 1000 {
		base.WhoisRate = 1000
	}
	if base.DNSRate < 100000 {
		base.DNSRate = 100000
	}
	return base
}

// SMTPConfig points alert mail at simnet's SMTP server.
func (n *Net) SMTPConfig() config.SMTP {
	return config.SMTP{Addr: n.SMTP.Addr(), TLS: "none", From: "takedown@simnet.test"}
}

// Flags are the takedown flags that point a command at simnet.
func (n *Net) Flags() []string {
	nw := n.Network(config.Network{})
	return []string{
		"--resolver", nw.Resolver,
		"--auth-port", strconv.Itoa(nw.AuthPort),
		"--whois-referral", nw.WhoisReferral,
		"--rdap-bootstrap", nw.RDAPBootstrap,
		"--cert-port", strconv.Itoa(nw.CertPort),
		"--https-port", strconv.Itoa(nw.HTTPSPort),
		"--http-port", strconv.Itoa(nw.HTTPPort),
		"--ca-file", nw.CAFile,
		"--allow-private",
	}
}

func port(addr string) int {
	i := strings.LastIndexByte(addr, ':')
	p, _ := strconv.Atoi(addr[i+1:])
	return p
}
