package lookalike

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// testResolver is a DNS server on 127.0.0.1 that answers like a recursive
// resolver would for a small made-up internet:
//
//	paypa1.com       delegated (NS), with A and MX
//	paypal-login.com no NS, but an A record (hosted in the parent zone)
//	paypal.net       NXDOMAIN (nothing else under .net exists either)
//	paypai.com       SERVFAIL (lame delegation)
//	paypall.com      never answered (timeout)
//	*.ws             wildcard: every name has an A record
//	paypal.ws        delegated with its own NS, under the wildcard
type testResolver struct {
	addr    string
	queries atomic.Int64
}

func newTestResolver(t testing.TB) *testResolver {
	t.Helper()
	tr := &testResolver{}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr.addr = pc.LocalAddr().String()
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: tr, NotifyStartedFunc: func() { close(started) }}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return tr
}

func rr(t string) dns.RR {
	r, err := dns.NewRR(t)
	if err != nil {
		panic(err)
	}
	return r
}

func (tr *testResolver) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	tr.queries.Add(1)
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = true
	soa := func(zone string) dns.RR {
		return rr(zone + " 300 IN SOA a.nic." + zone + " hostmaster.nic." + zone + " 1 7200 900 1209600 300")
	}
	switch {
	case name == "paypall.com.":
		return // no answer: the client times out
	case name == "paypai.com.":
		m.Rcode = dns.RcodeServerFailure
	case name == "paypa1.com.":
		switch q.Qtype {
		case dns.TypeNS:
			m.Answer = []dns.RR{rr("paypa1.com. 300 IN NS ns2.evil.example."), rr("paypa1.com. 300 IN NS ns1.evil.example.")}
		case dns.TypeA:
			m.Answer = []dns.RR{rr("paypa1.com. 300 IN A 192.0.2.10")}
		case dns.TypeMX:
			m.Answer = []dns.RR{rr("paypa1.com. 300 IN MX 10 mx.evil.example.")}
		default:
			m.Ns = []dns.RR{soa("paypa1.com.")}
		}
	case name == "paypal-login.com.":
		if q.Qtype == dns.TypeA {
			m.Answer = []dns.RR{rr("paypal-login.com. 300 IN A 192.0.2.20")}
		} else {
			m.Ns = []dns.RR{soa("com.")}
		}
	case name == "paypal.ws.":
		switch q.Qtype {
		case dns.TypeNS:
			m.Answer = []dns.RR{rr("paypal.ws. 300 IN NS ns1.phish.example.")}
		case dns.TypeA:
			m.Answer = []dns.RR{rr("paypal.ws. 300 IN A 192.0.2.30")}
		}
	case strings.HasSuffix(name, ".ws."):
		if q.Qtype == dns.TypeA {
			m.Answer = []dns.RR{rr(name + " 300 IN A 192.0.2.99")}
		} else {
			m.Ns = []dns.RR{soa("ws.")}
		}
	default:
		m.Rcode = dns.RcodeNameError
		m.Ns = []dns.RR{soa(name[strings.IndexByte(name, '.')+1:])}
	}
	_ = w.WriteMsg(m)
}

func TestDNSChecker(t *testing.T) {
	tr := newTestResolver(t)
	c := &DNSChecker{Resolver: tr.addr, Timeout: 300 * time.Millisecond}
	ctx := context.Background()
	tests := []struct {
		name   string
		status event.Registration
		failed bool
		ns, a  string
		mx     string
	}{
		{name: "paypa1.com", status: store.RegYes, ns: "ns1.evil.example ns2.evil.example", a: "192.0.2.10", mx: "mx.evil.example"},
		{name: "paypal-login.com", status: store.RegYes, a: "192.0.2.20"},
		{name: "paypal.net", status: store.RegNo},
		{name: "paypai.com", status: store.RegUnknown, failed: true},
		{name: "paypall.com", status: store.RegUnknown, failed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg, err := c.Check(ctx, tc.name)
			if reg.Status != tc.status {
				t.Errorf("status %s, want %s (%+v)", reg.Status, tc.status, reg)
			}
			if tc.failed != (err != nil) || tc.failed && !errors.Is(err, ErrLookup) {
				t.Errorf("error %v, want failure %v", err, tc.failed)
			}
			if got := strings.Join(reg.NS, " "); got != tc.ns {
				t.Errorf("NS %q, want %q", got, tc.ns)
			}
			if got := strings.Join(reg.A, " "); got != tc.a {
				t.Errorf("A %q, want %q", got, tc.a)
			}
			if got := strings.Join(reg.MX, " "); got != tc.mx {
				t.Errorf("MX %q, want %q", got, tc.mx)
			}
		})
	}
}

func TestScanWildcardAndFailures(t *testing.T) {
	tr := newTestResolver(t)
	c := &DNSChecker{Resolver: tr.addr, Timeout: 300 * time.Millisecond}
	names := []string{"paypa1.com", "paypal.net", "paypai.com", "paypall.com", "paypal-login.com", "paypal.ws", "paypa1.ws", "paypal-secure.ws"}
	var progress atomic.Int64
	res, err := Scan(context.Background(), c, names, ScanOptions{Concurrency: 4, Rate: -1,
		Progress: func(done, total int) { progress.Store(int64(done)) }})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]event.Registration{
		"paypa1.com": store.RegYes, "paypal.net": store.RegNo, "paypai.com": store.RegUnknown, "paypall.com": store.RegUnknown,
		"paypal-login.com": store.RegYes,
		"paypal.ws":        store.RegYes,     // its own delegation, under the wildcard
		"paypa1.ws":        store.RegUnknown, // only the wildcard's address
		"paypal-secure.ws": store.RegUnknown,
	}
	for i, n := range names {
		reg := res.Registrations[i]
		if reg.Name != n || reg.Status != want[n] {
			t.Errorf("%s: %s, want %s (%+v)", n, reg.Status, want[n], reg)
		}
		if strings.HasSuffix(n, ".ws") && n != "paypal.ws" && !reg.Wildcard {
			t.Errorf("%s: not flagged as a wildcard answer", n)
		}
	}
	if strings.Join(res.Wildcards, ",") != "ws" {
		t.Errorf("wildcards %v, want [ws]", res.Wildcards)
	}
	if progress.Load() != int64(len(names)) {
		t.Errorf("progress reached %d of %d", progress.Load(), len(names))
	}
}

func TestScanRateLimit(t *testing.T) {
	tr := newTestResolver(t)
	c := &DNSChecker{Resolver: tr.addr, Timeout: time.Second}
	names := make([]string, 30)
	for i := range names {
		names[i] = "nothere" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".com"
	}
	start := time.Now()
	if _, err := Scan(context.Background(), c, names, ScanOptions{Concurrency: 8, Rate: 100}); err != nil {
		t.Fatal(err)
	}
	// 31 checks (one wildcard probe) at 100/s with a burst of 8: at least ~0.2s.
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Errorf("30 checks at 100/s took %v", el)
	}
}

func TestScanCancel(t *testing.T) {
	tr := newTestResolver(t)
	c := &DNSChecker{Resolver: tr.addr, Timeout: time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, c, []string{"paypa1.com"}, ScanOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled scan: %v", err)
	}
}
