package cases

import (
	"context"
	"encoding/json"
	"net/mail"
	"slices"
	"strings"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/cases/report"
	"github.com/takedownhq/takedown/store"
)

// hostingProbe is the probe kind whose snapshot lists each address's
// network and abuse contacts (the hosting probe, named in the shared
// contract; its constant lives in the vocabulary once that branch lands).
const hostingProbe = "hosting"

// maxContacts bounds the contacts found for one case: a domain on many
// networks still gives a short list.
const maxContacts = 12

// registration is the part of the rdap/whois snapshot (whoisprobe.Record)
// contacts are read from; the abuse fields may be absent.
type registration struct {
	Registrar            string   `json:"registrar"`
	RegistrarIANAID      int      `json:"registrar_iana_id"`
	RegistrarAbuseEmail  string   `json:"registrar_abuse_email"`
	RegistrarAbusePhone  string   `json:"registrar_abuse_phone"`
	RegistrarAbuseSource string   `json:"registrar_abuse_source"`
	Nameservers          []string `json:"nameservers"`
	Source               string   `json:"source"`
}

// hosting is the hosting probe's snapshot.
type hosting struct {
	Addresses []struct {
		IP      string `json:"ip"`
		RIR     string `json:"rir"`
		Network struct {
			Handle string `json:"handle"`
			Name   string `json:"name"`
			CIDR   string `json:"cidr"`
		} `json:"network"`
		ASN    int    `json:"asn"`
		ASName string `json:"as_name"`
		Abuse  []struct {
			Email  string `json:"email"`
			Phone  string `json:"phone"`
			Source string `json:"source"`
		} `json:"abuse"`
	} `json:"addresses"`
}

// Found is what Discover read.
type Found struct {
	Contacts  []store.CaseContact
	Registrar string // the registrar's name, for the stats' groups
	Hosting   string // the first address's network (AS name, else network name)
}

// Discover reads a domain's contacts from its stored snapshots: the
// registrar's abuse contact from RDAP (else WHOIS), each address's network
// abuse contact from the hosting snapshot, the DNS operator from the name
// servers. The registry, the last step, is the analyst's to add (case
// contact --role registry): no stored snapshot names its abuse desk.
// Snapshots that are absent or unreadable give no contact; nothing here
// touches the network.
func Discover(ctx context.Context, st Store, d *store.Domain) Found {
	var f Found
	add := func(ct store.CaseContact) {
		if len(f.Contacts) >= maxContacts || store.ContactAddress(ct) == "" {
			return
		}
		if form, ok := formFor(ct.Role, ct.Name); ok {
			ct.FormURL, ct.Email = form.URL, ""
			ct.Source += "; web form only (" + form.Source + ")"
		}
		for _, o := range f.Contacts {
			if o.Role == ct.Role && store.ContactAddress(o) == store.ContactAddress(ct) {
				return
			}
		}
		f.Contacts = append(f.Contacts, ct)
	}
	var reg registration
	regOK := latest(ctx, st, d.ID, event.ProbeRDAP, &reg) || latest(ctx, st, d.ID, event.ProbeWHOIS, &reg)
	if regOK {
		f.Registrar = clean(reg.Registrar)
		src := reg.RegistrarAbuseSource
		if src == "" {
			src = "registration data"
		}
		add(store.CaseContact{Role: report.RoleRegistrar, Name: f.Registrar, Email: cleanEmail(reg.RegistrarAbuseEmail),
			Phone: clean(reg.RegistrarAbusePhone), Source: clean(src)})
		if f.Registrar != "" {
			// A registrar in the web-form table is reachable even when
			// its registration data shows no abuse address.
			if form, ok := formFor(report.RoleRegistrar, f.Registrar); ok {
				add(store.CaseContact{Role: report.RoleRegistrar, Name: f.Registrar, FormURL: form.URL, Source: "web form table (" + form.Source + ")"})
			}
		}
	}
	var h hosting
	if latest(ctx, st, d.ID, hostingProbe, &h) {
		for _, a := range h.Addresses {
			name := clean(a.ASName)
			if name == "" {
				name = clean(a.Network.Name)
			}
			if f.Hosting == "" {
				f.Hosting = name
			}
			for _, ab := range a.Abuse {
				add(store.CaseContact{Role: report.RoleHosting, Name: name, Email: cleanEmail(ab.Email), Phone: clean(ab.Phone),
					Source: clean(ab.Source)})
			}
			if form, ok := formFor(report.RoleHosting, name); ok {
				add(store.CaseContact{Role: report.RoleHosting, Name: name, FormURL: form.URL, Source: "web form table (" + form.Source + ")"})
			}
		}
	}
	if op := dnsOperator(ctx, st, d, reg.Nameservers); op != "" {
		if form, ok := formFor(report.RoleDNS, op); ok {
			add(store.CaseContact{Role: report.RoleDNS, Name: op, FormURL: form.URL, Source: "web form table (" + form.Source + ")"})
		} else {
			add(store.CaseContact{Role: report.RoleDNS, Name: op, Email: "abuse@" + op,
				Source: "name servers' domain, RFC 2142 abuse mailbox"})
		}
	}
	return f
}

