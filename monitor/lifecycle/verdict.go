package lifecycle

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
)

// Verdict is the judged state of a domain and why.
type Verdict struct {
	State event.State `json:"state"`
	// Severity is how urgent the move into this state is, given the
	// previous one: a re-registration after a takedown is critical, a
	// seizure that stopped holding is critical, a new suspension a warning.
	// The daemon uses it for the state_changed event.
	Severity event.Severity `json:"severity"`
	// Reasons name the evidence and the signature, strongest first.
	Reasons []string `json:"reasons"`
	// Suspect is a state the evidence points at without establishing it:
	// "seized" for a law-enforcement name server nobody corroborates, or for
	// a seizure banner without such a name server; "hijacked" when a
	// seizure or sinkhole name server's own domain has lapsed.
	Suspect event.State `json:"suspect,omitempty"`
	// Kept is true when the previous state was kept because the evidence it
	// rests on is missing (a failed probe).
	Kept bool `json:"kept,omitempty"`
	// Matches are the signature and rule matches found, for the event detail.
	Matches []Match `json:"matches,omitempty"`
}

// Match is one signature (or history rule) that matched the evidence.
type Match struct {
	Signature string      `json:"signature"` // signature or rule id
	State     event.State `json:"state"`
	Strength  string      `json:"strength"`
	Evidence  string      `json:"evidence"` // what matched: "delegation ns1.fbi.seized.gov"
	// Lapsed is true when the signature's infrastructure is no longer its
	// operator's (valid_until passed, or its domain lapsed).
	Lapsed bool `json:"lapsed,omitempty"`
	reason string
	kind   string // corroborator kind: locks, banner, registrar, registrant, ns-mismatch
}

// Reason is the match as a reason line.
func (m Match) Reason() string {
	if m.reason != "" {
		return m.reason
	}
	return m.Evidence + " matches " + m.Signature
}

// Ids of the history rules Judge implements; the first four are rule ids
// of the indicator file.
const (
	RuleReregistered     = "reregistered"
	RuleNSMismatch       = "registry-vs-registrar-ns-mismatch"
	RuleNeedsCorroborate = "seizure-needs-corroboration"
	RuleWatchInfra       = "watch-the-takedown-infrastructure"
	RuleExpiryPast       = "expiry-date-past"
	RuleRegistrarChanged = "registrar-changed"
	RuleRegistrantChange = "registrant-changed"
)

// rank orders states for precedence when several are established: the
// higher wins. Deletion and the registry's deletion stages beat a seizure
// (a seized name can still expire and drop, Liberty Reserve 2013); a
// confirmed seizure beats a sinkhole, and both beat a re-registration seen
// in the same round (sinkhole operators register dropped names
// themselves); holds and expiry follow. A re-registration seen earlier
// stays the state over parking (drop-catchers park what they catch) but
// gives way to a new hold or expiry.
var rank = map[event.State]int{
	event.StateUnknown:       0,
	event.StateActive:        1,
	event.StateParked:        2,
	stickyRereg:              3,
	event.StateExpired:       4,
	event.StateSuspended:     5,
	event.StateReregistered:  6,
	event.StateSinkholed:     7,
	event.StateSeized:        8,
	event.StateRedemption:    9,
	event.StatePendingDelete: 10,
	event.StateDeleted:       11,
	// Both rest on the registry not finding the name; which one depends
	// only on the history, so they are never established together.
	event.StateUnregistered: 11,
}

// stickyRereg is a re-registration seen in an earlier round: it stays the
// state until something else is established.
const stickyRereg event.State = "reregistered (earlier)"

// takedownStates are the states after which a re-registration is critical.
var takedownStates = map[event.State]bool{
	event.StateSeized: true, event.StateSinkholed: true, event.StateSuspended: true, event.StateExpired: true,
	event.StateRedemption: true, event.StatePendingDelete: true, event.StateDeleted: true,
}

// judge holds one judgement's working state.
type judge struct {
	ind  *Indicators
	ev   Evidence
	prev Previous
	now  time.Time

	// NS view
	ns       []string
	nsSource string // "delegation" or "zone ns"
	nsKnown  bool   // an NS answer (possibly NXDOMAIN) is at hand
	nxdomain bool
	nxSource string

	addrs      []netip.Addr
	nsAddrs    map[string][]netip.Addr
	dnsBlocked bool

	reg       *Registration
	statuses  []string          // normalized
	statusRaw map[string]string // normalized -> as printed (cleaned)
	regSource string

	hits     map[event.State][]Match // by state
	primary  []Match                 // seizure name server / address matches
	corr     []Match                 // seizure corroborators
	corrKind map[string]bool
	banner   bool
	lapsed   []Match
	info     []string // other observations, reported after the state's reasons
	rereg    []string // re-registration reasons this round
	notes    []string // missing evidence
}

// Judge returns the verdict for one domain from the evidence and what was
// known before. It never fails: with no usable evidence the state is the
// previous one (Kept) or unknown. Safe for concurrent use.
func (ind *Indicators) Judge(ev Evidence, prev Previous) Verdict {
	j := &judge{ind: ind, ev: ev, prev: prev, now: ev.Now, hits: map[event.State][]Match{}, corrKind: map[string]bool{}}
	if j.now.IsZero() {
		j.now = time.Now()
	}
	if j.prev.State == "" {
		j.prev.State = event.StateUnknown
	}
	j.readDNS()
	j.readRegistry()
	j.readPage()
	return j.decide()
}

