package infra

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/store"
)

// Infrastructure watch kinds: `watch add --kind ns|ip|asn VALUE`.
const (
	WatchNS  = "ns"
	WatchIP  = "ip"
	WatchASN = "asn"
)

// WatchKinds are the kinds of watchable infrastructure.
var WatchKinds = []string{WatchNS, WatchIP, WatchASN}

// ErrBadWatch is wrapped by every ParseWatch error: the value is bad input.
var ErrBadWatch = errors.New("bad infrastructure watch")

// ParseWatch checks and normalizes a watched piece of infrastructure: a
// name server host; an address or CIDR no wider than /16 (IPv4) or /32
// (IPv6), since a wider block holds too many strangers to alert on; an AS
// number ("AS64500" or "64500") that is neither malformed nor reserved.
func ParseWatch(kind, value string) (store.InfraWatch, error) {
	w := store.InfraWatch{Kind: kind}
	v := strings.TrimSpace(value)
	bad := func(why string) (store.InfraWatch, error) {
		return store.InfraWatch{}, fmt.Errorf("%w: %s %q: %s", ErrBadWatch, kind, value, why)
	}
	switch kind {
	case WatchNS:
		h, err := domain.Host(v)
		if err != nil {
			return bad(err.Error())
		}
		w.Value = h
	case WatchIP:
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return bad("not an address or CIDR")
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-unmapBits(p.Addr()))
			if (p.Addr().Is4() && p.Bits() < 16) || (p.Addr().Is6() && p.Bits() < 32) {
				return bad("wider than /16 (IPv4) or /32 (IPv6)")
			}
			if p.Addr().Is4() && p.Bits() == 32 || p.Addr().Is6() && p.Bits() == 128 {
				w.Value = p.Addr().String()
			} else {
				w.Value = p.Masked().String()
			}
		} else {
			a, err := netip.ParseAddr(v)
			if err != nil || a.Zone() != "" {
				return bad("not an address or CIDR")
			}
			w.Value = a.Unmap().String()
		}
	case WatchASN:
		n, err := ParseASN(v)
		if err != nil {
			return bad(err.Error())
		}
		w.Value = FormatASN(n)
	default:
		return bad("unknown kind (want ns, ip or asn)")
	}
	return w, nil
}

func unmapBits(a netip.Addr) int {
	if a.Is4In6() {
		return 96
	}
	return 0
}

// ParseASN reads "AS64500" or "64500" and refuses the numbers IANA
// reserves, which no route may carry: 0 (RFC 7607), AS_TRANS 23456 (RFC
// 6793), 65535 and 4294967295 (RFC 7300), 65552–131071. The documentation
// (RFC 5398) and private-use (RFC 6996) ranges are accepted: labs, tests
// and internal networks use them.
func ParseASN(s string) (int64, error) {
	t := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "AS")
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || t == "" || t[0] == '+' || t[0] == '-' {
		return 0, errors.New("not an AS number")
	}
	switch {
	case n <= 0 || n > 4294967295:
		return 0, errors.New("out of range (1–4294967294)")
	case n == 23456:
		return 0, errors.New("AS_TRANS (RFC 6793) is reserved")
	case n == 65535 || n == 4294967295:
		return 0, errors.New("reserved (RFC 7300)")
	case n >= 65552 && n <= 131071:
		return 0, errors.New("reserved (RFC 5398 / IANA)")
	}
	return n, nil
}

// Watched returns the watch a key falls under: a name server watched by
// host (or by its registered domain), an address inside a watched
// address or CIDR, an origin AS.
func Watched(ws []store.InfraWatch, k store.InfraKey) (store.InfraWatch, bool) {
	for _, w := range ws {
		switch {
		case w.Kind == WatchNS && (k.Kind == KindNS || k.Kind == KindNSDomain) && k.Value == w.Value:
			return w, true
		case w.Kind == WatchASN && k.Kind == KindASN && k.Value == w.Value:
			return w, true
		case w.Kind == WatchIP && k.Kind == KindIP:
			a, err := netip.ParseAddr(k.Value)
			if err != nil {
				continue
			}
			if p, err := netip.ParsePrefix(w.Value); err == nil && p.Contains(a) {
				return w, true
			}
			if w.Value == k.Value {
				return w, true
			}
		}
	}
	return store.InfraWatch{}, false
}
