package simnet

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Site is a registered domain and what it serves: the registry's record,
// its delegation and zone, its certificate and its page.
type Site struct {
	Domain            string
	Registrar         string    // default "NameCheap, Inc."
	RegistrarIANAID   int       // default 1068 with the default registrar
	RegistrantOrg     string    // default a privacy service
	RegistrantCountry string    // default "IS" with the default registrant
	Created           time.Time // default a year ago
	Expires           time.Time // default a year after Created, renewed to the future
	Statuses          []string  // default clientTransferProhibited
	NS                []string  // default dns1/dns2.registrar-servers.com
	// Page is what the site serves; default an ordinary company page.
	Page *Page
	Cert CertKind // default CertValid
	// RegistryDomainID is the registry's handle; default a fresh one.
	RegistryDomainID string
	// Records are the zone's records ("@ A 127.0.0.1"); default the apex
	// and www on 127.0.0.1 with a mail exchanger and SPF.
	Records []string
	// Mailboxes, when set, make the site's mail server (simnet's one SMTP
	// server) reject unknown recipients: only these local parts ("info",
	// "postmaster") are taken. Default nil: it takes mail for anyone.
	Mailboxes []string
}

// AddSite registers a domain at the registry, delegates it, gives it a
// zone (apex and www on 127.0.0.1, where the web servers listen, and a
// mail exchanger), a certificate and a page.
func (n *Net) AddSite(s Site) error {
	now := n.now().UTC().Truncate(time.Second)
	if s.Created.IsZero() {
		s.Created = now.AddDate(-1, 0, 0)
	}
	reg := ExampleRegistration(s.Domain, s.Created)
	if s.RegistryDomainID == "" {
		s.RegistryDomainID = n.newID(s.Domain)
	}
	reg.RegistryDomainID = s.RegistryDomainID
	if s.Registrar != "" {
		reg.Registrar, reg.RegistrarIANAID = s.Registrar, s.RegistrarIANAID
		reg.RegistrarURL, reg.RegistrarWhois, reg.AbuseEmail = "", "", ""
	}
	if s.RegistrantOrg != "" {
		reg.RegistrantOrg, reg.RegistrantCountry, reg.RegistrantState = s.RegistrantOrg, s.RegistrantCountry, ""
	}
	if s.Expires.IsZero() {
		s.Expires = reg.Expires
		for !s.Expires.After(now) {
			s.Expires = s.Expires.AddDate(1, 0, 0)
		}
	}
	reg.Expires = s.Expires
	reg.Updated = s.Created
	if s.Statuses != nil {
		reg.Statuses = slices.Clone(s.Statuses)
	}
	if len(s.NS) == 0 {
		s.NS = slices.Clone(reg.Nameservers)
	}
	reg.Nameservers = slices.Clone(s.NS)
	if err := n.ensureWhois(s.Domain); err != nil {
		return fmt.Errorf("site %s: %w", s.Domain, err)
	}
	if err := n.Registry.Set(reg); err != nil {
		return fmt.Errorf("site %s: %w", s.Domain, err)
	}
	records := s.Records
	if records == nil {
		records = siteRecords()
	}
	if err := n.DNS.Register(s.Domain, s.NS, records...); err != nil {
		return fmt.Errorf("site %s: %w", s.Domain, err)
	}
	page := SitePage(strings.ToUpper(s.Domain[:1])+s.Domain[1:]+" — IT services", "Software development and cloud consulting for US businesses.")
	if s.Page != nil {
		page = *s.Page
	}
	n.Web.SetPage(s.Domain, page)
	n.Web.SetPage("www."+s.Domain, page)
	n.Web.SetCert(s.Domain, s.Cert)
	if s.Mailboxes != nil {
		n.SMTP.RejectUnknown(s.Domain, s.Mailboxes...)
	} else {
		n.SMTP.AcceptAny(s.Domain)
	}
	n.mu.Lock()
	n.hosting[s.Domain] = s
	n.mu.Unlock()
	return nil
}

func siteRecords() []string {
	return []string{"@ A 127.0.0.1", "www A 127.0.0.1", "@ MX 10 mail", "mail A 127.0.0.1", `@ TXT "v=spf1 mx -all"`}
}

// newID is a registry handle that no earlier registration of the name had,
// as a registry assigns on every new registration.
func (n *Net) newID(domain string) string {
	id := registryID(domain)
	if k := n.serial.Add(1); k > 1 {
		if i := strings.IndexAny(id, "_-"); i > 0 {
			id = fmt.Sprintf("%s%03d%s", id[:i], k, id[i:])
		}
	}
	return id
}

// Seize does what a US seizure does: the registry sets serverHold and the
// server*Prohibited locks and moves the delegation to ns1/ns2.fbi.seized.gov,
// whose zone points the name at a banner page.
func (n *Net) Seize(domain string) error {
	at := n.now().UTC().Truncate(time.Second)
	if err := n.Registry.Seize(domain, at, DNSSeizureNS...); err != nil {
		return fmt.Errorf("seize %s: %w", domain, err)
	}
	if err := n.DNS.SetDelegation(domain, DNSSeizureNS, nil); err != nil {
		return fmt.Errorf("seize %s: %w", domain, err)
	}
	if err := n.DNS.SetZone(domain, "@ NS ns1.fbi.seized.gov.", "@ NS ns2.fbi.seized.gov.", "@ A 127.0.0.1", "www A 127.0.0.1"); err != nil {
		return fmt.Errorf("seize %s: %w", domain, err)
	}
	n.Web.SetPage(domain, SeizedFBI2023Page())
	n.Web.SetPage("www."+domain, SeizedFBI2023Page())
	n.Web.SetPage(domain+"/seizure.gif", SeizureBannerImage())
	n.Web.SetPage("www."+domain+"/seizure.gif", SeizureBannerImage())
	return nil
}

