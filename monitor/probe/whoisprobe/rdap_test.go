package whoisprobe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/ratelimit"
	"github.com/takedownhq/takedown/internal/simnet"
)

func TestRDAPBootstrapFromSimnet(t *testing.T) {
	w := startWorld(t)
	reg := seized("thefoxcloud.com")
	reg.RegistrantOrg, reg.RegistrantCountry = "", ""
	if err := w.reg.Set(reg); err != nil {
		t.Fatal(err)
	}
	p, err := NewRDAP(w.cfg(), fastLimiter())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Probe(context.Background(), "TheFoxCloud.com")
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, rec)
	want := Record{
		Registrar:        "NameCheap, Inc.",
		RegistrarIANAID:  1068,
		RegistryDomainID: "2614720587_DOMAIN_COM-VRSN",
		Created:          t0, Updated: t1, Expires: t2,
		Statuses:    []string{"clientTransferProhibited", "serverHold", "serverTransferProhibited"},
		Nameservers: []string{"ns1.fbi.seized.gov", "ns2.fbi.seized.gov"},
		Found:       true,
		Source:      w.rdap.BaseURL() + "domain/thefoxcloud.com",
	}
	if diff := diffRecords(want, rec); diff != "" {
		t.Fatal(diff)
	}
}

func TestRDAPRegistrantAndStatuses(t *testing.T) {
	w := startWorld(t)
	reg := simnet.ExampleRegistration("cloudfox.cloud", t0)
	reg.Statuses = []string{"ok", "pendingDelete", "redemptionPeriod", "clientHold"}
	reg.RegistrantOrg, reg.RegistrantCountry = "Volasys Silver Star", "cn"
	if err := w.reg.Set(reg); err != nil {
		t.Fatal(err)
	}
	p, err := NewRDAP(w.cfg(), fastLimiter())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Probe(context.Background(), "cloudfox.cloud")
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, rec)
	if got := strings.Join(rec.Statuses, ","); got != "clientHold,ok,pendingDelete,redemptionPeriod" {
		t.Fatalf("statuses %s (RDAP sent active, pending delete, redemption period, client hold)", got)
	}
	if rec.RegistrantOrg != "Volasys Silver Star" || rec.RegistrantCountry != "CN" {
		t.Fatalf("registrant %q %q", rec.RegistrantOrg, rec.RegistrantCountry)
	}
}

