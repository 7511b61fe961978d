package lifecycle

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/takedownhq/takedown/internal/base/event"
)

// DNS response codes Judge reads. Any other code (SERVFAIL, REFUSED, "") is
// no answer at all, never "records removed".
const (
	RcodeNoError  = "NOERROR"
	RcodeNXDomain = "NXDOMAIN"
)

// Evidence is what the probes saw of one domain, independent of how each
// probe stores its snapshot. The daemon passes the latest successful
// observation of each probe, even if it is older than this round; a nil
// section is missing evidence. Judge treats everything in it as hostile text.
type Evidence struct {
	// Domain is the judged domain (ASCII), when known: its own in-domain
	// name servers never match a takedown signature.
	Domain string
	// Now is the time of judgement; expiry dates and valid_until compare
	// against it. Zero means time.Now().
	Now time.Time
	// Delegation is the TLD servers' view: the strongest evidence.
	Delegation *Delegation
	// DNS is the resolver's view of the domain's own zone.
	DNS *DNS
	// Registry is the registration from RDAP, or WHOIS where RDAP is absent.
	Registry *Registration
	// HTTP is the page served on the domain.
	HTTP *Page
	// Failed lists the probes whose latest run failed (event.ProbeDNS, ...): their
	// sections may be nil or stale. Used in reasons; never read as removal.
	Failed []event.Probe
	// NSDomainStates maps the takedown infrastructure's own domains
	// (WatchDomains) to their current verdict state. When the domain behind a
	// matched seizure or sinkhole name server is deleted or re-registered,
	// the match no longer means seized or sinkholed: whoever holds that
	// domain now controls the name. Nil: not known.
	NSDomainStates map[string]event.State
}

// Delegation is the referral the parent zone's servers give for the domain.
type Delegation struct {
	Rcode string   // RcodeNoError or RcodeNXDomain; anything else is no answer
	NS    []string // host names delegated to; any case, trailing dot allowed
}

// DNS is what a resolver answered for the domain.
type DNS struct {
	Rcode   string                  // of the A query; RcodeNoError or RcodeNXDomain
	NS      []string                // the zone's own NS set (used when Delegation is nil)
	Addrs   []netip.Addr            // A and AAAA answers
	NSAddrs map[string][]netip.Addr // addresses of the name server hosts, by host name
}

// Registration is what the registry (or registrar) says about the name.
type Registration struct {
	Source           event.Probe // event.ProbeRDAP or event.ProbeWHOIS; "" reads as "registry"
	Found            bool        // false: the registry answered "no such domain" (RDAP 404, WHOIS "No match")
	RegistryDomainID string      // the ROID: WHOIS "Registry Domain ID", RDAP handle
	Registrar        string
	RegistrarIANAID  string
	RegistrantOrg    string
	Created          time.Time
	Updated          time.Time
	Expires          time.Time
	// Statuses are EPP codes and/or RDAP names, as printed; Judge normalizes.
	Statuses []string
	// NameServers are the name servers the registration lists. Compared with
	// the delegation: a seizure at the registry can leave the registrar's
	// WHOIS showing the old ones (easyDNS, 2013).
	NameServers []string
}

// Page is what the web page on the domain says.
type Page struct {
	Title  string
	Text   string   // visible text
	Assets []string // image, script and style URLs or paths in the HTML
}

// Previous is what Judge knew before this round.
type Previous struct {
	// State is the stored verdict; "" or event.StateUnknown when none.
	State event.State
	// Reasons are the stored verdict's reasons, repeated when the state is
	// kept for lack of evidence.
	Reasons []string
	// TakenDown is true if the domain was ever seized, sinkholed or
	// suspended (from the state transitions): a later re-registration is
	// then critical even after the domain looked active for a while.
	TakenDown bool
	// EverRegistered is true if the name was ever seen registered (a
	// registry answer that found it, or a verdict of a registered state).
	// A name the registry does not know is deleted only if it was; never
	// seen registered, it is unregistered.
	EverRegistered bool
	// Registry is the registration stored before this one: the registry
	// snapshot preceding the current one, or the one the previous verdict
	// saw. Re-registration, transfer, new locks and registrar or registrant
	// changes are judged against it. Nil: nothing stored.
	Registry *Registration
}

// Limits on hostile text.
const (
	maxReasonValue = 160      // bytes of a quoted value in a reason
	maxScanText    = 64 << 10 // bytes of page text searched
	maxScanTitle   = 1 << 10
	maxNS          = 32 // name servers considered
	maxAddrs       = 64
	maxStatuses    = 32
	maxAssets      = 256
)

// clean makes hostile text safe to put in a reason: valid UTF-8, no control
// or bidirectional-override characters, runs of spaces collapsed, at most max
// bytes (cut on a rune boundary, "…" appended).
func clean(s string, max int) string {
	if len(s) > 4*max {
		s = s[:4*max]
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r), r == '\u200b', r == '\ufeff':
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if b.Len()+utf8.RuneLen(r) > max {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// normHost lower-cases a host name from the network and drops the trailing
// dot; it returns "" for names with bytes no host name has.
func normHost(s string) string {
	h, ok := hostName(s)
	if !ok {
		return ""
	}
	return h
}

// normHosts cleans, de-duplicates and bounds a host list, keeping order.
func normHosts(list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		if len(out) == maxNS {
			break
		}
		if h := normHost(s); h != "" {
			out = appendUnique(out, h)
		}
	}
	return out
}

func usableRcode(rc string, nsPresent bool) (string, bool) {
	switch strings.ToUpper(strings.TrimSpace(rc)) {
	case RcodeNoError:
		return RcodeNoError, true
	case RcodeNXDomain:
		return RcodeNXDomain, true
	case "":
		// A probe that leaves the code empty but lists servers answered.
		return RcodeNoError, nsPresent
	}
	return "", false
}

func (ev *Evidence) failed(probe event.Probe) bool {
	for _, f := range ev.Failed {
		if f == probe {
			return true
		}
	}
	return false
}

// maxListed bounds how many names a reason lists.
const maxListed = 6

// joinList joins names for a reason, naming at most maxListed of them.
func joinList(list []string) string {
	if len(list) <= maxListed {
		return strings.Join(list, ", ")
	}
	return strings.Join(list[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(list)-maxListed)
}
