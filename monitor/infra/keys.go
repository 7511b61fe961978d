package infra

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// Key kinds, as `related --json`, `infra KIND VALUE` and the API name them.
const (
	KindNS         = "ns"         // a name server host
	KindNSDomain   = "ns_domain"  // a name server's registered domain
	KindIP         = "ip"         // an A or AAAA address
	KindPrefix     = "prefix"     // the address's /24 (IPv4) or /48 (IPv6)
	KindASN        = "asn"        // the address's origin AS, "AS64500"
	KindMX         = "mx"         // a mail exchange host
	KindCertKey    = "cert_key"   // the certificate's SPKI SHA-256
	KindCert       = "cert"       // the certificate's SHA-256 fingerprint
	KindFavicon    = "favicon"    // the favicon's mmh3 (Shodan's hash)
	KindPage       = "page"       // the page's TLSH digest
	KindTracker    = "tracker"    // an analytics or pixel ID
	KindSOARName   = "soa_rname"  // the zone's SOA RNAME, as a mailbox name
	KindRegistrant = "registrant" // the registrant organisation or e-mail, when not redacted
)

// Kinds are every key kind, in the order lists show them.
var Kinds = []string{KindNS, KindNSDomain, KindIP, KindPrefix, KindASN, KindMX, KindCertKey, KindCert,
	KindFavicon, KindPage, KindTracker, KindSOARName, KindRegistrant}

// ProbeHosting is the kind of the per-address hosting snapshot (network,
// origin AS, abuse contacts) another part of takedown records; its
// addresses' "asn" is read when present.
const ProbeHosting = "hosting"

// maxValue bounds a key's value in bytes: values come from the network.
const maxValue = 255

// Extract returns the keys a snapshot of a probe kind yields, distinct,
// at most store.MaxKeysPerObservation. A snapshot it cannot read yields
// none: keys are a view of the evidence, never a reason to fail a check.
func Extract(probe event.Probe, data []byte) []store.InfraKey {
	read, ok := extractors[probe]
	if !ok {
		return nil
	}
	var ks keySet
	if !read(&ks, data) {
		return nil
	}
	return ks.list
}

// extractors read the keys of one probe kind's snapshot into a keySet;
// false is a snapshot they cannot read.
var extractors = map[event.Probe]func(ks *keySet, data []byte) bool{
	event.ProbeDNS:        dnsKeys,
	event.ProbeDelegation: delegationKeys,
	event.ProbeCert:       certKeys,
	event.ProbeHTTP:       httpKeys,
	event.ProbePage:       pageKeys,
	event.ProbeWHOIS:      registrationKeys,
	event.ProbeRDAP:       registrationKeys,
	ProbeHosting:          hostingKeys,
}

func dnsKeys(ks *keySet, data []byte) bool {
	var s struct {
		A, AAAA, NS, MX, SOA []string
	}
	if json.Unmarshal(data, &s) != nil {
		return false
	}
	for _, h := range s.NS {
		ks.ns(h)
	}
	for _, a := range append(s.A, s.AAAA...) {
		ks.ip(a)
	}
	for _, mx := range s.MX {
		if f := strings.Fields(mx); len(f) == 2 {
			ks.host(KindMX, f[1])
		}
	}
	for _, soa := range s.SOA {
		if f := strings.Fields(soa); len(f) >= 2 {
			ks.host(KindSOARName, f[1])
		}
	}
	return true
}

func delegationKeys(ks *keySet, data []byte) bool {
	var s struct{ NS []string }
	if json.Unmarshal(data, &s) != nil {
		return false
	}
	for _, h := range s.NS {
		ks.ns(h)
	}
	return true
}

func certKeys(ks *keySet, data []byte) bool {
	var s struct {
		SHA256 string `json:"sha256"`
		SPKI   string `json:"spki_sha256"`
	}
	if json.Unmarshal(data, &s) != nil {
		return false
	}
	ks.hex(KindCert, s.SHA256)
	ks.hex(KindCertKey, s.SPKI)
	return true
}

func httpKeys(ks *keySet, data []byte) bool {
	var s struct{ Trackers []string }
	if json.Unmarshal(data, &s) != nil {
		return false
	}
	for _, t := range s.Trackers {
		ks.add(KindTracker, t)
	}
	return true
}

