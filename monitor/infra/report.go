package infra

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/takedownhq/takedown/internal/base/event"

	"github.com/takedownhq/takedown/store"
)

// Reader is what the reports read of the store (store.Infra).
type Reader interface {
	DomainKeys(ctx context.Context, name string) ([]store.DomainKey, error)
	Related(ctx context.Context, name string, maxCount, limit int) ([]store.Share, error)
	KeyDomains(ctx context.Context, key store.InfraKey, limit int) ([]store.KeyDomain, int, error)
}

// MaxShares bounds the shares one report reads: every uncommon key has at
// most Threshold domains, so this only cuts a domain with hundreds of
// keys.
const MaxShares = 20000

// Report reads a domain's keys and the domains sharing its uncommon keys
// and judges them (Relate). store.ErrNotFound when the domain has no row.
func (c *Commonness) Report(ctx context.Context, r Reader, name string) (Report, error) {
	keys, err := r.DomainKeys(ctx, name)
	if err != nil {
		return Report{}, err
	}
	shares, err := r.Related(ctx, name, c.Threshold, MaxShares)
	if err != nil {
		return Report{}, err
	}
	return c.Relate(name, keys, shares), nil
}

// KeyReport is the one JSON shape of a key's domains: `infra KIND VALUE
// --json` and /api/v1/infra/{kind}/{value} print it.
type KeyReport struct {
	Kind         string      `json:"kind"`
	Value        string      `json:"value"`
	Count        int         `json:"count"`
	Common       bool        `json:"common"`
	CommonReason string      `json:"common_reason,omitempty"`
	Domains      []KeyDomain `json:"domains"`
}

// KeyDomain is a domain seen on a key, with when.
type KeyDomain struct {
	Domain    string     `json:"domain"`
	Kind      string     `json:"kind"`
	State     string     `json:"state"`
	FirstSeen event.Time `json:"first_seen"`
	LastSeen  event.Time `json:"last_seen"`
}

// MaxKeyDomains bounds the domains a key report lists; Count says how
// many there are.
const MaxKeyDomains = 1000

// KeyReport reads the domains on a key, most recently seen first.
func (c *Commonness) KeyReport(ctx context.Context, r Reader, k store.InfraKey) (KeyReport, error) {
	ds, n, err := r.KeyDomains(ctx, k, MaxKeyDomains)
	if err != nil {
		return KeyReport{}, err
	}
	rep := KeyReport{Kind: k.Kind, Value: k.Value, Count: n, Domains: make([]KeyDomain, 0, len(ds))}
	rep.Common, rep.CommonReason = c.Common(k, n)
	for _, d := range ds {
		rep.Domains = append(rep.Domains, KeyDomain{Domain: d.Domain, Kind: d.Kind, State: d.State, FirstSeen: event.T(d.FirstSeen), LastSeen: event.T(d.LastSeen)})
	}
	return rep, nil
}

// ParseKey checks a key as a user types it (`infra KIND VALUE`, the
// API's path) and normalizes it as Extract would have stored it.
func ParseKey(kind, value string) (store.InfraKey, error) {
	v := strings.TrimSpace(value)
	bad := func(why string) (store.InfraKey, error) {
		return store.InfraKey{}, fmt.Errorf("%s %q: %s", kind, value, why)
	}
	if v == "" || len(v) > maxValue {
		return bad("empty or longer than 255 bytes")
	}
	switch kind {
	case KindNS, KindNSDomain, KindMX, KindSOARName:
		v = strings.ToLower(strings.TrimSuffix(v, "."))
		if strings.ContainsAny(v, " \t/\\@") {
			return bad("not a host name")
		}
	case KindIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return bad("not an address")
		}
		v = a.Unmap().String()
	case KindPrefix:
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				return bad("not a prefix or address")
			}
			p = PrefixOf(a.Unmap())
		}
		v = p.Masked().String()
	case KindASN:
		n, err := ParseASN(v)
		if err != nil {
			return bad(err.Error())
		}
		v = FormatASN(n)
	case KindCertKey, KindCert:
		v = strings.ToLower(strings.ReplaceAll(v, ":", ""))
		if strings.Trim(v, "0123456789abcdef") != "" {
			return bad("not a hex digest")
		}
	case KindRegistrant:
		v = strings.ToLower(v)
	case KindFavicon, KindPage, KindTracker:
	default:
		return store.InfraKey{}, fmt.Errorf("key kind %q: want one of %s", kind, strings.Join(Kinds, ", "))
	}
	return store.InfraKey{Kind: kind, Value: v}, nil
}

// KnownKind reports a key kind.
func KnownKind(kind string) bool { return slices.Contains(Kinds, kind) }
