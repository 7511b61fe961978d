package hostingprobe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"unicode"

	"github.com/takedownhq/takedown/monitor/probe/whoisprobe"
)

// MaxReply caps an IP RDAP answer; RIR network objects are a few KiB.
const MaxReply = 1 << 20

// ipNetwork is the part of an RFC 9083 §5.4 IP network object we read.
// The origin AS is ARIN's extension (arin_originas0); cidr0 (RFC 9083
// extension used by all five RIRs) gives the CIDRs.
type ipNetwork struct {
	ObjectClassName string   `json:"objectClassName"`
	Handle          string   `json:"handle"`
	StartAddress    string   `json:"startAddress"`
	EndAddress      string   `json:"endAddress"`
	Name            string   `json:"name"`
	Country         string   `json:"country"`
	Entities        []entity `json:"entities"`
	CIDRs           []struct {
		V4Prefix string `json:"v4prefix"`
		V6Prefix string `json:"v6prefix"`
		Length   int    `json:"length"`
	} `json:"cidr0_cidrs"`
	OriginAS []uint32 `json:"arin_originas0_originautnums"`
}

type entity struct {
	Handle   string          `json:"handle"`
	Roles    []string        `json:"roles"`
	VCard    json.RawMessage `json:"vcardArray"`
	Entities []entity        `json:"entities"`
}

// prefix is the network's CIDR holding ip: a cidr0 entry, else the
// largest prefix inside start..end that holds ip.
func (n *ipNetwork) prefix(ip netip.Addr) (netip.Prefix, error) {
	for _, c := range n.CIDRs {
		s := c.V4Prefix
		if s == "" {
			s = c.V6Prefix
		}
		if a, err := netip.ParseAddr(s); err == nil {
			if p, err := a.Prefix(c.Length); err == nil && p.Contains(ip) {
				return p, nil
			}
		}
	}
	start, err1 := netip.ParseAddr(strings.TrimSpace(n.StartAddress))
	end, err2 := netip.ParseAddr(strings.TrimSpace(n.EndAddress))
	if err1 != nil || err2 != nil || start.Is4() != ip.Is4() || ip.Less(start) || end.Less(ip) {
		return netip.Prefix{}, fmt.Errorf("network %q..%q does not hold %s", clean(n.StartAddress, 64), clean(n.EndAddress, 64), ip)
	}
	for bits := 0; bits <= ip.BitLen(); bits++ {
		p, _ := ip.Prefix(bits)
		if !p.Addr().Less(start) && !lastOf(p).Less(p.Addr()) && !end.Less(lastOf(p)) {
			return p, nil
		}
	}
	return netip.Prefix{}, errors.New("no prefix")
}

// lastOf is the last address of a prefix.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// abuse lists the abuse contacts of the network: entities with role abuse
// at the top level or one level down (RIPE's abuse-c hangs under the org).
func (n *ipNetwork) abuse() []Contact {
	var out []Contact
	var walk func(es []entity, depth int)
	walk = func(es []entity, depth int) {
		for _, e := range es {
			if hasRole(e.Roles, "abuse") {
				em, ph := jcard(e.VCard, "email"), jcard(e.VCard, "tel")
				em, ph = whoisprobe.NormEmail(em), whoisprobe.NormPhone(strings.TrimPrefix(ph, "tel:"))
				if em != "" || ph != "" {
					out = append(out, Contact{Email: em, Phone: ph, Source: AbuseSource})
				}
			}
			if depth < 2 {
				walk(e.Entities, depth+1)
			}
		}
	}
	walk(n.Entities, 0)
	return out
}

func hasRole(roles []string, want string) bool {
	for _, r := range roles {
		if strings.EqualFold(strings.TrimSpace(r), want) {
			return true
		}
	}
	return false
}

// jcard is the first text value of a jCard property: ["vcard", [[name,
// params, type, value], ...]].
func jcard(raw json.RawMessage, name string) string {
	var v []json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil || len(v) < 2 {
		return ""
	}
	var props [][]json.RawMessage
	if json.Unmarshal(v[1], &props) != nil {
		return ""
	}
	for _, p := range props {
		if len(p) < 4 {
			continue
		}
		var n, val string
		if json.Unmarshal(p[0], &n) != nil || !strings.EqualFold(n, name) {
			continue
		}
		if json.Unmarshal(p[3], &val) == nil {
			return val
		}
	}
	return ""
}

// clean keeps at most n printable runes of network text.
func clean(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			continue
		}
		b.WriteRune(r)
		if b.Len() >= n {
			break
		}
	}
	return strings.TrimSpace(b.String())
}

func newHTTPClient() *http.Client {
	return &http.Client{
		Transport: capped{http.DefaultTransport},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			// RIRs redirect to each other for transferred space.
			if len(via) >= 3 {
				return errors.New("more than 3 redirects")
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to %s scheme", req.URL.Scheme)
			}
			return nil
		},
	}
}

type capped struct{ rt http.RoundTripper }

func (c capped) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &cappedBody{ReadCloser: resp.Body, left: MaxReply}
	return resp, nil
}

type cappedBody struct {
	io.ReadCloser
	left int64
}

var errTooLarge = fmt.Errorf("ip rdap answer larger than %d bytes", MaxReply)

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// MemCache is an in-memory Cache of at most max networks; when full, the
// oldest entry goes.
type MemCache struct {
	mu      sync.Mutex
	max     int
	entries []Entry
}

// NewMemCache makes a MemCache of at most max entries.
func NewMemCache(max int) *MemCache { return &MemCache{max: max} }

// Lookup returns the most specific cached network holding ip.
func (m *MemCache) Lookup(_ context.Context, ip netip.Addr) (*Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var best *Entry
	for i := range m.entries {
		e := &m.entries[i]
		if e.Prefix.Contains(ip) && (best == nil || e.Prefix.Bits() > best.Prefix.Bits()) {
			best = e
		}
	}
	if best == nil {
		return nil, nil
	}
	c := *best
	return &c, nil
}

// Put stores e, replacing an entry of the same prefix.
func (m *MemCache) Put(_ context.Context, e Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.entries {
		if m.entries[i].Prefix == e.Prefix {
			m.entries[i] = e
			return nil
		}
	}
	if len(m.entries) >= m.max {
		m.entries = m.entries[1:]
	}
	m.entries = append(m.entries, e)
	return nil
}
