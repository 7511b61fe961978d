package lifecycle

import (
	"net/netip"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/takedownhq/takedown/internal/base/event"
)

// Missing evidence never moves a state down, and judging the same evidence
// again with the verdict stored gives the same state (no flapping between
// rounds). Checked on every row of the table, for every combination of
// failed probes.
func TestMissingEvidenceNeverLowersTheState(t *testing.T) {
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
			v1 := ind.Judge(ev, c.prev)
			prev := c.prev
			prev.State, prev.Reasons = v1.State, v1.Reasons

			if again := ind.Judge(ev, prev); again.State != v1.State {
				t.Errorf("%s: judged again with the verdict stored: %s, first %s\n  %s",
					c.name, again.State, v1.State, strings.Join(again.Reasons, "\n  "))
			}
			for mask := 1; mask < 8; mask++ {
				ev2 := ev
				ev2.Failed = nil
				var lost []string
				if mask&1 != 0 {
					ev2.Delegation, ev2.DNS = nil, nil
					ev2.Failed = append(ev2.Failed, event.ProbeDelegation, event.ProbeDNS)
					lost = append(lost, "dns")
				}
				if mask&2 != 0 {
					ev2.Registry = nil
					ev2.Failed = append(ev2.Failed, event.ProbeRDAP)
					lost = append(lost, "rdap")
				}
				if mask&4 != 0 {
					ev2.HTTP = nil
					ev2.Failed = append(ev2.Failed, event.ProbeHTTP)
					lost = append(lost, "http")
				}
				v2 := ind.Judge(ev2, prev)
				if v2.State != v1.State && rank[v2.State] < rank[v1.State] {
					t.Errorf("%s: %s failing moved %s down to %s\n  %s", c.name, strings.Join(lost, "+"), v1.State, v2.State,
						strings.Join(v2.Reasons, "\n  "))
				}
			}
		})
	}
}

// checkVerdict asserts what holds for any verdict on any input.
func checkVerdict(t *testing.T, v Verdict) {
	t.Helper()
	valid := false
	for _, s := range event.States {
		if v.State == s {
			valid = true
		}
	}
	if !valid {
		t.Fatalf("state %q is not a verdict state", v.State)
	}
	switch v.Severity {
	case event.SevInfo, event.SevNotice, event.SevWarning, event.SevCritical:
	default:
		t.Fatalf("severity %q", v.Severity)
	}
	if len(v.Reasons) > 64 {
		t.Fatalf("%d reasons", len(v.Reasons))
	}
	for _, r := range v.Reasons {
		if !utf8.ValidString(r) {
			t.Fatalf("reason not UTF-8: %q", r)
		}
		if len(r) > 2048 {
			t.Fatalf("reason of %d bytes", len(r))
		}
		for _, c := range r {
			if unicode.IsControl(c) || unicode.Is(unicode.Bidi_Control, c) {
				t.Fatalf("control character %U in reason %q", c, r)
			}
		}
	}
}

// FuzzJudge feeds hostile text from every probe; Judge must not panic and
// its reasons must stay printable and bounded.
func FuzzJudge(f *testing.F) {
	f.Add("This domain has been seized", "seized by the FBI", "ns1.fbi.seized.gov.", "NS2.FBI.SEIZED.GOV", "serverHold", "NOERROR", "NIXI Special Projects", "Department of Justice", "2336799_DOMAIN_COM-VRSN", uint8(3))
	f.Add("<script>\x00\x1b[31m", "\u202edlrow\u202c \xff\xfe", "a..b", "", "pending delete https://icann.org/epp", "NXDOMAIN", "\n", "REDACTED", "", uint8(7))
	f.Add(strings.Repeat("domain has been seized ", 500), strings.Repeat("x", 70000), "sinkhole-00.shadowserver.org", "jocelyn.ns.cloudflare.com", "client hold", "servfail", "", "", "X", uint8(0))
	f.Fuzz(func(t *testing.T, title, text, ns1, ns2, status, rcode, registrar, registrant, roid string, prevState uint8) {
		ind := Default()
		ev := Evidence{
			Now:        now,
			Delegation: &Delegation{Rcode: rcode, NS: []string{ns1, ns2}},
			DNS: &DNS{Rcode: rcode, NS: []string{ns2}, Addrs: addrs("192.0.2.1", "146.112.61.104"),
				NSAddrs: map[string][]netip.Addr{ns1: addrs("44.198.232.204"), ns2: nil}},
			Registry: &Registration{Source: event.Probe(status), Found: len(roid)%2 == 0, RegistryDomainID: roid, Registrar: registrar,
				RegistrantOrg: registrant, Statuses: []string{status, text}, NameServers: []string{ns2, title}},
			HTTP:           &Page{Title: title, Text: text, Assets: []string{text, title}},
			NSDomainStates: map[string]event.State{"seized.gov": event.State(status)},
		}
		prev := Previous{
			State:    event.States[int(prevState)%len(event.States)],
			Reasons:  []string{"earlier"},
			Registry: &Registration{Found: true, RegistryDomainID: registrant, Registrar: text, RegistrantOrg: roid, Statuses: []string{title}},
		}
		checkVerdict(t, ind.Judge(ev, prev))
		ev.HTTP, ev.Registry = nil, nil
		checkVerdict(t, ind.Judge(ev, Previous{}))
	})
}

func TestCleanReasonText(t *testing.T) {
	for in, want := range map[string]string{
		"a\x00b\x1b[31mc":        "ab[31mc",
		"  many   \n spaces\t":   "many spaces",
		"\u202eevil\u202c":       "evil",
		"bad \xff utf8":          "bad \uFFFD utf8",
		strings.Repeat("é", 100): strings.Repeat("é", 10) + "…",
	} {
		t.Run(in, func(t *testing.T) {
			if got := clean(in, 20); got != want {
				t.Errorf("clean(%q) = %q, want %q", in, got, want)
			}
		})
	}
}