// dnsOperator is the registrable domain of the name servers, when they are
// not the domain's own (then its registrant runs them).
func dnsOperator(ctx context.Context, st Store, d *store.Domain, regNS []string) string {
	var dns struct {
		NS []string `json:"ns"`
	}
	ns := regNS
	if latest(ctx, st, d.ID, event.ProbeDNS, &dns) && len(dns.NS) > 0 {
		ns = dns.NS
	}
	for _, h := range ns {
		h = strings.TrimSuffix(strings.ToLower(h), ".")
		n, err := domain.Normalize(h)
		if err != nil || n.ASCII == d.Name {
			continue
		}
		return n.ASCII
	}
	return ""
}

// latest decodes the latest snapshot of probe into v; false when there is
// none or it does not decode.
func latest(ctx context.Context, st Store, id int64, probe event.Probe, v any) bool {
	s, err := st.LatestSnapshot(ctx, id, string(probe))
	if err != nil || s == nil {
		return false
	}
	return json.Unmarshal(s.Data, v) == nil
}

// clean keeps a value from the network on one bounded line.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// cleanEmail keeps a bare address that parses, else nothing: a hostile
// registration record cannot smuggle a display name or a second recipient.
func cleanEmail(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "mailto:"))
	if s == "" || len(s) > 254 || strings.ContainsAny(s, " ,;<>\"\r\n") {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return ""
	}
	return strings.ToLower(s)
}

// form is a provider that takes abuse reports only through a web form.
type form struct {
	Role   string
	Match  []string // lower-case substrings of the provider's name
	URL    string
	Source string // where the rule was read
}

// forms is the reviewed table of providers that answer abuse mail by
// pointing at a web form, so a report goes there instead. Each row names
// the page that says so (the form itself where it says so on its face);
// review them when a provider changes its process.
var forms = []form{
	{Role: report.RoleDNS, Match: []string{"cloudflare.com"}, URL: "https://abuse.cloudflare.com/",
		Source: "https://www.cloudflare.com/trust-hub/reporting-abuse/"},
	{Role: report.RoleHosting, Match: []string{"cloudflarenet", "cloudflare"}, URL: "https://abuse.cloudflare.com/",
		Source: "https://www.cloudflare.com/trust-hub/reporting-abuse/"},
	{Role: report.RoleRegistrar, Match: []string{"godaddy"}, URL: "https://supportcenter.godaddy.com/AbuseReport",
		Source: "https://supportcenter.godaddy.com/AbuseReport"},
	{Role: report.RoleDNS, Match: []string{"domaincontrol.com"}, URL: "https://supportcenter.godaddy.com/AbuseReport",
		Source: "https://supportcenter.godaddy.com/AbuseReport"},
	{Role: report.RoleHosting, Match: []string{"google-cloud", "google"}, URL: "https://support.google.com/code/contact/cloud_platform_report",
		Source: "https://support.google.com/code/contact/cloud_platform_report"},
	{Role: report.RoleHosting, Match: []string{"microsoft"}, URL: "https://msrc.microsoft.com/report/abuse",
		Source: "https://msrc.microsoft.com/report/abuse"},
}

func formFor(role, name string) (form, bool) {
	name = strings.ToLower(name)
	if name == "" {
		return form{}, false
	}
	i := slices.IndexFunc(forms, func(f form) bool {
		return f.Role == role && slices.ContainsFunc(f.Match, func(m string) bool { return strings.Contains(name, m) })
	})
	if i < 0 {
		return form{}, false
	}
	return forms[i], true
}
