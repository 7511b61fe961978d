package regdata

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// The four RFC 9224 bootstrap files, by IANA's names.
const (
	FileDNS  = "dns.json"
	FileIPv4 = "ipv4.json"
	FileIPv6 = "ipv6.json"
	FileASN  = "asn.json"
)

// Files are the bootstrap files a Set holds, in the order they are shown.
var Files = []string{FileDNS, FileIPv4, FileIPv6, FileASN}

// Bounds on a bootstrap file: IANA's dns.json is 72 KB with 597 services,
// so these leave room for growth and none for a hostile mirror.
const (
	MaxFileBytes = 4 << 20
	MaxServices  = 20000
	maxEntries   = 100000
	maxURLs      = 16
)

// ErrWorse is returned by Better when a newer file has fewer services than
// the one in use: a truncated download or a broken mirror, never adopted.
var ErrWorse = errors.New("fewer services than the copy in use")

//go:embed data/*.json
var embedded embed.FS

// Bootstrap is one parsed RFC 9224 file.
type Bootstrap struct {
	// Name is the file name (dns.json, ipv4.json, ipv6.json, asn.json).
	Name string
	// Publication is the file's own publication field, verbatim.
	Publication string
	// Description is the file's description, verbatim.
	Description string
	// Raw is the file as read, for storing the last good copy.
	Raw []byte

	services []service
	entries  int
}

type service struct {
	keys []string
	urls []string
}

// Services is the number of services (entries of the services array).
func (b *Bootstrap) Services() int { return len(b.services) }

// Entries is the number of keys over all services: TLDs, prefixes or
// AS ranges.
func (b *Bootstrap) Entries() int { return b.entries }

