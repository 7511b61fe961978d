package simnet

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// operator is how one registry words its WHOIS replies.
type operator struct {
	name   string // registry operator, for the IANA object and footers
	url    string
	style  string // "verisign" (thin), "gtld" (ICANN RDDS, thick), "denic"
	footer string
}

// operatorFor picks the registry style of a TLD. The texts follow the real
// registries' layouts closely enough that github.com/likexian/whois-parser
// reads them as it reads the originals.
func operatorFor(tld string) operator {
	switch tld {
	case "com", "net":
		return operator{name: "VeriSign Global Registry Services", url: "http://www.verisigninc.com", style: "verisign"}
	case "org":
		return operator{name: "Public Interest Registry (PIR)", url: "http://www.pir.org/", style: "gtld",
			footer: "Terms of Use: Access to Public Interest Registry WHOIS information is provided to assist persons in determining the contents of a domain name registration record in the Public Interest Registry registry database."}
	case "asia":
		return operator{name: "DotAsia Organisation Ltd.", url: "http://www.dot.asia/", style: "gtld",
			footer: "DotAsia WHOIS LEGAL STATEMENT AND TERMS & CONDITIONS: the data in this record is provided by DotAsia Organisation for informational purposes only."}
	case "de":
		return operator{name: "DENIC eG", url: "http://www.denic.de/", style: "denic"}
	case "tech":
		return operator{name: "Radix Technologies Inc.", url: "http://nic.tech", style: "gtld",
			footer: "The Whois and RDAP services are provided by CentralNic, and contain information pertaining to Internet domain names registered by our our customers."}
	case "cloud":
		return operator{name: "Aruba PEC S.p.A.", url: "https://get.cloud", style: "gtld",
			footer: "The WHOIS service is provided solely for informational purposes."}
	default:
		return operator{name: "Identity Digital Inc.", url: "https://www.identity.digital", style: "gtld",
			footer: "Identity Digital Inc. and its subsidiaries (\"Identity Digital\") make this information available \"as is\" and do not guarantee its accuracy. By submitting a WHOIS query, you agree that you will use this data only for lawful purposes."}
	}
}

const verisignTerms = `
NOTICE: The expiration date displayed in this record is the date the
registrar's sponsorship of the domain name registration in the registry is
currently set to expire. This date does not necessarily reflect the expiration
date of the domain name registrant's agreement with the sponsoring
registrar.  Users may consult the sponsoring registrar's Whois database to
view the registrar's reported date of expiration for this registration.

TERMS OF USE: You are not authorized to access or query our Whois
database through the use of electronic processes that are high-volume and
automated except as reasonably necessary to register domain names or
modify existing registrations; the Data in VeriSign Global Registry
Services' ("VeriSign") Whois database is provided by VeriSign for
information purposes only, and to assist persons in obtaining information
about or related to a domain name registration record. VeriSign does not
guarantee its accuracy.

The Registry database contains ONLY .COM, .NET, .EDU domains and
Registrars.
`

func rfc3339(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func (op operator) lastUpdate() string {
	return rfc3339(time.Now())
}

func (op operator) notFound(name string) string {
	switch op.style {
	case "verisign":
		return fmt.Sprintf("No match for %q.\r\n>>> Last update of whois database: %s <<<\r\n%s",
			strings.ToUpper(name), op.lastUpdate(), strings.ReplaceAll(verisignTerms, "\n", "\r\n"))
	case "denic":
		return fmt.Sprintf("Domain: %s\nStatus: free\n", name)
	default:
		return fmt.Sprintf("Domain not found.\n>>> Last update of WHOIS database: %s <<<\n\n%s\n", op.lastUpdate(), op.footer)
	}
}

func (op operator) render(r Registration) string {
	switch op.style {
	case "verisign":
		return op.renderVerisign(r)
	case "denic":
		return op.renderDenic(r)
	default:
		return op.renderGTLD(r)
	}
}

func statusesOrOK(r Registration) []string {
	if len(r.Statuses) == 0 {
		return []string{"ok"}
	}
	return r.Statuses
}

// renderVerisign is the thin .com/.net layout: indented, upper case, no
// registrant (that lives at the registrar).
func (op operator) renderVerisign(r Registration) string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "   %s: %s\r\n", k, v)
		}
	}
	line("Domain Name", strings.ToUpper(r.Domain))
	line("Registry Domain ID", r.RegistryDomainID)
	line("Registrar WHOIS Server", r.RegistrarWhois)
	line("Registrar URL", r.RegistrarURL)
	if !r.Updated.IsZero() {
		line("Updated Date", rfc3339(r.Updated))
	}
	if !r.Created.IsZero() {
		line("Creation Date", rfc3339(r.Created))
	}
	if !r.Expires.IsZero() {
		line("Registry Expiry Date", rfc3339(r.Expires))
	}
	line("Registrar", r.Registrar)
	if r.RegistrarIANAID != 0 {
		line("Registrar IANA ID", fmt.Sprint(r.RegistrarIANAID))
	}
	line("Registrar Abuse Contact Email", r.AbuseEmail)
	line("Registrar Abuse Contact Phone", r.AbusePhone)
	for _, s := range statusesOrOK(r) {
		line("Domain Status", s+" https://icann.org/epp#"+s)
	}
	for _, ns := range r.Nameservers {
		line("Name Server", strings.ToUpper(ns))
	}
	line("DNSSEC", map[bool]string{true: "signedDelegation", false: "unsigned"}[r.DNSSEC])
	line("URL of the ICANN Whois Inaccuracy Complaint Form", "https://www.icann.org/wicf/")
	fmt.Fprintf(&b, ">>> Last update of whois database: %s <<<\r\n\r\n", op.lastUpdate())
	b.WriteString("For more information on Whois status codes, please visit https://icann.org/epp\r\n")
	b.WriteString(strings.ReplaceAll(verisignTerms, "\n", "\r\n"))
	return b.String()
}