// ownHost reports a name server inside the judged domain itself: the
// seizure operator's own servers (ns1.fbi.seized.gov for seized.gov) say
// nothing about a takedown of the operator.
func (j *judge) ownHost(h string) bool {
	d := strings.TrimSuffix(strings.ToLower(j.ev.Domain), ".")
	return d != "" && (h == d || strings.HasSuffix(h, "."+d))
}

// readDNS takes the NS set from the delegation, else from the zone, and
// matches name server and address signatures.
func (j *judge) readDNS() {
	j.gatherDNS()
	j.dropBlocked()
	j.matchDNS()
}

// gatherDNS takes the name servers and addresses from the delegation and
// the zone, noting what is missing.
func (j *judge) gatherDNS() {
	if d := j.ev.Delegation; d != nil {
		hosts := normHosts(d.NS)
		rc, ok := usableRcode(d.Rcode, len(hosts) > 0)
		if !ok {
			j.notes = append(j.notes, fmt.Sprintf("the delegation probe got %s, which is no answer", orDash(clean(d.Rcode, 16))))
		}
		if ok {
			j.nsKnown, j.nsSource = true, "delegation"
			if rc == RcodeNXDomain {
				j.nxdomain, j.nxSource = true, "the TLD servers answer NXDOMAIN"
			} else {
				j.ns = hosts
			}
		}
	}
	if d := j.ev.DNS; d != nil {
		hosts := normHosts(d.NS)
		rc, ok := usableRcode(d.Rcode, len(hosts) > 0 || len(d.Addrs) > 0)
		if ok && !j.nsKnown {
			j.nsKnown, j.nsSource = true, "zone ns"
			if rc == RcodeNXDomain {
				j.nxdomain, j.nxSource = true, "the resolver answers NXDOMAIN"
			} else {
				j.ns = hosts
			}
		}
		if ok {
			for _, a := range d.Addrs {
				if len(j.addrs) == maxAddrs {
					break
				}
				if a.IsValid() {
					j.addrs = append(j.addrs, a.Unmap())
				}
			}
			j.nsAddrs = d.NSAddrs
		}
	}
	if !j.nsKnown {
		j.notes = append(j.notes, "no name server evidence"+j.failedNote(event.ProbeDelegation, event.ProbeDNS))
	} else if j.ev.DNS == nil && j.ev.failed(event.ProbeDNS) {
		j.notes = append(j.notes, "no address evidence (dns probe failed)")
	}
}

// dropBlocked drops the addresses that came through a filtering resolver:
// its block page says nothing about the domain.
func (j *judge) dropBlocked() {
	for _, s := range j.ind.Signatures {
		if s.State != SigBlockedByResolver || s.AppliesTo != "" {
			continue
		}
		for _, a := range j.addrs {
			if p, ok := s.matchAddr(a); ok {
				j.dnsBlocked = true
				j.info = append(j.info, fmt.Sprintf("address %s matches %s%s: a filtering resolver answered, so address and page evidence is ignored", a, s.ID, opSuffix(p)))
				break
			}
		}
	}
	if j.dnsBlocked {
		j.addrs, j.nsAddrs = nil, nil
	}
}

// matchDNS matches the name server and address signatures.
func (j *judge) matchDNS() {
	for _, s := range j.ind.Signatures {
		switch s.Kind {
		case KindNSSuffix:
			for _, h := range j.ns {
				if j.ownHost(h) {
					continue
				}
				if suffix, ok := s.matchHost(h); ok {
					j.addNS(s, suffix, j.nsSource+" "+h)
					break
				}
			}
		case KindNSPair:
			if s.matchPair(j.ns) {
				j.addNS(s, s.hosts[0], j.nsSource+" "+strings.Join(s.hosts, " + "))
			}
		case KindIP, KindCIDR:
			if s.State == SigBlockedByResolver {
				continue
			}
			if s.AppliesTo == AppliesToNSAddress {
				j.matchNSAddrs(s)
				continue
			}
			for _, a := range j.addrs {
				if p, ok := s.matchAddr(a); ok {
					j.add(s, fmt.Sprintf("address %s%s", a, opSuffix(p)))
					break
				}
			}
		}
	}
}

func opSuffix(p prefixValue) string {
	if p.operator == "" {
		return ""
	}
	return " (" + p.operator + ")"
}

func (j *judge) matchNSAddrs(s *Signature) {
	hosts := make([]string, 0, len(j.nsAddrs))
	for h := range j.nsAddrs {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts) // map order must not leak into reasons
	for _, h := range hosts {
		host := normHost(h)
		if host == "" {
			continue
		}
		for i, a := range j.nsAddrs[h] {
			if i == maxAddrs {
				break
			}
			if p, ok := s.matchAddr(a.Unmap()); ok {
				j.add(s, fmt.Sprintf("name server %s address %s%s", host, a.Unmap(), opSuffix(p)))
				return
			}
		}
	}
}

