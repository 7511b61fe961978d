package event

import (
	"fmt"
	"slices"
	"strings"
)

// UnknownError is a word outside its vocabulary: it names the value and
// the words that would do, so a command can exit 2 with a message a user
// can act on.
type UnknownError struct {
	What  string   // "state", "severity", ...
	Value string   // what was given
	Valid []string // what would do
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("unknown %s %q (want %s)", e.What, e.Value, strings.Join(e.Valid, ", "))
}

// Strings are a list's words as plain strings, in its order.
func Strings[T ~string](list []T) []string {
	out := make([]string, 0, len(list))
	for _, v := range list {
		out = append(out, string(v))
	}
	return out
}

// parse is the one parser behind every Parse* function: the value when the
// list has it, else an *UnknownError.
func parse[T ~string](what string, list []T, s string) (T, error) {
	if slices.Contains(list, T(s)) {
		return T(s), nil
	}
	return "", &UnknownError{What: what, Value: s, Valid: Strings(list)}
}

// parseAll parses each of ss, stopping at the first unknown word.
func parseAll[T ~string](what string, list []T, ss []string) ([]T, error) {
	out := make([]T, 0, len(ss))
	for _, s := range ss {
		v, err := parse(what, list, s)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// DomainKind is why a domain's row exists.
type DomainKind string

// Domain kinds.
const (
	DomainWatch DomainKind = "watch" // monitored for takedown state
	DomainBrand DomainKind = "brand" // monitored and hunted for look-alikes
	// DomainLookalike is a found look-alike watched on its own light
	// schedule by the look-alike watch, not part of the watchlist proper.
	DomainLookalike DomainKind = "lookalike"
	// DomainRelated is a domain found through infrastructure it shares
	// with a watched one, checked on the look-alike watch's light schedule.
	DomainRelated DomainKind = "related"
)

// DomainKinds are the domain kinds, the watchlist's own first.
var DomainKinds = []DomainKind{DomainWatch, DomainBrand, DomainLookalike, DomainRelated}

func (k DomainKind) String() string { return string(k) }

// Valid reports a kind of DomainKinds.
func (k DomainKind) Valid() bool { return slices.Contains(DomainKinds, k) }

// ParseDomainKind checks a domain kind named in a flag, a filter or a file.
func ParseDomainKind(s string) (DomainKind, error) { return parse("domain kind", DomainKinds, s) }

// LookalikeStatus is where an analyst's triage of a look-alike stands.
type LookalikeStatus string

// Look-alike triage statuses.
const (
	StatusNew          LookalikeStatus = "new"
	StatusAcknowledged LookalikeStatus = "acknowledged"
	StatusDismissed    LookalikeStatus = "dismissed"
)

// LookalikeStatuses are the triage statuses in the order triage moves.
var LookalikeStatuses = []LookalikeStatus{StatusNew, StatusAcknowledged, StatusDismissed}

func (s LookalikeStatus) String() string { return string(s) }

// Valid reports a status of LookalikeStatuses.
func (s LookalikeStatus) Valid() bool { return slices.Contains(LookalikeStatuses, s) }

// ParseLookalikeStatus checks a triage status named in a flag or a filter.
func ParseLookalikeStatus(s string) (LookalikeStatus, error) {
	return parse("look-alike status", LookalikeStatuses, s)
}

// Registration is whether a look-alike is registered, as last seen.
type Registration string

// Registration answers.
const (
	RegYes     Registration = "yes"
	RegNo      Registration = "no"
	RegUnknown Registration = "unknown" // not asked yet, or no answer
)

// Registrations are the registration answers.
var Registrations = []Registration{RegYes, RegNo, RegUnknown}

func (r Registration) String() string { return string(r) }

// Valid reports an answer of Registrations.
func (r Registration) Valid() bool { return slices.Contains(Registrations, r) }

// ParseRegistration checks a registration answer named in a filter.
func ParseRegistration(s string) (Registration, error) {
	return parse("registration answer", Registrations, s)
}

// OutboxStatus is where one alert delivery stands.
type OutboxStatus string

// Outbox statuses.
const (
	OutboxPending OutboxStatus = "pending"
	OutboxSent    OutboxStatus = "sent"
	OutboxFailed  OutboxStatus = "failed" // gave up after its retries
)

// OutboxStatuses are the outbox statuses in the order a delivery moves.
var OutboxStatuses = []OutboxStatus{OutboxPending, OutboxSent, OutboxFailed}

func (s OutboxStatus) String() string { return string(s) }

// Valid reports a status of OutboxStatuses.
func (s OutboxStatus) Valid() bool { return slices.Contains(OutboxStatuses, s) }

// ParseOutboxStatus checks an outbox status named in a flag or a filter.
func ParseOutboxStatus(s string) (OutboxStatus, error) {
	return parse("outbox status", OutboxStatuses, s)
}

// RiskLevel is how dangerous a look-alike looks (monitor/lookalike/risk
// judges it).
type RiskLevel string

// Risk levels, in increasing order.
const (
	// RiskNone: not registered (or nothing is known yet).
	RiskNone RiskLevel = "none"
	// RiskRegistered: the name exists, nothing is served from it.
	RiskRegistered RiskLevel = "registered"
	// RiskParked: on parking name servers or showing a parking page.
	RiskParked RiskLevel = "parked"
	// RiskLive: it serves a page of its own.
	RiskLive RiskLevel = "live"
	// RiskMailCapable: its MX accepts mail for any recipient, so mail
	// sent from it can take replies.
	RiskMailCapable RiskLevel = "mail_capable"
	// RiskPhishingLike: its page or screenshot is similar to the brand's,
	// or it shows a login form with the brand's name.
	RiskPhishingLike RiskLevel = "phishing_like"
)

// RiskLevels are the risk levels from least to most dangerous.
var RiskLevels = []RiskLevel{RiskNone, RiskRegistered, RiskParked, RiskLive, RiskMailCapable, RiskPhishingLike}

func (l RiskLevel) String() string { return string(l) }

// Valid reports a level of RiskLevels.
func (l RiskLevel) Valid() bool { return slices.Contains(RiskLevels, l) }

// Rank orders risk levels; an unknown one ranks as none.
func (l RiskLevel) Rank() int { return max(slices.Index(RiskLevels, l), 0) }

// ParseRiskLevel checks a risk level named in a flag or a filter.
func ParseRiskLevel(s string) (RiskLevel, error) { return parse("risk level", RiskLevels, s) }

// FeedKind is the kind of source a feed reads.
type FeedKind string

// Feed kinds.
const (
	FeedNRD  FeedKind = "nrd"  // a list of newly registered domains
	FeedCT   FeedKind = "ct"   // a certificate transparency log
	FeedZone FeedKind = "zone" // a zone file, compared with its last copy
)

// FeedKinds are the feed kinds.
var FeedKinds = []FeedKind{FeedNRD, FeedCT, FeedZone}

func (k FeedKind) String() string { return string(k) }

// Valid reports a kind of FeedKinds.
func (k FeedKind) Valid() bool { return slices.Contains(FeedKinds, k) }

// ParseFeedKind checks a feed kind named in a flag or a file.
func ParseFeedKind(s string) (FeedKind, error) { return parse("feed kind", FeedKinds, s) }
