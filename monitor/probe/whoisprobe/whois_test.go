package whoisprobe

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/ratelimit"
	"github.com/takedownhq/takedown/internal/simnet"
)

func TestWHOISReferralThickRegistry(t *testing.T) {
	w := startWorld(t)
	reg := simnet.ExampleRegistration("jinyang.asia", t0)
	reg.RegistryDomainID = "D503300001234567-ASIA"
	reg.Registrar = "Alibaba Cloud Computing Ltd. d/b/a HiChina (www.net.cn)"
	reg.RegistrarIANAID = 1599
	reg.Updated, reg.Expires = t1, t2
	reg.Statuses = []string{"clientTransferProhibited", "clientDeleteProhibited"}
	reg.Nameservers = []string{"DNS9.HICHINA.COM", "dns10.hichina.com"}
	reg.RegistrantOrg = "Yanbian Silverstar Network Technology Co."
	reg.RegistrantCountry = "cn"
	if err := w.reg.Set(reg); err != nil {
		t.Fatal(err)
	}
	p := NewWHOIS(w.cfg(), fastLimiter())
	rec, err := p.Probe(context.Background(), "Jinyang.ASIA.")
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, rec)
	want := Record{
		Registrar:         reg.Registrar,
		RegistrarIANAID:   1599,
		RegistryDomainID:  "D503300001234567-ASIA",
		Created:           t0,
		Updated:           t1,
		Expires:           t2,
		Statuses:          []string{"clientDeleteProhibited", "clientTransferProhibited"},
		Nameservers:       []string{"dns10.hichina.com", "dns9.hichina.com"},
		RegistrantOrg:     "Yanbian Silverstar Network Technology Co.",
		RegistrantCountry: "CN",
		Found:             true,
		Source:            w.whois.Server("asia").Addr(),
	}
	if diff := diffRecords(want, rec); diff != "" {
		t.Fatal(diff)
	}
	// The referral is cached: a second domain of the TLD skips IANA.
	if err := w.reg.Set(simnet.ExampleRegistration("other.asia", t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Probe(context.Background(), "other.asia"); err != nil {
		t.Fatal(err)
	}
	if n := w.whois.IANA().Queries(); n != 1 {
		t.Fatalf("IANA asked %d times, want 1 (referral cache)", n)
	}
}

func TestWHOISVerisignSeizure(t *testing.T) {
	w := startWorld(t)
	if err := w.reg.Set(simnet.ExampleRegistration("thefoxcloud.com", t0)); err != nil {
		t.Fatal(err)
	}
	p := NewWHOIS(w.cfg(), fastLimiter())
	before, err := p.Probe(context.Background(), "thefoxcloud.com")
	if err != nil {
		t.Fatal(err)
	}
	if before.RegistrantOrg != "" {
		t.Fatalf("thin .com registry showed a registrant: %q", before.RegistrantOrg)
	}
	if strings.Join(before.Statuses, ",") != "clientTransferProhibited" ||
		strings.Join(before.Nameservers, ",") != "dns1.registrar-servers.com,dns2.registrar-servers.com" {
		t.Fatalf("before seizure: %+v", before)
	}

	// Seize it while the servers run.
	if err := w.reg.Seize("thefoxcloud.com", t1, "NS1.FBI.SEIZED.GOV", "ns2.fbi.seized.gov"); err != nil {
		t.Fatal(err)
	}
	after, err := p.Probe(context.Background(), "thefoxcloud.com")
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, after)
	if got := strings.Join(after.Statuses, ","); got != "serverDeleteProhibited,serverHold,serverTransferProhibited,serverUpdateProhibited" {
		t.Fatalf("statuses %s", got)
	}
	if got := strings.Join(after.Nameservers, ","); got != "ns1.fbi.seized.gov,ns2.fbi.seized.gov" {
		t.Fatalf("nameservers %s", got)
	}
	if !after.Updated.Equal(t1) || after.Registrar != "NameCheap, Inc." || after.RegistrarIANAID != 1068 ||
		!strings.HasSuffix(after.RegistryDomainID, "_DOMAIN_COM-VRSN") {
		t.Fatalf("after seizure: %+v", after)
	}
}