// addNS records a name server match, or a lapsed one when the operator no
// longer controls that name server's domain.
func (j *judge) addNS(s *Signature, suffix, evidence string) {
	if s.State == event.StateSeized || s.State == event.StateSinkholed {
		if !s.ValidUntil.IsZero() && j.now.After(s.ValidUntil) {
			m := Match{Signature: s.ID, State: s.State, Strength: s.Strength, Evidence: evidence, Lapsed: true}
			m.reason = fmt.Sprintf("%s matches %s, but its operator lost that infrastructure on %s: whoever holds it now controls this name (hijacked, not %s)",
				evidence, s.ID, s.ValidUntil.Format(time.DateOnly), s.State)
			j.lapsed = append(j.lapsed, m)
			return
		}
		if d, st := j.infraState(suffix); st != "" {
			switch st {
			case event.StateDeleted, event.StateReregistered, event.StatePendingDelete, event.StateRedemption:
				m := Match{Signature: s.ID, State: s.State, Strength: s.Strength, Evidence: evidence, Lapsed: true}
				m.reason = fmt.Sprintf("%s matches %s, but the name server's domain %s is %s (%s): the operator may no longer control it, so this is not %s",
					evidence, s.ID, d, st, RuleWatchInfra, s.State)
				j.lapsed = append(j.lapsed, m)
				return
			case event.StateExpired, event.StateSuspended:
				j.info = append(j.info, fmt.Sprintf("the name server's domain %s is %s (%s)", d, st, RuleWatchInfra))
			}
		}
	}
	j.add(s, evidence)
}

func (j *judge) infraState(host string) (string, event.State) {
	if len(j.ev.NSDomainStates) == 0 {
		return "", ""
	}
	n, err := domain.Normalize(host)
	if err != nil {
		return "", ""
	}
	return n.ASCII, j.ev.NSDomainStates[n.ASCII]
}

// add files a signature match under its state; seizure matches split into
// primary (where the name points) and corroborating (everything else).
func (j *judge) add(s *Signature, evidence string) {
	m := Match{Signature: s.ID, State: s.State, Strength: s.Strength, Evidence: evidence}
	if s.State == event.StateSeized {
		switch s.Kind {
		case KindNSSuffix, KindNSPair, KindIP, KindCIDR:
			j.primary = append(j.primary, m)
		default:
			j.addCorr(m, corrKindOf(s.Kind))
		}
		return
	}
	j.hits[s.State] = append(j.hits[s.State], m)
}

func corrKindOf(kind string) string {
	switch kind {
	case KindHTTPTitle, KindHTTPBody, KindHTTPAsset:
		return "banner"
	case KindEPPStatus:
		return "locks"
	case KindWhoisRegistrar:
		return "registrar"
	case KindWhoisRegistrant:
		return "registrant"
	}
	return kind
}

func (j *judge) addCorr(m Match, kind string) {
	m.kind = kind
	j.corr = append(j.corr, m)
	j.corrKind[kind] = true
	if kind == "banner" {
		j.banner = true
	}
}

func (s *Signature) matchHost(h string) (string, bool) {
	for _, suf := range s.suffixes {
		if h == suf || strings.HasSuffix(h, "."+suf) {
			return suf, true
		}
	}
	for _, re := range s.regexes {
		if re.MatchString(h) {
			return h, true
		}
	}
	return "", false
}

