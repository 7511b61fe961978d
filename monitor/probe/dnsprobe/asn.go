package dnsprobe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// OriginASN asks a DNS zone that answers IP-to-ASN TXT queries, in the
// style of Team Cymru's origin.asn.cymru.com, for the origin AS of
// addresses: 2.2.0.192.ZONE TXT "64500 | 192.0.2.0/24 | US | arin | 2000-01-01".
// IPv6 addresses are asked by nibbles under the same zone. Build it with
// NewOriginASN; safe for concurrent use.
type OriginASN struct {
	zone     string
	resolver string
	timeout  time.Duration
	client   *dns.Client
}

// NewOriginASN asks zone through the recursive resolver at resolver
// (host:port), each query under timeout (default 2s).
func NewOriginASN(zone, resolver string, timeout time.Duration) *OriginASN {
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	return &OriginASN{zone: strings.Trim(strings.ToLower(zone), "."), resolver: resolver, timeout: timeout,
		client: &dns.Client{Timeout: timeout, UDPSize: 1232}}
}

// maxASNAnswer bounds the TXT text read from one answer.
const maxASNAnswer = 512

// Lookup returns the origin AS of a; 0, nil when the zone knows none.
func (o *OriginASN) Lookup(ctx context.Context, a netip.Addr) (int64, error) {
	a = a.Unmap()
	var labels []string
	if a.Is4() {
		b := a.As4()
		for i := 3; i >= 0; i-- {
			labels = append(labels, strconv.Itoa(int(b[i])))
		}
	} else {
		b := a.As16()
		for i := 15; i >= 0; i-- {
			labels = append(labels, strconv.FormatUint(uint64(b[i]&0xf), 16), strconv.FormatUint(uint64(b[i]>>4), 16))
		}
	}
	q := strings.Join(labels, ".") + "." + o.zone + "."
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	msg := new(dns.Msg)
	msg.SetQuestion(q, dns.TypeTXT)
	msg.SetEdns0(1232, false)
	in, _, err := o.client.ExchangeContext(ctx, msg, o.resolver)
	if err != nil {
		return 0, fmt.Errorf("origin AS of %s at %s: %w", a, o.resolver, err)
	}
	if in.Rcode == dns.RcodeNameError {
		return 0, nil
	}
	if in.Rcode != dns.RcodeSuccess {
		return 0, fmt.Errorf("origin AS of %s: %s", a, dns.RcodeToString[in.Rcode])
	}
	for _, rr := range in.Answer {
		txt, ok := rr.(*dns.TXT)
		if !ok {
			continue
		}
		s := strings.Join(txt.Txt, "")
		if len(s) > maxASNAnswer {
			s = s[:maxASNAnswer]
		}
		return parseOriginTXT(s)
	}
	return 0, nil
}

// parseOriginTXT reads the first AS of "64500 64501 | 192.0.2.0/24 | ...".
func parseOriginTXT(s string) (int64, error) {
	first, _, _ := strings.Cut(s, "|")
	f := strings.Fields(first)
	if len(f) == 0 {
		return 0, errors.New("origin AS answer without a number")
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(f[0]), "AS"), 10, 64)
	if err != nil || n <= 0 || n > 4294967295 {
		return 0, fmt.Errorf("origin AS answer %q: not an AS number", f[0])
	}
	return n, nil
}
