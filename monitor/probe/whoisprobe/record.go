package whoisprobe

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/takedownhq/takedown/internal/base/metrics"
)

// ErrProbeFailed marks every error the probes return: timeouts, refusals,
// rate limits, oversized or unparseable replies. A failed probe says nothing
// about the domain; callers record the error and never read it as "deleted".
// An unregistered name is not an error: it is a Record with Found false.
var ErrProbeFailed = errors.New("registration probe failed")

// ErrNoRDAPServer wraps ErrProbeFailed when the bootstrap names no RDAP
// server for a TLD; Prober then falls back to WHOIS.
var ErrNoRDAPServer = errors.New("no RDAP server for TLD")

// ErrReplyTooLarge is the read error past MaxReply bytes.
var ErrReplyTooLarge = errors.New("reply exceeds size cap")

// MaxReply caps a WHOIS reply or RDAP body; real ones are a few KiB.
const MaxReply = 1 << 20

// MaxReplyLines caps the lines of a WHOIS reply; real ones have a few
// hundred.
const MaxReplyLines = 20000

// Record is what a registry says about one domain, from WHOIS or RDAP,
// normalized so that equal states marshal (and hash) equal. The JSON keys are
// a contract for `takedown check --json`; empty fields are left out, times
// are RFC 3339 in UTC.
type Record struct {
	// Registrar is the sponsoring registrar's name.
	Registrar string `json:"registrar,omitempty"`
	// RegistrarIANAID is the registrar's IANA number; 0 when not shown.
	RegistrarIANAID int `json:"registrar_iana_id,omitempty"`
	// RegistrarAbuseEmail and RegistrarAbusePhone are the registrar's abuse
	// contact, which the ICANN registrar contract obliges it to publish;
	// RegistrarAbuseSource says where they were read ("rdap entity role
	// abuse", "whois Registrar Abuse Contact Email"). Branches that file
	// takedown requests decode these keys from stored snapshots.
	RegistrarAbuseEmail  string `json:"registrar_abuse_email,omitempty"`
	RegistrarAbusePhone  string `json:"registrar_abuse_phone,omitempty"`
	RegistrarAbuseSource string `json:"registrar_abuse_source,omitempty"`
	// RegistryDomainID is the registry's handle (WHOIS "Registry Domain ID",
	// RDAP "handle").
	RegistryDomainID string `json:"registry_domain_id,omitempty"`
	// Created, Updated and Expires are the registry's dates, UTC, to the second.
	Created time.Time `json:"created,omitzero"`
	Updated time.Time `json:"updated,omitzero"`
	Expires time.Time `json:"expires,omitzero"`
	// Statuses are EPP codes in camelCase ("clientTransferProhibited",
	// "serverHold", "ok"), sorted; RDAP's RFC 8056 names are mapped back.
	// Registry-specific words keep their own name in camelCase ("connect").
	// For a name that is not registered but reserved, premium or blocked the
	// status is "reserved", "premium" or "blocked".
	Statuses []string `json:"statuses,omitempty"`
	// Nameservers are lower-case ASCII host names without the final dot, sorted.
	Nameservers []string `json:"nameservers,omitempty"`
	// RegistrantOrg and RegistrantCountry are shown by thick registries.
	RegistrantOrg     string `json:"registrant_org,omitempty"`
	RegistrantCountry string `json:"registrant_country,omitempty"`
	// Found is false when the registry says the name is not registered.
	Found bool `json:"found"`
	// Source is where the answer came from: the WHOIS server's host:port or
	// the RDAP query URL.
	Source string `json:"source"`
	// Fallback is "whois" when the TLD has RDAP but it failed (5xx,
	// timeout, refused) and WHOIS answered this check instead;
	// FallbackReason is the RDAP failure.
	Fallback       string `json:"fallback,omitempty"`
	FallbackReason string `json:"fallback_reason,omitempty"`
}

// eppCodes are the EPP domain statuses (RFC 5731, RFC 3915), keyed by their
// letters in lower case so any spelling maps back to the code.
var eppCodes = func() map[string]string {
	m := map[string]string{}
	for _, c := range []string{
		"ok", "inactive", "linked",
		"addPeriod", "autoRenewPeriod", "renewPeriod", "transferPeriod", "redemptionPeriod",
		"pendingCreate", "pendingDelete", "pendingRenew", "pendingRestore", "pendingTransfer", "pendingUpdate",
		"clientDeleteProhibited", "clientHold", "clientRenewProhibited", "clientTransferProhibited", "clientUpdateProhibited",
		"serverDeleteProhibited", "serverHold", "serverRenewProhibited", "serverTransferProhibited", "serverUpdateProhibited",
	} {
		m[strings.ToLower(c)] = c
	}
	// RFC 8056 names that are not the code's own words.
	m["active"] = "ok"
	m["associated"] = "linked"
	return m
}()

// rdapOnly are RDAP statuses (RFC 9083 §10.2.2 and the IANA registry) with
// no EPP code, and the words the probes themselves write for a name that is
// not registered; they are vocabulary, not unknown.
var rdapOnly = map[string]string{
	"validated": "validated", "renewprohibited": "renewProhibited", "updateprohibited": "updateProhibited",
	"transferprohibited": "transferProhibited", "deleteprohibited": "deleteProhibited", "proxy": "proxy",
	"private": "private", "removed": "removed", "obscured": "obscured", "locked": "locked",
	"administrative": "administrative", "reserved": "reserved", "premium": "premium", "blocked": "blocked",
}

