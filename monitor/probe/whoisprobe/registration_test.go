package whoisprobe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/simnet"
)

// The registrar's abuse contact comes with its source, over RDAP (the
// entity with role abuse under the registrar) and WHOIS (the RAA lines).
func TestAbuseContactsRDAPAndWHOIS(t *testing.T) {
	w := startWorld(t)
	reg := simnet.ExampleRegistration("thefoxcloud.com", t0)
	reg.AbuseEmail, reg.AbusePhone = "abuse@registrar.example", "+1.5550100"
	if err := w.reg.Set(reg); err != nil {
		t.Fatal(err)
	}
	p, err := New(w.cfg(), fastLimiter())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rr, err := p.RDAP.Probe(ctx, "thefoxcloud.com")
	if err != nil {
		t.Fatal(err)
	}
	wr, err := p.WHOIS.Probe(ctx, "thefoxcloud.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		rec Record
		src string
	}{{rr, AbuseFromRDAP}, {wr, AbuseFromWHOIS}} {
		if c.rec.RegistrarAbuseEmail != "abuse@registrar.example" || c.rec.RegistrarAbusePhone != "+1.5550100" ||
			c.rec.RegistrarAbuseSource != c.src || c.rec.RegistrarIANAID != 1068 {
			t.Errorf("%s: abuse %q %q from %q, IANA %d", c.src, c.rec.RegistrarAbuseEmail, c.rec.RegistrarAbusePhone,
				c.rec.RegistrarAbuseSource, c.rec.RegistrarIANAID)
		}
	}
}

// An RDAP server answering 5xx makes the check fall back to WHOIS, and the
// record says so; a 429 waits its turn instead.
func TestRDAPUnavailableFallsBackToWHOIS(t *testing.T) {
	w := startWorld(t)
	if err := w.reg.Set(simnet.ExampleRegistration("thefoxcloud.com", t0)); err != nil {
		t.Fatal(err)
	}
	code := http.StatusServiceUnavailable
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Retry-After", "1")
		rw.WriteHeader(code)
	}))
	defer srv.Close()
	n := w.cfg()
	n.RDAPBootstrap, n.RDAPURL = "", srv.URL+"/rdap/"
	p, err := New(n, fastLimiter())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, rerr := p.RDAP.Probe(ctx, "thefoxcloud.com")
	if !errors.Is(rerr, ErrRDAPUnavailable) || !errors.Is(rerr, ErrProbeFailed) {
		t.Fatalf("503: %v", rerr)
	}
	rec, err := Fallback(ctx, p.WHOIS, "thefoxcloud.com", rerr)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Fallback != "whois" || !strings.Contains(rec.FallbackReason, "HTTP 503") || rec.Registrar != "NameCheap, Inc." ||
		rec.Source != w.whois.Server("com").Addr() {
		t.Fatalf("fallback record: %+v", rec)
	}

	code = http.StatusTooManyRequests
	time.Sleep(150 * time.Millisecond) // the 503 backoff of the fast limiter
	_, rerr = p.RDAP.Probe(ctx, "thefoxcloud.com")
	if rerr == nil || errors.Is(rerr, ErrRDAPUnavailable) {
		t.Fatalf("429 must not fall back: %v", rerr)
	}
	if _, err := Fallback(ctx, p.WHOIS, "thefoxcloud.com", rerr); err != rerr {
		t.Fatalf("Fallback on 429: %v", err)
	}
}

// An oversized or non-JSON RDAP answer is a probe error, never an empty
// record, and no reason to switch to WHOIS.
func TestRDAPOversizedOrJunkIsProbeError(t *testing.T) {
	w := startWorld(t)
	if err := w.reg.Set(simnet.ExampleRegistration("thefoxcloud.com", t0)); err != nil {
		t.Fatal(err)
	}
	p, err := NewRDAP(config.Network{RDAPURL: w.rdap.BaseURL(), Timeout: 2 * time.Second}, fastLimiter())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []simnet.Fault{simnet.FaultHuge, simnet.FaultBinary} {
		if err := w.rdap.SetFault(f); err != nil {
			t.Fatal(err)
		}
		rec, err := p.Probe(context.Background(), "thefoxcloud.com")
		if !errors.Is(err, ErrProbeFailed) || errors.Is(err, ErrRDAPUnavailable) || rec.Found {
			t.Errorf("%s: %+v %v", f, rec, err)
		}
	}
}
