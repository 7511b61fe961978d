package infra

import (
	_ "embed"
	"fmt"
	"net/netip"
	"path"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"
	"gopkg.in/yaml.v3"

	"github.com/takedownhq/takedown/store"
)

// DefaultCommonThreshold is infra.common_threshold's default: a key more
// domains share than this is common.
const DefaultCommonThreshold = 100

//go:embed providers.yaml
var providersYAML []byte

// Provider is one mass provider of the reviewed list, with its source.
type Provider struct {
	Name         string   `yaml:"name"`
	Source       string   `yaml:"source"`
	NSDomains    []string `yaml:"ns_domains"`
	MXDomains    []string `yaml:"mx_domains"`
	RNameDomains []string `yaml:"rname_domains"`
	ASNs         []int64  `yaml:"asns"`
	Networks     []string `yaml:"networks"`
	nets         []netip.Prefix
}

// Providers parses a mass-provider list; every entry needs a name and a
// source, and every network must parse.
func Providers(b []byte) ([]Provider, error) {
	var f struct {
		Providers []Provider `yaml:"providers"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("mass providers: %w", err)
	}
	for i := range f.Providers {
		p := &f.Providers[i]
		if p.Name == "" || p.Source == "" {
			return nil, fmt.Errorf("mass provider %d (%q): name and source are required", i+1, p.Name)
		}
		for _, n := range p.Networks {
			pfx, err := netip.ParsePrefix(n)
			if err != nil {
				return nil, fmt.Errorf("mass provider %s: network %q: %w", p.Name, n, err)
			}
			p.nets = append(p.nets, pfx.Masked())
		}
		for _, g := range append(append(p.NSDomains, p.MXDomains...), p.RNameDomains...) {
			if _, err := path.Match(g, ""); err != nil {
				return nil, fmt.Errorf("mass provider %s: pattern %q: %w", p.Name, g, err)
			}
		}
	}
	return f.Providers, nil
}

// Commonness decides which keys are common.
type Commonness struct {
	// Threshold: a key more domains share is common; 0 means
	// DefaultCommonThreshold.
	Threshold int
	providers []Provider
}

// NewCommonness judges with the embedded, reviewed mass-provider list.
func NewCommonness(threshold int) *Commonness {
	ps, err := Providers(providersYAML)
	if err != nil {
		panic(err) // the embedded list is tested
	}
	if threshold <= 0 {
		threshold = DefaultCommonThreshold
	}
	return &Commonness{Threshold: threshold, providers: ps}
}

// Common reports whether a key count domains share is common, and why.
func (c *Commonness) Common(k store.InfraKey, count int) (bool, string) {
	if p := c.Provider(k); p != "" {
		return true, "run by " + p
	}
	if id := defaultOperators().operator(k); id != "" {
		return true, "takedown, sinkhole or parking infrastructure (" + id + ")"
	}
	if count > c.Threshold {
		return true, fmt.Sprintf("shared by %d domains (more than %d)", count, c.Threshold)
	}
	return false, ""
}

// Provider names the mass provider running a key, "" for none.
func (c *Commonness) Provider(k store.InfraKey) string {
	switch k.Kind {
	case KindNS, KindNSDomain, KindMX, KindSOARName:
		reg, err := publicsuffix.EffectiveTLDPlusOne(k.Value)
		if err != nil {
			return ""
		}
		for _, p := range c.providers {
			list := p.NSDomains
			switch k.Kind {
			case KindMX:
				list = p.MXDomains
			case KindSOARName:
				list = append(append([]string{}, p.NSDomains...), p.RNameDomains...)
			}
			if matchAny(list, reg) {
				return p.Name
			}
		}
	case KindASN:
		n, err := strconv.ParseInt(strings.TrimPrefix(k.Value, "AS"), 10, 64)
		if err != nil {
			return ""
		}
		for _, p := range c.providers {
			for _, a := range p.ASNs {
				if a == n {
					return p.Name
				}
			}
		}
	case KindIP, KindPrefix:
		var addr netip.Addr
		if pfx, err := netip.ParsePrefix(k.Value); err == nil {
			addr = pfx.Addr()
		} else if a, err := netip.ParseAddr(k.Value); err == nil {
			addr = a
		} else {
			return ""
		}
		for _, p := range c.providers {
			for _, n := range p.nets {
				if n.Contains(addr) {
					return p.Name
				}
			}
		}
	}
	return ""
}

func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}
