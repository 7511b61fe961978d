package dnsprobe

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/takedownhq/takedown/internal/simnet"
)

const testTimeout = 400 * time.Millisecond

func startSimnet(t testing.TB) *simnet.DNS {
	t.Helper()
	d := simnet.NewDNS(simnet.DNSOptions{UpstreamTimeout: 200 * time.Millisecond})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func newProber(t testing.TB, d *simnet.DNS, mod func(*Options)) *Prober {
	t.Helper()
	o := Options{Resolver: d.ResolverAddr(), AuthPort: d.Port(), Timeout: testTimeout, Attempts: 2}
	if mod != nil {
		mod(&o)
	}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// zone delegates name to ns1/ns2.host.net and sets its zone to rrs.
func zone(t testing.TB, d *simnet.DNS, name string, rrs ...string) {
	t.Helper()
	if err := d.SetDelegation(name, []string{"ns1.host.net", "ns2.host.net"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := d.SetZone(name, rrs...); err != nil {
		t.Fatal(err)
	}
}

// want builds the expected snapshot from zone-file text: records of every
// type go to their list, normalized like the probe's.
func want(t testing.TB, rcode, cname string, records ...string) *Snapshot {
	t.Helper()
	byType := map[uint16][]dns.RR{}
	for _, s := range records {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatalf("expected record %q: %v", s, err)
		}
		byType[rr.Header().Rrtype] = append(byType[rr.Header().Rrtype], rr)
	}
	s := &Snapshot{
		A: normalize(byType[dns.TypeA]), AAAA: normalize(byType[dns.TypeAAAA]), CNAME: []string{},
		NS: normalize(byType[dns.TypeNS]), MX: normalize(byType[dns.TypeMX]), TXT: normalize(byType[dns.TypeTXT]),
		SOA: normalize(byType[dns.TypeSOA]), CAA: normalize(byType[dns.TypeCAA]), DS: normalize(byType[dns.TypeDS]),
		Rcode: rcode,
	}
	if cname != "" {
		s.CNAME = []string{cname}
	}
	return s
}

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const soa = "@ SOA ns1.host.net. hostmaster.host.net. 2024010101 7200 3600 1209600 300"

func TestProbeRecordTypes(t *testing.T) {
	d := startSimnet(t)
	p := newProber(t, d, nil)

	zone(t, d, "example.org", soa,
		"@ NS ns1.host.net.", "@ NS ns2.host.net.",
		"@ A 192.0.2.1", "@ A 192.0.2.2", "@ AAAA 2001:DB8::1",
		"@ MX 10 mail", "@ MX 20 MAIL2.Example.NET.",
		`@ TXT "v=spf1 -all"`, `@ TXT "google-site-verification=" "AbC123"`,
		`@ CAA 0 issue "letsencrypt.org"`, `@ CAA 128 IODEF "mailto:sec@example.org"`,
		"www CNAME @", "alias CNAME www.example.net.")
	if err := d.SetDS("example.org", "@ DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"); err != nil {
		t.Fatal(err)
	}
	zone(t, d, "example.net", soa, "@ NS ns1.host.net.", "www A 198.51.100.7", "www MX 5 mx.example.net.")
	zone(t, d, "empty.com", soa)
	zone(t, d, "hostile.info", soa,
		`@ TXT "quote\" backslash\\ nul\000 high\255 <b>html</b>"`,
		"@ TXT "+strings.Repeat(`"`+strings.Repeat("x", 250)+`" `, 10))

	tests := []struct {
		name string
		want *Snapshot
	}{
		{"example.org", want(t, "NOERROR", "",
			"example.org. SOA ns1.host.net. hostmaster.host.net. 2024010101 7200 3600 1209600 300",
			"example.org. NS ns1.host.net.", "example.org. NS ns2.host.net.",
			"example.org. A 192.0.2.1", "example.org. A 192.0.2.2", "example.org. AAAA 2001:db8::1",
			"example.org. MX 10 mail.example.org.", "example.org. MX 20 mail2.example.net.",
			`example.org. TXT "v=spf1 -all"`, `example.org. TXT "google-site-verification=AbC123"`,
			`example.org. CAA 0 issue "letsencrypt.org"`, `example.org. CAA 128 iodef "mailto:sec@example.org"`,
			"example.org. DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")},
		// An alias in the same zone: every type follows it to the apex,
		// except DS, which the zone answers at the alias itself (NODATA).
		{"WWW.Example.ORG.", want(t, "NOERROR", "example.org",
			"example.org. SOA ns1.host.net. hostmaster.host.net. 2024010101 7200 3600 1209600 300",
			"example.org. NS ns1.host.net.", "example.org. NS ns2.host.net.",
			"example.org. A 192.0.2.1", "example.org. A 192.0.2.2", "example.org. AAAA 2001:db8::1",
			"example.org. MX 10 mail.example.org.", "example.org. MX 20 mail2.example.net.",
			`example.org. TXT "v=spf1 -all"`, `example.org. TXT "google-site-verification=AbC123"`,
			`example.org. CAA 0 issue "letsencrypt.org"`, `example.org. CAA 128 iodef "mailto:sec@example.org"`,
			"example.org. DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")},
		// An alias into another zone.
		{"alias.example.org", want(t, "NOERROR", "www.example.net",
			"www.example.net. A 198.51.100.7", "www.example.net. MX 5 mx.example.net.")},
		{"empty.com", want(t, "NOERROR", "", "empty.com. SOA ns1.host.net. hostmaster.host.net. 2024010101 7200 3600 1209600 300")},
		{"unregistered.com", want(t, "NXDOMAIN", "")},
		{"nope.example.org", want(t, "NXDOMAIN", "")},
		{"hostile.info", func() *Snapshot {
			s := want(t, "NOERROR", "", "hostile.info. SOA ns1.host.net. hostmaster.host.net. 2024010101 7200 3600 1209600 300")
			s.TXT = []string{
				`quote\" backslash\\ nul\000 high\255 <b>html</b>`,
				strings.Repeat("x", MaxTextLen) + "…",
			}
			return s
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.Probe(context.Background(), tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := jsonOf(t, got), jsonOf(t, tc.want); g != w {
				t.Errorf("snapshot\n got %s\nwant %s", g, w)
			}
		})
	}
}

func TestProbeFailures(t *testing.T) {
	d := startSimnet(t)
	p := newProber(t, d, nil)
	zone(t, d, "example.com", soa, "@ NS ns1.host.net.", "@ A 192.0.2.1", "@ MX 10 mail")

	tests := []struct {
		name    string
		fault   simnet.DNSFault
		qtypes  []uint16
		outcome Outcome
		max     time.Duration
	}{
		{"servfail on MX only", simnet.DNSServFail, []uint16{dns.TypeMX}, ServFail, time.Second},
		{"refused", simnet.DNSRefused, nil, Refused, 500 * time.Millisecond},
		{"timeout", simnet.DNSDrop, nil, Timeout, 2*testTimeout + 500*time.Millisecond},
		{"timeout on DS only", simnet.DNSDrop, []uint16{dns.TypeDS}, Timeout, 2*testTimeout + 500*time.Millisecond},
		{"garbage", simnet.DNSGarbage, nil, BadResponse, testTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d.SetFault("example.com", tc.fault, tc.qtypes...)
			defer d.SetFault("example.com", simnet.DNSNoFault)
			start := time.Now()
			snap, err := p.Probe(context.Background(), "example.com")
			took := time.Since(start)
			if snap != nil || !errors.Is(err, ErrProbeFailed) {
				t.Fatalf("snapshot %v, err %v: want ErrProbeFailed and no snapshot", snap, err)
			}
			var qe *QueryError
			if !errors.As(err, &qe) || qe.Outcome != tc.outcome {
				t.Errorf("err %v: want outcome %s", err, tc.outcome)
			}
			if took > tc.max {
				t.Errorf("took %s, want at most %s", took, tc.max)
			}
		})
	}
	// Cleared, the same domain answers again, and the NXDOMAIN of another
	// name is an answer, not a failure.
	if _, err := p.Probe(context.Background(), "example.com"); err != nil {
		t.Fatal(err)
	}
	if s, err := p.Probe(context.Background(), "gone.com"); err != nil || s.Rcode != "NXDOMAIN" {
		t.Fatalf("NXDOMAIN: %v %v", s, err)
	}
	// A single query tells all outcomes apart.
	d.SetFault("example.com", simnet.DNSServFail, dns.TypeMX)
	d.SetFault("gone.example.com", simnet.DNSRefused)
	defer d.SetFault("example.com", simnet.DNSNoFault)
	for _, c := range []struct {
		name    string
		qtype   uint16
		outcome Outcome
	}{
		{"example.com", dns.TypeA, NoError},
		{"example.com", dns.TypeAAAA, NoData},
		{"nope.com", dns.TypeA, NXDomain},
		{"example.com", dns.TypeMX, ServFail},
		{"gone.example.com", dns.TypeA, Refused},
	} {
		t.Run(c.name+"/"+dns.TypeToString[c.qtype], func(t *testing.T) {
			q, err := p.Query(context.Background(), c.name, c.qtype)
			var got Outcome
			var qe *QueryError
			switch {
			case err == nil:
				got = q.Outcome
			case errors.As(err, &qe):
				got = qe.Outcome
			default:
				t.Fatalf("%s %s: %v", c.name, dns.TypeToString[c.qtype], err)
			}
			if got != c.outcome {
				t.Errorf("%s %s: %s, want %s (%v)", c.name, dns.TypeToString[c.qtype], got, c.outcome, err)
			}
		})
	}
}

func TestProbeTruncationThenTCP(t *testing.T) {
	d := startSimnet(t)
	p := newProber(t, d, nil)
	zone(t, d, "example.com", soa, "@ A 192.0.2.1")
	var big []string
	for i := range 40 {
		big = append(big, `@ TXT "`+strconv.Itoa(i)+strings.Repeat("y", 100)+`"`)
	}
	zone(t, d, "big.org", append([]string{soa}, big...)...)

	// Every UDP answer truncated by fault: only TCP can get the records.
	d.SetFault("example.com", simnet.DNSTruncate)
	s, err := p.Probe(context.Background(), "example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.A, []string{"192.0.2.1"}) {
		t.Errorf("A over TCP: %q", s.A)
	}
	// An answer too big for the advertised 1232 bytes.
	s, err = p.Probe(context.Background(), "big.org")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.TXT) != 40 {
		t.Errorf("%d TXT records, want 40", len(s.TXT))
	}
}

func TestDelegationDiffersFromChild(t *testing.T) {
	d := startSimnet(t)
	p := newProber(t, d, nil)
	if err := d.Register("thefoxcloud.com", []string{"ns1.hoster.net", "ns2.hoster.net"}, "@ A 192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	del, err := p.Delegation(context.Background(), "thefoxcloud.com")
	if err != nil {
		t.Fatal(err)
	}
	h1, h2 := d.HostAddrs("ns1.hoster.net")[0], d.HostAddrs("ns2.hoster.net")[0]
	wantBefore := &Delegation{
		NS:      []string{"ns1.hoster.net", "ns2.hoster.net"},
		Glue:    []string{"ns1.hoster.net " + h1.String(), "ns2.hoster.net " + h2.String()},
		DS:      []string{},
		Rcode:   "NOERROR",
		Servers: []string{"a.nic.com", "b.nic.com"},
	}
	if g, w := jsonOf(t, del), jsonOf(t, wantBefore); g != w {
		t.Errorf("before\n got %s\nwant %s", g, w)
	}

	// The seizure changes the registry's delegation; the zone the seizure
	// servers serve still lists the old NS.
	if err := d.SetDelegation("thefoxcloud.com", simnet.DNSSeizureNS, nil); err != nil {
		t.Fatal(err)
	}
	if err := d.SetDS("thefoxcloud.com", "@ DS 2371 13 2 1F987CC6583E92DF0890718C42B0D3D6E5A9C1A1B6E7D1B2A3C4D5E6F7A8B9C0"); err != nil {
		t.Fatal(err)
	}
	del, err = p.Delegation(context.Background(), "thefoxcloud.com")
	if err != nil {
		t.Fatal(err)
	}
	f1, f2 := d.HostAddrs("ns1.fbi.seized.gov")[0], d.HostAddrs("ns2.fbi.seized.gov")[0]
	wantAfter := &Delegation{
		NS:      []string{"ns1.fbi.seized.gov", "ns2.fbi.seized.gov"},
		Glue:    []string{"ns1.fbi.seized.gov " + f1.String(), "ns2.fbi.seized.gov " + f2.String()},
		DS:      []string{"2371 13 2 1f987cc6583e92df0890718c42b0d3d6e5a9c1a1b6e7d1b2a3c4d5e6f7a8b9c0"},
		Rcode:   "NOERROR",
		Servers: []string{"a.nic.com", "b.nic.com"},
	}
	if g, w := jsonOf(t, del), jsonOf(t, wantAfter); g != w {
		t.Errorf("after\n got %s\nwant %s", g, w)
	}
	s, err := p.Probe(context.Background(), "thefoxcloud.com")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.NS, []string{"ns1.hoster.net", "ns2.hoster.net"}) {
		t.Errorf("child NS %q", s.NS)
	}

	// A registry hold: the registry has no delegation any more.
	d.RemoveDelegation("thefoxcloud.com")
	del, err = p.Delegation(context.Background(), "thefoxcloud.com")
	if err != nil || del.Rcode != "NXDOMAIN" || len(del.NS) != 0 {
		t.Errorf("hold: %+v %v", del, err)
	}

	// co.uk: the registry below uk.
	if err := d.Register("paypal.co.uk", []string{"ns1.paypal.co.uk"}, "@ A 192.0.2.7"); err != nil {
		t.Fatal(err)
	}
	del, err = p.Delegation(context.Background(), "paypal.co.uk")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(del.NS, []string{"ns1.paypal.co.uk"}) || !slices.Equal(del.Servers, []string{"a.nic.co.uk", "b.nic.co.uk"}) {
		t.Errorf("co.uk: %+v", del)
	}
}

func TestDelegationFromRootServers(t *testing.T) {
	d := startSimnet(t)
	// The resolver is broken: only the walk from the root can work.
	if err := d.SetServerFault("resolver", simnet.DNSRefused); err != nil {
		t.Fatal(err)
	}
	p := newProber(t, d, func(o *Options) { o.RootServers = []string{d.RootAddr()} })
	for _, name := range []string{"example.com", "example.co.uk", "seized.gov"} {
		if name != "seized.gov" {
			if err := d.Register(name, []string{"ns1." + name}); err != nil {
				t.Fatal(err)
			}
		}
		del, err := p.Delegation(context.Background(), name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(del.NS) == 0 || del.Rcode != "NOERROR" || len(del.Servers) != 2 {
			t.Errorf("%s: %+v", name, del)
		}
	}
	if _, err := p.Probe(context.Background(), "example.com"); !errors.Is(err, ErrProbeFailed) {
		t.Errorf("probe through a refusing resolver: %v", err)
	}
	// Without root servers the registry's servers come from the resolver,
	// which refuses; with a root that answers garbage, nothing works.
	viaResolver := newProber(t, d, nil)
	if del, err := viaResolver.Delegation(context.Background(), "example.com"); del != nil || !errors.Is(err, ErrProbeFailed) {
		t.Errorf("delegation through a refusing resolver: %+v %v", del, err)
	}
	if err := d.SetServerFault(".", simnet.DNSGarbage); err != nil {
		t.Fatal(err)
	}
	badRoot := newProber(t, d, func(o *Options) { o.RootServers = []string{d.RootAddr()} })
	if del, err := badRoot.Delegation(context.Background(), "example.net"); del != nil || !errors.Is(err, ErrProbeFailed) {
		t.Errorf("delegation from a garbage root: %+v %v", del, err)
	}
}

func TestDelegationServerFaults(t *testing.T) {
	d := startSimnet(t)
	p := newProber(t, d, nil)
	if err := d.Register("example.com", []string{"ns1.example.com"}); err != nil {
		t.Fatal(err)
	}
	// Learn the registry's servers first: the faults below hit them, not
	// the resolver's way to them.
	if _, err := p.Delegation(context.Background(), "example.com"); err != nil {
		t.Fatal(err)
	}
	if err := d.SetServerFault("a.nic.com", simnet.DNSDrop); err != nil {
		t.Fatal(err)
	}
	del, err := p.Delegation(context.Background(), "example.com")
	if err != nil || !slices.Equal(del.NS, []string{"ns1.example.com"}) {
		t.Fatalf("one server down: %+v %v", del, err)
	}
	for _, f := range []simnet.DNSFault{simnet.DNSRefused, simnet.DNSServFail, simnet.DNSGarbage, simnet.DNSDrop} {
		if err := d.SetServerFault("com", f); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		del, err := p.Delegation(context.Background(), "example.com")
		if del != nil || !errors.Is(err, ErrProbeFailed) {
			t.Errorf("%s on both: %+v %v", f, del, err)
		}
		if took := time.Since(start); took > 5*testTimeout+time.Second {
			t.Errorf("%s on both: took %s", f, took)
		}
	}
}

// A server that is not simnet: it answers every query with bytes that are
// not DNS, once with a random ID and once with the query's.
func garbageServer(t *testing.T, echoID bool) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		junk := []byte("\x13\x37HTTP/1.1 400 Bad Request\r\n\r\n\xff\xfe\x00")
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			out := slices.Clone(junk)
			if echoID && n >= 2 {
				copy(out, buf[:2])
			}
			pc.WriteTo(out, addr)
		}
	}()
	return pc.LocalAddr().String()
}

