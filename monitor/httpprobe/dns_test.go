package httpprobe

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// testDNS (a copy of the one in netguard's tests) is a tiny authoritative server on 127.0.0.1 answering A queries
// from a map; the probes use it as their resolver. Unknown names get
// NXDOMAIN, known names without an A answer NODATA.
type testDNS struct {
	addr string
	mu   sync.Mutex
	a    map[string][]string // fqdn -> addresses
	next map[string][]string // fqdn -> answers for later queries (rebinding)
	hits map[string]int
}

func startDNS(t testing.TB, records map[string]string) *testDNS {
	t.Helper()
	d := &testDNS{a: map[string][]string{}, next: map[string][]string{}, hits: map[string]int{}}
	for name, ip := range records {
		d.set(name, ip)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(d.serve), NotifyStartedFunc: func() { close(started) }}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	d.addr = pc.LocalAddr().String()
	return d
}

func (d *testDNS) set(name string, ips ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.a[dns.Fqdn(strings.ToLower(name))] = ips
}

func (d *testDNS) serve(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		_ = w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	d.mu.Lock()
	ips, ok := d.a[name]
	if q.Qtype == dns.TypeA && ok {
		d.hits[name]++
		if n := d.next[name]; n != nil && d.hits[name] > 1 {
			ips = n
		}
	}
	d.mu.Unlock()
	if !ok {
		m.Rcode = dns.RcodeNameError
	}
	for _, ip := range ips {
		if q.Qtype == dns.TypeA && net.ParseIP(ip).To4() != nil {
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 0}, A: net.ParseIP(ip)})
		}
		if q.Qtype == dns.TypeAAAA && net.ParseIP(ip).To4() == nil {
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeAAAA, Class: dns.ClassINET, Ttl: 0}, AAAA: net.ParseIP(ip)})
		}
	}
	_ = w.WriteMsg(m)
}
