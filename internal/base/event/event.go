// Package event is takedown's vocabulary: the probe kinds, the lifecycle
// states, the severities, the event kinds, the domain kinds, the look-alike
// triage statuses, registration answers and risk levels, the outbox
// statuses and the feed kinds, each a distinct type declared once with its
// list, its parser and its validation; and the one wire shape of an event
// and of a look-alike that the CLI's --json, the JSON API and the webhooks
// all print.
//
// Every other list of these words is derived from the lists here, so a new
// word is added in one place. It imports nothing of takedown's, so every
// other package can use it.
package event

import (
	"slices"
	"strings"
)

// Probe is a kind of observation, as stored with each snapshot.
type Probe string

// Probe kinds.
const (
	ProbeDNS        Probe = "dns"
	ProbeDelegation Probe = "delegation" // the registry's own NS answer, asked directly
	ProbeWHOIS      Probe = "whois"
	ProbeRDAP       Probe = "rdap"
	ProbeCert       Probe = "cert"
	ProbeHTTP       Probe = "http"
	// ProbeHosting: who hosts the domain's addresses (network, origin AS,
	// abuse contacts), from the RIRs' RDAP. The daemon runs it beside
	// Probes; `check` runs it when asked for.
	ProbeHosting Probe = "hosting"
)

// Look-alike signal kinds: what the look-alike watch records beside the
// light probes (dns, rdap, cert, http), each a snapshot so history and
// diffs show it. They are not probes `check` or the schedule run.
const (
	// ProbePage: the page's similarity to the brand's (TLSH, ssdeep),
	// its login form, the brand's name, its favicon.
	ProbePage Probe = "page"
	// ProbeScreenshot: the screenshot's perceptual hash and its
	// similarity to the brand's.
	ProbeScreenshot Probe = "screenshot"
	// ProbeMX: whether its mail exchange takes mail for anyone.
	ProbeMX Probe = "mx"
	// ProbeRisk: the risk level, score and reasons judged from the rest.
	ProbeRisk Probe = "risk"
)

// Feed probe kinds: the source named on the events a feed writes about a
// watched domain.
const (
	ProbeCT   Probe = "ct"
	ProbeZone Probe = "zone"
)

// Probes are the probe kinds in the order `check` prints them.
var Probes = []Probe{ProbeDNS, ProbeDelegation, ProbeWHOIS, ProbeRDAP, ProbeCert, ProbeHTTP}

// AllProbes are every probe kind a snapshot or an event may name: the
// probes, then the look-alike signal kinds, then the feeds'.
var AllProbes = append(slices.Clip(Probes), ProbeHosting, ProbePage, ProbeScreenshot, ProbeMX, ProbeRisk, ProbeCT, ProbeZone)

func (p Probe) String() string { return string(p) }

// Valid reports a probe kind of AllProbes.
func (p Probe) Valid() bool { return slices.Contains(AllProbes, p) }

// ParseProbe checks a probe kind named in a flag, a filter or a file.
func ParseProbe(s string) (Probe, error) { return parse("probe kind", AllProbes, s) }

// ParseProbes checks a list of probe kinds that `check` runs: Probes, and
// the hosting probe, which it runs only when named.
func ParseProbes(ss []string) ([]Probe, error) {
	return parseAll("probe", append(slices.Clip(Probes), ProbeHosting), ss)
}

// State is a domain's takedown lifecycle state.
type State string

// Lifecycle states.
const (
	StateActive        State = "active"
	StateParked        State = "parked"
	StateSuspended     State = "suspended"
	StateSeized        State = "seized"
	StateSinkholed     State = "sinkholed"
	StateExpired       State = "expired" // in the registrar's grace after expiry
	StateRedemption    State = "redemption"
	StatePendingDelete State = "pending_delete"
	StateDeleted       State = "deleted" // was registered, and is available again
	// StateUnregistered is a name never seen registered: a reported
	// phishing name not live yet, a typo. Its first registration is news
	// (Registered), its absence is not.
	StateUnregistered State = "unregistered"
	StateReregistered State = "reregistered"
	StateUnknown      State = "unknown"
	// StateHijacked is only ever a suspicion: a seizure or sinkhole name
	// server's own domain has lapsed.
	StateHijacked State = "hijacked"
)

// States are the lifecycle states a domain can be in, in the order lists
// and filters show them.
var States = []State{StateActive, StateParked, StateSuspended, StateSeized, StateSinkholed, StateExpired,
	StateRedemption, StatePendingDelete, StateDeleted, StateReregistered, StateUnregistered, StateUnknown}

func (s State) String() string { return string(s) }

// Valid reports a state of States.
func (s State) Valid() bool { return slices.Contains(States, s) }

// ParseState checks a state named in a flag, a filter or a file.
func ParseState(s string) (State, error) { return parse("state", States, s) }

// TakenDown reports the states a takedown puts a domain in.
func TakenDown(s State) bool {
	return s == StateSeized || s == StateSinkholed || s == StateSuspended
}

// Severity is how urgent an event is.
type Severity string

// Severities, from least to most urgent.
const (
	SevInfo     Severity = "info"
	SevNotice   Severity = "notice"
	SevWarning  Severity = "warning"
	SevCritical Severity = "critical"
)

// Severities are the severities from least to most urgent.
var Severities = []Severity{SevInfo, SevNotice, SevWarning, SevCritical}

