package netguard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Option changes a Guard.
type Option func(*Guard)

// WithInterfaceAddrs replaces the source of this host's own addresses
// (default: every interface's addresses, from net.InterfaceAddrs). Tests
// inject a list instead of touching real interfaces.
func WithInterfaceAddrs(list func() ([]netip.Addr, error)) Option {
	return func(g *Guard) { g.self = newHostAddrs(list) }
}

// hostAddrsTTL is how long a listing of the host's addresses is trusted:
// addresses come and go (DHCP, VPNs, containers), so the list is refreshed.
var hostAddrsTTL = 10 * time.Second

// maxHostAddrs bounds the addresses kept from one listing.
const maxHostAddrs = 4096

// hostAddrs caches the host's own interface addresses. Safe for concurrent
// use.
type hostAddrs struct {
	list func() ([]netip.Addr, error)

	mu    sync.Mutex
	at    time.Time
	addrs map[netip.Addr]bool
}

func newHostAddrs(list func() ([]netip.Addr, error)) *hostAddrs {
	return &hostAddrs{list: list}
}

// systemAddrs lists the addresses of every interface of this host.
func systemAddrs() ([]netip.Addr, error) {
	as, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("list interface addresses: %w", err)
	}
	out := make([]netip.Addr, 0, len(as))
	for _, a := range as {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr())
		} else if ip, err := netip.ParseAddr(a.String()); err == nil {
			out = append(out, ip)
		}
	}
	return out, nil
}

// contains reports whether ip is one of the host's addresses, refreshing
// the list when it is older than hostAddrsTTL. A failed refresh keeps the
// last good list.
func (h *hostAddrs) contains(ip netip.Addr) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.addrs == nil || time.Since(h.at) > hostAddrsTTL {
		list, err := h.list()
		if err != nil {
			slog.Default().With("component", "netguard").Warn("host addresses not refreshed", "err", err)
		} else {
			m := make(map[netip.Addr]bool, min(len(list), maxHostAddrs))
			for i, a := range list {
				if i == maxHostAddrs {
					break
				}
				m[embeddedV4(a.WithZone(""))] = true
			}
			h.addrs, h.at = m, time.Now()
		}
	}
	return h.addrs[embeddedV4(ip.WithZone(""))]
}

// Check is the package Check with this guard's setting, plus this host's
// own interface addresses: a watched domain resolving to the monitor's
// public address would otherwise reach services bound to 0.0.0.0.
// AllowPrivate opens those too (labs and tests run on the host itself).
func (g *Guard) Check(ip netip.Addr) error {
	if err := Check(ip, g.allowPrivate); err != nil {
		return err
	}
	if !g.allowPrivate && g.self != nil && g.self.contains(ip) {
		return &BlockedError{Addr: ip, Reason: "an address of this host"}
	}
	return nil
}

// lookup resolves host through the guard's resolver (an IP literal is
// returned as is) and refuses blocked addresses before any dial; the
// dialer's Control checks again on connect. A failed lookup names the
// resolver asked.
func (g *Guard) lookup(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	fam := "ip"
	switch network {
	case "tcp4":
		fam = "ip4"
	case "tcp6":
		fam = "ip6"
	}
	ips, err := g.resolver.LookupNetIP(ctx, fam, host)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: g.renameServer(host, err)}
	}
	var errs []error
	var ok []netip.Addr
	for _, ip := range ips {
		if err := g.Check(ip.Unmap()); err != nil {
			errs = append(errs, err)
			continue
		}
		ok = append(ok, ip.Unmap())
	}
	if len(ok) == 0 {
		if len(errs) == 0 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host,
				Server: g.serverName(), IsNotFound: true}}
		}
		return nil, fmt.Errorf("dial %s: %w", host, errors.Join(errs...))
	}
	return ok, nil
}

func (g *Guard) serverName() string {
	if g.resolverAddr == "" {
		return "" // the system's: Go names it correctly
	}
	return g.resolverAddr
}

// renameServer returns a copy of a lookup error naming the configured
// resolver; the original may be shared by concurrent lookups.
func (g *Guard) renameServer(host string, err error) error {
	var de *net.DNSError
	if g.resolverAddr == "" || !errors.As(err, &de) {
		return err
	}
	cp := *de
	cp.Server = g.resolverAddr
	if cp.Name == "" {
		cp.Name = host
	}
	return &cp
}

// Resolve looks host up through the guard's resolver and returns its
// addresses the guard allows; it fails, wrapping ErrBlocked, when every
// address is refused. An IP literal is judged as is.
func (g *Guard) Resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	ips, err := g.lookup(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	if len(ips) == 1 {
		if err := g.Check(ips[0]); err != nil {
			return nil, err
		}
	}
	return ips, nil
}
