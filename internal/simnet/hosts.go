package simnet

import (
	"context"
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// HostsDNS is the smallest DNS a probe test needs: one server on 127.0.0.1
// answering A and AAAA queries from a map, used as the probes' resolver.
// Unknown names get NXDOMAIN, known names without an answer of the asked
// type NODATA. It can answer a name differently after its first query (DNS
// rebinding). Use DNS for a real hierarchy.
type HostsDNS struct {
	srv  *dns.Server
	addr string
	mu   sync.Mutex
	a    map[string][]string // fqdn -> addresses
	next map[string][]string // fqdn -> answers after the first A query
	hits map[string]int
}

// StartHostsDNS serves records (name -> address) until Close.
func StartHostsDNS(records map[string]string) (*HostsDNS, error) {
	d := &HostsDNS{a: map[string][]string{}, next: map[string][]string{}, hits: map[string]int{}}
	for name, ip := range records {
		d.Set(name, ip)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	started := make(chan struct{})
	d.srv = &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(d.serve), NotifyStartedFunc: func() { close(started) }}
	go func() { _ = d.srv.ActivateAndServe() }()
	<-started
	d.addr = pc.LocalAddr().String()
	return d, nil
}

// Addr is the server's host:port, for config.Network.Resolver.
func (d *HostsDNS) Addr() string { return d.addr }

// Close stops the server.
func (d *HostsDNS) Close() error { return d.srv.ShutdownContext(context.Background()) }

// Set answers name with ips (IPv4 as A, IPv6 as AAAA).
func (d *HostsDNS) Set(name string, ips ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.a[dns.Fqdn(strings.ToLower(name))] = ips
}

// Rebind answers the first A query for name with first, later ones with then.
func (d *HostsDNS) Rebind(name, first, then string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fq := dns.Fqdn(strings.ToLower(name))
	d.a[fq] = []string{first}
	d.next[fq] = []string{then}
}

// Hits counts the A queries for name.
func (d *HostsDNS) Hits(name string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.hits[dns.Fqdn(strings.ToLower(name))]
}

func (d *HostsDNS) serve(w dns.ResponseWriter, req *dns.Msg) {
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
		p := net.ParseIP(ip)
		hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET}
		switch {
		case q.Qtype == dns.TypeA && p.To4() != nil:
			hdr.Rrtype = dns.TypeA
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: p})
		case q.Qtype == dns.TypeAAAA && p != nil && p.To4() == nil:
			hdr.Rrtype = dns.TypeAAAA
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: p})
		}
	}
	_ = w.WriteMsg(m)
}
