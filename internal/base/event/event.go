// Package event is takedown's vocabulary: the probe kinds, the lifecycle
// states, the severities and the event kinds, declared once, and the one
// wire shape of an event and of a look-alike that the CLI's --json, the
// JSON API and the webhooks all print.
//
// It imports nothing of takedown's, so every other package can use it.
package event

import (
	"fmt"
	"slices"
	"strings"
)

// Probe is a kind of observation, as stored with each snapshot.
type Probe = string

// Probe kinds.
const (
	ProbeDNS        Probe = "dns"
	ProbeDelegation Probe = "delegation" // the registry's own NS answer, asked directly
	ProbeWHOIS      Probe = "whois"
	ProbeRDAP       Probe = "rdap"
	ProbeCert       Probe = "cert"
	ProbeHTTP       Probe = "http"
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

// Probes are the probe kinds in the order `check` prints them.
var Probes = []Probe{ProbeDNS, ProbeDelegation, ProbeWHOIS, ProbeRDAP, ProbeCert, ProbeHTTP}

// State is a domain's takedown lifecycle state.
type State = string

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
	StateDeleted       State = "deleted" // available for registration
	StateReregistered  State = "reregistered"
	StateUnknown       State = "unknown"
	// StateHijacked is only ever a suspicion: a seizure or sinkhole name
	// server's own domain has lapsed.
	StateHijacked State = "hijacked"
)

// States are the lifecycle states a domain can be in, in the order lists
// and filters show them.
var States = []State{StateActive, StateParked, StateSuspended, StateSeized, StateSinkholed, StateExpired,
	StateRedemption, StatePendingDelete, StateDeleted, StateReregistered, StateUnknown}

// TakenDown reports the states a takedown puts a domain in.
func TakenDown(s State) bool {
	return s == StateSeized || s == StateSinkholed || s == StateSuspended
}

// Severity is how urgent an event is.
type Severity = string

// Severities, from least to most urgent.
const (
	SevInfo     Severity = "info"
	SevNotice   Severity = "notice"
	SevWarning  Severity = "warning"
	SevCritical Severity = "critical"
)

// Severities are the severities from least to most urgent.
var Severities = []Severity{SevInfo, SevNotice, SevWarning, SevCritical}

// Rank orders severities; an unknown one ranks as info.
func Rank(s Severity) int {
	if i := slices.Index(Severities, s); i >= 0 {
		return i
	}
	return 0
}

// Max is the more urgent of two severities.
func Max(a, b Severity) Severity {
	if Rank(b) > Rank(a) {
		return b
	}
	return a
}

// ParseSeverity checks a severity named in configuration or a filter.
func ParseSeverity(s string) (Severity, error) {
	if slices.Contains(Severities, s) {
		return s, nil
	}
	return "", fmt.Errorf("unknown severity %q (want %s)", s, strings.Join(Severities, ", "))
}

// Kind is what an event says happened.
type Kind = string

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
	FieldChanged        Kind = "field_changed"
	SnapshotChanged     Kind = "snapshot_changed" // a snapshot that could not be compared

	// The verdict and the probes' health.
	StateChanged       Kind = "state_changed"
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

	// Infrastructure: a domain found through keys it shares with a watched
	// domain, a domain first seen on watched infrastructure, a watched
	// domain moving to another name-server operator.
	RelatedFound       Kind = "related_found"
	InfrastructureSeen Kind = "infrastructure_seen"
	NSOperatorChanged  Kind = "ns_operator_changed"

	// Test is the kind of `alerts test` messages.
	Test Kind = "test"
)

// Kinds are every event kind the daemon writes, for validating alert
// rules and filters.
var Kinds = []Kind{NSChanged, DNSChanged, StatusChanged, RegistrarChanged, RegistrantChanged, Reregistered,
	ExpiryChanged, RegistrationChanged, CertChanged, HTTPChanged, FieldChanged, SnapshotChanged,
	StateChanged, SuspectedSeized, SuspectedSinkholed, SuspectedHijacked, ExpiringSoon, Unreachable, Reachable,
	LookalikeRegistered, LookalikeEscalated, CertIssued, NRDListed, DelegationAdded, DelegationRemoved,
	ZoneAdded, ZoneRemoved, Test,
	RelatedFound, InfrastructureSeen, NSOperatorChanged}

// Suspected is the event kind of a suspicion of state s.
func Suspected(s State) Kind { return "suspected_" + s }

// Known reports an event kind the daemon writes: one of Kinds, or the
// suspicion of a state.
func Known(k Kind) bool {
	if s, ok := strings.CutPrefix(k, "suspected_"); ok {
		return slices.Contains(States, s) || s == StateHijacked
	}
	return slices.Contains(Kinds, k)
}
