package lifecycle

import (
	"strings"
)

// eppCodes are the domain statuses of RFC 5731 and RFC 3915. RFC 8056 maps
// each to an RDAP name that is the same words split and lower-cased
// ("serverHold" / "server hold"), except ok/active and linked/associated.
var eppCodes = []string{
	"ok", "inactive", "linked",
	"addPeriod", "autoRenewPeriod", "renewPeriod", "transferPeriod",
	"redemptionPeriod", "pendingRestore", "pendingDelete",
	"pendingCreate", "pendingRenew", "pendingTransfer", "pendingUpdate",
	"clientHold", "serverHold",
	"clientDeleteProhibited", "serverDeleteProhibited",
	"clientTransferProhibited", "serverTransferProhibited",
	"clientUpdateProhibited", "serverUpdateProhibited",
	"clientRenewProhibited", "serverRenewProhibited",
}

var eppByKey = func() map[string]string {
	m := make(map[string]string, len(eppCodes))
	for _, c := range eppCodes {
		m[strings.ToLower(c)] = c
	}
	return m
}()

// statusKey reduces an EPP code or an RDAP status name, as WHOIS or RDAP
// print it, to a comparison key: "clientTransferProhibited
// https://icann.org/epp#clientTransferProhibited", "client transfer
// prohibited" and "CLIENT-TRANSFER-PROHIBITED" all give
// "clienttransferprohibited". RDAP's "active" and "associated" give the keys
// of EPP's "ok" and "linked".
func statusKey(s string) string {
	s = strings.ToLower(stripLink(s))
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < 64; i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b.WriteByte(c)
		}
	}
	switch k := b.String(); k {
	case "active":
		return "ok"
	case "associated":
		return "linked"
	default:
		return k
	}
}

// NormalizeStatus returns the EPP code for an EPP code or RDAP status name
// ("server hold" gives "serverHold", "active" gives "ok"). A status that is
// neither is returned as its lower-case letters, so equal statuses still
// compare equal.
func NormalizeStatus(s string) string {
	k := statusKey(s)
	if c, ok := eppByKey[k]; ok {
		return c
	}
	return k
}

// NormalizeStatuses maps NormalizeStatus over a list, dropping empty and
// duplicate entries, in first-seen order.
func NormalizeStatuses(list []string) []string {
	out := make([]string, 0, len(list))
	seen := map[string]bool{}
	for _, s := range list {
		n := NormalizeStatus(s)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	return out
}

// stripLink cuts the ICANN link WHOIS appends to a status ("clientHold
// https://icann.org/epp#clientHold", sometimes in parentheses). It
// searches bytes, so invalid UTF-8 cannot shift the cut.
func stripLink(s string) string {
	for i := 1; i < len(s); i++ {
		if s[i] == '(' {
			return s[:i]
		}
		if i+4 <= len(s) && (s[i]|0x20) == 'h' && (s[i+1]|0x20) == 't' && (s[i+2]|0x20) == 't' && (s[i+3]|0x20) == 'p' {
			return s[:i]
		}
	}
	return s
}