func TestGarbageServer(t *testing.T) {
	for _, echo := range []bool{false, true} {
		addr := garbageServer(t, echo)
		p, err := New(Options{Resolver: addr, Timeout: testTimeout, Attempts: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		start := time.Now()
		s, err := p.Probe(context.Background(), "example.com")
		if s != nil || !errors.Is(err, ErrProbeFailed) {
			t.Fatalf("echo=%v: %v %v", echo, s, err)
		}
		var qe *QueryError
		want := Timeout // stray packets are skipped until the deadline
		if echo {
			want = BadResponse
		}
		if !errors.As(err, &qe) || qe.Outcome != want {
			t.Errorf("echo=%v: %v, want %s", echo, err, want)
		}
		if took := time.Since(start); took > 2*testTimeout+time.Second {
			t.Errorf("echo=%v: took %s", echo, took)
		}
	}
}

func TestNormalizationHashesEqual(t *testing.T) {
	d := startSimnet(t)
	p := newProber(t, d, nil)
	recs := []string{"@ A 192.0.2.2", "@ A 192.0.2.1", "@ 60 MX 20 B.example.net.", "@ 3600 MX 10 a.example.net.",
		`@ TXT "b"`, `@ TXT "a"`, "@ NS NS2.HOST.NET.", "@ NS ns1.host.net.", soa}
	zone(t, d, "one.com", recs...)
	rev := slices.Clone(recs)
	slices.Reverse(rev)
	for i := range rev {
		rev[i] = strings.Replace(rev[i], "@ 60 ", "@ 7 ", 1)
	}
	zone(t, d, "two.com", rev...)
	hash := func(name string) [32]byte {
		s, err := p.Probe(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(s)
		return sha256.Sum256(b)
	}
	h1, h1again, h2 := hash("one.com"), hash("one.com"), hash("two.com")
	if h1 != h1again || h1 != h2 {
		t.Error("equal states hash differently")
	}
	if err := d.SetZone("two.com", append(rev, "@ A 192.0.2.3")...); err != nil {
		t.Fatal(err)
	}
	if hash("two.com") == h1 {
		t.Error("a new A record did not change the hash")
	}
}

func TestSnapshotJSONKeys(t *testing.T) {
	keys := func(v any) []string {
		var m map[string]any
		if err := json.Unmarshal([]byte(jsonOf(t, v)), &m); err != nil {
			t.Fatal(err)
		}
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	if got, w := keys(Snapshot{}), []string{"a", "aaaa", "caa", "cname", "ds", "mx", "ns", "rcode", "soa", "txt"}; !slices.Equal(got, w) {
		t.Errorf("snapshot keys %q, want %q", got, w)
	}
	if got, w := keys(Delegation{}), []string{"ds", "glue", "ns", "rcode", "servers"}; !slices.Equal(got, w) {
		t.Errorf("delegation keys %q, want %q", got, w)
	}
	// Empty lists are [] rather than null, so the same state has one form.
	d := startSimnet(t)
	p := newProber(t, d, nil)
	s, err := p.Probe(context.Background(), "nothing.com")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(jsonOf(t, s), "null") {
		t.Errorf("null in %s", jsonOf(t, s))
	}
}

type countingLimiter struct {
	mu      sync.Mutex
	calls   map[string]int
	failFor string
}

func (l *countingLimiter) Wait(ctx context.Context, server string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls[server]++
	if server == l.failFor {
		return errors.New("budget spent")
	}
	return ctx.Err()
}

func TestLimiter(t *testing.T) {
	d := startSimnet(t)
	lim := &countingLimiter{calls: map[string]int{}}
	p := newProber(t, d, func(o *Options) { o.Limiter = lim })
	if err := d.Register("example.com", []string{"ns1.example.com"}, "@ A 192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Probe(context.Background(), "example.com"); err != nil {
		t.Fatal(err)
	}
	if n := lim.calls[d.ResolverAddr()]; n != len(probeTypes) {
		t.Errorf("%d waits for the resolver, want %d", n, len(probeTypes))
	}
	if _, err := p.Delegation(context.Background(), "example.com"); err != nil {
		t.Fatal(err)
	}
	tld := 0
	for _, s := range d.TLDServers("com") {
		tld += lim.calls[s]
	}
	if tld != 1 {
		t.Errorf("%d waits for com servers, want 1 (calls %v)", tld, lim.calls)
	}
	lim.failFor = d.ResolverAddr()
	if _, err := p.Probe(context.Background(), "example.com"); !errors.Is(err, ErrProbeFailed) {
		t.Errorf("limiter refusal: %v", err)
	}
}

func TestContextCancel(t *testing.T) {
	d := startSimnet(t)
	p := newProber(t, d, func(o *Options) { o.Timeout = 10 * time.Second })
	d.SetFault("slow.com", simnet.DNSDrop)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := p.Probe(ctx, "slow.com")
	if !errors.Is(err, ErrProbeFailed) || !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("cancel took %s", took)
	}
}

func TestNewOptions(t *testing.T) {
	dir := t.TempDir()
	rc := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(rc, []byte("# test\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := New(Options{ResolvConf: rc})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Resolvers(); !reflect.DeepEqual(got, []string{"192.0.2.53:53", "[2001:db8::53]:53"}) {
		t.Errorf("resolvers %q", got)
	}
	p.Close()
	for _, o := range []Options{
		{Resolver: "127.0.0.1:99999"},
		{Resolver: ":53"},
		{Resolver: "127.0.0.1:53", AuthPort: 70000},
		{Resolver: "127.0.0.1:53", RootServers: []string{"x:0"}},
		{ResolvConf: filepath.Join(dir, "missing")},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if p, err := New(Options{Resolver: "127.0.0.1"}); err != nil || p.Resolvers()[0] != "127.0.0.1:53" {
		t.Errorf("bare host: %v %v", p, err)
	}
	if _, err := p.Probe(context.Background(), "bad name..com"); err == nil {
		t.Error("bad name accepted")
	}
}
