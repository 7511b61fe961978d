package netguard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		addr         string
		blocked      bool // without AllowPrivate
		blockedAllow bool // with AllowPrivate
	}{
		{"93.184.215.14", false, false},
		{"192.0.2.1", true, false},
		{"198.51.100.7", true, false},
		{"203.0.113.9", true, false},
		{"::7f00:1", true, false},           // IPv4-compatible 127.0.0.1
		{"2002:7f00:1::", true, false},      // 6to4 of 127.0.0.1
		{"2002:a9fe:a9fe::1", true, false},  // 6to4 of the metadata address
		{"2002:5db8:d70e::1", false, false}, // 6to4 of a public address
		{"64:ff9b:1::a00:1", true, false},   // local-use NAT64
		{"::ffff:192.0.2.1", true, false},
		{"2606:4700::1111", false, false},
		{"127.0.0.1", true, false},
		{"127.8.9.10", true, false},
		{"::1", true, false},
		{"::ffff:127.0.0.1", true, false},
		{"64:ff9b::7f00:1", true, false}, // NAT64 form of 127.0.0.1
		{"10.1.2.3", true, false},
		{"172.16.0.1", true, false},
		{"172.31.255.255", true, false},
		{"172.32.0.1", false, false},
		{"192.168.1.1", true, false},
		{"100.64.0.1", true, false},
		{"100.127.255.254", true, false},
		{"100.128.0.1", false, false},
		{"169.254.169.254", true, false},
		{"169.254.1.1", true, false},
		{"100.100.100.200", true, false},
		{"168.63.129.16", true, false},
		{"fd00:ec2::254", true, false},
		{"fd12:3456::1", true, false},
		{"fe80::1", true, false},
		{"fe80::1%eth0", true, false},
		{"febf::1", true, false},
		{"0.0.0.0", true, true},
		{"::", true, true},
		{"224.0.0.1", true, true},
		{"ff02::1", true, true},
		{"255.255.255.255", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			ip := netip.MustParseAddr(tc.addr)
			err := Check(ip, false)
			if (err != nil) != tc.blocked {
				t.Errorf("Check(%s, false) = %v, want blocked=%v", tc.addr, err, tc.blocked)
			}
			if err != nil && !errors.Is(err, ErrBlocked) {
				t.Errorf("Check(%s) error %v does not wrap ErrBlocked", tc.addr, err)
			}
			if err := Check(ip, true); (err != nil) != tc.blockedAllow {
				t.Errorf("Check(%s, true) = %v, want blocked=%v", tc.addr, err, tc.blockedAllow)
			}
		})
	}
	if err := Check(netip.MustParseAddr("169.254.169.254"), false); err == nil || !strings.Contains(err.Error(), "metadata") {
		t.Errorf("metadata address refusal should say so: %v", err)
	}
}

// listen opens a TCP listener on loopback that accepts and closes.
func listen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func TestDialRefusesNamesResolvingInside(t *testing.T) {
	addr := listen(t)
	_, port, _ := net.SplitHostPort(addr)
	d := startDNS(t, map[string]string{
		"loop.example":   "127.0.0.1",
		"meta.example":   "169.254.169.254",
		"public.example": "192.0.2.7",
	})
	d.Set("loop6.example", "::1")
	d.Set("meta6.example", "fd00:ec2::254")

	closed := New(config.Network{Resolver: d.Addr(), Timeout: 2 * time.Second})
	open := New(config.Network{Resolver: d.Addr(), Timeout: 2 * time.Second, AllowPrivate: true})
	ctx := context.Background()

	for _, name := range []string{"loop.example", "meta.example", "loop6.example", "meta6.example"} {
		_, err := closed.DialContext(ctx, "tcp", net.JoinHostPort(name, port))
		if !errors.Is(err, ErrBlocked) {
			t.Errorf("dial %s without AllowPrivate: err = %v, want ErrBlocked", name, err)
		}
	}
	c, err := open.DialContext(ctx, "tcp", net.JoinHostPort("loop.example", port))
	if err != nil {
		t.Fatalf("dial loop.example with AllowPrivate: %v", err)
	}
	c.Close()

	// With AllowPrivate the metadata address is not refused by the guard;
	// whether it answers is up to the network, so only the reason is checked.
	sctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := open.DialContext(sctx, "tcp", net.JoinHostPort("meta.example", "80")); errors.Is(err, ErrBlocked) {
		t.Errorf("dial meta.example with AllowPrivate refused by the guard: %v", err)
	}
	// An IP literal takes the same path.
	if _, err := closed.DialContext(ctx, "tcp", addr); !errors.Is(err, ErrBlocked) {
		t.Errorf("dial %s: err = %v, want ErrBlocked", addr, err)
	}
	if _, err := closed.DialContext(ctx, "udp", "192.0.2.7:53"); err == nil {
		t.Error("udp dial allowed; the guard serves TCP probes only")
	}
}