// KnownStatus reports a status in the vocabulary: an EPP code (RFC 5731,
// RFC 3915), its RFC 8056 RDAP name, or an RDAP-only status.
func KnownStatus(code string) bool {
	k := strings.ToLower(code)
	_, epp := eppCodes[k]
	_, r := rdapOnly[k]
	return epp || r
}

const (
	maxText     = 256 // runes in a name or organisation
	maxStatus   = 64
	maxStatuses = 32
	maxNS       = 32
)

// NormalizeStatus maps a status as registries spell it ("client transfer
// prohibited", "CLIENTTRANSFERPROHIBITED", "clientTransferProhibited
// https://icann.org/epp#...") to its EPP code. Unknown words become
// camelCase letters and digits; "" means nothing usable.
func NormalizeStatus(s string) string {
	if i := strings.Index(s, "http"); i > 0 {
		s = s[:i] // drop the icann.org/epp URL that follows the code
	}
	var words []string
	for w := range strings.FieldsFuncSeq(s, func(r rune) bool { return !isASCIIAlnum(r) }) {
		words = append(words, strings.ToLower(w))
		if len(words) > 8 {
			break
		}
	}
	if len(words) == 0 {
		return ""
	}
	if c, ok := eppCodes[strings.Join(words, "")]; ok {
		return c
	}
	if c, ok := rdapOnly[strings.Join(words, "")]; ok {
		return c
	}
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
	}
	out := b.String()
	if len(out) > maxStatus {
		out = out[:maxStatus]
	}
	return out
}

func isASCIIAlnum(r rune) bool {
	return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func normStatuses(in []string) []string {
	var out []string
	for _, s := range in {
		if n := NormalizeStatus(s); n != "" && !slices.Contains(out, n) {
			if !KnownStatus(n) {
				// Kept in the record (a registry's own word still tells
				// something), and counted, so a new word is noticed.
				metrics.ObserveUnknownStatus()
			}
			out = append(out, n)
		}
		if len(out) == maxStatuses {
			break
		}
	}
	slices.Sort(out)
	return out
}

var hostRE = regexp.MustCompile(`^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$`)

// NormalizeHost makes a name server name comparable: the first word, lower
// case, no final dot, IDN in punycode. Anything that is not a host name
// gives "".
func NormalizeHost(s string) string {
	s = strings.TrimSpace(s)
	if f := strings.Fields(s); len(f) > 0 {
		s = f[0]
	}
	s = strings.Trim(strings.ToLower(s), ".")
	if s == "" || len(s) > 253 {
		return ""
	}
	if !isASCII(s) {
		a, err := idna.Lookup.ToASCII(s)
		if err != nil {
			return ""
		}
		s = a
	}
	if !hostRE.MatchString(s) {
		return ""
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func normHosts(in []string) []string {
	var out []string
	for _, h := range in {
		if n := NormalizeHost(h); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
		if len(out) == maxNS {
			break
		}
	}
	slices.Sort(out)
	return out
}

// cleanText makes hostile text safe to store and show: valid UTF-8, no
// control or bidi-override characters, spaces collapsed, at most maxText
// runes. Escaping for HTML or terminals stays the renderer's job.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	n, space := 0, false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r), r == '\uFEFF':
			continue
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
		if n >= maxText {
			break
		}
	}
	return b.String()
}

// redacted reports placeholder text that registries put where data was
// withheld; it is not an organisation name.
func redacted(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "redacted") || strings.Contains(l, "not disclosed") ||
		strings.Contains(l, "withheld") && !strings.Contains(l, "withheld for privacy")
}

func normCountry(s string) string {
	s = cleanText(s)
	if len(s) == 2 && isASCIIAlnum(rune(s[0])) && isASCIIAlnum(rune(s[1])) {
		return strings.ToUpper(s)
	}
	if redacted(s) {
		return ""
	}
	return s
}

// ianaID reads a registrar IANA number; anything else (a ccTLD registrar
// handle, text) gives 0.
func ianaID(s string) int {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 1_000_000 {
		return 0
	}
	return n
}

// normTime keeps times that marshal as RFC 3339: UTC, whole seconds,
// years 1970..9999 (a year outside [0,9999] would make json.Marshal fail).
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	t = t.UTC().Truncate(time.Second)
	if y := t.Year(); y < 1970 || y > 9999 {
		return time.Time{}
	}
	return t
}

// normalize applies the rules above to every field.
func (r Record) normalize() Record {
	r.Registrar = cleanText(r.Registrar)
	r.RegistryDomainID = cleanText(r.RegistryDomainID)
	r.RegistrantOrg = cleanText(r.RegistrantOrg)
	if redacted(r.RegistrantOrg) {
		r.RegistrantOrg = ""
	}
	r.RegistrantCountry = normCountry(r.RegistrantCountry)
	r.Created, r.Updated, r.Expires = normTime(r.Created), normTime(r.Updated), normTime(r.Expires)
	r.Statuses = normStatuses(r.Statuses)
	r.Nameservers = normHosts(r.Nameservers)
	r.Source = cleanText(r.Source)
	r.RegistrarAbuseEmail = normEmail(r.RegistrarAbuseEmail)
	r.RegistrarAbusePhone = normPhone(r.RegistrarAbusePhone)
	if r.RegistrarAbuseEmail == "" && r.RegistrarAbusePhone == "" {
		r.RegistrarAbuseSource = ""
	}
	r.RegistrarAbuseSource = cleanText(r.RegistrarAbuseSource)
	r.FallbackReason = cleanText(r.FallbackReason)
	return r
}
