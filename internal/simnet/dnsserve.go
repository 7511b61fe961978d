package simnet

import (
	"context"
	"net"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// serve answers one query on listener l.
func (d *DNS) serve(l *dnsListener, w dns.ResponseWriter, r *dns.Msg) {
	if len(r.Question) != 1 || r.Opcode != dns.OpcodeQuery {
		m := new(dns.Msg)
		m.SetRcode(r, dns.RcodeFormatError)
		w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	_, udp := w.RemoteAddr().(*net.UDPAddr)
	if f := d.faultFor(l.addr, q); f != DNSNoFault {
		if d.applyFault(f, w, r, udp) {
			return
		}
	}
	if l.role != dnsRoleResolver {
		d.latency.wait(context.Background())
	}
	var m *dns.Msg
	if l.role == dnsRoleResolver {
		m = d.recurse(r)
	} else {
		m = new(dns.Msg)
		m.SetReply(r)
		qname := strings.ToLower(q.Name)
		d.mu.RLock()
		switch l.role {
		case dnsRoleRoot, dnsRoleRegistry:
			d.answerRegistry(m, l.registry, qname, q.Qtype, r.IsEdns0())
		case dnsRoleHost:
			d.answerHost(m, qname, q.Qtype)
		}
		d.mu.RUnlock()
	}
	dnsFinish(w, r, m, udp)
}

// dnsFinish echoes EDNS0 and truncates to what the client can take over UDP.
func dnsFinish(w dns.ResponseWriter, r, m *dns.Msg, udp bool) {
	size := dns.MinMsgSize
	if opt := r.IsEdns0(); opt != nil {
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
		m.SetEdns0(max(opt.UDPSize(), dns.MinMsgSize), opt.Do())
	}
	if udp {
		m.Truncate(size)
	}
	w.WriteMsg(m)
}

// faultFor returns the fault for a query on the server at addr: the
// server's own, else the closest name fault.
func (d *DNS) faultFor(addr netip.Addr, q dns.Question) DNSFault {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if f, ok := d.addrFaults[addr]; ok {
		return f
	}
	if len(d.nameFaults) == 0 {
		return DNSNoFault
	}
	for n := strings.ToLower(q.Name); ; n = dnsParentZone(n) {
		if nf, ok := d.nameFaults[n]; ok {
			if len(nf.qtypes) == 0 {
				return nf.fault
			}
			for _, t := range nf.qtypes {
				if t == q.Qtype {
					return nf.fault
				}
			}
		}
		if n == "." {
			return DNSNoFault
		}
	}
}

// applyFault misbehaves; it returns false when the query should be answered
// normally after all (truncation over TCP).
func (d *DNS) applyFault(f DNSFault, w dns.ResponseWriter, r *dns.Msg, udp bool) bool {
	switch f {
	case DNSDrop:
		return true
	case DNSServFail, DNSRefused:
		m := new(dns.Msg)
		rc := dns.RcodeServerFailure
		if f == DNSRefused {
			rc = dns.RcodeRefused
		}
		m.SetRcode(r, rc)
		dnsFinish(w, r, m, udp)
		return true
	case DNSTruncate:
		if !udp {
			return false
		}
		m := new(dns.Msg)
		m.SetReply(r)
		m.Truncated = true
		dnsFinish(w, r, m, udp)
		return true
	case DNSGarbage:
		// The query's ID first, so the client cannot take it for a stray
		// packet, then a header that promises more than follows.
		b := []byte{byte(r.Id >> 8), byte(r.Id), 0x84, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xde, 0xad, 0xbe, 0xef, 0x00, 0xc0, 0xff, 0xee}
		w.Write(b)
		return true
	}
	return false
}

// answerRegistry answers as the name server of a registry zone (or the
// root): referrals to delegated children, authoritative data at the apex,
// for the registry's own name servers, and for DS records.
func (d *DNS) answerRegistry(m *dns.Msg, reg *dnsRegistry, qname string, qtype uint16, opt *dns.OPT) {
	zone := reg.zone
	if !dns.IsSubDomain(zone, qname) {
		m.Rcode = dns.RcodeRefused
		return
	}
	if qname == zone {
		m.Authoritative = true
		switch qtype {
		case dns.TypeNS:
			m.Answer = d.nsRecords(zone, reg.hosts, dnsRegistryTTL)
			m.Extra = d.glue(reg.hosts)
		case dns.TypeSOA:
			m.Answer = []dns.RR{dnsRegistrySOA(reg)}
		default:
			m.Ns = []dns.RR{dnsRegistrySOA(reg)}
		}
		return
	}
	// The child: qname's ancestor one label below the zone.
	child := qname
	for dnsParentZone(child) != zone {
		child = dnsParentZone(child)
	}
	if del := reg.children[child]; del != nil {
		if qtype == dns.TypeDS && qname == child {
			m.Authoritative = true
			if len(del.ds) > 0 {
				m.Answer = del.ds
			} else {
				m.Ns = []dns.RR{dnsRegistrySOA(reg)}
			}
			return
		}
		m.Ns = d.nsRecords(child, del.ns, dnsRegistryTTL)
		if opt != nil && opt.Do() {
			m.Ns = append(m.Ns, del.ds...)
		}
		m.Extra = d.glue(del.ns)
		return
	}
	m.Authoritative = true
	for _, h := range reg.hosts {
		if h == qname {
			if qtype == dns.TypeA || qtype == dns.TypeAAAA {
				m.Answer = d.addrRecords(h, qtype, dnsRegistryTTL)
			}
			if len(m.Answer) == 0 {
				m.Ns = []dns.RR{dnsRegistrySOA(reg)}
			}
			return
		}
	}
	m.Rcode = dns.RcodeNameError
	m.Ns = []dns.RR{dnsRegistrySOA(reg)}
}

func dnsRegistrySOA(reg *dnsRegistry) dns.RR {
	ns := reg.hosts[0]
	mbox := "hostmaster.nic." + reg.zone
	if reg.zone == "." {
		mbox = "hostmaster.root-servers.net."
	}
	return &dns.SOA{
		Hdr: dns.RR_Header{Name: reg.zone, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 900},
		Ns:  ns, Mbox: mbox, Serial: 1, Refresh: 1800, Retry: 900, Expire: 604800, Minttl: 900,
	}
}

func (d *DNS) nsRecords(owner string, hosts []string, ttl uint32) []dns.RR {
	out := make([]dns.RR, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, &dns.NS{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: ttl}, Ns: h})
	}
	return out
}