// WHOIS and RDAP read the same registration into the same record, apart
// from the source.
func TestRDAPAndWHOISAgree(t *testing.T) {
	w := startWorld(t)
	for _, d := range []string{"edenprogram.com", "danielliu.info", "jinyang.services", "ktsolution.tech"} {
		reg := simnet.ExampleRegistration(d, t0)
		reg.Statuses = []string{"serverHold", "clientTransferProhibited", "clientUpdateProhibited"}
		if err := w.reg.Set(reg); err != nil {
			t.Fatal(err)
		}
	}
	lim := fastLimiter()
	rp, err := NewRDAP(w.cfg(), lim)
	if err != nil {
		t.Fatal(err)
	}
	wp := NewWHOIS(w.cfg(), lim)
	for _, d := range []string{"edenprogram.com", "danielliu.info", "jinyang.services", "ktsolution.tech"} {
		a, err := rp.Probe(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		b, err := wp.Probe(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(d, ".com") {
			a.RegistrantOrg, a.RegistrantCountry = "", "" // thin WHOIS has none
		}
		a.Source = b.Source
		if diff := diffRecords(a, b); diff != "" {
			t.Fatalf("%s: %s", d, diff)
		}
	}
}

func TestRDAPNotFoundAndDelete(t *testing.T) {
	w := startWorld(t)
	if err := w.reg.Set(simnet.ExampleRegistration("xinlusoft.com", t0)); err != nil {
		t.Fatal(err)
	}
	p, err := NewRDAP(w.cfg(), fastLimiter())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if rec, err := p.Probe(ctx, "xinlusoft.com"); err != nil || !rec.Found {
		t.Fatalf("%+v %v", rec, err)
	}
	w.reg.Delete("xinlusoft.com")
	rec, err := p.Probe(ctx, "xinlusoft.com")
	if err != nil || rec.Found || !strings.HasSuffix(rec.Source, "/domain/xinlusoft.com") {
		t.Fatalf("after delete: %+v %v", rec, err)
	}
	checkValid(t, rec)
}

func TestRDAPURLOverride(t *testing.T) {
	w := startWorld(t)
	if err := w.reg.Set(simnet.ExampleRegistration("foxvsun.com", t0)); err != nil {
		t.Fatal(err)
	}
	p, err := NewRDAP(config.Network{RDAPURL: w.rdap.BaseURL(), Timeout: time.Second}, fastLimiter())
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := p.Probe(context.Background(), "foxvsun.com"); err != nil || !rec.Found {
		t.Fatalf("%+v %v", rec, err)
	}
	if _, err := NewRDAP(config.Network{RDAPURL: "ftp://x"}, nil); err == nil {
		t.Fatal("ftp RDAP URL accepted")
	}
}

func TestRDAPBootstrapFileAndNoServer(t *testing.T) {
	w := startWorld(t)
	if err := w.reg.Set(simnet.ExampleRegistration("babyboxtech.com", t0)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "dns.json")
	body := `{"version":"1.0","publication":"2026-01-01T00:00:00Z","services":[[["com"],["` + w.rdap.BaseURL() + `"]]]}`
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := NewRDAP(config.Network{RDAPBootstrap: file, Timeout: time.Second}, fastLimiter())
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := p.Probe(context.Background(), "babyboxtech.com"); err != nil || !rec.Found {
		t.Fatalf("%+v %v", rec, err)
	}
	_, err = p.Probe(context.Background(), "babyboxtech.de")
	if !errors.Is(err, ErrNoRDAPServer) || !errors.Is(err, ErrProbeFailed) {
		t.Fatalf("uncovered TLD: %v", err)
	}
	if p.Covers(context.Background(), "x.de") || !p.Covers(context.Background(), "x.com") {
		t.Fatal("Covers wrong")
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte("{nope"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRDAP(config.Network{RDAPBootstrap: bad}, nil); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("bad bootstrap file: %v", err)
	}
}

// The embedded bootstrap covers every TLD of the seed case, offline.
func TestEmbeddedBootstrapCoversSeedCase(t *testing.T) {
	p, err := NewRDAP(config.Network{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"thefoxcloud.com":  "https://rdap.verisign.com/com/v1/",
		"cloudfox.cloud":   "https://rdap.registry.cloud/rdap/",
		"danielliu.info":   "https://rdap.identitydigital.services/rdap/",
		"jinyang.asia":     "https://rdap.identitydigital.services/rdap/",
		"jinyang.services": "https://rdap.identitydigital.services/rdap/",
		"ktsolution.tech":  "https://rdap.centralnic.com/tech/",
		"example.org":      "https://rdap.publicinterestregistry.org/rdap/",
		"example.co.uk":    "https://rdap.nominet.uk/uk/",
	}
	for d, u := range want {
		urls, err := p.Servers(context.Background(), d)
		if err != nil || len(urls) == 0 || urls[0].String() != u {
			t.Errorf("%s: %v %v, want %s", d, urls, err, u)
		}
	}
	// .de is not in IANA's file; the override table sends it to DENIC's pilot.
	if urls, _ := p.Servers(context.Background(), "example.de"); len(urls) != 1 || urls[0].String() != "https://rdap.denic.de/" {
		t.Errorf(".de: %v, want the DENIC override", urls)
	}
	if p.Covers(context.Background(), "example.at") {
		t.Error(".at has no RDAP, neither in IANA's bootstrap nor the overrides")
	}
}

// A web server's HTML 404 (a wrong base URL) must fail, not mean "deleted".
func TestRDAPHTML404IsNotNotFound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html>Not Found</html>"))
	}))
	t.Cleanup(srv.Close)
	p, err := NewRDAP(config.Network{RDAPURL: srv.URL + "/wrong/", Timeout: time.Second}, fastLimiter())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Probe(context.Background(), "example.com")
	if !errors.Is(err, ErrProbeFailed) {
		t.Fatalf("got %+v %v, want ErrProbeFailed", rec, err)
	}
}

func TestRDAPAnswerForAnotherDomainFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/rdap+json")
		_, _ = w.Write([]byte(`{"objectClassName":"domain","ldhName":"other.com","status":["active"]}`))
	}))
	t.Cleanup(srv.Close)
	p, err := NewRDAP(config.Network{RDAPURL: srv.URL, Timeout: time.Second}, fastLimiter())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Probe(context.Background(), "example.com"); !errors.Is(err, ErrProbeFailed) || !strings.Contains(err.Error(), "other.com") {
		t.Fatalf("err = %v", err)
	}
}