// renderGTLD is the ICANN registry RDDS layout that new gTLDs and thick
// registries (.org, .info, .asia ...) use, with the registrant fields the
// 2019 temporary specification left visible.
func (op operator) renderGTLD(r Registration) string {
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%s: %s\n", k, v) }
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return rfc3339(t)
	}
	line("Domain Name", r.Domain)
	line("Registry Domain ID", r.RegistryDomainID)
	line("Registrar WHOIS Server", r.RegistrarWhois)
	line("Registrar URL", r.RegistrarURL)
	line("Updated Date", date(r.Updated))
	line("Creation Date", date(r.Created))
	line("Registry Expiry Date", date(r.Expires))
	line("Registrar", r.Registrar)
	if r.RegistrarIANAID != 0 {
		line("Registrar IANA ID", fmt.Sprint(r.RegistrarIANAID))
	}
	line("Registrar Abuse Contact Email", r.AbuseEmail)
	line("Registrar Abuse Contact Phone", r.AbusePhone)
	for _, s := range statusesOrOK(r) {
		line("Domain Status", s+" https://icann.org/epp#"+s)
	}
	line("Registry Registrant ID", "REDACTED FOR PRIVACY")
	line("Registrant Name", "REDACTED FOR PRIVACY")
	if r.RegistrantOrg != "" {
		line("Registrant Organization", r.RegistrantOrg)
	}
	if r.RegistrantState != "" {
		line("Registrant State/Province", r.RegistrantState)
	}
	if r.RegistrantCountry != "" {
		line("Registrant Country", r.RegistrantCountry)
	}
	line("Registrant Email", "Please query the RDDS service of the Registrar of Record identified in this output for information on how to contact the Registrant")
	for _, ns := range r.Nameservers {
		line("Name Server", strings.ToLower(ns))
	}
	line("DNSSEC", map[bool]string{true: "signedDelegation", false: "unsigned"}[r.DNSSEC])
	line("URL of the ICANN Whois Inaccuracy Complaint Form", "https://icann.org/wicf/")
	fmt.Fprintf(&b, ">>> Last update of WHOIS database: %s <<<\n\n", op.lastUpdate())
	b.WriteString("For more information on Whois status codes, please visit https://icann.org/epp\n\n")
	b.WriteString(op.footer + "\n")
	return b.String()
}

// renderDenic is DENIC's terse public layout: name servers, a status word
// ("connect"), the last change, nothing about registrar or registrant.
func (op operator) renderDenic(r Registration) string {
	var b strings.Builder
	b.WriteString("% Restricted rights.\n%\n% Terms and Conditions of Use\n%\n% The above data may only be used within the scope of technical or\n% administrative necessities of Internet operation or to remedy legal\n% problems.\n\n")
	fmt.Fprintf(&b, "Domain: %s\n", r.Domain)
	ns := append([]string(nil), r.Nameservers...)
	sort.Strings(ns)
	for _, n := range ns {
		fmt.Fprintf(&b, "Nserver: %s\n", strings.ToLower(n))
	}
	if r.DNSSEC {
		b.WriteString("Dnskey: 257 3 8 AwEAAc...\n")
	}
	b.WriteString("Status: connect\n")
	if !r.Updated.IsZero() {
		fmt.Fprintf(&b, "Changed: %s\n", r.Updated.UTC().Format("2006-01-02T15:04:05-07:00"))
	}
	return b.String()
}