// glue lists the addresses simnet has for the hosts. Registries publish
// them for every host, in bailiwick or not, which spares the resolver the
// side trips a real one would make.
func (d *DNS) glue(hosts []string) []dns.RR {
	var out []dns.RR
	for _, h := range hosts {
		out = append(out, d.addrRecords(h, dns.TypeA, dnsRegistryTTL)...)
		out = append(out, d.addrRecords(h, dns.TypeAAAA, dnsRegistryTTL)...)
	}
	return out
}

func (d *DNS) addrRecords(host string, qtype uint16, ttl uint32) []dns.RR {
	var out []dns.RR
	for _, a := range d.hosts[host] {
		hdr := dns.RR_Header{Name: host, Rrtype: qtype, Class: dns.ClassINET, Ttl: ttl}
		switch {
		case qtype == dns.TypeA && a.Is4():
			out = append(out, &dns.A{Hdr: hdr, A: net.IP(a.AsSlice())})
		case qtype == dns.TypeAAAA && a.Is6() && !a.Is4In6():
			out = append(out, &dns.AAAA{Hdr: hdr, AAAA: net.IP(a.AsSlice())})
		}
	}
	return out
}

// answerHost answers from the domain zones, as every domain name server
// does in simnet.
func (d *DNS) answerHost(m *dns.Msg, qname string, qtype uint16) {
	var z *dnsZone
	for n := qname; ; n = dnsParentZone(n) {
		if z = d.zones[n]; z != nil || n == "." {
			break
		}
	}
	if z == nil {
		m.Rcode = dns.RcodeRefused
		return
	}
	m.Authoritative = true
	rrs, exists := z.names[qname]
	if !exists && !z.ents[qname] {
		m.Rcode = dns.RcodeNameError
		m.Ns = []dns.RR{z.soa}
		return
	}
	var cname dns.RR
	for _, rr := range rrs {
		t := rr.Header().Rrtype
		if t == qtype || qtype == dns.TypeANY {
			m.Answer = append(m.Answer, rr)
		} else if t == dns.TypeCNAME {
			cname = rr
		}
	}
	if len(m.Answer) == 0 && cname != nil {
		m.Answer = []dns.RR{cname}
	}
	if len(m.Answer) == 0 {
		m.Ns = []dns.RR{z.soa}
	}
}
