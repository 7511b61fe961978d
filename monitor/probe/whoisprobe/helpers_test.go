package whoisprobe

import (
	"encoding/json"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/ratelimit"
	"github.com/takedownhq/takedown/internal/simnet"
)

// world is a simulated registry with its WHOIS and RDAP servers.
type world struct {
	reg   *simnet.Registry
	whois *simnet.Whois
	rdap  *simnet.RDAP
}

func startWorld(t testing.TB) *world {
	t.Helper()
	reg := simnet.NewRegistry()
	w, err := simnet.StartWhois(reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	r, err := simnet.StartRDAP(reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return &world{reg: reg, whois: w, rdap: r}
}

// cfg points the probes at the world: WHOIS through its IANA server, RDAP
// through its bootstrap file.
func (w *world) cfg() config.Network {
	return config.Network{
		WhoisReferral: w.whois.ReferralAddr(),
		RDAPBootstrap: w.rdap.BootstrapURL(),
		Timeout:       time.Second,
	}
}

// fastLimiter keeps the per-server discipline but at test speed.
func fastLimiter() *ratelimit.Limiter {
	return ratelimit.New(ratelimit.Options{Rate: 1000, Burst: 100, BaseBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
}

var (
	t0 = time.Date(2021, 3, 2, 10, 11, 12, 0, time.UTC)
	t1 = time.Date(2023, 10, 17, 14, 22, 1, 0, time.UTC)
	t2 = time.Date(2024, 3, 2, 10, 11, 12, 0, time.UTC)
)

func seized(domain string) simnet.Registration {
	r := simnet.ExampleRegistration(domain, t0)
	r.RegistryDomainID = "2614720587_DOMAIN_COM-VRSN"
	r.Updated, r.Expires = t1, t2
	r.Statuses = []string{"serverHold", "serverTransferProhibited", "clientTransferProhibited"}
	r.Nameservers = []string{"NS1.FBI.SEIZED.GOV", "ns2.fbi.seized.gov."}
	return r
}

var camelRE = regexp.MustCompile(`^[a-z0-9][a-zA-Z0-9]*$`)

// checkValid asserts the invariants every Record must keep, whatever the
// network sent.
func checkValid(t testing.TB, rec Record) {
	t.Helper()
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatalf("record does not marshal: %v", err)
	}
	var back Record
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("record JSON does not read back: %v\n%s", err, b)
	}
	for _, s := range []string{rec.Registrar, rec.RegistryDomainID, rec.RegistrantOrg, rec.RegistrantCountry, rec.Source} {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 in %q", s)
		}
		if utf8.RuneCountInString(s) > maxText {
			t.Fatalf("text longer than %d runes: %d", maxText, utf8.RuneCountInString(s))
		}
		for _, r := range s {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				t.Fatalf("control character %U in %q", r, s)
			}
		}
	}
	if !slices.IsSorted(rec.Statuses) || !slices.IsSorted(rec.Nameservers) {
		t.Fatalf("unsorted: %v %v", rec.Statuses, rec.Nameservers)
	}
	for _, s := range rec.Statuses {
		if !camelRE.MatchString(s) {
			t.Fatalf("status %q is not camelCase", s)
		}
	}
	for _, h := range rec.Nameservers {
		if h != strings.ToLower(h) || !hostRE.MatchString(h) {
			t.Fatalf("name server %q not normalized", h)
		}
	}
	for _, tm := range []time.Time{rec.Created, rec.Updated, rec.Expires} {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Fatalf("time %s not UTC", tm)
		}
	}
	if !rec.Found && (rec.Registrar != "" || len(rec.Nameservers) > 0 || !rec.Created.IsZero()) {
		t.Fatalf("not-found record carries data: %+v", rec)
	}
}

// heapGrowth runs f and reports how many bytes it allocated in all.
func heapGrowth(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

func toJSON(r Record) string {
	b, _ := json.Marshal(r)
	return string(b)
}

// config points WHOIS at a simnet world through its IANA server.
func whoisOnly(w *simnet.Whois) config.Network {
	return config.Network{WhoisReferral: w.ReferralAddr(), Timeout: 2 * time.Second}
}