// Suspend puts a domain on serverHold: the registry keeps the record but
// withdraws the delegation, so the name stops resolving.
func (n *Net) Suspend(domain string) error {
	if err := n.Registry.Update(domain, func(r *Registration) {
		r.Statuses = appendNew(r.Statuses, "serverHold")
		r.Updated = n.now().UTC().Truncate(time.Second)
	}); err != nil {
		return fmt.Errorf("suspend %s: %w", domain, err)
	}
	n.DNS.RemoveDelegation(domain)
	return nil
}

// Expire lets a domain lapse: its expiry date passes and the registrar puts
// it on clientHold in the auto-renew grace period, which withdraws it from
// the zone.
func (n *Net) Expire(domain string) error {
	now := n.now().UTC().Truncate(time.Second)
	if err := n.Registry.Update(domain, func(r *Registration) {
		r.Expires = now.AddDate(0, 0, -1)
		r.Statuses = []string{"autoRenewPeriod", "clientHold"}
		r.Updated = now
	}); err != nil {
		return fmt.Errorf("expire %s: %w", domain, err)
	}
	n.DNS.RemoveDelegation(domain)
	return nil
}

// Redeem moves an expired domain into the redemption grace period.
func (n *Net) Redeem(domain string) error {
	return n.setStatuses(domain, "redemptionPeriod", "serverHold")
}

// PendingDelete is the last five days before a domain drops.
func (n *Net) PendingDelete(domain string) error {
	return n.setStatuses(domain, "pendingDelete", "serverHold")
}

func (n *Net) setStatuses(domain string, statuses ...string) error {
	if err := n.Registry.Update(domain, func(r *Registration) {
		r.Statuses = statuses
		r.Updated = n.now().UTC().Truncate(time.Second)
	}); err != nil {
		return fmt.Errorf("%s %s: %w", statuses[0], domain, err)
	}
	n.DNS.RemoveDelegation(domain)
	return nil
}

// Drop deletes the domain at the registry: WHOIS says "No match", RDAP
// 404, the registry's zone NXDOMAIN. Anyone may register it now.
func (n *Net) Drop(domain string) {
	n.Registry.Delete(domain)
	n.DNS.Remove(domain)
	n.Web.RemovePage(domain)
	n.Web.RemovePage("www." + domain)
	n.mu.Lock()
	delete(n.hosting, domain)
	n.mu.Unlock()
}

// Reregister registers a dropped domain again for someone else: a new
// registry handle, today's creation date, the new owner's name servers,
// registrar and page.
func (n *Net) Reregister(s Site) error {
	if _, ok := n.Registry.Get(s.Domain); ok {
		n.Drop(s.Domain)
	}
	if s.Created.IsZero() {
		s.Created = n.now().UTC().Truncate(time.Second)
	}
	s.RegistryDomainID = ""
	return n.AddSite(s)
}

// NewCertificate makes the domain serve a freshly issued certificate (a
// new key and serial from the simnet CA), as after a renewal or a change
// of hands.
func (n *Net) NewCertificate(domain string, org ...string) error {
	now := n.now()
	cert, err := n.Web.CA().Issue(LeafOptions{Names: []string{domain, "www." + domain}, Organization: org,
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 0, 90)})
	if err != nil {
		return fmt.Errorf("new certificate for %s: %w", domain, err)
	}
	n.Web.SetCertificate(domain, cert)
	return nil
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(slices.Clone(list), s)
}

// ensureWhois starts a registry WHOIS server for the domain's TLD if simnet
// has none yet.
func (n *Net) ensureWhois(domain string) error {
	tld := tldOf(domain)
	if n.Whois.Server(tld) != nil {
		return nil
	}
	_, err := n.Whois.AddTLD(tld)
	return err
}

// addSeizureRegistry registers seized.gov at the registry. Its DNS zone,
// which serves ns1/ns2.fbi.seized.gov, is simnet DNS's own and stays.
func (n *Net) addSeizureRegistry() error {
	if err := n.ensureWhois("seized.gov"); err != nil {
		return err
	}
	reg := ExampleRegistration("seized.gov", time.Date(2011, 2, 14, 0, 0, 0, 0, time.UTC))
	reg.RegistryDomainID = n.newID("seized.gov")
	reg.Registrar, reg.RegistrarIANAID, reg.RegistrarURL, reg.RegistrarWhois = "Cybersecurity and Infrastructure Security Agency", 0, "https://get.gov", ""
	reg.AbuseEmail, reg.AbusePhone = "", ""
	reg.RegistrantOrg, reg.RegistrantState, reg.RegistrantCountry = "Federal Bureau of Investigation", "DC", "US"
	reg.Statuses = []string{"serverDeleteProhibited", "serverTransferProhibited", "serverUpdateProhibited"}
	reg.Nameservers = []string{"a.nic.gov", "b.nic.gov"}
	for !reg.Expires.After(n.now()) {
		reg.Expires = reg.Expires.AddDate(1, 0, 0)
	}
	return n.Registry.Set(reg)
}