func TestWHOISNotFoundIsAnAnswer(t *testing.T) {
	w := startWorld(t)
	p := NewWHOIS(w.cfg(), fastLimiter())
	for _, d := range []string{"cloudfox-hub.com", "thefoxcloud.net", "nothere.info", "jinyang.asia", "nichts.de", "cloudfox.cloud"} {
		rec, err := p.Probe(context.Background(), d)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		checkValid(t, rec)
		if rec.Found || rec.Source == "" {
			t.Fatalf("%s: %+v, want not found with a source", d, rec)
		}
	}
}

func TestWHOISDeleteAndReRegister(t *testing.T) {
	w := startWorld(t)
	p := NewWHOIS(w.cfg(), fastLimiter())
	ctx := context.Background()
	reg := simnet.ExampleRegistration("danielliu.info", t0)
	if err := w.reg.Set(reg); err != nil {
		t.Fatal(err)
	}
	if rec, err := p.Probe(ctx, reg.Domain); err != nil || !rec.Found {
		t.Fatalf("registered: %+v %v", rec, err)
	}
	w.reg.Delete(reg.Domain)
	if rec, err := p.Probe(ctx, reg.Domain); err != nil || rec.Found {
		t.Fatalf("deleted: %+v %v", rec, err)
	}
	reg.Registrar, reg.RegistrarIANAID, reg.Created = "Gname.com Pte. Ltd.", 1923, t2
	if err := w.reg.Set(reg); err != nil {
		t.Fatal(err)
	}
	rec, err := p.Probe(ctx, reg.Domain)
	if err != nil || !rec.Found || rec.Registrar != "Gname.com Pte. Ltd." || !rec.Created.Equal(t2) {
		t.Fatalf("re-registered: %+v %v", rec, err)
	}
}

func TestWHOISPerTLDOverrideSkipsReferral(t *testing.T) {
	w := startWorld(t)
	if err := w.reg.Set(simnet.ExampleRegistration("ktsolution.tech", t0)); err != nil {
		t.Fatal(err)
	}
	cfg := w.cfg()
	cfg.WhoisReferral = "127.0.0.1:1" // would fail if asked
	cfg.WhoisServers = map[string]string{"tech": w.whois.Server("tech").Addr()}
	rec, err := NewWHOIS(cfg, fastLimiter()).Probe(context.Background(), "ktsolution.tech")
	if err != nil || !rec.Found || rec.Source != cfg.WhoisServers["tech"] {
		t.Fatalf("%+v %v", rec, err)
	}
}

func TestWHOISDenicStyle(t *testing.T) {
	w := startWorld(t)
	reg := simnet.ExampleRegistration("beispiel.de", t0)
	reg.Updated = t1
	if err := w.reg.Set(reg); err != nil {
		t.Fatal(err)
	}
	rec, err := NewWHOIS(w.cfg(), fastLimiter()).Probe(context.Background(), "beispiel.de")
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, rec)
	if !rec.Found || strings.Join(rec.Statuses, ",") != "connect" || len(rec.Nameservers) != 2 || !rec.Updated.Equal(t1) || rec.Registrar != "" {
		t.Fatalf("%+v", rec)
	}
}

func TestWHOISUnknownTLDFails(t *testing.T) {
	w := startWorld(t)
	_, err := NewWHOIS(w.cfg(), fastLimiter()).Probe(context.Background(), "example.org.uk")
	if !errors.Is(err, ErrProbeFailed) || !strings.Contains(err.Error(), "no WHOIS server") {
		t.Fatalf("err = %v", err)
	}
}

