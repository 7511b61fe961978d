package httpprobe

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/netguard"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor/probe/certprobe"
)

type fixture struct {
	web *simnet.Web
	dns *simnet.HostsDNS
	net config.Network
}

func port(t testing.TB, addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// newFixture starts the simnet web and a DNS server answering 127.0.0.1
// for the names, and returns network settings pointing at both.
func newFixture(t testing.TB, names ...string) *fixture {
	t.Helper()
	w, err := simnet.NewWeb(simnet.WebOptions{StallMax: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	recs := map[string]string{}
	for _, n := range names {
		recs[n] = "127.0.0.1"
	}
	d := startDNS(t, recs)
	return &fixture{web: w, dns: d, net: config.Network{
		Resolver: d.Addr(), HTTPSPort: port(t, w.HTTPSAddr()), HTTPPort: port(t, w.HTTPAddr()),
		AllowPrivate: true, Timeout: 3 * time.Second,
	}}
}

func (f *fixture) prober() *Prober { return New(f.net, WithRoots(f.web.RootPool())) }

// Signatures from shared/reference/takedown-indicators.yaml.
var (
	sigTitle   = regexp.MustCompile(`(?i)\b(this )?domain( name)? (has been|was) seized\b|^domain seized$`)
	sigBody    = regexp.MustCompile(`(?i)(domain( name)?|site|website) (has been|was) seized by (the )?(FBI|Federal Bureau of Investigation|ICE|U\.S\. Homeland Security Investigations|Homeland Security Investigations|United States Postal Inspection Service)`)
	sigWarrant = regexp.MustCompile(`(?i)(pursuant to|in accordance with) a seizure warrant issued (by|pursuant to)`)
)

func TestProbeBanners(t *testing.T) {
	f := newFixture(t, "fbi.example", "ice.example", "iprc.example", "park.example", "site.example")
	f.web.SetPage("fbi.example", simnet.SeizedFBI2023Page())
	f.web.SetPage("ice.example", simnet.SeizedICE2010Page())
	f.web.SetPage("iprc.example", simnet.SeizedIPRCPage())
	f.web.SetPage("park.example", simnet.ParkingPage("park.example"))
	f.web.SetPage("site.example", simnet.SitePage("Cloud Fox Hub", "We build clouds."))
	p := f.prober()
	ctx := context.Background()

	s, err := p.Probe(ctx, "fbi.example")
	if err != nil {
		t.Fatal(err)
	}
	if s.Scheme != "https" || s.Status != 200 || s.FinalURL != "https://fbi.example/" || s.Server != "nginx" || s.CertError != "" {
		t.Errorf("fbi: %+v", s)
	}
	if !sigTitle.MatchString(s.Title) || s.Text != "" || !contains(s.Assets, "seizure.gif") {
		t.Errorf("fbi 2023 banner: title %q text %q assets %q", s.Title, s.Text, s.Assets)
	}

	s, err = p.Probe(ctx, "ice.example")
	if err != nil {
		t.Fatal(err)
	}
	if !sigBody.MatchString(s.Text) || !sigWarrant.MatchString(s.Text) || !sigTitle.MatchString(s.Title) {
		t.Errorf("ice banner: title %q text %q", s.Title, s.Text)
	}
	if !strings.Contains(s.Text, "18 U.S.C. §§ 981") || !strings.Contains(s.Text, "Seal of U.S. Immigration") {
		t.Errorf("ice text lost entities or alt text: %q", s.Text)
	}

	s, err = p.Probe(ctx, "iprc.example")
	if err != nil {
		t.Fatal(err)
	}
	if !contains(s.Assets, "/iprc_seized_banner.png") || s.Title != "Domain Seized" || !sigTitle.MatchString(s.Title) {
		t.Errorf("iprc: title %q assets %q", s.Title, s.Assets)
	}

	s, err = p.Probe(ctx, "park.example")
	if err != nil {
		t.Fatal(err)
	}
	if s.Title != "park.example - This domain is for sale" || sigTitle.MatchString(s.Title) || strings.Contains(s.Text, "parkingConfig") {
		t.Errorf("parking: %q %q", s.Title, s.Text)
	}

	s, err = p.Probe(ctx, "site.example")
	if err != nil {
		t.Fatal(err)
	}
	if s.Title != "Cloud Fox Hub" || s.Text != "logo We build clouds." || sigBody.MatchString(s.Text) {
		t.Errorf("site: %q %q", s.Title, s.Text)
	}
	for _, a := range []string{"/static/site.css", "/static/app.js", "/static/logo.png"} {
		if !contains(s.Assets, a) {
			t.Errorf("site assets %q lack %s", s.Assets, a)
		}
	}
	// Same page, same hash; the banner differs.
	s2, _ := p.Probe(ctx, "site.example")
	if s2.TextHash != s.TextHash || len(s.TextHash) != 64 {
		t.Errorf("text hash not stable: %s vs %s", s.TextHash, s2.TextHash)
	}
	f.web.SetPage("site.example", simnet.SeizedICE2010Page())
	if s3, _ := p.Probe(ctx, "site.example"); s3.TextHash == s.TextHash {
		t.Error("text hash did not change with the page")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestProbeRedirects(t *testing.T) {
	f := newFixture(t, "a.example", "b.example", "c.example", "loop1.example", "loop2.example", "deep.example", "ftp.example")
	w := f.web
	w.SetPage("a.example", simnet.RedirectPage(301, "http://b.example/start"))
	w.SetPage("b.example", simnet.RedirectPage(302, "https://c.example/landing"))
	w.SetPage("c.example", simnet.SeizedFBI2023Page())
	w.SetPage("loop1.example", simnet.RedirectPage(302, "https://loop2.example/"))
	w.SetPage("loop2.example", simnet.RedirectPage(302, "https://loop1.example/"))
	for i := 0; i <= 12; i++ {
		w.SetPage(fmt.Sprintf("deep.example/%d", i), simnet.RedirectPage(302, fmt.Sprintf("/%d", i+1)))
	}
	w.SetPage("deep.example", simnet.RedirectPage(302, "/0"))
	w.SetPage("ftp.example", simnet.RedirectPage(302, "ftp://ftp.example/pub/"))
	p := f.prober()
	ctx := context.Background()

	s, err := p.Probe(ctx, "a.example")
	if err != nil {
		t.Fatal(err)
	}
	want := []Redirect{
		{URL: "https://a.example/", Status: 301, Location: "http://b.example/start"},
		{URL: "http://b.example/start", Status: 302, Location: "https://c.example/landing"},
	}
	if fmt.Sprint(s.Redirects) != fmt.Sprint(want) || s.FinalURL != "https://c.example/landing" || s.Status != 200 || s.RedirectStop != "" || s.Title != "This domain has been seized" {
		t.Fatalf("chain: %+v", s)
	}

	s, err = p.Probe(ctx, "loop1.example")
	if err != nil {
		t.Fatal(err)
	}
	if s.RedirectStop != StopLoop || s.Status != 302 || len(s.Redirects) != 1 || s.FinalURL != "https://loop2.example/" {
		t.Fatalf("loop: %+v", s)
	}

	s, err = p.Probe(ctx, "deep.example")
	if err != nil {
		t.Fatal(err)
	}
	if s.RedirectStop != StopLimit || len(s.Redirects) != MaxRedirects || s.Status != 302 || s.FinalURL != "https://deep.example/9" {
		t.Fatalf("limit: stop %q, %d redirects, status %d, final %s", s.RedirectStop, len(s.Redirects), s.Status, s.FinalURL)
	}

	s, err = p.Probe(ctx, "ftp.example")
	if err != nil {
		t.Fatal(err)
	}
	if s.RedirectStop != StopScheme || s.Status != 302 || len(s.Redirects) != 0 {
		t.Fatalf("ftp: %+v", s)
	}
}

func TestProbeEndlessBody(t *testing.T) {
	f := newFixture(t, "endless.example")
	f.web.SetPage("endless.example", simnet.EndlessPage())
	// A generous timeout: the 2 MiB cap, not the clock, must end this
	// probe (a timeout is an error and fails the test), and the race
	// detector on two busy cores is slow.
	f.net.Timeout = 20 * time.Second
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	s, err := f.prober().Probe(context.Background(), "endless.example")
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Truncated || s.Title != "Endless" || len(s.Text) > MaxText || len(s.Text) < MaxText-64 {
		t.Fatalf("endless: truncated %v title %q text %d bytes", s.Truncated, s.Title, len(s.Text))
	}

	// The server would send without end; what the probe allocates stays
	// within a small multiple of the 2 MiB cap.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 48<<20 {
		t.Fatalf("allocated %d MiB for a 2 MiB cap", alloc>>20)
	}
	t.Logf("endless body: %v, %d KiB allocated", elapsed, (after.TotalAlloc-before.TotalAlloc)>>10)
}

func TestProbeStallingTLSFallsBackToHTTP(t *testing.T) {
	f := newFixture(t, "stall.example")
	f.web.SetCert("stall.example", simnet.CertStall)
	f.web.SetPage("stall.example", simnet.SeizedICE2010Page())
	f.net.Timeout = 300 * time.Millisecond
	start := time.Now()
	s, err := f.prober().Probe(context.Background(), "stall.example")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v with a 300ms timeout", d)
	}
	if s.Scheme != "http" || s.HTTPSError != "timeout" || !sigWarrant.MatchString(s.Text) {
		t.Fatalf("fallback: scheme %q https_error %q text %q", s.Scheme, s.HTTPSError, s.Text)
	}
}

func TestProbeHTTPSRefusedFallsBack(t *testing.T) {
	f := newFixture(t, "plain.example")
	f.web.SetPage("plain.example", simnet.ParkingPage("plain.example"))
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	f.net.HTTPSPort = port(t, ln.Addr().String())
	ln.Close()
	s, err := f.prober().Probe(context.Background(), "plain.example")
	if err != nil {
		t.Fatal(err)
	}
	if s.Scheme != "http" || s.HTTPSError != "refused" || s.CertError != "" || s.Status != 200 {
		t.Fatalf("%+v", s)
	}
}

func TestProbeBadCertificateStillReadsPage(t *testing.T) {
	f := newFixture(t, "self.example", "wrong.example")
	f.web.SetCert("self.example", simnet.CertSelfSigned)
	f.web.SetCert("wrong.example", simnet.CertWrongName)
	f.web.SetPage("self.example", simnet.SeizedFBI2023Page())
	f.web.SetPage("wrong.example", simnet.SeizedFBI2023Page())
	for host, want := range map[string]string{"self.example": certprobe.VerifySelfSigned, "wrong.example": certprobe.VerifyWrongName} {
		t.Run(host, func(t *testing.T) {
			s, err := f.prober().Probe(context.Background(), host)
			if err != nil {
				t.Fatal(err)
			}
			if s.Scheme != "https" || s.CertError != want || s.Title != "This domain has been seized" {
				t.Errorf("%s: scheme %q cert_error %q title %q", host, s.Scheme, s.CertError, s.Title)
			}
		})
	}
}

func TestProbeBothSchemesFail(t *testing.T) {
	f := newFixture(t)
	_, err := f.prober().Probe(context.Background(), "nxdomain.example")
	if !errors.Is(err, ErrProbeFailed) {
		t.Fatalf("err = %v", err)
	}
	if _, err := f.prober().Probe(context.Background(), "bad/host"); !errors.Is(err, ErrProbeFailed) {
		t.Fatalf("bad host: err = %v", err)
	}
}

func TestProbeSSRFRefusal(t *testing.T) {
	f := newFixture(t, "loop.example")
	f.dns.Set("meta.example", "169.254.169.254")
	f.web.SetPage("loop.example", simnet.SitePage("inside", "internal admin panel"))
	closed := f.net
	closed.AllowPrivate = false
	for _, name := range []string{"loop.example", "meta.example"} {
		_, err := New(closed).Probe(context.Background(), name)
		if !errors.Is(err, ErrProbeFailed) || !errors.Is(err, netguard.ErrBlocked) {
			t.Errorf("%s: err = %v, want ErrProbeFailed and ErrBlocked", name, err)
		}
	}
	s, err := f.prober().Probe(context.Background(), "loop.example")
	if err != nil || s.Title != "inside" {
		t.Fatalf("with AllowPrivate: %+v %v", s, err)
	}
}

// TestProbeRedirectIntoBlockedAddress: a public-looking chain may not lead
// the probe inside. The first host is allowed through a narrow test hook;
// the redirect target resolves to the metadata address and is refused at
// dial time.
func TestProbeRedirectIntoBlockedAddress(t *testing.T) {
	f := newFixture(t, "outside.example")
	f.dns.Set("inside.example", "169.254.169.254")
	f.web.SetPage("outside.example", simnet.RedirectPage(302, "http://inside.example/latest/meta-data/"))
	closed := f.net
	closed.AllowPrivate = false
	p := New(closed)
	p.guard = netguard.New(closed)
	// Let only the simnet listener through, as if it were a public host.
	p.transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasPrefix(addr, "outside.example:") {
			host := "127.0.0.1"
			_, prt, _ := net.SplitHostPort(addr)
			prt = map[string]string{"443": strconv.Itoa(f.net.HTTPSPort), "80": strconv.Itoa(f.net.HTTPPort)}[prt]
			return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort(host, prt))
		}
		return p.dial(ctx, network, addr)
	}
	_, err := p.Probe(context.Background(), "outside.example")
	if !errors.Is(err, netguard.ErrBlocked) {
		t.Fatalf("redirect to metadata: err = %v, want ErrBlocked", err)
	}
}

func TestProbeHostileTitle(t *testing.T) {
	f := newFixture(t, "evil.example")
	f.web.SetPage("evil.example", simnet.HostileTitlePage())
	f.web.SetCert("evil.example", simnet.CertHostile)
	s, err := f.prober().Probe(context.Background(), "evil.example")
	if err != nil {
		t.Fatal(err)
	}
	wantTitle := "<script>alert(\"title\")</script>\ufffd\ufffd[2J\ufffd\ufffd<b> Seized\ufffd"
	if s.Title != wantTitle {
		t.Fatalf("title %q, want %q", s.Title, wantTitle)
	}
	if strings.Contains(s.Text, "injected") || !strings.Contains(s.Text, "visible\ufffd text \ufffd( here") || !strings.Contains(s.Text, "<svg onload=alert(2)>") {
		t.Fatalf("text %q", s.Text)
	}
	b, _ := json.Marshal(s)
	if strings.ContainsAny(string(b), "<>\x00\x1b") {
		t.Fatalf("JSON carries raw markup or control bytes: %s", b)
	}
}

func TestSnapshotJSONKeys(t *testing.T) {
	f := newFixture(t, "ok.example")
	f.web.SetPage("ok.example", simnet.SitePage("ok", "ok"))
	s, err := f.prober().Probe(context.Background(), "ok.example")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(s)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := "assets content_type final_url redirects scheme server status text text_hash title"
	if got := strings.Join(keys, " "); got != want {
		t.Fatalf("keys %q, want %q", got, want)
	}
}

func TestProbeDrippingBodyTimesOut(t *testing.T) {
	f := newFixture(t, "drip.example")
	p := simnet.EndlessPage()
	p.Interval = 20 * time.Millisecond
	f.web.SetPage("drip.example", p)
	f.net.Timeout = 300 * time.Millisecond
	start := time.Now()
	s, err := f.prober().Probe(context.Background(), "drip.example")
	if !errors.Is(err, ErrProbeFailed) || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("err = %v, want a timeout wrapping ErrProbeFailed; snapshot %+v", err, s)
	}
	// Two attempts (https, then http), each bounded by the timeout.
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestProbeGzipBombIsBounded(t *testing.T) {
	f := newFixture(t, "bomb.example")
	// One gzip member of 1 MiB of zeros, repeated: a valid multi-member
	// stream of 200 MiB in about 200 KiB.
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	_, _ = zw.Write(make([]byte, 1<<20))
	_ = zw.Close()
	buf := bytes.Repeat(member.Bytes(), 200)
	f.net.Timeout = 20 * time.Second // the cap must end it, as above
	f.web.SetPage("bomb.example", simnet.Page{Body: string(buf), ContentType: "text/html", Header: map[string]string{"Content-Encoding": "gzip"}})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, err := f.prober().Probe(context.Background(), "bomb.example")
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Truncated {
		t.Fatal("a 200 MiB body was not marked truncated")
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 48<<20 {
		t.Fatalf("allocated %d MiB for a 2 MiB cap", alloc>>20)
	}
}

// BenchmarkProbe measures whole probes (DNS, TLS handshake, GET, parse)
// against simnet on loopback, 8 at a time, and reports probes per second.
func BenchmarkProbe(b *testing.B) {
	f := newFixture(b, "bench.example")
	f.web.SetPage("bench.example", simnet.SeizedICE2010Page())
	p := f.prober()
	b.SetParallelism(4) // GOMAXPROCS x 4 goroutines
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Probe(context.Background(), "bench.example"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "probes/s")
}
