package regdata

import (
	"fmt"
	"net/netip"
	"net/url"
	"sort"
	"strings"
)

// RDAP sources, as `takedown registry --json` prints them.
const (
	SourceIANA     = "iana"     // IANA's bootstrap (embedded, or refreshed from IANA)
	SourceOverride = "override" // the override table
	SourceConfig   = "config"   // network.rdap_url, or a configured network.rdap_bootstrap
)

// WHOIS sources.
const (
	WHOISConfig   = "config"   // network.whois_servers
	WHOISTableSrc = "table"    // the embedded TLD table (IANA root zone database)
	WHOISReferral = "referral" // ask the referral server (whois.iana.org) at query time
	WHOISRIR      = "rir"      // the RIR's own WHOIS, for an address
)

// DefaultReferral is IANA's WHOIS server, the default network.whois_referral.
const DefaultReferral = "whois.iana.org:43"

// RDAPWhere says where a name's or address's RDAP data comes from.
type RDAPWhere struct {
	// BaseURL is the first base URL (https preferred, as the file lists it).
	BaseURL string
	// URLs are every base URL the service lists, in the file's order.
	URLs []string
	// Source is SourceIANA, SourceOverride or SourceConfig.
	Source string
	// Date is the bootstrap's publication, or the override's date.
	Date string
	// Key is the bootstrap key that matched (TLD, prefix, AS range).
	Key string
	// Operator, Reference and Notes come from an override entry.
	Operator, Reference, Notes string
	// RIR names the regional registry of an address or AS number.
	RIR string
}

// WHOISWhere says which port-43 server answers for a name.
type WHOISWhere struct {
	Server string // host:port
	Source string // WHOISConfig, WHOISTableSrc, WHOISReferral or WHOISRIR
	Date   string // the table's date, for WHOISTableSrc
}

// Options build a Registry.
type Options struct {
	// Set is the bootstrap set; nil means Embedded().
	Set *Set
	// RDAPURL sends every domain query to one base URL (network.rdap_url).
	RDAPURL string
	// Overrides extend or replace, per TLD, the embedded override table
	// (network.rdap_overrides).
	Overrides []Override
	// NoEmbeddedOverrides leaves the embedded override table out: a lab's
	// own bootstrap describes its whole world.
	NoEmbeddedOverrides bool
	// WhoisServers are configured servers by suffix (network.whois_servers).
	WhoisServers map[string]string
	// WhoisReferral is the referral server; the embedded WHOIS table is
	// used only when it is IANA's (a lab's referral server knows its world).
	WhoisReferral string
	// SetSource is the source answers from Set carry: SourceIANA (default)
	// or SourceConfig for a configured network.rdap_bootstrap.
	SetSource string
}

// Registry answers "where does this data live" from one Set. It is
// read-only after New and safe for concurrent use.
type Registry struct {
	set       *Set
	rdapURL   string
	dns       map[string]int // key -> service index in set.DNS
	overrides map[string]Override
	v4, v6    []prefixSvc
	asn       []asnSvc
	whois     map[string]string
	referral  string
	useTable  bool
	setSource string
}

type prefixSvc struct {
	p    netip.Prefix
	urls []string
}

type asnSvc struct {
	lo, hi uint32
	key    string
	urls   []string
}

