// Package netguard holds the defences the certificate and web probes share
// against the hosts they visit: a dialer that refuses internal addresses
// (SSRF guard) and cleaning of the text those hosts send back.
//
// The probes connect to whatever address a watched domain resolves to, and
// the domain's owner chooses that address. Without a guard a hostile domain
// could point the monitor at 127.0.0.1, the LAN or a cloud metadata service.
// The check runs in net.Dialer.Control, on the address actually being
// connected to after resolution, so a name that resolves differently on a
// second lookup (DNS rebinding) cannot slip past it.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
)

// ErrBlocked is wrapped by every refusal of an address.
var ErrBlocked = errors.New("address not allowed")

// BlockedError names the refused address and why it was refused.
type BlockedError struct {
	Addr   netip.Addr
	Reason string
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("netguard: %s is %s: %v (--allow-private permits it)", e.Addr, e.Reason, ErrBlocked)
}

// Unwrap lets errors.Is(err, ErrBlocked) match.
func (e *BlockedError) Unwrap() error { return ErrBlocked }

type rangeRule struct {
	prefix netip.Prefix
	reason string
	always bool // refused even with AllowPrivate: never a web server
}

func mustRules(spec [][3]string) []rangeRule {
	out := make([]rangeRule, 0, len(spec))
	for _, s := range spec {
		out = append(out, rangeRule{prefix: netip.MustParsePrefix(s[0]), reason: s[1], always: s[2] == "always"})
	}
	return out
}

// Metadata addresses come before the wider ranges that hold them, so the
// refusal names the more telling reason.
var rules = mustRules([][3]string{
	{"169.254.169.254/32", "a cloud metadata address", ""},
	{"169.254.170.2/32", "a cloud metadata address", ""}, // ECS task metadata
	{"100.100.100.200/32", "a cloud metadata address", ""},
	{"168.63.129.16/32", "a cloud metadata address", ""}, // Azure wire server, a public address
	{"fd00:ec2::254/128", "a cloud metadata address", ""},
	{"0.0.0.0/8", "unspecified", "always"}, // Linux connects 0.0.0.0 to the local host
	{"127.0.0.0/8", "loopback", ""},
	{"10.0.0.0/8", "private (RFC 1918)", ""},
	{"172.16.0.0/12", "private (RFC 1918)", ""},
	{"192.168.0.0/16", "private (RFC 1918)", ""},
	{"100.64.0.0/10", "shared CGNAT space", ""},
	{"169.254.0.0/16", "link-local", ""},
	{"192.0.0.0/24", "IETF protocol assignment", ""},
	{"198.18.0.0/15", "benchmarking space", ""},
	{"192.0.2.0/24", "documentation space (TEST-NET-1)", ""},
	{"198.51.100.0/24", "documentation space (TEST-NET-2)", ""},
	{"203.0.113.0/24", "documentation space (TEST-NET-3)", ""},
	{"224.0.0.0/4", "multicast", "always"},
	{"240.0.0.0/4", "reserved", "always"}, // includes 255.255.255.255
	{"::/128", "unspecified", "always"},
	{"::1/128", "loopback", ""},
	{"fc00::/7", "private (ULA)", ""},
	{"fe80::/10", "link-local", ""},
	{"fec0::/10", "site-local", ""},
	{"64:ff9b:1::/48", "local-use NAT64 (RFC 8215)", ""},
	{"2001:db8::/32", "documentation space", ""},
	{"ff00::/8", "multicast", "always"},
})

// Check reports whether a connection to ip is allowed. allowPrivate opens
// loopback, private, link-local, CGNAT and metadata addresses (for labs and
// tests); unspecified, multicast and reserved addresses stay refused because
// no web server lives there.
func Check(ip netip.Addr, allowPrivate bool) error {
	if !ip.IsValid() {
		return &BlockedError{Addr: ip, Reason: "not an address"}
	}
	orig := ip
	ip = embeddedV4(ip.WithZone(""))
	for _, r := range rules {
		if r.prefix.Contains(ip) {
			if allowPrivate && !r.always {
				return nil
			}
			return &BlockedError{Addr: orig, Reason: r.reason}
		}
	}
	return nil
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	compat4   = netip.MustParsePrefix("::/96") // IPv4-compatible (deprecated, RFC 4291)
	sixToFour = netip.MustParsePrefix("2002::/16")
	loopback6 = netip.MustParseAddr("::1")
)

// embeddedV4 returns the IPv4 address an IPv6 address stands for, where the
// IPv6 form only wraps it (mapped, IPv4-compatible, 6to4, or the well-known
// NAT64 prefix), so ::ffff:127.0.0.1, ::7f00:1 and 2002:7f00:1:: are judged
// as 127.0.0.1.
func embeddedV4(ip netip.Addr) netip.Addr {
	if ip.Is4In6() {
		return ip.Unmap()
	}
	if !ip.Is6() {
		return ip
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	case compat4.Contains(ip) && ip != loopback6 && !ip.IsUnspecified():
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
	}
	return ip
}

// Guard dials TCP for the probes with the address check in place. The zero
// value is not usable; build it with New. Safe for concurrent use.
type Guard struct {
	allowPrivate bool
	timeout      time.Duration
	resolver     *net.Resolver
	resolverAddr string     // "" for the system's
	self         *hostAddrs // this host's own interface addresses
}

// New builds a Guard from the network settings: Resolver (host:port, empty
// for the system's), AllowPrivate and Timeout (per connection attempt;
// default 5s).
func New(n config.Network, opts ...Option) *Guard {
	t := n.Timeout
	if t <= 0 {
		t = 5 * time.Second
	}
	g := &Guard{allowPrivate: n.AllowPrivate, timeout: t, resolver: Resolver(n.Resolver), resolverAddr: n.Resolver,
		self: newHostAddrs(systemAddrs)}
	for _, o := range opts {
		o(g)
	}
	return g
}

// Resolver returns a resolver that sends every query to addr (host:port),
// or the system resolver when addr is empty. The resolver itself is not
// guarded: the configured resolver is often on loopback.
func Resolver(addr string) *net.Resolver {
	if addr == "" {
		return net.DefaultResolver
	}
	var d net.Dialer
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}
}

// AllowPrivate reports whether internal addresses are allowed.
func (g *Guard) AllowPrivate() bool { return g.allowPrivate }

// Dialer returns a net.Dialer that resolves through the configured resolver
// and refuses blocked addresses at connect time.
func (g *Guard) Dialer() *net.Dialer {
	return &net.Dialer{
		Timeout:  g.timeout,
		Resolver: g.resolver,
		Control:  g.control,
	}
}

// DialContext dials like net.Dialer.DialContext, refusing blocked addresses.
// It resolves names itself through the configured resolver, so a failed
// lookup names the resolver actually asked (Go's resolver names the server
// in /etc/resolv.conf even when its queries go elsewhere).
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("netguard: network %q not allowed", network)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("netguard: dial %q: %w", addr, err)
	}
	ips, err := g.lookup(ctx, network, host)
	if err != nil {
		return nil, err
	}
	d := g.Dialer()
	var errs []error
	for i, ip := range ips {
		if i == maxAddrs {
			break
		}
		c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// maxAddrs bounds the addresses of one name a dial tries.
const maxAddrs = 8

func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("netguard: dial %q: %w", address, ErrBlocked)
	}
	return g.Check(ap.Addr())
}
