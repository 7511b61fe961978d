package store

import (
	"context"
	"encoding/json"
	"net/netip"
	"time"
)

// BootstrapFile is the last good copy of one RFC 9224 bootstrap file
// (dns.json, ipv4.json, ipv6.json, asn.json), kept so a daemon that
// restarts offline still has what it last fetched, with the validators for
// the next conditional request.
type BootstrapFile struct {
	Name         string
	Body         []byte
	ETag         string
	LastModified string
	Publication  string
	Services     int
	Source       string    // the URL it came from
	Fetched      time.Time // when Body was fetched
	Checked      time.Time // the last request (a 304 moves only this)
}

// IPNetwork is one cached IP RDAP network: the prefix, the RIR that
// answered, what it said (the hosting probe's own JSON) and when.
type IPNetwork struct {
	Prefix  netip.Prefix
	RIR     string
	Data    json.RawMessage
	Fetched time.Time
}

// RegistrationStore keeps registration reference data: the bootstrap
// files and the IP network cache. Drivers implement it beside Store;
// consumers ask for it with a type assertion only at wiring time.
type RegistrationStore interface {
	// BootstrapFiles returns every stored file, sorted by name; none is
	// an empty list.
	BootstrapFiles(ctx context.Context) ([]BootstrapFile, error)
	// PutBootstrapFile stores f, replacing the file of the same name.
	// The caller has checked it is no worse (regdata.Better).
	PutBootstrapFile(ctx context.Context, f BootstrapFile) error
	// TouchBootstrapFile moves a stored file's Checked time (a 304);
	// ErrNotFound when no file of that name is stored.
	TouchBootstrapFile(ctx context.Context, name string, checked time.Time) error
	// IPNetwork returns the most specific cached network holding ip,
	// stale or not; nil, nil when none.
	IPNetwork(ctx context.Context, ip netip.Addr) (*IPNetwork, error)
	// PutIPNetwork stores n, replacing the entry of the same prefix.
	PutIPNetwork(ctx context.Context, n IPNetwork) error
}

// MaxBootstrapBytes bounds a stored bootstrap file.
const MaxBootstrapBytes = 4 << 20

// IPRangeKeys are the sortable text keys of a prefix's first and last
// address and its length in a 128-bit space (IPv4 as IPv4-mapped IPv6),
// so one text comparison finds the networks holding an address in any SQL.
func IPRangeKeys(p netip.Prefix) (first, last string, bits int) {
	p = p.Masked()
	bits = p.Bits()
	a := p.Addr()
	if a.Is4() {
		bits += 96
	}
	b := a.As16()
	first = hexKey(b)
	for i := bits; i < 128; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	return first, hexKey(b), bits
}

// IPKey is the sortable text key of one address (see IPRangeKeys).
func IPKey(ip netip.Addr) string { return hexKey(ip.As16()) }

func hexKey(b [16]byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 32)
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}