// An HTML 404 from a web server on the WHOIS port says "Not Found": it must
// fail, not read as an unregistered domain.
func TestWHOISHTTPReplyIsNotNotFound(t *testing.T) {
	w := startWorld(t)
	w.whois.Server("com").SetRaw("example.com", "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<html><body>Not Found</body></html>")
	_, err := NewWHOIS(w.cfg(), fastLimiter()).Probe(context.Background(), "example.com")
	if !errors.Is(err, ErrProbeFailed) {
		t.Fatalf("err = %v, want ErrProbeFailed", err)
	}
}

func TestWHOISLatin1RecordStaysValid(t *testing.T) {
	w := startWorld(t)
	text := "Domain Name: societe.info\nRegistry Domain ID: D1234-LRMS\nRegistrar: Soci\xe9t\xe9 G\xe9n\xe9rale Registrar\n" +
		"Registrar IANA ID: 9999\nCreation Date: 2020-01-02T03:04:05Z\nDomain Status: ok https://icann.org/epp#ok\n" +
		"Registrant Organization: Caf\xe9 \xab Le Z\xe8bre \xbb\x1b[31m\nRegistrant Country: FR\nName Server: NS1.EXAMPLE.NET\n"
	w.whois.Server("info").SetRaw("societe.info", text)
	rec, err := NewWHOIS(w.cfg(), fastLimiter()).Probe(context.Background(), "societe.info")
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, rec)
	if !rec.Found || !strings.HasPrefix(rec.RegistrantOrg, "Caf\uFFFD") || strings.Contains(rec.RegistrantOrg, "\x1b") ||
		rec.RegistrarIANAID != 9999 || strings.Join(rec.Statuses, ",") != "ok" {
		t.Fatalf("%+v", rec)
	}
}

// Each hostile server ends within the timeout with ErrProbeFailed, bounded
// memory, and the servers that refused are penalised.
func TestWHOISHostileServers(t *testing.T) {
	cases := []struct {
		fault    simnet.Fault
		penalize bool
	}{
		{simnet.FaultHuge, false},
		{simnet.FaultBinary, false},
		{simnet.FaultInvalidUTF8, false},
		{simnet.FaultStall, true},
		{simnet.FaultRateLimit, true},
		{simnet.FaultRefuse, true},
		{simnet.FaultReset, true},
	}
	for _, tc := range cases {
		t.Run(tc.fault.String(), func(t *testing.T) {
			w := startWorld(t)
			if err := w.reg.Set(simnet.ExampleRegistration("cloudfoxhub.com", t0)); err != nil {
				t.Fatal(err)
			}
			srv := w.whois.Server("com")
			if err := srv.SetFault(tc.fault); err != nil {
				t.Fatal(err)
			}
			cfg := w.cfg()
			cfg.Timeout = 500 * time.Millisecond
			lim := ratelimit.New(ratelimit.Options{Rate: 1000, BaseBackoff: time.Minute})
			p := NewWHOIS(cfg, lim)
			var (
				rec Record
				err error
			)
			var took time.Duration
			alloc := heapGrowth(func() {
				start := time.Now()
				rec, err = p.Probe(context.Background(), "cloudfoxhub.com")
				took = time.Since(start)
			})
			if !errors.Is(err, ErrProbeFailed) {
				t.Fatalf("got %+v, %v; want ErrProbeFailed", rec, err)
			}
			if took > 2*time.Second {
				t.Fatalf("took %s with a 500ms timeout", took)
			}
			if alloc > 16<<20 {
				t.Fatalf("allocated %d MiB", alloc>>20)
			}
			d, _ := lim.Backoff(srv.Addr())
			if tc.penalize != (d > 0) {
				t.Fatalf("penalty %s, want penalised=%v", d, tc.penalize)
			}
			t.Logf("%s: %v (%s, %d KiB allocated)", tc.fault, err, took.Round(time.Millisecond), alloc>>10)

			// Once penalised, the next probe fails fast without touching the server.
			if tc.penalize {
				q := srv.Queries()
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				if _, err := p.Probe(ctx, "cloudfoxhub.com"); !errors.Is(err, ratelimit.ErrBackoff) || !errors.Is(err, ErrProbeFailed) {
					t.Fatalf("during backoff: %v", err)
				}
				if srv.Queries() != q {
					t.Fatal("server queried during its backoff")
				}
			}
			// And a server that recovers is served normally again.
			if err := srv.SetFault(simnet.FaultNone); err != nil {
				t.Fatal(err)
			}
			lim.OK(srv.Addr())
			if rec, err := p.Probe(context.Background(), "cloudfoxhub.com"); err != nil || !rec.Found {
				t.Fatalf("after recovery: %+v %v", rec, err)
			}
		})
	}
}