// ParseBootstrap reads the RFC 9224 file called name (which says what its
// keys are: TLDs, IPv4 or IPv6 prefixes, AS ranges). A file that does not
// parse, lacks a services array, or holds a key or URL of the wrong form is
// refused with an error naming it.
func ParseBootstrap(name string, b []byte) (*Bootstrap, error) {
	if len(b) > MaxFileBytes {
		return nil, fmt.Errorf("rdap bootstrap %s: %d bytes, more than %d", name, len(b), MaxFileBytes)
	}
	var doc struct {
		Description string        `json:"description"`
		Publication string        `json:"publication"`
		Services    *[][][]string `json:"services"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("rdap bootstrap %s: not an RFC 9224 file: %w", name, err)
	}
	if doc.Services == nil || len(*doc.Services) == 0 {
		return nil, fmt.Errorf("rdap bootstrap %s: no services array", name)
	}
	if len(*doc.Services) > MaxServices {
		return nil, fmt.Errorf("rdap bootstrap %s: %d services, more than %d", name, len(*doc.Services), MaxServices)
	}
	bs := &Bootstrap{Name: name, Publication: clip(doc.Publication, 64), Description: clip(doc.Description, 512), Raw: b}
	for i, s := range *doc.Services {
		if len(s) < 2 || len(s[0]) == 0 || len(s[1]) == 0 {
			return nil, fmt.Errorf("rdap bootstrap %s: service %d: want [[keys], [urls]]", name, i)
		}
		sv := service{}
		for _, k := range s[0] {
			k = strings.ToLower(strings.TrimSpace(k))
			if err := checkKey(name, k); err != nil {
				return nil, fmt.Errorf("rdap bootstrap %s: service %d: %w", name, i, err)
			}
			sv.keys = append(sv.keys, k)
		}
		for _, u := range s[1][:min(len(s[1]), maxURLs)] {
			if err := checkBaseURL(u); err != nil {
				return nil, fmt.Errorf("rdap bootstrap %s: service %d: %w", name, i, err)
			}
			sv.urls = append(sv.urls, withSlash(u))
		}
		bs.entries += len(sv.keys)
		if bs.entries > maxEntries {
			return nil, fmt.Errorf("rdap bootstrap %s: more than %d entries", name, maxEntries)
		}
		bs.services = append(bs.services, sv)
	}
	return bs, nil
}

func checkKey(file, k string) error {
	switch file {
	case FileIPv4, FileIPv6:
		p, err := netip.ParsePrefix(k)
		if err != nil || p.Addr().Is4() != (file == FileIPv4) {
			return fmt.Errorf("key %q: not an %s prefix", k, strings.TrimSuffix(file, ".json"))
		}
	case FileASN:
		if _, _, err := asRange(k); err != nil {
			return err
		}
	default:
		if err := CheckTLD(k); err != nil {
			return err
		}
	}
	return nil
}

func asRange(k string) (lo, hi uint32, err error) {
	a, b, ok := strings.Cut(k, "-")
	if !ok {
		b = a
	}
	l, err1 := strconv.ParseUint(a, 10, 32)
	h, err2 := strconv.ParseUint(b, 10, 32)
	if err1 != nil || err2 != nil || h < l {
		return 0, 0, fmt.Errorf("key %q: not an AS number range", k)
	}
	return uint32(l), uint32(h), nil
}

// CheckTLD checks a bootstrap or override key: one or more DNS labels of
// letters, digits and hyphens (IDN in punycode), like "io" or "co.gl".
func CheckTLD(k string) error {
	if k == "" || len(k) > 253 {
		return fmt.Errorf("TLD %q: want a TLD like io", k)
	}
	for _, l := range strings.Split(k, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("TLD %q: bad label %q", k, l)
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("TLD %q: want lower-case letters, digits and hyphens", k)
			}
		}
	}
	return nil
}

// checkBaseURL checks an RDAP base URL: http or https, a host, no query.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("base URL %q: want an http(s) URL without query or credentials", s)
	}
	return nil
}

func withSlash(u string) string {
	if !strings.HasSuffix(u, "/") {
		return u + "/"
	}
	return u
}

func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Better checks that next may replace cur: it refuses a file with fewer
// services (ErrWorse). A nil cur accepts anything that parsed.
func Better(cur, next *Bootstrap) error {
	if cur == nil {
		return nil
	}
	if next.Services() < cur.Services() {
		return fmt.Errorf("rdap bootstrap %s: %d services against %d: %w", next.Name, next.Services(), cur.Services(), ErrWorse)
	}
	return nil
}

// Set is the four bootstrap files, as one consistent picture.
type Set struct {
	DNS, IPv4, IPv6, ASN *Bootstrap
	// Origin says where the set came from: "embedded", a directory, a URL,
	// or "database" (the last good copy a refresh stored).
	Origin string
}

// File returns the named bootstrap of the set (nil for an unknown name).
func (s *Set) File(name string) *Bootstrap {
	switch name {
	case FileDNS:
		return s.DNS
	case FileIPv4:
		return s.IPv4
	case FileIPv6:
		return s.IPv6
	case FileASN:
		return s.ASN
	}
	return nil
}

func (s *Set) put(b *Bootstrap) {
	switch b.Name {
	case FileDNS:
		s.DNS = b
	case FileIPv4:
		s.IPv4 = b
	case FileIPv6:
		s.IPv6 = b
	case FileASN:
		s.ASN = b
	}
}

// SetFrom parses the four files given by name; every one must be there.
func SetFrom(origin string, files map[string][]byte) (*Set, error) {
	s := &Set{Origin: origin}
	for _, name := range Files {
		b, ok := files[name]
		if !ok {
			return nil, fmt.Errorf("rdap bootstrap %s: %s missing", origin, name)
		}
		bs, err := ParseBootstrap(name, b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", origin, err)
		}
		s.put(bs)
	}
	return s, nil
}

// Load reads the four files from a directory.
func Load(dir string) (*Set, error) {
	files := map[string][]byte{}
	for _, name := range Files {
		p := filepath.Join(dir, name)
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("rdap bootstrap: %w", err)
		}
		if st.Size() > MaxFileBytes {
			return nil, fmt.Errorf("rdap bootstrap %s: %d bytes, more than %d", p, st.Size(), MaxFileBytes)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("rdap bootstrap: %w", err)
		}
		files[name] = b
	}
	return SetFrom(dir, files)
}

// Embedded is the set built into the binary: IANA's files as published
// (dns.json of 2025-11-06; the address and AS files from a mirror of
// 2026-08-01).
func Embedded() *Set { return embeddedSet() }

var embeddedSet = sync.OnceValue(func() *Set {
	files := map[string][]byte{}
	for _, name := range Files {
		b, err := embedded.ReadFile("data/" + name)
		if err != nil {
			panic(err) // the go:embed pattern guarantees the files
		}
		files[name] = b
	}
	s, err := SetFrom("embedded", files)
	if err != nil {
		panic(err) // TestEmbedded parses the same bytes
	}
	return s
})