func (s *Signature) matchPair(ns []string) bool {
	if len(ns) == 0 {
		return false
	}
	for _, want := range s.hosts {
		found := false
		for _, h := range ns {
			if h == want {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (s *Signature) matchAddr(a netip.Addr) (prefixValue, bool) {
	for _, p := range s.prefixes {
		if p.prefix.Contains(a) {
			return p, true
		}
	}
	return prefixValue{}, false
}

// readRegistry matches statuses, registrar and registrant, and compares the
// registration with the stored one.
func (j *judge) readRegistry() {
	r := j.ev.Registry
	if r == nil {
		j.notes = append(j.notes, "no registry evidence"+j.failedNote(event.ProbeRDAP, event.ProbeWHOIS))
		return
	}
	j.reg = r
	j.regSource = string(r.Source)
	if j.regSource == "" {
		j.regSource = "registry"
	}
	j.regSource = clean(j.regSource, 16)
	if !r.Found {
		return
	}
	j.readStatuses(r.Statuses)
	expiryPast := !r.Expires.IsZero() && j.now.Sub(r.Expires) > 24*time.Hour
	sc := statusContext{
		prev: j.previousStatuses(),
		// A registrar's clientHold right after expiry is its expiry
		// handling, not a suspension (NameSilo, ERRP).
		holdIsExpiry: expiryPast || j.hasStatus("autoRenewPeriod"),
		// pendingDelete with redemptionPeriod or pendingRestore is still
		// inside the redemption grace period.
		inRGP: j.hasStatus("redemptionPeriod") || j.hasStatus("pendingRestore"),
	}
	for _, s := range j.ind.Signatures {
		switch s.Kind {
		case KindEPPStatus:
			j.matchStatuses(s, sc)
		case KindWhoisRegistrar:
			if v := clean(r.Registrar, maxReasonValue); v != "" && s.matchText(v) {
				j.add(s, fmt.Sprintf("registrar %q", v))
			}
		case KindWhoisRegistrant:
			if v := clean(r.RegistrantOrg, maxReasonValue); v != "" && s.matchText(v) {
				j.add(s, fmt.Sprintf("registrant %q", v))
			}
		}
	}
	if expiryPast {
		m := Match{Signature: RuleExpiryPast, State: event.StateExpired, Strength: Strong,
			Evidence: fmt.Sprintf("%s expiry date %s", j.regSource, r.Expires.UTC().Format(time.DateOnly))}
		m.reason = m.Evidence + " is in the past"
		j.hits[event.StateExpired] = append(j.hits[event.StateExpired], m)
	}
	j.compareRegistration(r)
	j.compareNS(r)
}

// readStatuses keeps the registration's statuses, normalized, each once,
// with its raw text for reasons.
func (j *judge) readStatuses(statuses []string) {
	j.statusRaw = map[string]string{}
	for i, s := range statuses {
		if i == maxStatuses {
			break
		}
		n := NormalizeStatus(s)
		if n == "" {
			continue
		}
		if _, dup := j.statusRaw[n]; !dup {
			j.statuses = append(j.statuses, n)
			j.statusRaw[n] = clean(stripLink(s), 48)
		}
	}
}

func (j *judge) hasStatus(code string) bool {
	for _, s := range j.statuses {
		if s == code {
			return true
		}
	}
	return false
}

// previousStatuses are the stored registration's statuses, nil when none
// is stored.
func (j *judge) previousStatuses() map[string]bool {
	p := j.prev.Registry
	if p == nil || !p.Found {
		return nil
	}
	prev := map[string]bool{}
	for _, s := range NormalizeStatuses(p.Statuses) {
		prev[s] = true
	}
	return prev
}

// statusContext is what reading an EPP status signature depends on
// besides the statuses.
type statusContext struct {
	prev         map[string]bool // the stored registration's statuses; nil when none
	holdIsExpiry bool            // a clientHold is the registrar's expiry hold
	inRGP        bool            // inside the redemption grace period
}

// matchStatuses matches one epp_status signature against the statuses.
func (j *judge) matchStatuses(s *Signature, sc statusContext) {
	var matched []string
	var fresh bool
	for _, st := range j.statuses {
		if s.statuses[statusKey(st)] {
			matched = append(matched, j.statusRaw[st])
			if sc.prev == nil || !sc.prev[st] {
				fresh = true
			}
		}
	}
	if len(matched) == 0 {
		return
	}
	word := "status"
	if len(matched) > 1 {
		word = "statuses"
	}
	evidence := fmt.Sprintf("%s %s %s", j.regSource, word, joinList(matched))
	m := Match{Signature: s.ID, State: s.State, Strength: s.Strength, Evidence: evidence}
	switch {
	case s.State == event.StateSeized:
		// Locks corroborate a seizure only when they are new with it:
		// big brands carry a registry lock all the time.
		switch {
		case sc.prev == nil:
			m.reason = m.Reason() + " (no earlier registration stored to tell whether they are new)"
			j.addCorr(m, "locks")
		case fresh:
			m.reason = m.Reason() + " (newly set)"
			j.addCorr(m, "locks")
		default:
			m.reason = m.Reason() + " (already set before: a registry lock, not by itself a seizure)"
			j.info = append(j.info, m.reason)
		}
	case s.State == event.StateSuspended && sc.holdIsExpiry && j.hasStatus("clientHold") && !j.hasStatus("serverHold"):
		m.State, m.Strength = event.StateExpired, Corroborating
		m.reason = m.Reason() + " (after expiry: the registrar's expiry hold, not a suspension)"
		j.hits[event.StateExpired] = append(j.hits[event.StateExpired], m)
	case s.State == event.StatePendingDelete && sc.inRGP:
		m.State = event.StateRedemption
		m.reason = m.Reason() + " (with the redemption grace period: still restorable)"
		j.hits[event.StateRedemption] = append(j.hits[event.StateRedemption], m)
	case s.State == SigNewRegistration || s.State == SigLocked:
		j.info = append(j.info, m.Reason())
	default:
		j.hits[s.State] = append(j.hits[s.State], m)
	}
}

func (s *Signature) matchText(v string) bool {
	for _, re := range s.regexes {
		if re.MatchString(v) {
			return true
		}
	}
	return false
}

// compareRegistration applies the re-registration rule and notes transfers,
// renewals, restores and holder changes.
func (j *judge) compareRegistration(r *Registration) {
	p := j.prev.Registry
	id := clean(r.RegistryDomainID, 80)
	if p == nil || !p.Found {
		if j.prev.State == event.StateDeleted {
			j.rereg = append(j.rereg, fmt.Sprintf("%s finds the name again after it was deleted (%s)", j.regSource, RuleReregistered))
		}
		return
	}
	pid := clean(p.RegistryDomainID, 80)
	// RDAP handles and WHOIS "Registry Domain ID"s agree for .com but need
	// not elsewhere: compare IDs only between answers of the same kind.
	sameSource := p.Source == "" || r.Source == "" || strings.EqualFold(string(p.Source), string(r.Source))
	sameID := id == "" || pid == "" || !sameSource || strings.EqualFold(id, pid)
	if !sameID {
		j.rereg = append(j.rereg, fmt.Sprintf("registry domain ID %s -> %s (%s)", pid, id, RuleReregistered))
	}
	// A day of slack: WHOIS prints dates, RDAP timestamps, and the daemon may
	// compare one with the other.
	if !p.Created.IsZero() && !r.Created.IsZero() && r.Created.Sub(p.Created) > 24*time.Hour {
		j.rereg = append(j.rereg, fmt.Sprintf("creation date %s -> %s (%s)",
			p.Created.UTC().Format(time.DateOnly), r.Created.UTC().Format(time.DateOnly), RuleReregistered))
	}
	if len(j.rereg) == 0 && j.prev.State == event.StateDeleted && pid != "" && id != "" {
		j.info = append(j.info, fmt.Sprintf("%s finds the name again with the same registry domain ID %s: restored, not re-registered", j.regSource, id))
	}
	registrarChanged := changed(p.RegistrarIANAID, r.RegistrarIANAID) ||
		(p.RegistrarIANAID == "" || r.RegistrarIANAID == "") && changed(p.Registrar, r.Registrar)
	registrar := fmt.Sprintf("registrar %q -> %q", clean(p.Registrar, maxReasonValue), clean(r.Registrar, maxReasonValue))
	registrantChanged := known(p.RegistrantOrg) && known(r.RegistrantOrg) && changed(p.RegistrantOrg, r.RegistrantOrg)
	registrant := fmt.Sprintf("registrant %q -> %q", clean(p.RegistrantOrg, maxReasonValue), clean(r.RegistrantOrg, maxReasonValue))
	if len(j.rereg) > 0 {
		// Supporting detail of the new registration, not seizure evidence.
		if registrarChanged {
			j.rereg = append(j.rereg, registrar)
		}
		if registrantChanged {
			j.rereg = append(j.rereg, registrant)
		}
		return
	}
	if j.prev.State == event.StateRedemption || j.prev.State == event.StatePendingDelete {
		if len(j.hits[event.StateRedemption]) == 0 && len(j.hits[event.StatePendingDelete]) == 0 {
			j.info = append(j.info, fmt.Sprintf("restored from %s: same registry domain ID %s and creation date", j.prev.State, orDash(id)))
		}
	}
	if registrarChanged {
		m := Match{Signature: RuleRegistrarChanged, State: event.StateSeized, Strength: Corroborating, Evidence: registrar}
		m.reason = registrar + " with the same registry domain ID and creation date (a transfer, not a re-registration)"
		j.addCorr(m, "registrar")
	}
	if registrantChanged {
		m := Match{Signature: RuleRegistrantChange, State: event.StateSeized, Strength: Corroborating, Evidence: registrant}
		m.reason = registrant + " (" + RuleRegistrantChange + ")"
		j.addCorr(m, "registrant")
	}
	if !p.Expires.IsZero() && r.Expires.After(p.Expires) {
		j.info = append(j.info, fmt.Sprintf("expiry %s -> %s (a renewal, not a re-registration)",
			p.Expires.UTC().Format(time.DateOnly), r.Expires.UTC().Format(time.DateOnly)))
	}
}

// compareNS notes when the registration lists none of the delegated seizure
// name servers: the change was made at the registry, past the registrar.
func (j *judge) compareNS(r *Registration) {
	if len(j.primary) == 0 || j.nsSource != "delegation" {
		return
	}
	listed := normHosts(r.NameServers)
	if len(listed) == 0 {
		return
	}
	for _, h := range j.ns {
		for _, l := range listed {
			if h == l {
				return
			}
		}
	}
	m := Match{Signature: RuleNSMismatch, State: event.StateSeized, Strength: Corroborating,
		Evidence: fmt.Sprintf("%s lists %s while the TLD delegates to %s", j.regSource, joinList(listed), joinList(j.ns))}
	m.reason = m.Evidence + " (" + RuleNSMismatch + ")"
	j.addCorr(m, "ns-mismatch")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func normName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(clean(s, maxReasonValue)), " "))
}

func changed(a, b string) bool {
	a, b = normName(a), normName(b)
	return a != "" && b != "" && a != b
}

var hiddenRegistrant = []string{"redacted", "privacy", "withheld", "not disclosed", "data protected", "statutory masking", "proxy"}

// known reports whether a registrant value names someone, rather than a
// privacy service's placeholder whose changes mean nothing.
func known(s string) bool {
	n := normName(s)
	if n == "" {
		return false
	}
	for _, h := range hiddenRegistrant {
		if strings.Contains(n, h) {
			return false
		}
	}
	return true
}

// readPage matches the banner, expiry and sinkhole page signatures.
func (j *judge) readPage() {
	pg := j.ev.HTTP
	if pg == nil {
		if j.ev.failed(event.ProbeHTTP) {
			j.notes = append(j.notes, "no page evidence (http probe failed)")
		}
		return
	}
	if j.dnsBlocked {
		return
	}
	title := pg.Title
	if len(title) > maxScanTitle {
		title = title[:maxScanTitle]
	}
	text := pg.Text
	if len(text) > maxScanText {
		text = text[:maxScanText]
	}
	title = strings.ToValidUTF8(title, "\uFFFD")
	text = strings.ToValidUTF8(text, "\uFFFD")
	body := newScanText(text)
	for _, s := range j.ind.Signatures {
		switch s.Kind {
		case KindHTTPTitle:
			t := strings.TrimSpace(strings.Join(strings.Fields(title), " "))
			for _, re := range s.regexes {
				if re.MatchString(t) {
					j.add(s, fmt.Sprintf("page title %q", clean(t, maxReasonValue)))
					break
				}
			}
		case KindHTTPBody:
			for _, m := range s.matchers {
				if loc := m.find(body); loc != nil {
					j.add(s, fmt.Sprintf("page text %q", clean(text[loc[0]:loc[1]], maxReasonValue)))
					break
				}
			}
		case KindHTTPAsset:
		assets:
			for i, a := range pg.Assets {
				if i == maxAssets {
					break
				}
				la := strings.ToLower(a)
				for _, want := range s.assets {
					if strings.Contains(la, want) {
						j.add(s, fmt.Sprintf("page asset %q", clean(a, maxReasonValue)))
						break assets
					}
				}
			}
		}
	}
}

func (j *judge) failedNote(probes ...event.Probe) string {
	var f []event.Probe
	for _, p := range probes {
		if j.ev.failed(p) {
			f = append(f, p)
		}
	}
	if len(f) == 0 {
		return ""
	}
	return " (" + strings.Join(event.Strings(f), ", ") + " probe failed)"
}

// established reports whether matches for one state prove it: a strong
// match, or two distinct signatures of which at least one is more than a
// hint.
func established(ms []Match) bool {
	ids := map[string]bool{}
	nonWeak := false
	for _, m := range ms {
		if m.Strength == Strong {
			return true
		}
		ids[m.Signature] = true
		if m.Strength != Weak {
			nonWeak = true
		}
	}
	return nonWeak && len(ids) >= 2
}

// seizure decides the seizure rule: the best name server or address match
// sets how much corroboration it needs.
func (j *judge) seizure() (bool, string) {
	if len(j.primary) == 0 {
		return false, ""
	}
	best := Weak
	for _, m := range j.primary {
		if m.Strength == Strong || (m.Strength == Corroborating && best == Weak) {
			best = m.Strength
		}
	}
	kinds := len(j.corrKind)
	switch best {
	case Strong:
		if kinds >= 1 {
			return true, ""
		}
		return false, "no corroboration: no new server locks, no seizure banner, no registrar or registrant change"
	case Corroborating:
		if kinds >= 2 {
			return true, ""
		}
		return false, "a low-confidence seizure name server needs two corroborators of different kinds"
	default:
		if j.banner && kinds >= 2 {
			return true, ""
		}
		return false, "a hint only: it needs a seizure banner and one more corroborator"
	}
}

// decision is what decide gathers before it picks the state: the states the
// evidence establishes, each with its reasons, and the one it only points at.
type decision struct {
	est            map[event.State][]string // established state -> its reasons
	suspect        event.State
	suspectReasons []string
}

// signatureStates are the states signature matches establish, most severe
// first: the order in which a suspicion of one is named.
var signatureStates = []event.State{event.StatePendingDelete, event.StateRedemption, event.StateSinkholed, event.StateSuspended, event.StateExpired, event.StateParked}

// decide turns what the readers gathered into the verdict: establish what
// the evidence proves, let the highest rank win, tell the rest as reasons,
// and keep the previous state when the evidence it rests on is missing.
func (j *judge) decide() Verdict {
	d := &decision{est: map[event.State][]string{}}
	j.establishDeleted(d)
	for _, st := range signatureStates {
		if established(j.hits[st]) {
			d.est[st] = reasonsOf(j.hits[st])
		}
	}
	j.establishSeizure(d)
	j.establishEarlier(d)
	j.establishReregistered(d)
	if len(j.lapsed) > 0 && d.suspect == "" {
		// The takedown infrastructure is no longer its operator's:
		// whoever holds it now answers for the names delegated to it.
		d.suspect = event.StateHijacked
	}
	state, reasons := j.winner(d.est)
	j.suspectOutranking(d, state)

	v := Verdict{State: state, Suspect: d.suspect}
	v.Reasons = append(v.Reasons, reasons...)
	v.Reasons = append(v.Reasons, d.suspectReasons...)
	v.Reasons = append(v.Reasons, reasonsOf(j.lapsed)...)
	v.Reasons = append(v.Reasons, j.alsoMatched(d, state)...)
	v.Reasons = append(v.Reasons, j.info...)
	v.Reasons = append(v.Reasons, j.notes...)
	v.Reasons = boundReasons(dedupe(v.Reasons, nil))
	v.Matches = j.matches()
	if j.keepsPrevious(v.State) {
		return j.keptVerdict(v)
	}
	v.Severity = j.severity(v.State, v.Suspect)
	if v.Reasons == nil {
		v.Reasons = []string{}
	}
	return v
}

func reasonsOf(ms []Match) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Reason())
	}
	return out
}

