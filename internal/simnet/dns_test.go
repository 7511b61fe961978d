package simnet

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func startDNS(t *testing.T, opts DNSOptions) *DNS {
	t.Helper()
	d := NewDNS(opts)
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	return d
}

// ask sends one query over the given network ("udp" or "tcp").
func ask(t *testing.T, netw, server, name string, qtype uint16, rd bool) (*dns.Msg, error) {
	t.Helper()
	c := &dns.Client{Net: netw, Timeout: 2 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = rd
	m.SetEdns0(1232, true)
	r, _, err := c.Exchange(m, server)
	return r, err
}

func mustAsk(t *testing.T, server, name string, qtype uint16) *dns.Msg {
	t.Helper()
	r, err := ask(t, "udp", server, name, qtype, true)
	if err != nil {
		t.Fatalf("%s %s at %s: %v", name, dns.TypeToString[qtype], server, err)
	}
	return r
}

// rdata lists the answer records of type qtype as "owner TYPE rdata",
// without TTLs, sorted.
func rdata(m *dns.Msg, section []dns.RR, qtype uint16) []string {
	var out []string
	for _, rr := range section {
		if rr.Header().Rrtype != qtype {
			continue
		}
		h := *rr.Header()
		s := strings.TrimPrefix(rr.String(), h.String())
		out = append(out, strings.ToLower(h.Name)+" "+dns.TypeToString[h.Rrtype]+" "+s)
	}
	sort.Strings(out)
	return out
}

func TestDNSResolverWalksTheHierarchy(t *testing.T) {
	for _, nocache := range []bool{false, true} {
		d := startDNS(t, DNSOptions{NoCache: nocache})
		if err := d.Register("example.org", []string{"ns1.example.org", "ns2.hoster.net"},
			"@ A 192.0.2.1", "@ AAAA 2001:db8::1", "@ MX 10 mail", "@ TXT \"v=spf1 -all\"",
			"www CNAME @", "@ CAA 0 issue \"letsencrypt.org\""); err != nil {
			t.Fatal(err)
		}
		res := d.ResolverAddr()
		tests := []struct {
			name  string
			qtype uint16
			want  []string
		}{
			{"example.org", dns.TypeA, []string{"example.org. A 192.0.2.1"}},
			{"example.org", dns.TypeAAAA, []string{"example.org. AAAA 2001:db8::1"}},
			{"example.org", dns.TypeMX, []string{"example.org. MX 10 mail.example.org."}},
			{"example.org", dns.TypeTXT, []string{"example.org. TXT \"v=spf1 -all\""}},
			{"example.org", dns.TypeNS, []string{"example.org. NS ns1.example.org.", "example.org. NS ns2.hoster.net."}},
			{"example.org", dns.TypeCAA, []string{"example.org. CAA 0 issue \"letsencrypt.org\""}},
			{"WWW.Example.org", dns.TypeA, []string{"example.org. A 192.0.2.1"}},
			{"ns1.example.org", dns.TypeA, []string{"ns1.example.org. A " + d.HostAddrs("ns1.example.org")[0].String()}},
			{"ns1.fbi.seized.gov", dns.TypeA, []string{"ns1.fbi.seized.gov. A " + d.HostAddrs("ns1.fbi.seized.gov")[0].String()}},
		}
		for _, tc := range tests {
			t.Run(tc.name+"/"+dns.TypeToString[tc.qtype], func(t *testing.T) {
				r := mustAsk(t, res, tc.name, tc.qtype)
				if r.Rcode != dns.RcodeSuccess || !r.RecursionAvailable {
					t.Errorf("nocache=%v %s %s: rcode %s ra %v", nocache, tc.name, dns.TypeToString[tc.qtype], dns.RcodeToString[r.Rcode], r.RecursionAvailable)
				}
				if got := rdata(r, r.Answer, tc.qtype); !slices.Equal(got, tc.want) {
					t.Errorf("nocache=%v %s %s = %q, want %q", nocache, tc.name, dns.TypeToString[tc.qtype], got, tc.want)
				}
			})
		}
		r := mustAsk(t, res, "www.example.org", dns.TypeA)
		if got := rdata(r, r.Answer, dns.TypeCNAME); !slices.Equal(got, []string{"www.example.org. CNAME example.org."}) {
			t.Errorf("CNAME chain = %q", got)
		}
		// NODATA and NXDOMAIN inside the zone, NXDOMAIN at the registry.
		if r := mustAsk(t, res, "example.org", dns.TypeSRV); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 || len(rdata(r, r.Ns, dns.TypeSOA)) != 1 {
			t.Errorf("NODATA: %v", r)
		}
		if r := mustAsk(t, res, "nope.example.org", dns.TypeA); r.Rcode != dns.RcodeNameError {
			t.Errorf("name in zone: rcode %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
		}
		if r := mustAsk(t, res, "unregistered.org", dns.TypeA); r.Rcode != dns.RcodeNameError {
			t.Errorf("unregistered: rcode %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
		}
	}
}

func TestDNSDelegationDiffersFromChildZone(t *testing.T) {
	d := startDNS(t, DNSOptions{})
	if err := d.Register("thefoxcloud.com", []string{"ns1.hoster.net", "ns2.hoster.net"}, "@ A 192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	// The seizure: the registry points at the seizure name servers, which
	// serve the zone as it was, NS records included.
	if err := d.SetDelegation("thefoxcloud.com", DNSSeizureNS, nil); err != nil {
		t.Fatal(err)
	}
	if err := d.SetDS("thefoxcloud.com", "@ DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"); err != nil {
		t.Fatal(err)
	}
	tld := d.TLDServers("com")
	if len(tld) != 2 {
		t.Fatalf("com servers %q", tld)
	}
	for _, s := range tld {
		r, err := ask(t, "udp", s, "thefoxcloud.com", dns.TypeNS, false)
		if err != nil {
			t.Fatal(err)
		}
		if r.Authoritative || len(r.Answer) != 0 {
			t.Errorf("%s: want a referral, got %v", s, r)
		}
		want := []string{"thefoxcloud.com. NS ns1.fbi.seized.gov.", "thefoxcloud.com. NS ns2.fbi.seized.gov."}
		if got := rdata(r, r.Ns, dns.TypeNS); !slices.Equal(got, want) {
			t.Errorf("%s: delegation %q, want %q", s, got, want)
		}
		if got := rdata(r, r.Ns, dns.TypeDS); len(got) != 1 {
			t.Errorf("%s: DS in referral with DO: %q", s, got)
		}
		if got := rdata(r, r.Extra, dns.TypeA); len(got) != 2 || !strings.HasPrefix(got[0], "ns1.fbi.seized.gov. A 127.53.") {
			t.Errorf("%s: glue %q", s, got)
		}
	}
	r := mustAsk(t, d.ResolverAddr(), "thefoxcloud.com", dns.TypeNS)
	want := []string{"thefoxcloud.com. NS ns1.hoster.net.", "thefoxcloud.com. NS ns2.hoster.net."}
	if got := rdata(r, r.Answer, dns.TypeNS); !slices.Equal(got, want) {
		t.Errorf("child NS %q, want %q", got, want)
	}
	r = mustAsk(t, d.ResolverAddr(), "thefoxcloud.com", dns.TypeDS)
	if got := rdata(r, r.Answer, dns.TypeDS); len(got) != 1 || !r.Authoritative && len(got) != 1 {
		t.Errorf("DS through the resolver: %q", got)
	}
}

func TestDNSRemoval(t *testing.T) {
	d := startDNS(t, DNSOptions{})
	if err := d.Register("example.com", []string{"ns1.example.net"}, "@ A 192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	res := d.ResolverAddr()
	if r := mustAsk(t, res, "example.com", dns.TypeA); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("before: %v", r)
	}
	d.RemoveZone("example.com") // lame: the name server refuses
	if r := mustAsk(t, res, "example.com", dns.TypeA); r.Rcode != dns.RcodeServerFailure {
		t.Errorf("lame: rcode %s, want SERVFAIL", dns.RcodeToString[r.Rcode])
	}
	if err := d.SetZone("example.com", "@ A 192.0.2.2"); err != nil {
		t.Fatal(err)
	}
	d.RemoveDelegation("example.com") // a registry hold
	if r := mustAsk(t, res, "example.com", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Errorf("hold: rcode %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}
	if err := d.SetDelegation("example.com", []string{"ns1.example.net"}, nil); err != nil {
		t.Fatal(err)
	}
	if r := mustAsk(t, res, "example.com", dns.TypeA); len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.2" {
		t.Errorf("back: %v", r)
	}
	d.Remove("example.com")
	if r := mustAsk(t, res, "example.com", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Errorf("removed: rcode %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}
}

func TestDNSFaults(t *testing.T) {
	d := startDNS(t, DNSOptions{UpstreamTimeout: 300 * time.Millisecond})
	if err := d.Register("example.com", []string{"ns1.example.com"}, "@ A 192.0.2.1", "@ MX 10 mail"); err != nil {
		t.Fatal(err)
	}
	res := d.ResolverAddr()
	d.SetFault("example.com", DNSServFail, dns.TypeMX)
	if r := mustAsk(t, res, "example.com", dns.TypeMX); r.Rcode != dns.RcodeServerFailure {
		t.Errorf("servfail: %s", dns.RcodeToString[r.Rcode])
	}
	if r := mustAsk(t, res, "example.com", dns.TypeA); r.Rcode != dns.RcodeSuccess {
		t.Errorf("fault limited to MX hit A: %s", dns.RcodeToString[r.Rcode])
	}
	d.SetFault("example.com", DNSRefused)
	if r := mustAsk(t, res, "www.example.com", dns.TypeA); r.Rcode != dns.RcodeRefused {
		t.Errorf("refused below the name: %s", dns.RcodeToString[r.Rcode])
	}
	d.SetFault("example.com", DNSDrop)
	start := time.Now()
	c := &dns.Client{Timeout: 300 * time.Millisecond}
	m := new(dns.Msg)
	m.SetQuestion("example.com.", dns.TypeA)
	if _, _, err := c.Exchange(m, res); err == nil {
		t.Error("drop: got an answer")
	} else if ne := (net.Error)(nil); !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("drop: %v, want a timeout", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Error("drop took too long")
	}
	d.SetFault("example.com", DNSTruncate)
	r, err := ask(t, "udp", res, "example.com", dns.TypeA, true)
	if err != nil || !r.Truncated || len(r.Answer) != 0 {
		t.Errorf("truncate over UDP: %v %v", r, err)
	}
	r, err = ask(t, "tcp", res, "example.com", dns.TypeA, true)
	if err != nil || r.Truncated || len(r.Answer) != 1 {
		t.Errorf("truncate, then TCP: %v %v", r, err)
	}
	d.SetFault("example.com", DNSGarbage)
	if _, err := ask(t, "udp", res, "example.com", dns.TypeA, true); err == nil {
		t.Error("garbage: parsed")
	}
	d.SetFault("example.com", DNSNoFault)
	if r := mustAsk(t, res, "example.com", dns.TypeA); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Errorf("cleared: %v", r)
	}
}

func TestDNSServerFaults(t *testing.T) {
	d := startDNS(t, DNSOptions{NoCache: true, UpstreamTimeout: 200 * time.Millisecond})
	if err := d.Register("example.com", []string{"ns1.example.com"}, "@ A 192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	res := d.ResolverAddr()
	// One registry server down: the resolver uses the other.
	if err := d.SetServerFault("a.nic.com", DNSDrop); err != nil {
		t.Fatal(err)
	}
	if r := mustAsk(t, res, "example.com", dns.TypeA); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Errorf("one com server down: %v", r)
	}
	// Both down: SERVFAIL.
	if err := d.SetServerFault("com", DNSRefused); err != nil {
		t.Fatal(err)
	}
	if r := mustAsk(t, res, "example.com", dns.TypeA); r.Rcode != dns.RcodeServerFailure {
		t.Errorf("com down: %s", dns.RcodeToString[r.Rcode])
	}
	d.SetServerFault("com", DNSNoFault)
	if err := d.SetServerFault("ns1.example.com", DNSGarbage); err != nil {
		t.Fatal(err)
	}
	if r := mustAsk(t, res, "example.com", dns.TypeA); r.Rcode != dns.RcodeServerFailure {
		t.Errorf("child answers garbage: %s", dns.RcodeToString[r.Rcode])
	}
	if err := d.SetServerFault("ns9.nowhere.example", DNSDrop); err == nil {
		t.Error("unknown server accepted")
	}
}

func TestDNSTruncationOfLargeAnswers(t *testing.T) {
	d := startDNS(t, DNSOptions{})
	var lines []string
	for i := 0; i < 40; i++ {
		lines = append(lines, "@ TXT \""+strings.Repeat("x", 100)+"\"")
	}
	// Distinct texts: identical ones would be one record.
	for i := range lines {
		lines[i] = strings.Replace(lines[i], "xx", string(rune('a'+i%26))+string(rune('a'+i/26)), 1)
	}
	if err := d.Register("big.org", []string{"ns1.big.org"}, lines...); err != nil {
		t.Fatal(err)
	}
	r, err := ask(t, "udp", d.ResolverAddr(), "big.org", dns.TypeTXT, true)
	if err != nil || !r.Truncated {
		t.Fatalf("UDP: truncated=%v err=%v", r != nil && r.Truncated, err)
	}
	r, err = ask(t, "tcp", d.ResolverAddr(), "big.org", dns.TypeTXT, true)
	if err != nil || len(r.Answer) != 40 {
		t.Fatalf("TCP: %d records, err=%v", len(r.Answer), err)
	}
}

func TestDNSCoUK(t *testing.T) {
	d := startDNS(t, DNSOptions{NoCache: true})
	if err := d.Register("paypal.co.uk", []string{"ns1.paypal.co.uk"}, "@ A 192.0.2.7"); err != nil {
		t.Fatal(err)
	}
	if r := mustAsk(t, d.ResolverAddr(), "paypal.co.uk", dns.TypeA); len(r.Answer) != 1 {
		t.Errorf("paypal.co.uk: %v", r)
	}
	r := mustAsk(t, d.ResolverAddr(), "co.uk", dns.TypeNS)
	if got := rdata(r, r.Answer, dns.TypeNS); !slices.Equal(got, []string{"co.uk. NS a.nic.co.uk.", "co.uk. NS b.nic.co.uk."}) {
		t.Errorf("co.uk NS %q", got)
	}
	if err := d.SetZone("co.uk", "@ A 192.0.2.1"); err == nil {
		t.Error("zone for a public suffix accepted")
	}
	if err := d.SetDelegation("www.paypal.co.uk", []string{"ns1.paypal.co.uk"}, nil); err == nil {
		t.Error("delegation of a subdomain accepted")
	}
	// A new suffix gets a registry on demand.
	if err := d.Register("example.xyz", []string{"ns1.example.xyz"}, "@ A 192.0.2.8"); err != nil {
		t.Fatal(err)
	}
	if r := mustAsk(t, d.ResolverAddr(), "example.xyz", dns.TypeA); len(r.Answer) != 1 {
		t.Errorf("example.xyz: %v", r)
	}
}

func TestDNSGlue(t *testing.T) {
	d := startDNS(t, DNSOptions{NoCache: true})
	glue := map[string][]netip.Addr{"ns1.example.net": {netip.MustParseAddr("127.53.200.1")}}
	if err := d.SetDelegation("example.net", []string{"ns1.example.net"}, glue); err != nil {
		t.Fatal(err)
	}
	if err := d.SetZone("example.net", "@ NS ns1", "ns1 A 127.53.200.1", "@ A 192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	if got := d.HostAddrs("ns1.example.net"); !slices.Equal(got, glue["ns1.example.net"]) {
		t.Errorf("host addrs %v", got)
	}
	// The name server really listens on its glue address.
	r, err := ask(t, "udp", "127.53.200.1:"+strconv.Itoa(d.Port()), "example.net", dns.TypeA, false)
	if err != nil || !r.Authoritative || len(r.Answer) != 1 {
		t.Fatalf("direct: %v %v", r, err)
	}
	// Glue that is not loopback is published but unreachable.
	if err := d.SetDelegation("dead.net", []string{"ns1.dead.net"}, map[string][]netip.Addr{"ns1.dead.net": {netip.MustParseAddr("192.0.2.53")}}); err != nil {
		t.Fatal(err)
	}
	if r := mustAsk(t, d.ResolverAddr(), "dead.net", dns.TypeA); r.Rcode != dns.RcodeServerFailure {
		t.Errorf("dead.net: %s", dns.RcodeToString[r.Rcode])
	}
}

func TestDNSConcurrentChanges(t *testing.T) {
	d := startDNS(t, DNSOptions{})
	if err := d.Register("example.com", []string{"ns1.example.com"}, "@ A 192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &dns.Client{Timeout: time.Second}
			for ctx.Err() == nil {
				m := new(dns.Msg)
				m.SetQuestion("example.com.", dns.TypeA)
				r, _, err := c.Exchange(m, d.ResolverAddr())
				if err != nil {
					t.Error(err)
					return
				}
				if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
					t.Errorf("answer %v", r)
					return
				}
			}
		}()
	}
	for i := 0; ctx.Err() == nil; i++ {
		if err := d.SetZone("example.com", "@ A 192.0.2."+strconv.Itoa(i%250+1)); err != nil {
			t.Fatal(err)
		}
		d.SetFault("other.com", DNSDrop)
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
}

func TestDNSStartStop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	d := NewDNS(DNSOptions{})
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Start(ctx); err == nil {
		t.Error("second Start accepted")
	}
	addr := d.ResolverAddr()
	mustAsk(t, addr, "com", dns.TypeSOA)
	cancel()
	deadline := time.Now().Add(3 * time.Second)
	for {
		d.mu.RLock()
		closed := d.closed
		d.mu.RUnlock()
		if closed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("cancelling the context did not close the DNS")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := d.Close(); err != nil {
		t.Error(err)
	}
	if err := d.SetDelegation("example.com", []string{"ns1.example.com"}, nil); err == nil {
		t.Error("SetDelegation after Close accepted")
	}
}
