package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// RDAPOverride is one entry of network.rdap_overrides: an RDAP service for
// a TLD (or a second-level domain such as co.gl) that IANA's bootstrap does
// not list. IANA's own entry wins where both exist.
type RDAPOverride struct {
	TLD      string `yaml:"tld"`
	URL      string `yaml:"rdap_url"`
	Operator string `yaml:"operator"`
	Date     string `yaml:"date"`
	Source   string `yaml:"source"`
}

// Bounds of the registration options.
const (
	MaxRDAPOverrides = 1000
	MinIPRDAPTTL     = time.Minute
	MaxIPRDAPTTL     = 365 * 24 * time.Hour
	// DefaultIPRDAPTTL is how long an address's network stays cached.
	DefaultIPRDAPTTL = 7 * 24 * time.Hour
)

// IPRDAPTTLOrDefault is network.ip_rdap_ttl, or DefaultIPRDAPTTL when unset.
func (n Network) IPRDAPTTLOrDefault() time.Duration {
	if n.IPRDAPTTL <= 0 {
		return DefaultIPRDAPTTL
	}
	return n.IPRDAPTTL
}

// validateRegistration checks network.rdap_overrides and ip_rdap_ttl; each
// error names the value.
func (c *Config) validateRegistration() []error {
	var errs []error
	n := c.Network
	if len(n.RDAPOverrides) > MaxRDAPOverrides {
		errs = append(errs, fmt.Errorf("network.rdap_overrides: %d: want at most %d", len(n.RDAPOverrides), MaxRDAPOverrides))
	}
	for i, o := range n.RDAPOverrides {
		tld := strings.ToLower(strings.Trim(o.TLD, ". "))
		if err := validTLD(tld); err != nil {
			errs = append(errs, fmt.Errorf("network.rdap_overrides[%d]: tld %q: %v", i, o.TLD, err))
		}
		u, err := url.Parse(o.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" {
			errs = append(errs, fmt.Errorf("network.rdap_overrides[%d] (%s): rdap_url %q: want an http(s) base URL", i, o.TLD, o.URL))
		}
	}
	if t := n.IPRDAPTTL; t != 0 && (t < MinIPRDAPTTL || t > MaxIPRDAPTTL) {
		errs = append(errs, fmt.Errorf("network.ip_rdap_ttl: %s: want %s to %s", t, MinIPRDAPTTL, MaxIPRDAPTTL))
	}
	return errs
}

// validTLD checks one or more DNS labels of lower-case letters, digits
// and hyphens.
func validTLD(tld string) error {
	if tld == "" || len(tld) > 253 {
		return fmt.Errorf("want a TLD like io")
	}
	for _, l := range strings.Split(tld, ".") {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' || len(l) > 63 {
			return fmt.Errorf("bad label %q", l)
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("want letters, digits and hyphens")
			}
		}
	}
	return nil
}