// establishDeleted establishes a deletion when the registry does not know
// the name and the DNS agrees; a registry alone may be wrong or lagging, so
// without the DNS it is only an observation.
func (j *judge) establishDeleted(d *decision) {
	if j.reg == nil || j.reg.Found {
		return
	}
	switch {
	case j.nxdomain && !j.everRegistered():
		d.est[event.StateUnregistered] = []string{fmt.Sprintf("%s does not find the name and %s; it was never seen registered", j.regSource, j.nxSource)}
	case j.nxdomain:
		d.est[event.StateDeleted] = []string{fmt.Sprintf("%s does not find the name and %s", j.regSource, j.nxSource)}
	case j.nsKnown && len(j.ns) > 0:
		j.info = append(j.info, fmt.Sprintf("%s does not find the name, yet the %s lists %s", j.regSource, j.nsSource, joinList(j.ns)))
	default:
		j.info = append(j.info, fmt.Sprintf("%s does not find the name; no DNS answer to confirm a deletion", j.regSource))
	}
}

// everRegistered reports whether the name was seen registered before this
// judgement: a deletion needs a registration to end.
func (j *judge) everRegistered() bool {
	if j.prev.EverRegistered || j.prev.TakenDown || (j.prev.Registry != nil && j.prev.Registry.Found) {
		return true
	}
	switch j.prev.State {
	case "", event.StateUnknown, event.StateUnregistered:
		return false
	}
	return true
}