// A registry that limits clients to 1 query a second: a client that
// ignores it gets refused, is penalised, backs off and gets through.
func TestWHOISBackoffAfterServerRateLimit(t *testing.T) {
	w := startWorld(t)
	if err := w.reg.Set(simnet.ExampleRegistration("foxysunstudio.com", t0)); err != nil {
		t.Fatal(err)
	}
	srv := w.whois.Server("com")
	srv.SetRateLimit(1, 1)
	cfg := w.cfg()
	cfg.Timeout = 3 * time.Second // longer than the backoff, so the probe sits it out
	cfg.WhoisServers = map[string]string{"com": srv.Addr()}
	lim := ratelimit.New(ratelimit.Options{Rate: 1000, BaseBackoff: 1500 * time.Millisecond, MaxBackoff: 1500 * time.Millisecond})
	p := NewWHOIS(cfg, lim)
	ctx := context.Background()
	if _, err := p.Probe(ctx, "foxysunstudio.com"); err != nil {
		t.Fatal(err)
	}
	_, err := p.Probe(ctx, "foxysunstudio.com")
	if !errors.Is(err, ErrProbeFailed) || !strings.Contains(err.Error(), "rate limited") {
		t.Fatalf("second query: %v, want a rate-limit failure", err)
	}
	if d, strikes := lim.Backoff(srv.Addr()); d <= 0 || strikes != 1 {
		t.Fatalf("not penalised: %s, %d", d, strikes)
	}
	start := time.Now()
	rec, err := p.Probe(ctx, "foxysunstudio.com")
	if err != nil || !rec.Found {
		t.Fatalf("after backoff: %+v %v", rec, err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Fatalf("third query went after %s, inside the backoff", waited)
	}
}

// A client limited below the server's limit is never refused.
func TestWHOISLimiterKeepsUnderServerLimit(t *testing.T) {
	w := startWorld(t)
	if err := w.reg.Set(simnet.ExampleRegistration("mycloudfox.com", t0)); err != nil {
		t.Fatal(err)
	}
	srv := w.whois.Server("com")
	// Margins wide enough for a loaded 2-core machine: the client spaces
	// queries 125ms apart, the server refuses only 3 within ~100ms.
	srv.SetRateLimit(20, 2)
	cfg := w.cfg()
	cfg.WhoisServers = map[string]string{"com": srv.Addr()}
	p := NewWHOIS(cfg, ratelimit.New(ratelimit.Options{Rate: 8, Burst: 1}))
	for i := range 6 {
		if _, err := p.Probe(context.Background(), "mycloudfox.com"); err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
	}
}

func TestWHOISCancelledContext(t *testing.T) {
	w := startWorld(t)
	if err := w.whois.Server("com").SetFault(simnet.FaultStall); err != nil {
		t.Fatal(err)
	}
	cfg := w.cfg()
	cfg.Timeout = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := NewWHOIS(cfg, fastLimiter()).Probe(ctx, "silverstarchina.com")
	if !errors.Is(err, ErrProbeFailed) || time.Since(start) > 2*time.Second {
		t.Fatalf("err %v after %s", err, time.Since(start))
	}
}

func diffRecords(want, got Record) string {
	var d []string
	if want.Registrar != got.Registrar {
		d = append(d, "registrar "+got.Registrar)
	}
	if want.RegistrarIANAID != got.RegistrarIANAID {
		d = append(d, "iana id")
	}
	if want.RegistryDomainID != got.RegistryDomainID {
		d = append(d, "registry id "+got.RegistryDomainID)
	}
	if !want.Created.Equal(got.Created) || !want.Updated.Equal(got.Updated) || !want.Expires.Equal(got.Expires) {
		d = append(d, "dates")
	}
	if strings.Join(want.Statuses, ",") != strings.Join(got.Statuses, ",") {
		d = append(d, "statuses "+strings.Join(got.Statuses, ","))
	}
	if strings.Join(want.Nameservers, ",") != strings.Join(got.Nameservers, ",") {
		d = append(d, "nameservers "+strings.Join(got.Nameservers, ","))
	}
	if want.RegistrantOrg != got.RegistrantOrg || want.RegistrantCountry != got.RegistrantCountry {
		d = append(d, "registrant "+got.RegistrantOrg+"/"+got.RegistrantCountry)
	}
	if want.Found != got.Found || want.Source != got.Source {
		d = append(d, "found/source "+got.Source)
	}
	if len(d) == 0 {
		return ""
	}
	return "mismatch: " + strings.Join(d, "; ") + "\nwant " + toJSON(want) + "\ngot  " + toJSON(got)
}

// With FollowRegistrar the registrar's server (named by the thin registry)
// is asked too, for the registrant; the registry's own fields still win.
func TestWHOISFollowRegistrar(t *testing.T) {
	w := startWorld(t)
	registrar := w.whois.Server("net") // any simnet server can play the registrar
	_, port, _ := strings.Cut(registrar.Addr(), ":")
	reg := simnet.ExampleRegistration("foxysunstudios.com", t0)
	// likexian/whois follows a referral only to another host name, so the
	// registrar is "localhost" while the registry is 127.0.0.1.
	reg.RegistrarWhois = "localhost:" + port
	if err := w.reg.Set(reg); err != nil {
		t.Fatal(err)
	}
	registrar.SetRaw("foxysunstudios.com", "Domain Name: foxysunstudios.com\nCreation Date: 1999-01-01T00:00:00Z\n"+
		"Registrant Organization: Yanbian Silverstar\nRegistrant Country: CN\n")
	p := NewWHOIS(w.cfg(), fastLimiter())
	rec, err := p.Probe(context.Background(), "foxysunstudios.com")
	if err != nil || rec.RegistrantOrg != "" {
		t.Fatalf("default (no referral): %+v %v", rec, err)
	}
	p.FollowRegistrar = true
	rec, err = p.Probe(context.Background(), "foxysunstudios.com")
	if err != nil {
		t.Fatal(err)
	}
	if rec.RegistrantOrg != "Yanbian Silverstar" || rec.RegistrantCountry != "CN" || !rec.Created.Equal(t0) {
		t.Fatalf("%+v", rec)
	}
}

// Many workers share one prober and one limiter (run with -race).
func TestConcurrentProbes(t *testing.T) {
	w := startWorld(t)
	names := []string{"silverstarchina.com", "edenprogram.com", "danielliu.info", "jinyang.asia", "hopanatech.de", "cloudfox.cloud"}
	for _, d := range names {
		if err := w.reg.Set(simnet.ExampleRegistration(d, t0)); err != nil {
			t.Fatal(err)
		}
	}
	p, err := New(w.cfg(), fastLimiter())
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8*len(names))
	for i := range 8 {
		go func() {
			for j := range names {
				d := names[(i+j)%len(names)]
				rec, err := p.Probe(context.Background(), d)
				if err == nil && !rec.Found {
					err = errors.New(d + " not found")
				}
				errs <- err
			}
		}()
	}
	for range 8 * len(names) {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
