package infra

import (
	"net/netip"
	"strings"
	"sync"

	"golang.org/x/net/publicsuffix"

	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/store"
)

// operators are the takedown, sinkhole, parking and registrar-hold
// name servers and addresses of the lifecycle indicators: every domain a
// registry or law enforcement parks there shares them, so they relate
// nothing, however few domains takedown has seen on them.
type operators struct {
	suffixes map[string]string // NS suffix -> signature id
	domains  map[string]string // their registered domains -> signature id
	nets     []operatorNet
}

type operatorNet struct {
	prefix netip.Prefix
	id     string
}

var defaultOperators = sync.OnceValue(func() operators {
	ops := operators{suffixes: map[string]string{}, domains: map[string]string{}}
	for _, s := range lifecycle.Default().Signatures {
		for _, m := range s.Match {
			v := strings.ToLower(strings.TrimSuffix(m.Value, "."))
			switch s.Kind {
			case lifecycle.KindNSSuffix, lifecycle.KindNSPair:
				if v != "" {
					ops.suffixes[v] = s.ID
					// The registered domain of an operator's name servers is
					// the operator's too (seized.gov for fbi.seized.gov).
					if reg, err := publicsuffix.EffectiveTLDPlusOne(v); err == nil {
						ops.domains[reg] = s.ID
					}
				}
			case lifecycle.KindIP, lifecycle.KindCIDR:
				if p, err := netip.ParsePrefix(v); err == nil {
					ops.nets = append(ops.nets, operatorNet{p.Masked(), s.ID})
				} else if a, err := netip.ParseAddr(v); err == nil {
					ops.nets = append(ops.nets, operatorNet{netip.PrefixFrom(a, a.BitLen()), s.ID})
				}
			}
		}
	}
	return ops
})

// operator names the lifecycle signature whose infrastructure a key is,
// "" for none.
func (o operators) operator(k store.InfraKey) string {
	switch k.Kind {
	case KindNSDomain:
		if id, ok := o.domains[k.Value]; ok {
			return id
		}
		return o.suffixes[k.Value]
	case KindNS, KindSOARName:
		for h := k.Value; h != ""; {
			if id, ok := o.suffixes[h]; ok {
				return id
			}
			_, rest, ok := strings.Cut(h, ".")
			if !ok {
				break
			}
			h = rest
		}
	case KindIP:
		a, err := netip.ParseAddr(k.Value)
		if err != nil {
			return ""
		}
		for _, n := range o.nets {
			if n.prefix.Contains(a) {
				return n.id
			}
		}
	}
	return ""
}