func pageKeys(ks *keySet, data []byte) bool {
	var s struct {
		Fingerprint struct {
			TLSH string `json:"tlsh"`
		} `json:"fingerprint"`
		Favicon *struct {
			MMH3 int32 `json:"mmh3"`
		} `json:"favicon"`
	}
	if json.Unmarshal(data, &s) != nil {
		return false
	}
	ks.add(KindPage, s.Fingerprint.TLSH)
	if s.Favicon != nil {
		ks.add(KindFavicon, strconv.Itoa(int(s.Favicon.MMH3)))
	}
	return true
}

// registrationKeys reads a WHOIS or RDAP snapshot.
func registrationKeys(ks *keySet, data []byte) bool {
	var s struct {
		Nameservers     []string `json:"nameservers"`
		RegistrantOrg   string   `json:"registrant_org"`
		RegistrantEmail string   `json:"registrant_email"`
	}
	if json.Unmarshal(data, &s) != nil {
		return false
	}
	for _, h := range s.Nameservers {
		ks.ns(h)
	}
	ks.registrant(s.RegistrantOrg)
	ks.registrant(s.RegistrantEmail)
	return true
}

func hostingKeys(ks *keySet, data []byte) bool {
	var s struct {
		Addresses []struct {
			IP  string `json:"ip"`
			ASN int64  `json:"asn"`
		} `json:"addresses"`
	}
	if json.Unmarshal(data, &s) != nil {
		return false
	}
	for _, a := range s.Addresses {
		if a.ASN > 0 {
			ks.add(KindASN, FormatASN(a.ASN))
		}
	}
	return true
}

// keySet collects distinct, normalized keys.
type keySet struct{ list []store.InfraKey }

func (s *keySet) add(kind, value string) {
	if value == "" || len(value) > maxValue || len(s.list) >= store.MaxKeysPerObservation {
		return
	}
	k := store.InfraKey{Kind: kind, Value: value}
	if !slices.Contains(s.list, k) {
		s.list = append(s.list, k)
	}
}

// host adds a host name key, lower case without the final dot.
func (s *keySet) host(kind, h string) {
	h = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), "."))
	if h == "" || strings.ContainsAny(h, " \t/\\@") {
		return
	}
	s.add(kind, h)
}

// ns adds a name server and its registered domain.
func (s *keySet) ns(h string) {
	h = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), "."))
	s.host(KindNS, h)
	if d, err := publicsuffix.EffectiveTLDPlusOne(h); err == nil {
		s.host(KindNSDomain, d)
	}
}

// ip adds an address and its prefix.
func (s *keySet) ip(a string) {
	addr, err := netip.ParseAddr(strings.TrimSpace(a))
	if err != nil {
		return
	}
	addr = addr.Unmap()
	s.add(KindIP, addr.String())
	s.add(KindPrefix, PrefixOf(addr).String())
}

func (s *keySet) hex(kind, v string) {
	v = strings.ToLower(v)
	if strings.Trim(v, "0123456789abcdef") != "" {
		return
	}
	s.add(kind, v)
}

// registrant adds a registrant organisation or e-mail that a registry
// showed, not a privacy service's placeholder.
func (s *keySet) registrant(v string) {
	v = strings.TrimSpace(v)
	if v == "" || Redacted(v) {
		return
	}
	s.add(KindRegistrant, strings.ToLower(v))
}

// Redacted reports registration text that hides the registrant: a
// placeholder or a privacy service, which thousands of unrelated domains
// share.
func Redacted(v string) bool {
	l := strings.ToLower(v)
	for _, w := range []string{"redacted", "privacy", "private", "proxy", "withheld", "not disclosed",
		"data protected", "gdpr", "contact privacy", "domains by proxy", "whoisguard", "identity protect",
		"statutory masking", "please query"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// PrefixOf is the network an address pivots on: its /24 for IPv4, its
// /48 for IPv6 (the usual smallest routed blocks).
func PrefixOf(a netip.Addr) netip.Prefix {
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	return p
}

// FormatASN writes an AS number as keys and watches keep it.
func FormatASN(n int64) string { return fmt.Sprintf("AS%d", n) }