// TestDialRebinding: the name answers a harmless address to whoever looks
// first (a pre-check) and loopback afterwards. The guard judges the address
// the connection really uses.
func TestDialRebinding(t *testing.T) {
	addr := listen(t)
	_, port, _ := net.SplitHostPort(addr)
	d := startDNS(t, nil)
	d.Rebind("rebind.example", "93.184.215.14", "127.0.0.1")
	g := New(config.Network{Resolver: d.Addr(), Timeout: 2 * time.Second})
	ctx := context.Background()

	ips, err := Resolver(d.Addr()).LookupHost(ctx, "rebind.example")
	if err != nil || len(ips) != 1 || ips[0] != "93.184.215.14" {
		t.Fatalf("first lookup = %v, %v; want the harmless address", ips, err)
	}
	for _, ip := range ips {
		if err := Check(netip.MustParseAddr(ip), false); err != nil {
			t.Fatalf("pre-check of %s: %v", ip, err)
		}
	}
	_, err = g.DialContext(ctx, "tcp", net.JoinHostPort("rebind.example", port))
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("dial after rebinding: err = %v, want ErrBlocked", err)
	}
}

func TestResolverUsesConfiguredServer(t *testing.T) {
	d := startDNS(t, map[string]string{"only-here.example": "192.0.2.99"})
	ips, err := Resolver(d.Addr()).LookupHost(context.Background(), "only-here.example")
	if err != nil || len(ips) != 1 || ips[0] != "192.0.2.99" {
		t.Fatalf("LookupHost = %v, %v", ips, err)
	}
	if d.Hits("only-here.example") == 0 {
		t.Fatal("the configured server was not asked")
	}
	if Resolver("") != net.DefaultResolver {
		t.Fatal("empty resolver address should mean the system resolver")
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"  plain   text\n\there ", 0, "plain text here"},
		{"<script>alert(1)</script>", 0, "<script>alert(1)</script>"},
		{"bank.example\x00.evil.example", 0, "bank.example\ufffd.evil.example"},
		{"\x1b[31mred\x1b[0m", 0, "\ufffd[31mred\ufffd[0m"},
		{"bad \xff\xfe utf8", 0, "bad \ufffd\ufffd utf8"},
		{"rtl\u202eevil", 0, "rtl\ufffdevil"},
		{"c1\u0085x\u009bq", 0, "c1 x\ufffdq"},
		{"héllo wörld", 6, "héllo"},
		{"abc def", 4, "abc"},
		{"abc def", 5, "abc d"},
		{"abc def", 6, "abc de"},
		{"日本語", 4, "日"},
		{"", 10, ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := Clean(tc.in, tc.max); got != tc.want {
				t.Errorf("Clean(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
		})
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "a b", "\x00\xff<b>", "日本\u202e語", "\t\n x"} {
		f.Add(s, 8)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		got := Clean(s, max)
		if max > 0 && len(got) > max {
			t.Fatalf("len %d > max %d", len(got), max)
		}
		for i, r := range got {
			if IsControl(r) || (r == '\ufffd' && got[i:i+3] != "\ufffd") {
				t.Fatalf("control or invalid byte %q at %d in %q", r, i, got)
			}
			if r != ' ' && (r == '\n' || r == '\t' || r == '\r') {
				t.Fatalf("whitespace %q left in %q", r, got)
			}
		}
		if got != "" && (got[0] == ' ' || got[len(got)-1] == ' ') {
			t.Fatalf("untrimmed %q", got)
		}
		if Clean(got, max) != got {
			t.Fatalf("not idempotent: %q -> %q", got, Clean(got, max))
		}
	})
}