// New builds a Registry. Overrides are checked and the error names the bad
// value.
func New(o Options) (*Registry, error) {
	r := &Registry{set: o.Set, rdapURL: o.RDAPURL, dns: map[string]int{}, overrides: map[string]Override{},
		whois: map[string]string{}, referral: o.WhoisReferral, setSource: o.SetSource}
	if r.setSource == "" {
		r.setSource = SourceIANA
	}
	if r.set == nil {
		r.set = Embedded()
	}
	if r.referral == "" {
		r.referral = DefaultReferral
	}
	r.useTable = r.referral == DefaultReferral
	if r.rdapURL != "" {
		if err := checkBaseURL(r.rdapURL); err != nil {
			return nil, fmt.Errorf("network.rdap_url: %w", err)
		}
	}
	for i, s := range r.set.DNS.services {
		for _, k := range s.keys {
			if _, dup := r.dns[k]; !dup {
				r.dns[k] = i
			}
		}
	}
	if !o.NoEmbeddedOverrides {
		for _, ov := range EmbeddedOverrides() {
			r.overrides[ov.TLD] = ov
		}
	}
	for _, ov := range o.Overrides {
		ov.TLD = strings.ToLower(strings.Trim(ov.TLD, ". "))
		if err := ov.Check(); err != nil {
			return nil, err
		}
		ov.URL = withSlash(ov.URL)
		if ov.Source == "" {
			ov.Source = "configuration"
		}
		r.overrides[ov.TLD] = ov
	}
	for _, b := range []*Bootstrap{r.set.IPv4, r.set.IPv6} {
		for _, s := range b.services {
			for _, k := range s.keys {
				p := netip.MustParsePrefix(k) // checked by ParseBootstrap
				ps := prefixSvc{p.Masked(), s.urls}
				if p.Addr().Is4() {
					r.v4 = append(r.v4, ps)
				} else {
					r.v6 = append(r.v6, ps)
				}
			}
		}
	}
	// Longest prefix first, so the first match is the most specific.
	for _, l := range [][]prefixSvc{r.v4, r.v6} {
		sort.SliceStable(l, func(i, j int) bool { return l[i].p.Bits() > l[j].p.Bits() })
	}
	for _, s := range r.set.ASN.services {
		for _, k := range s.keys {
			lo, hi, _ := asRange(k)
			r.asn = append(r.asn, asnSvc{lo, hi, k, s.urls})
		}
	}
	for k, v := range o.WhoisServers {
		r.whois[strings.Trim(strings.ToLower(k), ".")] = v
	}
	return r, nil
}

// Set is the bootstrap set the registry answers from.
func (r *Registry) Set() *Set { return r.set }

// DNSCount is the number of distinct TLD keys the registry can send to
// RDAP: the bootstrap's plus the overrides it does not already hold.
func (r *Registry) DNSCount() int {
	n := len(r.dns)
	for k := range r.overrides {
		if _, ok := r.dns[k]; !ok {
			n++
		}
	}
	return n
}

// RDAP says where name's RDAP data lives: network.rdap_url, else the
// longest matching bootstrap key (IANA's entry before an override of the
// same key). Nil means no RDAP service is known, and WHOIS serves.
func (r *Registry) RDAP(name string) *RDAPWhere {
	if r.rdapURL != "" {
		return &RDAPWhere{BaseURL: withSlash(r.rdapURL), URLs: []string{withSlash(r.rdapURL)}, Source: SourceConfig}
	}
	name = strings.Trim(strings.ToLower(name), ".")
	for s := name; s != ""; {
		if i, ok := r.dns[s]; ok {
			urls := r.set.DNS.services[i].urls
			return &RDAPWhere{BaseURL: preferHTTPS(urls), URLs: urls, Source: r.setSource,
				Date: r.set.DNS.Publication, Key: s}
		}
		if ov, ok := r.overrides[s]; ok {
			return &RDAPWhere{BaseURL: ov.URL, URLs: []string{ov.URL}, Source: SourceOverride, Date: ov.Date, Key: s,
				Operator: ov.Operator, Reference: ov.Source, Notes: ov.Notes}
		}
		_, rest, ok := strings.Cut(s, ".")
		if !ok {
			break
		}
		s = rest
	}
	return nil
}

// RDAPBases is RDAP(name)'s URLs parsed, https first; none when no service
// is known.
func (r *Registry) RDAPBases(name string) []*url.URL {
	w := r.RDAP(name)
	if w == nil {
		return nil
	}
	var out []*url.URL
	for _, s := range httpsFirst(w.URLs) {
		if u, err := url.Parse(s); err == nil {
			out = append(out, u)
		}
	}
	return out
}

// WHOIS says which port-43 server answers for name: a configured server
// (longest suffix), else the embedded table (when the referral server is
// IANA's), else the referral server, asked at query time.
func (r *Registry) WHOIS(name string) *WHOISWhere {
	name = strings.Trim(strings.ToLower(name), ".")
	for s := name; s != ""; {
		if addr, ok := r.whois[s]; ok {
			return &WHOISWhere{Server: addr, Source: WHOISConfig}
		}
		_, rest, ok := strings.Cut(s, ".")
		if !ok {
			break
		}
		s = rest
	}
	tld := name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		tld = name[i+1:]
	}
	if r.useTable {
		if s, ok := WHOISTable(tld); ok {
			return &WHOISWhere{Server: s, Source: WHOISTableSrc, Date: WHOISTableDate}
		}
	}
	return &WHOISWhere{Server: r.referral, Source: WHOISReferral}
}

