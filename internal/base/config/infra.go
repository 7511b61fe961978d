package config

import "fmt"

// Bounds of the infra options.
const (
	MaxCommonThreshold = 1_000_000
	MaxResolveRate     = 10_000
)

// Infra configures infrastructure keys and the discovery of related
// domains from feeds (monitor/infra).
type Infra struct {
	// CommonThreshold: a key shared by more domains than this is common
	// and never alone relates two domains. Default 100.
	CommonThreshold int `yaml:"common_threshold"`
	// ASNDNSZone is a DNS zone answering IP-to-ASN TXT queries in the
	// origin.asn.cymru.com style ("64500 | 192.0.2.0/24 | ..." for
	// 2.2.0.192.origin.asn.cymru.com). Default "": off.
	ASNDNSZone string `yaml:"asn_dns_zone"`
	// ResolveRate bounds the NRD names a feed resolves per second to find
	// those landing on a watched domain's address (the issue's
	// feeds.resolve_rate: `feeds` is the list of feeds, so it lives here).
	// Default 50.
	ResolveRate float64 `yaml:"resolve_rate"`
}

// DefaultInfra is the infra section's defaults.
func DefaultInfra() Infra { return Infra{CommonThreshold: 100, ResolveRate: 50} }

func (i Infra) validate() []error {
	var errs []error
	if i.CommonThreshold < 1 || i.CommonThreshold > MaxCommonThreshold {
		errs = append(errs, fmt.Errorf("infra.common_threshold: %d: want 1 to %d", i.CommonThreshold, MaxCommonThreshold))
	}
	if !(i.ResolveRate > 0 && i.ResolveRate <= MaxResolveRate) {
		errs = append(errs, fmt.Errorf("infra.resolve_rate: %g: want more than 0, at most %d", i.ResolveRate, MaxResolveRate))
	}
	if z := i.ASNDNSZone; z != "" {
		if err := validHostName(z); err != nil {
			errs = append(errs, fmt.Errorf("infra.asn_dns_zone %q: %w", z, err))
		}
	}
	return errs
}