// establishSeizure applies the seizure rule. A seizure corroborated earlier
// holds while the name servers stay, since the corroborators (a new lock, a
// banner) are one-off changes. An uncorroborated seizure name server is a
// suspicion unless it is a hint alone, which is only an observation; a
// banner without one is a suspicion, as banners can be spoofed.
func (j *judge) establishSeizure(d *decision) {
	seized, why := j.seizure()
	switch {
	case seized || (len(j.primary) > 0 && j.prev.State == event.StateSeized):
		rs := reasonsOf(j.primary)
		if !seized {
			rs = append(rs, "seizure corroborated earlier; still delegated to its name servers")
		}
		d.est[event.StateSeized] = append(rs, reasonsOf(j.corr)...)
	case len(j.primary) > 0:
		best := j.primary[0]
		for _, m := range j.primary {
			if m.Strength == Strong {
				best = m
				break
			}
		}
		if best.Strength == Weak && !j.banner {
			j.info = append(j.info, best.Reason()+" ("+why+")")
			return
		}
		d.suspect = event.StateSeized
		d.suspectReasons = append(d.suspectReasons, "suspected seizure: "+best.Reason()+"; "+why+" ("+RuleNeedsCorroborate+")")
		d.suspectReasons = append(d.suspectReasons, reasonsOf(j.corr)...)
	case j.banner:
		d.suspect = event.StateSeized
		d.suspectReasons = append(d.suspectReasons, "suspected seizure: seizure banner without a law-enforcement name server (a banner alone can be spoofed)")
		d.suspectReasons = append(d.suspectReasons, reasonsOf(j.corr)...)
	}
}