func TestRDAPRateLimitHonoursRetryAfter(t *testing.T) {
	w := startWorld(t)
	if err := w.rdap.SetFault(simnet.FaultRateLimit); err != nil {
		t.Fatal(err)
	}
	lim := ratelimit.New(ratelimit.Options{Rate: 1000, BaseBackoff: 100 * time.Millisecond, MaxBackoff: time.Minute})
	p, err := NewRDAP(w.cfg(), lim)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Probe(context.Background(), "cloudbluefox.com")
	if !errors.Is(err, ErrProbeFailed) || !strings.Contains(err.Error(), "429") {
		t.Fatalf("err = %v", err)
	}
	d, strikes := lim.Backoff(w.rdap.Addr())
	if d < 1500*time.Millisecond || strikes != 1 {
		t.Fatalf("backoff %s (%d strikes), want the server's Retry-After 2s", d, strikes)
	}
}

func TestRDAPHostileServers(t *testing.T) {
	for _, f := range []simnet.Fault{simnet.FaultHuge, simnet.FaultBinary, simnet.FaultInvalidUTF8, simnet.FaultStall, simnet.FaultReset, simnet.FaultRefuse} {
		t.Run(f.String(), func(t *testing.T) {
			w := startWorld(t)
			if err := w.reg.Set(simnet.ExampleRegistration("thefoxesgroup.com", t0)); err != nil {
				t.Fatal(err)
			}
			cfg := w.cfg()
			cfg.Timeout = 500 * time.Millisecond
			p, err := NewRDAP(cfg, fastLimiter())
			if err != nil {
				t.Fatal(err)
			}
			// Fetch the bootstrap first, so the fault hits the domain query.
			if !p.Covers(context.Background(), "thefoxesgroup.com") {
				t.Fatal("bootstrap does not cover .com")
			}
			if err := w.rdap.SetFault(f); err != nil {
				t.Fatal(err)
			}
			var rec Record
			var took time.Duration
			alloc := heapGrowth(func() {
				start := time.Now()
				rec, err = p.Probe(context.Background(), "thefoxesgroup.com")
				took = time.Since(start)
			})
			if !errors.Is(err, ErrProbeFailed) {
				t.Fatalf("got %+v, %v; want ErrProbeFailed", rec, err)
			}
			if took > 2*time.Second || alloc > 16<<20 {
				t.Fatalf("took %s, allocated %d MiB", took, alloc>>20)
			}
			t.Logf("%s: %v (%s, %d KiB)", f, err, took.Round(time.Millisecond), alloc>>10)
			if err := w.rdap.SetFault(simnet.FaultNone); err != nil {
				t.Fatal(err)
			}
			if rec, err := NewRDAPMust(t, cfg).Probe(context.Background(), "thefoxesgroup.com"); err != nil || !rec.Found {
				t.Fatalf("after recovery: %+v %v", rec, err)
			}
		})
	}
}

func NewRDAPMust(t *testing.T, cfg config.Network) *RDAP {
	t.Helper()
	p, err := NewRDAP(cfg, fastLimiter())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProberPrefersRDAPAndFallsBack(t *testing.T) {
	w := startWorld(t)
	for _, d := range []string{"wkjllc.com", "hopanatech.de"} {
		if err := w.reg.Set(simnet.ExampleRegistration(d, t0)); err != nil {
			t.Fatal(err)
		}
	}
	p, err := New(w.cfg(), fastLimiter())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rec, err := p.Probe(ctx, "wkjllc.com")
	if err != nil || !strings.HasPrefix(rec.Source, "http://") {
		t.Fatalf("gTLD: %+v %v, want an RDAP answer", rec, err)
	}
	rec, err = p.Probe(ctx, "hopanatech.de")
	if err != nil || rec.Source != w.whois.Server("de").Addr() {
		t.Fatalf("ccTLD: %+v %v, want the WHOIS answer", rec, err)
	}
	// RDAP down: WHOIS answers.
	if err := w.rdap.SetFault(simnet.FaultRefuse); err != nil {
		t.Fatal(err)
	}
	rec, err = p.Probe(ctx, "wkjllc.com")
	if err != nil || !rec.Found || rec.Source != w.whois.Server("com").Addr() {
		t.Fatalf("fallback: %+v %v", rec, err)
	}
	// Both down: an error naming both, never a record.
	if err := w.whois.Server("com").SetFault(simnet.FaultRateLimit); err != nil {
		t.Fatal(err)
	}
	rec, err = p.Probe(ctx, "wkjllc.com")
	if !errors.Is(err, ErrProbeFailed) || !strings.Contains(err.Error(), "rdap") || !strings.Contains(err.Error(), "rate limited") {
		t.Fatalf("both down: %+v %v", rec, err)
	}
}
