package dnsprobe

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// startOriginZone serves an IP-to-ASN TXT zone on 127.0.0.1, as Team
// Cymru's origin.asn.cymru.com answers.
func startOriginZone(t *testing.T, answers map[string]string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			m := new(dns.Msg)
			m.SetReply(r)
			if txt, ok := answers[r.Question[0].Name]; ok {
				m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
					Txt: []string{txt}})
			} else {
				m.Rcode = dns.RcodeNameError
			}
			w.WriteMsg(m)
		})}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestOriginASN(t *testing.T) {
	addr := startOriginZone(t, map[string]string{
		"9.5.0.127.origin.asn.test.": "64500 | 127.0.5.0/24 | US | arin | 2000-01-01",
		"1.0.0.10.origin.asn.test.":  "64501 64502 | 10.0.0.0/8 | ZZ | ripencc |",
		"2.0.0.10.origin.asn.test.":  "<script> | x",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.origin.asn.test.": "64496 | 2001:db8::/32 | ZZ | arin |",
	})
	o := NewOriginASN("origin.asn.test.", addr, time.Second)
	for _, tc := range []struct {
		ip      string
		want    int64
		wantErr bool
	}{
		{"127.0.5.9", 64500, false},
		{"10.0.0.1", 64501, false},
		{"2001:db8::1", 64496, false},
		{"192.0.2.1", 0, false}, // NXDOMAIN: no origin known
		{"10.0.0.2", 0, true},   // not a number
	} {
		got, err := o.Lookup(context.Background(), netip.MustParseAddr(tc.ip))
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("Lookup(%s) = %d, %v; want %d (error %v)", tc.ip, got, err, tc.want, tc.wantErr)
		}
	}
}