// establishEarlier keeps a state established earlier while any of its
// matches that is more than a hint remains: a banner not fetched this round
// must not undo a sinkhole, nor a parking page gone undo an expiry.
func (j *judge) establishEarlier(d *decision) {
	prev := j.prev.State
	if _, ok := d.est[prev]; ok {
		return
	}
	for _, m := range j.hits[prev] {
		if m.Strength != Weak {
			d.est[prev] = append(reasonsOf(j.hits[prev]), string(prev)+" established earlier; still matching")
			return
		}
	}
}

// establishReregistered establishes a re-registration seen this round, or
// keeps one seen earlier (at a lower rank) while the registration stays,
// since drop-catchers park what they catch.
func (j *judge) establishReregistered(d *decision) {
	switch {
	case len(j.rereg) > 0:
		d.est[event.StateReregistered] = j.rereg
	case j.prev.State == event.StateReregistered && j.reg != nil && j.reg.Found:
		d.est[stickyRereg] = []string{"re-registered earlier; same registration since"}
	}
}

// winner returns the highest-ranked established state and its reasons.
// With none established, a delegation or a registration makes the domain
// active; without either its state is unknown.
func (j *judge) winner(est map[event.State][]string) (event.State, []string) {
	best := event.State("")
	for st := range est {
		if best == "" || rank[st] > rank[best] {
			best = st
		}
	}
	switch {
	case best == stickyRereg:
		return event.StateReregistered, est[best]
	case best != "":
		return best, est[best]
	case j.nsKnown && len(j.ns) > 0:
		return event.StateActive, []string{fmt.Sprintf("%s %s", j.nsSource, joinList(j.ns))}
	case j.reg != nil && j.reg.Found && j.nxdomain:
		return event.StateActive, []string{fmt.Sprintf("registered at the %s, but not in the DNS: %s", j.regSource, j.nxSource)}
	case j.reg != nil && j.reg.Found:
		return event.StateActive, []string{fmt.Sprintf("registered at the %s", j.regSource)}
	case j.nxdomain:
		return event.StateUnknown, []string{j.nxSource + "; without registry evidence the cause (hold, redemption, deletion) is not known"}
	}
	return event.StateUnknown, nil
}

// suspectOutranking names, when nothing is suspected yet, the most severe
// state that would have outranked the winner and has a match of more than
// a hint that alone does not establish it.
func (j *judge) suspectOutranking(d *decision, winner event.State) {
	if d.suspect != "" {
		return
	}
	for _, st := range signatureStates {
		if _, ok := d.est[st]; ok || rank[st] <= rank[winner] {
			continue
		}
		for _, m := range j.hits[st] {
			if m.Strength != Weak {
				d.suspect = st
				d.suspectReasons = append(d.suspectReasons, fmt.Sprintf("suspected %s: %s (not enough alone)", st, m.Reason()))
				return
			}
		}
	}
}

// alsoMatched tells everything else that matched besides the winner and
// the suspicion, so the reasons tell the whole story.
func (j *judge) alsoMatched(d *decision, winner event.State) []string {
	var also []string
	for _, st := range []event.State{event.StateDeleted, event.StateUnregistered, event.StatePendingDelete, event.StateRedemption, event.StateSeized, event.StateSinkholed, event.StateReregistered, event.StateSuspended, event.StateExpired, event.StateParked} {
		if st == winner {
			continue
		}
		if rs, ok := d.est[st]; ok {
			for _, r := range rs {
				also = append(also, "also "+string(st)+": "+r)
			}
			continue
		}
		for _, m := range j.hits[st] {
			if st != d.suspect {
				also = append(also, m.Reason())
			}
		}
	}
	if winner != event.StateSeized && d.suspect != event.StateSeized {
		also = append(also, j.corroboratorsAlone()...)
	}
	return also
}

