package dnsprobe

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

const (
	// MaxRecords bounds each record list of a snapshot; the first ones in
	// sorted order are kept, so the cut is the same on every run.
	MaxRecords = 100
	// MaxTextLen bounds a TXT record's text (escaped) and a CAA value.
	MaxTextLen = 2048
	// maxChain bounds the CNAME hops followed inside one answer.
	maxChain = 16
)

// chase follows the CNAME chain of an answer from qname and returns the
// records of qtype at its end, and the first hop's CNAME target if qname
// is an alias. Records for other owners are ignored: a resolver may not
// slip in data for names we did not ask about.
func chase(ans []dns.RR, qname string, qtype uint16) (rrs []dns.RR, cname string) {
	name := qname
	for hop := 0; hop < maxChain; hop++ {
		next := ""
		for _, rr := range ans {
			h := rr.Header()
			if h.Class != dns.ClassINET || !strings.EqualFold(h.Name, name) {
				continue
			}
			if h.Rrtype == qtype {
				rrs = append(rrs, rr)
			} else if c, ok := rr.(*dns.CNAME); ok && next == "" {
				next = c.Target
			}
		}
		if len(rrs) > 0 || next == "" || qtype == dns.TypeCNAME {
			return rrs, cname
		}
		if hop == 0 {
			cname = normName(next)
		}
		name = next
	}
	return rrs, cname
}

// normalize turns records into their normalized text: no owner, TTL or
// class; names in lower case without the final dot; sorted, without
// duplicates, at most MaxRecords.
func normalize(rrs []dns.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		if s, ok := rdata(rr); ok {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > MaxRecords {
		out = out[:MaxRecords:MaxRecords]
	}
	return out
}

// rdata is one record's normalized data. TXT text and CAA values keep
// their case (they are case-sensitive); anything outside printable ASCII
// is escaped as \DDD, as in zone files.
func rdata(rr dns.RR) (string, bool) {
	switch r := rr.(type) {
	case *dns.A:
		a, ok := netip.AddrFromSlice(r.A.To4())
		return a.String(), ok
	case *dns.AAAA:
		a, ok := netip.AddrFromSlice(r.AAAA.To16())
		return a.String(), ok && len(r.AAAA) == 16
	case *dns.NS:
		return normName(r.Ns), true
	case *dns.CNAME:
		return normName(r.Target), true
	case *dns.MX:
		return strconv.Itoa(int(r.Preference)) + " " + normName(r.Mx), true
	case *dns.TXT:
		// miekg/dns already escapes TXT strings (\DDD, \", \\). Joined as
		// SPF and DKIM readers join them.
		return cutEscaped(strings.Join(r.Txt, ""), MaxTextLen), true
	case *dns.SOA:
		return normName(r.Ns) + " " + normName(r.Mbox) + " " +
			strconv.FormatUint(uint64(r.Serial), 10) + " " + strconv.FormatUint(uint64(r.Refresh), 10) + " " +
			strconv.FormatUint(uint64(r.Retry), 10) + " " + strconv.FormatUint(uint64(r.Expire), 10) + " " +
			strconv.FormatUint(uint64(r.Minttl), 10), true
	case *dns.CAA:
		return strconv.Itoa(int(r.Flag)) + " " + strings.ToLower(r.Tag) + " \"" + escape(r.Value, MaxTextLen) + "\"", true
	case *dns.DS:
		return strconv.Itoa(int(r.KeyTag)) + " " + strconv.Itoa(int(r.Algorithm)) + " " +
			strconv.Itoa(int(r.DigestType)) + " " + strings.ToLower(r.Digest), true
	}
	return "", false
}

// normName lower-cases a name in presentation form and drops the final dot
// ("." stays the root).
func normName(s string) string {
	s = strings.ToLower(s)
	if len(s) > 1 {
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

// escape writes raw bytes as printable ASCII, at most n bytes of input.
func escape(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if i == n {
			b.WriteString("…")
			break
		}
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			b.WriteByte('\\')
			b.WriteByte('0' + c/100)
			b.WriteByte('0' + c/10%10)
			b.WriteByte('0' + c%10)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// cutEscaped cuts already escaped text to at most n bytes without splitting
// an escape, and marks the cut.
func cutEscaped(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for i < len(s) {
		w := 1
		if s[i] == '\\' {
			w = 2
			if i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
				w = 4
			}
		}
		if i+w > n {
			break
		}
		i += w
	}
	return s[:i] + "…"
}
