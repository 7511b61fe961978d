package lifecycle

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
)

var now = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func deleg(ns ...string) *Delegation { return &Delegation{Rcode: "NOERROR", NS: ns} }

var nxdomain = &Delegation{Rcode: "NXDOMAIN"}

func addrs(list ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range list {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

func dnsA(list ...string) *DNS { return &DNS{Rcode: "NOERROR", Addrs: addrs(list...)} }

// reg is a registration as RDAP reports it for an ordinary .com name.
func reg(statuses ...string) *Registration {
	return &Registration{
		Source: "rdap", Found: true, RegistryDomainID: "2336799_DOMAIN_COM-VRSN",
		Registrar: "NameCheap, Inc.", RegistrarIANAID: "1068", RegistrantOrg: "Example Holdings",
		Created: day("2020-11-02"), Expires: day("2026-11-02"), Statuses: statuses,
	}
}

func with(r *Registration, f func(*Registration)) *Registration {
	c := *r
	c.Statuses = append([]string(nil), r.Statuses...)
	f(&c)
	return &c
}

var notFound = &Registration{Source: "rdap", Found: false}

var (
	fbiNS    = []string{"ns1.fbi.seized.gov.", "NS2.FBI.SEIZED.GOV"}
	normalNS = []string{"dns1.registrar-servers.com", "dns2.registrar-servers.com"}
	locks    = []string{"server delete prohibited", "server transfer prohibited", "server update prohibited", "client transfer prohibited"}
	banner   = &Page{Title: "This domain has been seized", Assets: []string{"/seized.gif"}}
	shop     = &Page{Title: "Fox Cloud — IT services", Text: "We build cloud software for US companies."}
)

type verdictCase struct {
	name    string
	ind     *Indicators // nil: Default()
	ev      Evidence
	prev    Previous
	state   event.State
	suspect event.State
	sev     event.Severity
	kept    bool
	reasons []string // substrings that must each appear in some reason
	not     []string // substrings no reason may contain
}

func verdictCases(t testing.TB) []verdictCase {
	parking, err := LoadIndicators(strings.NewReader(`
signatures:
  - id: parking-ns-sedo
    kind: ns_suffix
    match: sedoparking.com
    state: parked
    strength: strong
  - id: parking-page
    kind: http_body
    match: '(?i)this domain (is|may be) for sale'
    state: parked
    strength: corroborating
`))
	if err != nil {
		t.Fatal(err)
	}
	return []verdictCase{
		// ---------------------------------------------------------------- one row per state
		{
			name:    "active",
			ev:      Evidence{Delegation: deleg(normalNS...), DNS: dnsA("192.0.2.10"), Registry: reg("client transfer prohibited"), HTTP: shop},
			state:   event.StateActive,
			sev:     event.SevInfo,
			reasons: []string{"delegation dns1.registrar-servers.com, dns2.registrar-servers.com"},
		},
		{
			name:  "seized: FBI name servers with server locks newly set",
			ev:    Evidence{Delegation: deleg(fbiNS...), Registry: reg(locks...)},
			prev:  Previous{State: event.StateActive, Registry: reg("client transfer prohibited")},
			state: event.StateSeized, sev: event.SevWarning,
			reasons: []string{
				"delegation ns1.fbi.seized.gov matches us-fbi-seized-ns",
				"rdap statuses server delete prohibited, server transfer prohibited, server update prohibited matches registry-lock-set (newly set)",
			},
		},
		{
			name:  "the seizure operator's own domain, served by its own name servers, is not seized",
			ev:    Evidence{Domain: "seized.gov", Delegation: deleg(fbiNS...), Registry: reg(locks...)},
			state: event.StateActive,
			not:   []string{"us-fbi-seized-ns"},
		},
		{
			name:  "seized: FBI name servers with the 2023 banner, first sight",
			ev:    Evidence{Delegation: deleg(fbiNS...), HTTP: banner},
			state: event.StateSeized, sev: event.SevWarning,
			reasons: []string{"delegation ns1.fbi.seized.gov matches us-fbi-seized-ns", `page title "This domain has been seized" matches banner-domain-has-been-seized`},
		},
		{
			name:  "sinkholed: Shadowserver name servers",
			ev:    Evidence{Delegation: deleg("sinkhole-01.shadowserver.org", "sinkhole-02.shadowserver.org"), Registry: reg()},
			prev:  Previous{State: event.StateActive, Registry: reg()},
			state: event.StateSinkholed, sev: event.SevWarning,
			reasons: []string{"delegation sinkhole-01.shadowserver.org matches sinkhole-shadowserver-ns"},
		},
		{
			name:  "sinkholed: Microsoft DCU takedown name servers",
			ev:    Evidence{Delegation: deleg("ns911a.microsoftinternetsafety.net", "ns911b.microsoftinternetsafety.net")},
			state: event.StateSinkholed, sev: event.SevWarning,
			reasons: []string{"matches msft-dcu-takedown-ns"},
		},
		{
			name:  "sinkholed: two stale sinkhole signatures agree (address and page)",
			ev:    Evidence{Delegation: deleg(normalNS...), DNS: dnsA("148.81.111.111"), HTTP: &Page{Title: "sinkhole", Text: "Malware DNS Sinkhole Server"}},
			state: event.StateSinkholed, sev: event.SevWarning,
			reasons: []string{"address 148.81.111.111 (CERT Polska) matches sinkhole-ip-other", `page text "Malware DNS Sinkhole Server" matches sinkhole-page-text`},
		},
		{
			name:  "suspended: serverHold, out of the zone",
			ev:    Evidence{Delegation: nxdomain, Registry: reg("server hold", "client transfer prohibited")},
			prev:  Previous{State: event.StateActive, Registry: reg("client transfer prohibited")},
			state: event.StateSuspended, sev: event.SevWarning,
			reasons: []string{"rdap status server hold matches epp-serverhold"},
		},
		{
			name:  "suspended: clientHold from WHOIS with the ICANN link, not expired",
			ev:    Evidence{Delegation: nxdomain, Registry: with(reg("clientHold https://icann.org/epp#clientHold"), func(r *Registration) { r.Source = "whois" })},
			state: event.StateSuspended, sev: event.SevWarning,
			reasons: []string{"whois status clientHold matches epp-clienthold"},
			not:     []string{"icann.org"},
		},
		{
			name:  "suspended: Namecheap failed-verification name servers",
			ev:    Evidence{Delegation: deleg("failed-whois-verification.namecheap.com")},
			state: event.StateSuspended, sev: event.SevWarning,
			reasons: []string{"matches namecheap-failed-verification-ns"},
		},
		{
			name:  "expired: registrar expiry name servers",
			ev:    Evidence{Delegation: deleg("ns1.renewyourdomain.net", "ns2.renewyourdomain.net"), Registry: reg("autoRenewPeriod")},
			prev:  Previous{State: event.StateActive},
			state: event.StateExpired, sev: event.SevNotice,
			reasons: []string{"delegation ns1.renewyourdomain.net matches expiry-ns-renewyourdomain-net", "rdap status autoRenewPeriod matches epp-autorenewperiod"},
		},
		{
			name:  "expired: expiry date in the past (registrar WHOIS)",
			ev:    Evidence{Delegation: deleg(normalNS...), Registry: with(reg("ok"), func(r *Registration) { r.Source = "whois"; r.Expires = day("2025-12-20") })},
			state: event.StateExpired, sev: event.SevNotice,
			reasons: []string{"whois expiry date 2025-12-20 is in the past"},
		},
		{
			name:  "expired, not suspended: clientHold after the expiry date",
			ev:    Evidence{Delegation: nxdomain, Registry: with(reg("clientHold"), func(r *Registration) { r.Expires = day("2025-12-01") })},
			state: event.StateExpired, sev: event.SevNotice,
			reasons: []string{"the registrar's expiry hold, not a suspension"},
		},
		{
			name:  "redemption",
			ev:    Evidence{Delegation: nxdomain, Registry: reg("redemption period")},
			prev:  Previous{State: event.StateExpired, Registry: reg("autoRenewPeriod")},
			state: event.StateRedemption, sev: event.SevNotice,
			reasons: []string{"rdap status redemption period matches epp-redemptionperiod"},
		},
		{
			name:  "redemption: pendingDelete inside the grace period",
			ev:    Evidence{Delegation: nxdomain, Registry: reg("redemptionPeriod", "pendingDelete")},
			state: event.StateRedemption, sev: event.SevNotice,
			reasons: []string{"matches epp-pendingdelete (with the redemption grace period: still restorable)"},
		},
		{
			name:  "pending_delete",
			ev:    Evidence{Delegation: nxdomain, Registry: reg("pending delete")},
			prev:  Previous{State: event.StateRedemption},
			state: event.StatePendingDelete, sev: event.SevWarning,
			reasons: []string{"rdap status pending delete matches epp-pendingdelete"},
		},
		{
			name:  "deleted: registry 404 and NXDOMAIN at the TLD",
			ev:    Evidence{Delegation: nxdomain, Registry: notFound},
			prev:  Previous{State: event.StatePendingDelete, Registry: reg("pendingDelete")},
			state: event.StateDeleted, sev: event.SevWarning,
			reasons: []string{"rdap does not find the name and the TLD servers answer NXDOMAIN"},
		},
		{
			name:  "unregistered: a newly watched name the registry never knew is not deleted",
			ev:    Evidence{Delegation: nxdomain, Registry: notFound},
			state: event.StateUnregistered, sev: event.SevInfo,
			reasons: []string{"rdap does not find the name and the TLD servers answer NXDOMAIN; it was never seen registered"},
			not:     []string{"deleted"},
		},
		{
			name:  "unregistered stays unregistered",
			ev:    Evidence{Delegation: nxdomain, Registry: notFound},
			prev:  Previous{State: event.StateUnregistered},
			state: event.StateUnregistered, sev: event.SevInfo,
		},
		{
			name:  "deleted, not unregistered, when a verdict of a registered state came before",
			ev:    Evidence{Delegation: nxdomain, Registry: notFound},
			prev:  Previous{State: event.StateUnknown, EverRegistered: true},
			state: event.StateDeleted, sev: event.SevWarning,
		},
		{
			name:  "an unregistered name that goes live is a warning, not a re-registration",
			ev:    Evidence{Delegation: deleg(normalNS...), Registry: reg()},
			prev:  Previous{State: event.StateUnregistered},
			state: event.StateActive, sev: event.SevWarning,
			not: []string{"reregistered"},
		},
		{
			name:  "an unregistered name that goes live parked is still a warning",
			ind:   parking,
			ev:    Evidence{Delegation: deleg("ns1.sedoparking.com", "ns2.sedoparking.com"), Registry: reg(), HTTP: &Page{Text: "This domain may be for sale!"}},
			prev:  Previous{State: event.StateUnregistered},
			state: event.StateParked, sev: event.SevWarning,
		},
		{
			name:  "parked: parking name servers from a custom indicator file",
			ind:   parking,
			ev:    Evidence{Delegation: deleg("ns1.sedoparking.com", "ns2.sedoparking.com"), HTTP: &Page{Text: "This domain may be for sale!"}},
			state: event.StateParked, sev: event.SevNotice,
			reasons: []string{"delegation ns1.sedoparking.com matches parking-ns-sedo", "matches parking-page"},
		},
		{
			name: "reregistered: new registry domain ID after the drop, critical",
			ev: Evidence{Delegation: deleg("ns1.dropcatcher.example", "ns2.dropcatcher.example"), Registry: with(reg("addPeriod"), func(r *Registration) {
				r.RegistryDomainID = "3001234_DOMAIN_COM-VRSN"
				r.Registrar = "DropCatch.com 1 LLC"
				r.RegistrarIANAID = "1234"
				r.Created = day("2026-01-14")
			})},
			prev:  Previous{State: event.StateDeleted, Registry: reg("pendingDelete")},
			state: event.StateReregistered, sev: event.SevCritical,
			reasons: []string{"registry domain ID 2336799_DOMAIN_COM-VRSN -> 3001234_DOMAIN_COM-VRSN (reregistered)", "creation date 2020-11-02 -> 2026-01-14", `registrar "NameCheap, Inc." -> "DropCatch.com 1 LLC"`, "matches epp-addperiod"},
		},
		{
			name:  "unknown: nothing answered",
			ev:    Evidence{Failed: []event.Probe{event.ProbeDelegation, event.ProbeDNS, event.ProbeRDAP}},
			state: event.StateUnknown, sev: event.SevInfo,
			reasons: []string{"no name server evidence (delegation, dns probe failed)", "no registry evidence (rdap probe failed)"},
		},

		// ---------------------------------------------------------------- tricky cases
		{
			name:  "seizure name server without corroboration is only suspected",
			ev:    Evidence{Delegation: deleg(fbiNS...), Registry: reg("client transfer prohibited"), HTTP: shop},
			prev:  Previous{State: event.StateActive, Registry: reg("client transfer prohibited")},
			state: event.StateActive, suspect: event.StateSeized, sev: event.SevWarning,
			reasons: []string{"suspected seizure: delegation ns1.fbi.seized.gov matches us-fbi-seized-ns; no corroboration", "seizure-needs-corroboration"},
		},
		{
			name:  "seizure name server on a domain whose locks were there before (spoofed)",
			ev:    Evidence{Delegation: deleg("ns1.seizedservers.com", "ns2.seizedservers.com"), Registry: reg(locks...)},
			prev:  Previous{State: event.StateActive, Registry: reg(locks...)},
			state: event.StateActive, suspect: event.StateSeized, sev: event.SevWarning,
			reasons: []string{"matches us-seizedservers-ns", "already set before: a registry lock, not by itself a seizure"},
		},
		{
			name:  "seizure banner without a seizure name server is only suspected",
			ev:    Evidence{Delegation: deleg(normalNS...), HTTP: &Page{Title: "Domain Seized", Assets: []string{"https://x.example/IPRC_Seized_Banner.png"}}},
			state: event.StateActive, suspect: event.StateSeized, sev: event.SevWarning,
			reasons: []string{"seizure banner without a law-enforcement name server"},
		},
		{
			name:  "registry lock on a big brand is active, not seized",
			ev:    Evidence{Delegation: deleg("a1-64.akam.net", "a2-64.akam.net"), Registry: with(reg(locks...), func(r *Registration) { r.Registrar = "MarkMonitor Inc."; r.RegistrarIANAID = "292" })},
			prev:  Previous{State: event.StateActive, Registry: with(reg(locks...), func(r *Registration) { r.Registrar = "MarkMonitor Inc."; r.RegistrarIANAID = "292" })},
			state: event.StateActive, sev: event.SevInfo,
			reasons: []string{"already set before: a registry lock"},
			not:     []string{"suspected"},
		},
		{
			name:  "registry lock on a big brand seen for the first time is active",
			ev:    Evidence{Delegation: deleg("a1-64.akam.net", "a2-64.akam.net"), Registry: reg(locks...)},
			state: event.StateActive, sev: event.SevInfo,
			reasons: []string{"no law-enforcement name server, so a registry lock, not a seizure"},
			not:     []string{"suspected"},
		},
		{
			name:  "transfer is not a re-registration",
			ev:    Evidence{Delegation: deleg(normalNS...), Registry: with(reg(), func(r *Registration) { r.Registrar = "GoDaddy.com, LLC"; r.RegistrarIANAID = "146" })},
			prev:  Previous{State: event.StateActive, Registry: reg()},
			state: event.StateActive, sev: event.SevInfo,
			reasons: []string{`registrar "NameCheap, Inc." -> "GoDaddy.com, LLC" with the same registry domain ID and creation date (a transfer, not a re-registration)`},
			not:     []string{"(reregistered)"},
		},
		{
			name:  "renewal is not a re-registration",
			ev:    Evidence{Delegation: deleg(normalNS...), Registry: with(reg(), func(r *Registration) { r.Expires = day("2027-11-02") })},
			prev:  Previous{State: event.StateActive, Registry: reg()},
			state: event.StateActive, sev: event.SevInfo,
			reasons: []string{"expiry 2026-11-02 -> 2027-11-02 (a renewal, not a re-registration)"},
		},
		{
			name:  "restore from redemption is not a re-registration",
			ev:    Evidence{Delegation: deleg(normalNS...), Registry: reg("client transfer prohibited")},
			prev:  Previous{State: event.StateRedemption, Registry: reg("redemptionPeriod")},
			state: event.StateActive, sev: event.SevWarning,
			reasons: []string{"restored from redemption: same registry domain ID 2336799_DOMAIN_COM-VRSN"},
			not:     []string{"(reregistered)"},
		},
		{
			name:  "same ROID found again after a deletion is a restore, not a re-registration",
			ev:    Evidence{Delegation: deleg(normalNS...), Registry: reg()},
			prev:  Previous{State: event.StateDeleted, Registry: reg("pendingDelete")},
			state: event.StateActive, sev: event.SevWarning,
			reasons: []string{"same registry domain ID 2336799_DOMAIN_COM-VRSN: restored, not re-registered"},
		},
		{
			name:  "seized, later re-registered by someone else: critical",
			ev:    Evidence{Delegation: deleg("ns1.cheap-hosting.example"), Registry: with(reg(), func(r *Registration) { r.RegistryDomainID = "3009999_DOMAIN_COM-VRSN"; r.Created = day("2026-01-10") })},
			prev:  Previous{State: event.StateSeized, Registry: reg(locks...)},
			state: event.StateReregistered, sev: event.SevCritical,
			reasons: []string{"(reregistered)"},
		},
		{
			name:  "re-registered while it looked active, but taken down before: critical",
			ev:    Evidence{Delegation: deleg(normalNS...), Registry: with(reg(), func(r *Registration) { r.Created = day("2025-12-30") })},
			prev:  Previous{State: event.StateActive, TakenDown: true, Registry: with(reg(), func(r *Registration) { r.RegistryDomainID = "" })},
			state: event.StateReregistered, sev: event.SevCritical,
			reasons: []string{"creation date 2020-11-02 -> 2025-12-30 (reregistered)"},
		},
		{
			name:  "re-registration stays the state over parking once seen",
			ind:   parking,
			ev:    Evidence{Delegation: deleg("ns1.sedoparking.com"), HTTP: &Page{Text: "buy now"}, Registry: reg()},
			prev:  Previous{State: event.StateReregistered, Registry: reg()},
			state: event.StateReregistered, sev: event.SevWarning,
			reasons: []string{"re-registered earlier", "matches parking-ns-sedo"},
		},
		{
			name:  "re-registered name caught by a sinkhole operator is sinkholed",
			ev:    Evidence{Delegation: deleg("sc-a.sinkhole.shadowserver.org"), Registry: with(reg(), func(r *Registration) { r.RegistryDomainID = "4000000_DOMAIN_COM-VRSN"; r.Created = day("2026-01-01") })},
			prev:  Previous{State: event.StateDeleted, Registry: reg("pendingDelete")},
			state: event.StateSinkholed, sev: event.SevWarning,
			reasons: []string{"matches sinkhole-shadowserver-ns", "also reregistered: registry domain ID"},
		},
		{
			name:  "a failed name server probe must not undo a seizure",
			ev:    Evidence{Registry: reg(locks...), Failed: []event.Probe{event.ProbeDelegation, event.ProbeDNS, event.ProbeHTTP}},
			prev:  Previous{State: event.StateSeized, Reasons: []string{"delegation ns1.fbi.seized.gov matches us-fbi-seized-ns"}, Registry: reg(locks...)},
			state: event.StateSeized, kept: true,
			reasons: []string{"kept seized: no name server evidence (delegation, dns probe failed)", "delegation ns1.fbi.seized.gov matches us-fbi-seized-ns"},
		},
		{
			name:  "a failed registry probe must not undo a suspension",
			ev:    Evidence{Delegation: nxdomain, Failed: []event.Probe{event.ProbeRDAP}},
			prev:  Previous{State: event.StateSuspended, Reasons: []string{"rdap status server hold matches epp-serverhold"}},
			state: event.StateSuspended, kept: true,
			reasons: []string{"kept suspended: no registry evidence (rdap probe failed)", "rdap status server hold matches epp-serverhold"},
		},
		{
			name:  "a resolver outage must not make an active domain unknown",
			ev:    Evidence{Failed: []event.Probe{event.ProbeDelegation, event.ProbeDNS, event.ProbeRDAP, event.ProbeHTTP}},
			prev:  Previous{State: event.StateActive, Reasons: []string{"delegation a.example"}},
			state: event.StateActive, kept: true,
			reasons: []string{"kept active"},
		},
		{
			name:  "evidence that outranks the kept state wins even with a probe down",
			ev:    Evidence{Registry: reg("redemptionPeriod"), Failed: []event.Probe{event.ProbeDelegation, event.ProbeDNS}},
			prev:  Previous{State: event.StateSeized, Registry: reg(locks...)},
			state: event.StateRedemption, sev: event.SevWarning,
			reasons: []string{"matches epp-redemptionperiod"},
		},
		{
			name:  "a new registration waits for the DNS before it ends a seizure",
			ev:    Evidence{Registry: with(reg(), func(r *Registration) { r.RegistryDomainID = "3009999_DOMAIN_COM-VRSN"; r.Created = day("2026-01-10") }), Failed: []event.Probe{event.ProbeDelegation, event.ProbeDNS}},
			prev:  Previous{State: event.StateSeized, Registry: reg(locks...)},
			state: event.StateSeized, kept: true,
			reasons: []string{"the evidence at hand points to reregistered"},
		},
		{
			name:  "IDs from WHOIS and RDAP are not compared with each other",
			ev:    Evidence{Delegation: deleg(normalNS...), Registry: with(reg(), func(r *Registration) { r.Source = "whois"; r.RegistryDomainID = "D402200000001-LROR" })},
			prev:  Previous{State: event.StateActive, Registry: reg()},
			state: event.StateActive, sev: event.SevInfo,
			not: []string{"(reregistered)"},
		},
		{
			name:  "seizure holds on later rounds once the locks are stored",
			ev:    Evidence{Delegation: deleg(fbiNS...), Registry: reg(locks...), Failed: []event.Probe{event.ProbeHTTP}},
			prev:  Previous{State: event.StateSeized, Registry: reg(locks...)},
			state: event.StateSeized, sev: event.SevWarning,
			reasons: []string{"matches us-fbi-seized-ns", "seizure corroborated earlier"},
		},
		{
			name:  "seizure stopped holding: back on ordinary name servers",
			ev:    Evidence{Delegation: deleg(normalNS...), Registry: reg()},
			prev:  Previous{State: event.StateSeized, Registry: reg(locks...)},
			state: event.StateActive, sev: event.SevCritical,
		},
		{
			name:  "cirfu.net name server after 2015 means hijacked, not seized",
			ev:    Evidence{Delegation: deleg("ns1.cirfu.net", "ns2.cirfu.net"), Registry: reg(locks...), HTTP: &Page{Title: "Casino bonus"}},
			prev:  Previous{State: event.StateSeized, Registry: reg(locks...)},
			state: event.StateActive, suspect: "hijacked", sev: event.SevCritical,
			reasons: []string{"delegation ns1.cirfu.net matches us-fbi-cirfu-ns-historical, but its operator lost that infrastructure on 2015-04-01", "hijacked, not seized"},
			not:     []string{"suspected seizure"},
		},
		{
			name:  "cirfu.net name server in 2012 with a banner and new locks was a seizure",
			ev:    Evidence{Now: day("2012-03-01"), Delegation: deleg("ns1.cirfu.net", "ns2.cirfu.net"), Registry: with(reg(locks...), func(r *Registration) { r.Expires = day("2013-01-01") }), HTTP: &Page{Title: "Seized", Text: "This domain name has been seized by the FBI pursuant to a seizure warrant issued by a United event.States District Court"}},
			prev:  Previous{State: event.StateActive, Registry: with(reg(), func(r *Registration) { r.Expires = day("2013-01-01") })},
			state: event.StateSeized, sev: event.SevWarning,
			reasons: []string{"matches us-fbi-cirfu-ns-historical", "matches banner-seized-by-us-agency", "matches banner-seizure-warrant-clause"},
		},
		{
			name:  "seizure name server's own domain re-registered: hijacked",
			ev:    Evidence{Delegation: deleg("ns1.seizedservers.com", "ns2.seizedservers.com"), Registry: reg(locks...), NSDomainStates: map[string]event.State{"seizedservers.com": event.StateReregistered}},
			prev:  Previous{State: event.StateSeized, Registry: reg(locks...)},
			state: event.StateActive, suspect: "hijacked", sev: event.SevCritical,
			reasons: []string{"the name server's domain seizedservers.com is reregistered (watch-the-takedown-infrastructure)"},
		},
		{
			name:  "Cloudflare pair alone is not enough (not even a suspicion)",
			ev:    Evidence{Delegation: deleg("jocelyn.ns.cloudflare.com", "plato.ns.cloudflare.com"), Registry: reg(), HTTP: shop},
			prev:  Previous{State: event.StateActive, Registry: reg()},
			state: event.StateActive, sev: event.SevInfo,
			reasons: []string{"matches le-cloudflare-pair-hint (a hint only"},
			not:     []string{"suspected"},
		},
		{
			name:  "Cloudflare pair with a banner is suspected",
			ev:    Evidence{Delegation: deleg("jocelyn.ns.cloudflare.com", "plato.ns.cloudflare.com"), Registry: reg(), HTTP: banner},
			prev:  Previous{State: event.StateActive, Registry: reg()},
			state: event.StateActive, suspect: event.StateSeized, sev: event.SevWarning,
			reasons: []string{"suspected seizure: delegation jocelyn.ns.cloudflare.com + plato.ns.cloudflare.com matches le-cloudflare-pair-hint"},
		},
		{
			name:  "Cloudflare pair with a banner and new locks is seized",
			ev:    Evidence{Delegation: deleg("jocelyn.ns.cloudflare.com", "plato.ns.cloudflare.com"), Registry: reg(locks...), HTTP: banner},
			prev:  Previous{State: event.StateActive, Registry: reg()},
			state: event.StateSeized, sev: event.SevWarning,
			reasons: []string{"matches le-cloudflare-pair-hint", "matches banner-domain-has-been-seized", "(newly set)"},
		},
		{
			name:  "seized and serverHold: seized wins, the hold is reported",
			ev:    Evidence{Delegation: deleg(fbiNS...), Registry: reg(append([]string{"serverHold"}, locks...)...)},
			prev:  Previous{State: event.StateActive, Registry: reg()},
			state: event.StateSeized, sev: event.SevWarning,
			reasons: []string{"also suspended: rdap status serverHold matches epp-serverhold"},
		},
		{
			name:  "seizure name server and serverHold without corroboration: suspended, seizure suspected",
			ev:    Evidence{Delegation: deleg(fbiNS...), Registry: reg("serverHold")},
			prev:  Previous{State: event.StateActive, Registry: reg()},
			state: event.StateSuspended, suspect: event.StateSeized, sev: event.SevWarning,
			reasons: []string{"matches epp-serverhold", "suspected seizure"},
		},
		{
			name:  "seized name dropping: pending delete beats the seizure",
			ev:    Evidence{Delegation: deleg(fbiNS...), Registry: reg(append([]string{"pendingDelete"}, locks...)...)},
			prev:  Previous{State: event.StateSeized, Registry: reg(locks...)},
			state: event.StatePendingDelete, sev: event.SevWarning,
			reasons: []string{"matches epp-pendingdelete", "also seized: delegation ns1.fbi.seized.gov"},
		},
		{
			name:  "seized: registry delegates to the seizure servers while the registrar still lists the old ones",
			ev:    Evidence{Delegation: deleg(fbiNS...), Registry: with(reg(), func(r *Registration) { r.Source = "whois"; r.NameServers = normalNS })},
			state: event.StateSeized, sev: event.SevWarning,
			reasons: []string{"whois lists dns1.registrar-servers.com, dns2.registrar-servers.com while the TLD delegates to ns1.fbi.seized.gov, ns2.fbi.seized.gov (registry-vs-registrar-ns-mismatch)"},
		},
		{
			name:  "seized: registrant changed to the agency",
			ev:    Evidence{Delegation: deleg("ns1.seizedservers.com", "ns2.seizedservers.com"), Registry: with(reg(), func(r *Registration) { r.RegistrantOrg = "U.S. Immigration and Customs Enforcement" })},
			prev:  Previous{State: event.StateActive, Registry: reg()},
			state: event.StateSeized, sev: event.SevWarning,
			reasons: []string{`registrant "U.S. Immigration and Customs Enforcement" matches seizure-registrant-agency`, `registrant "Example Holdings" -> "U.S. Immigration and Customs Enforcement"`},
		},
		{
			name:  "low-confidence seizure name server needs two corroborators",
			ev:    Evidence{Delegation: deleg("ns1.usssdomainseizure.com"), Registry: reg(locks...)},
			prev:  Previous{State: event.StateActive, Registry: reg()},
			state: event.StateActive, suspect: event.StateSeized, sev: event.SevWarning,
			reasons: []string{"two corroborators of different kinds"},
		},
		{
			name:  "privacy service registrant churn is no corroboration",
			ev:    Evidence{Delegation: deleg(fbiNS...), Registry: with(reg(), func(r *Registration) { r.RegistrantOrg = "Privacy service provided by Withheld for Privacy ehf" })},
			prev:  Previous{State: event.StateActive, Registry: with(reg(), func(r *Registration) { r.RegistrantOrg = "REDACTED FOR PRIVACY" })},
			state: event.StateActive, suspect: event.StateSeized, sev: event.SevWarning,
		},
		{
			name:  "filtering resolver's block page is not evidence about the domain",
			ev:    Evidence{Delegation: deleg(normalNS...), DNS: dnsA("146.112.61.106"), HTTP: &Page{Title: "This domain has been seized"}},
			state: event.StateActive, sev: event.SevInfo,
			reasons: []string{"address 146.112.61.106 matches resolver-block-opendns: a filtering resolver answered"},
			not:     []string{"suspected"},
		},
		{
			name:  "stale sinkhole address alone is only suspected",
			ev:    Evidence{Delegation: deleg(normalNS...), DNS: dnsA("38.229.70.125")},
			state: event.StateActive, suspect: event.StateSinkholed, sev: event.SevInfo,
			reasons: []string{"suspected sinkholed: address 38.229.70.125 (Team Cymru) matches sinkhole-ip-other (not enough alone)"},
		},
		{
			name:  "autoRenewPeriod alone is not an expiry",
			ev:    Evidence{Delegation: deleg(normalNS...), Registry: reg("auto renew period")},
			state: event.StateActive, suspect: event.StateExpired, sev: event.SevInfo,
		},
		{
			name:  "ambiguous eNom name servers count as expiry only with another signal",
			ev:    Evidence{Delegation: deleg("dns1.name-services.com", "dns2.name-services.com"), Registry: reg()},
			state: event.StateActive, sev: event.SevInfo,
			reasons: []string{"matches expiry-ns-name-services"},
		},
		{
			name:  "ambiguous eNom name servers with autoRenewPeriod are expiry parking",
			ev:    Evidence{Delegation: deleg("dns1.name-services.com", "dns2.name-services.com"), Registry: reg("autoRenewPeriod")},
			state: event.StateExpired, sev: event.SevNotice,
		},
		{
			name:  "registry 404 while still delegated is no deletion",
			ev:    Evidence{Delegation: deleg(normalNS...), Registry: notFound},
			prev:  Previous{State: event.StateActive},
			state: event.StateActive, sev: event.SevInfo,
			reasons: []string{"rdap does not find the name, yet the delegation lists"},
		},
		{
			name:  "NXDOMAIN without registry evidence has no known cause",
			ev:    Evidence{Delegation: nxdomain},
			state: event.StateUnknown, sev: event.SevInfo,
			reasons: []string{"the TLD servers answer NXDOMAIN; without registry evidence the cause"},
		},
		{
			name:  "SERVFAIL is no answer, not a removal",
			ev:    Evidence{Delegation: &Delegation{Rcode: "SERVFAIL"}, DNS: &DNS{Rcode: "SERVFAIL"}, Registry: reg()},
			prev:  Previous{State: event.StateSeized, Registry: reg(locks...)},
			state: event.StateSeized, kept: true,
		},
		{
			name:  "found again after deletion with no registration stored",
			ev:    Evidence{Delegation: deleg(normalNS...), Registry: reg()},
			prev:  Previous{State: event.StateDeleted},
			state: event.StateReregistered, sev: event.SevCritical,
			reasons: []string{"rdap finds the name again after it was deleted"},
		},
		{
			name:  "zone NS stands in for a failed delegation probe",
			ev:    Evidence{DNS: &DNS{Rcode: "NOERROR", NS: []string{"sinkhole-00.shadowserver.org"}}, Failed: []event.Probe{event.ProbeDelegation}},
			state: event.StateSinkholed, sev: event.SevWarning,
			reasons: []string{"zone ns sinkhole-00.shadowserver.org matches sinkhole-shadowserver-ns"},
		},
		{
			name:  "seizure name server address under a vanity name needs corroboration",
			ev:    Evidence{Delegation: deleg("ns1.vanity.example"), DNS: &DNS{Rcode: "NOERROR", NSAddrs: map[string][]netip.Addr{"ns1.vanity.example": addrs("44.198.232.204")}}, HTTP: banner},
			state: event.StateActive, suspect: event.StateSeized, sev: event.SevWarning,
			reasons: []string{"name server ns1.vanity.example address 44.198.232.204 matches us-seizedservers-ns-addr-2026"},
		},
	}
}

func TestJudgeTable(t *testing.T) {
	for _, c := range verdictCases(t) {
		t.Run(c.name, func(t *testing.T) {
			ind := c.ind
			if ind == nil {
				ind = Default()
			}
			ev := c.ev
			if ev.Now.IsZero() {
				ev.Now = now
			}
			v := ind.Judge(ev, c.prev)
			if v.State != c.state || v.Suspect != c.suspect || v.Kept != c.kept || (c.sev != "" && v.Severity != c.sev) {
				t.Errorf("got state %q suspect %q severity %q kept %v; want %q %q %q %v",
					v.State, v.Suspect, v.Severity, v.Kept, c.state, c.suspect, c.sev, c.kept)
			}
			all := strings.Join(v.Reasons, "\n")
			for _, want := range c.reasons {
				if !strings.Contains(all, want) {
					t.Errorf("no reason contains %q", want)
				}
			}
			for _, not := range c.not {
				if strings.Contains(all, not) {
					t.Errorf("a reason contains %q", not)
				}
			}
			if t.Failed() {
				t.Logf("reasons:\n  %s", strings.Join(v.Reasons, "\n  "))
			}
		})
	}
}