// IP says which RIR's RDAP serves an address (longest matching prefix of
// the IPv4 or IPv6 bootstrap). Nil when no prefix covers it.
func (r *Registry) IP(a netip.Addr) *RDAPWhere {
	a = a.Unmap()
	list, b := r.v4, r.set.IPv4
	if a.Is6() {
		list, b = r.v6, r.set.IPv6
	}
	for _, ps := range list {
		if ps.p.Contains(a) {
			return &RDAPWhere{BaseURL: preferHTTPS(ps.urls), URLs: ps.urls, Source: r.setSource, Date: b.Publication,
				Key: ps.p.String(), RIR: RIR(ps.urls)}
		}
	}
	return nil
}

// ASN says which RIR's RDAP serves an AS number. Nil when none.
func (r *Registry) ASN(n uint32) *RDAPWhere {
	for _, s := range r.asn {
		if n >= s.lo && n <= s.hi {
			return &RDAPWhere{BaseURL: preferHTTPS(s.urls), URLs: s.urls, Source: r.setSource, Date: r.set.ASN.Publication,
				Key: s.key, RIR: RIR(s.urls)}
		}
	}
	return nil
}

// rirWHOIS are the RIRs' port-43 servers.
var rirWHOIS = map[string]string{"arin": "whois.arin.net:43", "ripe": "whois.ripe.net:43", "apnic": "whois.apnic.net:43",
	"lacnic": "whois.lacnic.net:43", "afrinic": "whois.afrinic.net:43"}

// RIRWHOIS is the port-43 server of a regional registry, or nil.
func RIRWHOIS(rir string) *WHOISWhere {
	if s, ok := rirWHOIS[rir]; ok {
		return &WHOISWhere{Server: s, Source: WHOISRIR}
	}
	return nil
}

// RIR names the regional registry of a service by its base URLs' host
// ("arin", "ripe", "apnic", "lacnic", "afrinic"), else the host itself.
func RIR(urls []string) string {
	for _, s := range urls {
		u, err := url.Parse(s)
		if err != nil {
			continue
		}
		h := u.Hostname()
		for _, rir := range []string{"arin", "ripe", "apnic", "lacnic", "afrinic"} {
			if strings.Contains(h, "."+rir+".") || strings.HasPrefix(h, rir+".") {
				return rir
			}
		}
		return h
	}
	return ""
}

func preferHTTPS(urls []string) string {
	if l := httpsFirst(urls); len(l) > 0 {
		return l[0]
	}
	return ""
}

// httpsFirst orders https URLs before others, keeping the file's order
// otherwise (RFC 9224 §3 lets clients prefer https).
func httpsFirst(urls []string) []string {
	out := make([]string, 0, len(urls))
	for _, u := range urls {
		if strings.HasPrefix(u, "https:") {
			out = append(out, u)
		}
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, "https:") {
			out = append(out, u)
		}
	}
	return out
}

// Answer is what `takedown registry --json` prints for a name or an
// address: where its RDAP and WHOIS data come from. RDAP or WHOIS is nil
// (JSON null) where there is none. For an address RDAP is its RIR's.
type Answer struct {
	Name  string       `json:"name"`
	RDAP  *AnswerRDAP  `json:"rdap"`
	WHOIS *AnswerWHOIS `json:"whois"`
}

// AnswerRDAP is the RDAP part of an Answer.
type AnswerRDAP struct {
	BaseURL string `json:"base_url"`
	Source  string `json:"source"`
	Date    string `json:"date"`
}

// AnswerWHOIS is the WHOIS part of an Answer.
type AnswerWHOIS struct {
	Server string `json:"server"`
	Source string `json:"source"`
}

// Answer says where the data of name (a registrable domain in ASCII) or of
// an address comes from; the details (operator, RIR, matched key) are in
// the returned RDAPWhere and WHOISWhere.
func (r *Registry) Answer(name string) (Answer, *RDAPWhere, *WHOISWhere) {
	a := Answer{Name: name}
	var rw *RDAPWhere
	var ww *WHOISWhere
	if ip, err := netip.ParseAddr(name); err == nil {
		a.Name = ip.Unmap().String()
		rw = r.IP(ip)
		if rw != nil {
			ww = RIRWHOIS(rw.RIR)
		}
	} else {
		rw, ww = r.RDAP(name), r.WHOIS(name)
	}
	if rw != nil {
		a.RDAP = &AnswerRDAP{BaseURL: rw.BaseURL, Source: rw.Source, Date: rw.Date}
	}
	if ww != nil {
		a.WHOIS = &AnswerWHOIS{Server: ww.Server, Source: ww.Source}
	}
	return a, rw, ww
}
