package simnet

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Registration is one domain as its registry holds it. The simulated WHOIS
// and RDAP servers both render from it, so a test or the demo changes a
// domain once and every protocol sees the change.
type Registration struct {
	// Domain is the ASCII name, lower case, e.g. "thefoxcloud.com".
	Domain string
	// RegistryDomainID is the registry's handle, e.g. "2345678901_DOMAIN_COM-VRSN".
	RegistryDomainID string
	// Registrar is the sponsoring registrar's name, e.g. "NameCheap, Inc.".
	Registrar string
	// RegistrarIANAID is the registrar's IANA number; 0 hides the line.
	RegistrarIANAID int
	// RegistrarURL and RegistrarWhois are shown as given; empty hides them.
	RegistrarURL   string
	RegistrarWhois string
	// AbuseEmail and AbusePhone are the registrar's abuse contact.
	AbuseEmail string
	AbusePhone string
	// Created, Updated and Expires are the registry's dates; zero hides them.
	Created time.Time
	Updated time.Time
	Expires time.Time
	// Statuses are EPP codes, e.g. "clientTransferProhibited", "serverHold".
	// Empty means "ok".
	Statuses []string
	// Nameservers are host names, any case.
	Nameservers []string
	// DNSSEC says whether the delegation is signed.
	DNSSEC bool
	// RegistrantOrg, RegistrantState and RegistrantCountry (ISO 3166 code)
	// are the registrant fields a post-GDPR registry still shows; empty hides them.
	RegistrantOrg     string
	RegistrantState   string
	RegistrantCountry string
}

// clone returns a deep copy so callers never share slices with the registry.
func (r Registration) clone() Registration {
	r.Statuses = slices.Clone(r.Statuses)
	r.Nameservers = slices.Clone(r.Nameservers)
	return r
}

// TLD is the last label of the domain.
func (r Registration) TLD() string { return tldOf(r.Domain) }

func tldOf(name string) string {
	name = strings.TrimSuffix(name, ".")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// ErrNoSuchDomain is returned by Update for a name the registry does not hold.
var ErrNoSuchDomain = errors.New("simnet: no such registration")

// Registry holds the registrations of every simulated TLD. It is safe for
// concurrent use: tests and the demo change it while servers answer from it.
type Registry struct {
	mu   sync.RWMutex
	regs map[string]Registration
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{regs: map[string]Registration{}} }

func key(domain string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(domain), "."))
}

// Set adds or replaces the registration of reg.Domain.
func (r *Registry) Set(reg Registration) error {
	k := key(reg.Domain)
	if k == "" || !strings.Contains(k, ".") {
		return fmt.Errorf("simnet: registration %q: want a domain with a TLD", reg.Domain)
	}
	reg = reg.clone()
	reg.Domain = k
	r.mu.Lock()
	r.regs[k] = reg
	r.mu.Unlock()
	return nil
}

// Update changes the registration of domain in place under the lock, e.g.
// to add serverHold and swap the name servers in a seizure.
func (r *Registry) Update(domain string, fn func(*Registration)) error {
	k := key(domain)
	r.mu.Lock()
	defer r.mu.Unlock()
	reg, ok := r.regs[k]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchDomain, domain)
	}
	reg = reg.clone()
	fn(&reg)
	reg.Domain = k
	r.regs[k] = reg
	return nil
}

// Delete removes domain; its WHOIS then answers "No match" and RDAP 404.
// It reports whether the domain was there.
func (r *Registry) Delete(domain string) bool {
	k := key(domain)
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.regs[k]
	delete(r.regs, k)
	return ok
}

// Get returns a copy of domain's registration.
func (r *Registry) Get(domain string) (Registration, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	reg, ok := r.regs[key(domain)]
	return reg.clone(), ok
}

// Domains lists the registered names, sorted.
func (r *Registry) Domains() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.regs))
	for k := range r.regs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Seize applies what a US seizure typically looks like at the registry:
// serverHold plus the server*Prohibited locks, and the name servers
// replaced. It is a convenience for tests and the demo.
func (r *Registry) Seize(domain string, at time.Time, nameservers ...string) error {
	return r.Update(domain, func(reg *Registration) {
		reg.Statuses = []string{"serverHold", "serverDeleteProhibited", "serverTransferProhibited", "serverUpdateProhibited"}
		if len(nameservers) > 0 {
			reg.Nameservers = slices.Clone(nameservers)
		}
		reg.Updated = at
	})
}

// ExampleRegistration returns a plausible registration for domain created at
// created: a common registrar, a year's term, clientTransferProhibited, the
// registrar's name servers. Tests and the demo start from it and change what
// they need.
func ExampleRegistration(domain string, created time.Time) Registration {
	d := key(domain)
	created = created.UTC().Truncate(time.Second)
	return Registration{
		Domain:            d,
		RegistryDomainID:  registryID(d),
		Registrar:         "NameCheap, Inc.",
		RegistrarIANAID:   1068,
		RegistrarURL:      "http://www.namecheap.com",
		RegistrarWhois:    "whois.namecheap.com",
		AbuseEmail:        "abuse@namecheap.com",
		AbusePhone:        "+1.6613102107",
		Created:           created,
		Updated:           created.Add(3 * 24 * time.Hour),
		Expires:           created.AddDate(1, 0, 0),
		Statuses:          []string{"clientTransferProhibited"},
		Nameservers:       []string{"dns1.registrar-servers.com", "dns2.registrar-servers.com"},
		RegistrantOrg:     "Privacy service provided by Withheld for Privacy ehf",
		RegistrantState:   "Capital Region",
		RegistrantCountry: "IS",
	}
}

// registryID makes a stable, registry-flavoured handle from the name.
func registryID(domain string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(domain); i++ {
		h ^= uint32(domain[i])
		h *= 16777619
	}
	tld := strings.ToUpper(tldOf(domain))
	switch tld {
	case "COM", "NET":
		return fmt.Sprintf("%d_DOMAIN_%s-VRSN", h, tld)
	default:
		return fmt.Sprintf("D%d-%s", h, tld)
	}
}