// corroboratorsAlone tells the seizure corroborators that corroborate
// nothing, so that a lock is not read as a seizure.
func (j *judge) corroboratorsAlone() []string {
	var out []string
	for _, m := range j.corr {
		r := m.Reason()
		switch m.kind {
		case "locks":
			r += "; no law-enforcement name server, so a registry lock, not a seizure"
		case "banner":
			continue // reported as the suspicion
		}
		out = append(out, r)
	}
	return out
}

// keepsPrevious reports whether the previous state stands although the
// evidence points to state: missing evidence never moves the state down,
// so the previous state holds unless what is at hand outranks it. Even a
// new registration waits for the DNS (a sinkhole operator may hold it);
// the diff of the registry snapshot raises its own "reregistered" event.
func (j *judge) keepsPrevious(state event.State) bool {
	prev := j.prev.State
	return prev != event.StateUnknown && prev != state && j.missingFor(prev) && rank[state] < rank[prev]
}

// keptVerdict is the previous state kept in place of v, saying what is
// missing and where the evidence at hand points.
func (j *judge) keptVerdict(v Verdict) Verdict {
	prev := j.prev.State
	kept := Verdict{State: prev, Kept: true, Suspect: v.Suspect, Matches: v.Matches}
	missing := strings.Join(j.notes, "; ")
	if missing == "" {
		missing = "the evidence it rests on is missing"
	}
	kept.Reasons = append(kept.Reasons, fmt.Sprintf("kept %s: %s; the evidence at hand points to %s", prev, missing, v.State))
	for _, r := range dedupe(j.prev.Reasons, kept.Reasons) {
		kept.Reasons = append(kept.Reasons, clean(r, 1024))
	}
	kept.Reasons = boundReasons(kept.Reasons)
	kept.Severity = j.severity(prev, kept.Suspect)
	return kept
}

// missingFor reports whether the evidence a state rests on is missing.
func (j *judge) missingFor(state event.State) bool {
	switch state {
	case event.StateSeized:
		return !j.nsKnown
	case event.StateParked:
		return !j.nsKnown || j.ev.HTTP == nil
	case event.StateSinkholed:
		return !j.nsKnown || j.ev.DNS == nil
	case event.StateSuspended, event.StateExpired, event.StateRedemption, event.StatePendingDelete, event.StateReregistered:
		return j.reg == nil
	case event.StateDeleted, event.StateUnregistered:
		return j.reg == nil || !j.nsKnown
	case event.StateActive:
		// Active rests on a delegation or a registration; a registry that
		// no longer finds the name proves nothing without the DNS.
		return !j.nsKnown && (j.reg == nil || !j.reg.Found)
	}
	return false
}

// severity rates a move into state from the previous state.
func (j *judge) severity(state, suspect event.State) event.Severity {
	prev := j.prev.State
	wasTakenDown := j.prev.TakenDown || takedownStates[prev]
	sev := event.SevInfo
	switch state {
	case event.StateReregistered:
		sev = event.SevWarning
		if wasTakenDown {
			sev = event.SevCritical
		}
	case event.StateSeized, event.StateSinkholed, event.StateSuspended, event.StatePendingDelete, event.StateDeleted:
		sev = event.SevWarning
	case event.StateExpired, event.StateRedemption, event.StateParked:
		sev = event.SevNotice
		if prev == event.StateSeized || prev == event.StateSinkholed {
			sev = event.SevWarning // the takedown is about to stop holding
		}
	case event.StateActive:
		switch prev {
		case event.StateSeized, event.StateSinkholed:
			sev = event.SevCritical // the takedown stopped holding
		case event.StateSuspended, event.StateRedemption, event.StatePendingDelete, event.StateDeleted:
			sev = event.SevWarning // back in the DNS
		}
	}
	if prev == event.StateUnregistered && state != event.StateUnregistered && state != event.StateUnknown {
		// A name reported before it existed went live.
		sev = event.Max(sev, event.SevWarning)
	}
	// A suspected seizure is worth a look; a suspected sinkhole or expiry
	// rests on stale addresses or one status and only shows in the reasons.
	switch suspect {
	case event.StateHijacked:
		sev = event.SevCritical
	case event.StateSeized:
		if sev == event.SevInfo || sev == event.SevNotice {
			sev = event.SevWarning
		}
	}
	return sev
}

func (j *judge) matches() []Match {
	var out []Match
	out = append(out, j.primary...)
	out = append(out, j.corr...)
	for _, st := range []event.State{event.StateSinkholed, event.StateSuspended, event.StateExpired, event.StateRedemption, event.StatePendingDelete, event.StateParked} {
		out = append(out, j.hits[st]...)
	}
	out = append(out, j.lapsed...)
	return out
}

// dedupe returns the entries of list not already in have.
func dedupe(list, have []string) []string {
	seen := map[string]bool{}
	for _, h := range have {
		seen[h] = true
	}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// maxReasons bounds a verdict's reasons; a large custom indicator file could
// otherwise match without end.
const maxReasons = 40

func boundReasons(rs []string) []string {
	if len(rs) <= maxReasons {
		return rs
	}
	return append(rs[:maxReasons-1:maxReasons-1], fmt.Sprintf("… and %d more reasons", len(rs)-maxReasons+1))
}