func (s Severity) String() string { return string(s) }

// Valid reports a severity of Severities.
func (s Severity) Valid() bool { return slices.Contains(Severities, s) }

// Rank orders severities; an unknown one ranks as info.
func Rank(s Severity) int {
	if i := slices.Index(Severities, s); i >= 0 {
		return i
	}
	return 0
}

// AtLeast are the severities as urgent as min or more, least urgent
// first: what a minimum-severity filter matches.
func AtLeast(min Severity) []Severity { return slices.Clone(Severities[Rank(min):]) }

// Max is the more urgent of two severities.
func Max(a, b Severity) Severity {
	if Rank(b) > Rank(a) {
		return b
	}
	return a
}

// ParseSeverity checks a severity named in configuration or a filter.
func ParseSeverity(s string) (Severity, error) { return parse("severity", Severities, s) }

// Kind is what an event says happened.
type Kind string

// Event kinds. Field changes come from monitor/diff, state changes and
// reachability from the monitor, look-alikes from hunting and feeds, the
// rest from feeds.
const (
	// A snapshot's fields moved.
	NSChanged           Kind = "ns_changed"
	DNSChanged          Kind = "dns_changed"
	StatusChanged       Kind = "status_changed"
	RegistrarChanged    Kind = "registrar_changed"
	RegistrantChanged   Kind = "registrant_changed"
	Reregistered        Kind = "reregistered" // a hint; the lifecycle verdict decides
	ExpiryChanged       Kind = "expiry_changed"
	RegistrationChanged Kind = "registration_changed"
	CertChanged         Kind = "cert_changed"
	HTTPChanged         Kind = "http_changed"
	HostingChanged      Kind = "hosting_changed" // the networks holding the addresses moved
	FieldChanged        Kind = "field_changed"
	SnapshotChanged     Kind = "snapshot_changed" // a snapshot that could not be compared

	// The verdict and the probes' health.
	StateChanged Kind = "state_changed"
	// Registered is the first registration of a name that was
	// unregistered when it was added: a reported phishing name goes live.
	Registered         Kind = "registered"
	SuspectedSeized    Kind = "suspected_seized"
	SuspectedSinkholed Kind = "suspected_sinkholed"
	SuspectedHijacked  Kind = "suspected_hijacked"
	ExpiringSoon       Kind = "expiring_soon"
	Unreachable        Kind = "unreachable"
	Reachable          Kind = "reachable"

	// Look-alikes.
	LookalikeRegistered Kind = "lookalike_registered"
	LookalikeEscalated  Kind = "lookalike_escalated"

	// Feeds.
	CertIssued        Kind = "cert_issued"
	NRDListed         Kind = "nrd_listed"
	DelegationAdded   Kind = "delegation_added"
	DelegationRemoved Kind = "delegation_removed"
	ZoneAdded         Kind = "zone_added"
	ZoneRemoved       Kind = "zone_removed"

	// Takedown cases (monitor/cases): a case opened, a report sent or
	// filed, the takedown confirmed by the lifecycle engine, the domain
	// back after it, a case with no change for too long, a case closed.
	CaseOpened        Kind = "case_opened"
	CaseReported      Kind = "case_reported"
	TakedownConfirmed Kind = "takedown_confirmed"
	TakedownReverted  Kind = "takedown_reverted"
	CaseStalled       Kind = "case_stalled"
	CaseClosed        Kind = "case_closed"

	// Test is the kind of `alerts test` messages.
	Test Kind = "test"
)

// Kinds are every event kind the daemon writes, for validating alert
// rules and filters.
var Kinds = []Kind{NSChanged, DNSChanged, StatusChanged, RegistrarChanged, RegistrantChanged, Reregistered,
	ExpiryChanged, RegistrationChanged, CertChanged, HTTPChanged, HostingChanged, FieldChanged, SnapshotChanged,
	StateChanged, Registered, SuspectedSeized, SuspectedSinkholed, SuspectedHijacked, ExpiringSoon, Unreachable, Reachable,
	LookalikeRegistered, LookalikeEscalated, CertIssued, NRDListed, DelegationAdded, DelegationRemoved,
	ZoneAdded, ZoneRemoved, Test,
	CaseOpened, CaseReported, TakedownConfirmed, TakedownReverted, CaseStalled, CaseClosed}

// suspectedPrefix begins the event kind of a suspicion of a state.
const suspectedPrefix = "suspected_"

// Suspected is the event kind of a suspicion of state s.
func Suspected(s State) Kind { return Kind(suspectedPrefix + s) }

func (k Kind) String() string { return string(k) }

// Valid reports an event kind the daemon writes: one of Kinds, or the
// suspicion of a state.
func (k Kind) Valid() bool { return Known(k) }

// Known reports an event kind the daemon writes: one of Kinds, or the
// suspicion of a state.
func Known(k Kind) bool {
	if strings.HasPrefix(string(k), suspectedPrefix) {
		s := State(k[len(suspectedPrefix):])
		return s.Valid() || s == StateHijacked
	}
	return slices.Contains(Kinds, k)
}

// ParseKind checks an event kind named in a filter or an alert rule.
func ParseKind(s string) (Kind, error) {
	if k := Kind(s); k.Valid() {
		return k, nil
	}
	return "", &UnknownError{What: "event kind", Value: s, Valid: append(Strings(Kinds), suspectedPrefix+"<state>")}
}
