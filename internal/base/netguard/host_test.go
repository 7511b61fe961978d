package netguard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
)

// TestGuardRefusesHostOwnAddresses: the host's own interface addresses
// (injected here; the real interfaces are not touched) are refused like
// loopback, in IPv4 and embedded IPv6 forms, and the list is refreshed.
func TestGuardRefusesHostOwnAddresses(t *testing.T) {
	own := netip.MustParseAddr("11.22.33.44")
	later := netip.MustParseAddr("11.22.33.55")
	var calls atomic.Int32
	list := func() ([]netip.Addr, error) {
		if calls.Add(1) == 1 {
			return []netip.Addr{own, netip.MustParseAddr("fe80::1%eth0")}, nil
		}
		return []netip.Addr{own, later}, nil
	}
	old := hostAddrsTTL
	hostAddrsTTL = 50 * time.Millisecond
	t.Cleanup(func() { hostAddrsTTL = old })

	g := New(config.Network{}, WithInterfaceAddrs(list))
	for _, a := range []string{"11.22.33.44", "::ffff:11.22.33.44", "2002:b16:212c::1", "::b16:212c"} {
		err := g.Check(netip.MustParseAddr(a))
		if !errors.Is(err, ErrBlocked) || !strings.Contains(err.Error(), "this host") {
			t.Errorf("Check(%s) = %v, want refusal as this host's address", a, err)
		}
	}
	if err := g.Check(later); err != nil {
		t.Fatalf("%s is not (yet) an address of the host: %v", later, err)
	}
	time.Sleep(60 * time.Millisecond)
	if err := g.Check(later); !errors.Is(err, ErrBlocked) {
		t.Fatalf("address added to an interface later not refused after refresh: %v", err)
	}
	if err := New(config.Network{AllowPrivate: true}, WithInterfaceAddrs(list)).Check(own); err != nil {
		t.Fatalf("AllowPrivate should open the host's own address (labs): %v", err)
	}
}

// TestLookupErrorNamesConfiguredResolver: with a dead resolver the error
// names it, not the server in /etc/resolv.conf.
func TestLookupErrorNamesConfiguredResolver(t *testing.T) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := c.LocalAddr().String()
	c.Close()
	g := New(config.Network{Resolver: dead, Timeout: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = g.DialContext(ctx, "tcp", "nowhere.example:80")
	if err == nil {
		t.Fatal("dial through a dead resolver succeeded")
	}
	if !strings.Contains(err.Error(), "on "+dead) {
		t.Fatalf("error %q does not name the resolver asked (%s)", err, dead)
	}
	var de *net.DNSError
	if !errors.As(err, &de) || de.Server != dead {
		t.Fatalf("error %v: want a *net.DNSError with Server %s", err, dead)
	}
}
