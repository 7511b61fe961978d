package certprobe

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/netguard"
	"github.com/takedownhq/takedown/internal/simnet"
)

type fixture struct {
	web *simnet.Web
	dns *simnet.HostsDNS
	net config.Network
}

// newFixture starts the simnet web and a DNS server answering 127.0.0.1
// for every name given, and returns network settings pointing at both.
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
	_, port, _ := net.SplitHostPort(w.HTTPSAddr())
	p, _ := strconv.Atoi(port)
	return &fixture{web: w, dns: d, net: config.Network{Resolver: d.Addr(), CertPort: p, AllowPrivate: true, Timeout: 3 * time.Second}}
}

func (f *fixture) prober(opts ...Option) *Prober {
	return New(f.net, append([]Option{WithRoots(f.web.RootPool())}, opts...)...)
}

func TestProbeCertificateFlaws(t *testing.T) {
	tests := []struct {
		kind simnet.CertKind
		want string
	}{
		{simnet.CertValid, VerifyOK},
		{simnet.CertExpired, VerifyExpired},
		{simnet.CertNotYetValid, VerifyNotYetValid},
		{simnet.CertSelfSigned, VerifySelfSigned},
		{simnet.CertWrongName, VerifyWrongName},
		{simnet.CertUntrusted, VerifyUnknownAuthority},
		{simnet.CertHostile, VerifyOK},
	}
	var names []string
	for _, tc := range tests {
		names = append(names, tc.kind.String()+".example")
	}
	f := newFixture(t, names...)
	p := f.prober()
	for _, tc := range tests {
		t.Run(tc.kind.String(), func(t *testing.T) {
			host := tc.kind.String() + ".example"
			f.web.SetCert(host, tc.kind)
			s, err := p.Probe(context.Background(), strings.ToUpper(host)+".")
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if s.VerifyError != tc.want {
				t.Fatalf("VerifyError = %q, want %q", s.VerifyError, tc.want)
			}
			served, err := f.web.Certificate(host)
			if err != nil {
				t.Fatal(err)
			}
			leaf := served.Leaf
			if s.SHA256 != fingerprint(served.Certificate[0]) {
				t.Errorf("sha256 %s is not the served certificate's", s.SHA256)
			}
			if s.Serial != leaf.SerialNumber.Text(16) {
				t.Errorf("serial %s, want %s", s.Serial, leaf.SerialNumber.Text(16))
			}
			if !s.NotAfter.Equal(leaf.NotAfter) || !s.NotBefore.Equal(leaf.NotBefore) {
				t.Errorf("validity %v..%v, want %v..%v", s.NotBefore, s.NotAfter, leaf.NotBefore, leaf.NotAfter)
			}
			if s.KeyType != "ECDSA P-256" {
				t.Errorf("key type %q", s.KeyType)
			}
			if s.Address != f.web.HTTPSAddr() {
				t.Errorf("address %q, want %q", s.Address, f.web.HTTPSAddr())
			}
			switch tc.kind {
			case simnet.CertSelfSigned:
				if len(s.Chain) != 0 || s.Issuer != s.Subject {
					t.Errorf("self-signed: chain %d, issuer %q subject %q", len(s.Chain), s.Issuer, s.Subject)
				}
			case simnet.CertWrongName:
				if len(s.SANs) != 1 || s.SANs[0] != simnet.WrongName {
					t.Errorf("wrong-name SANs %q", s.SANs)
				}
			case simnet.CertUntrusted:
				if len(s.Chain) != 0 || !strings.Contains(s.Issuer, "Untrusted Simnet CA") {
					t.Errorf("untrusted: chain %d issuer %q", len(s.Chain), s.Issuer)
				}
			default:
				if len(s.SANs) == 0 || s.SANs[0] != host {
					t.Errorf("SANs %q, want %s first", s.SANs, host)
				}
				if len(s.Chain) != 1 || !strings.Contains(s.Chain[0].Subject, "Issuing CA") || s.Issuer != s.Chain[0].Subject {
					t.Errorf("chain %+v, issuer %q", s.Chain, s.Issuer)
				}
			}
		})
	}
}

func TestProbeHostileSubjectIsClean(t *testing.T) {
	f := newFixture(t, "evil.example")
	f.web.SetCert("evil.example", simnet.CertHostile)
	s, err := f.prober().Probe(context.Background(), "evil.example")
	if err != nil {
		t.Fatal(err)
	}
	fields := append([]string{s.Subject, s.Issuer}, s.SANs...)
	for _, v := range fields {
		for _, r := range v {
			if r < 0x20 || r == 0x7f || r == 0x202e {
				t.Fatalf("control character %U kept in %q", r, v)
			}
		}
	}
	if !strings.Contains(s.Subject, `CN=\<script\>alert('cn')\</script\>`) || !strings.Contains(s.Subject, "\ufffd") {
		t.Fatalf("subject %q: want the payload as RFC 4514 text with controls replaced", s.Subject)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "<script>") || strings.Contains(string(b), "<img") {
		t.Fatalf("JSON carries raw markup: %s", b)
	}
}

func TestProbeSystemRoots(t *testing.T) {
	// Without the simnet root a simnet certificate is of unknown authority.
	f := newFixture(t, "ok.example")
	s, err := New(f.net).Probe(context.Background(), "ok.example")
	if err != nil {
		t.Fatal(err)
	}
	if s.VerifyError != VerifyUnknownAuthority {
		t.Fatalf("VerifyError = %q against system roots", s.VerifyError)
	}
}

func TestProbeClockDecidesExpiry(t *testing.T) {
	f := newFixture(t, "ok.example")
	later := func() time.Time { return time.Now().AddDate(1, 0, 0) }
	s, err := f.prober(WithClock(later)).Probe(context.Background(), "ok.example")
	if err != nil || s.VerifyError != VerifyExpired {
		t.Fatalf("a year on: %v, %v", s, err)
	}
}

func TestProbeStallTimesOut(t *testing.T) {
	f := newFixture(t, "stall.example")
	f.web.SetCert("stall.example", simnet.CertStall)
	f.net.Timeout = 300 * time.Millisecond
	start := time.Now()
	_, err := f.prober().Probe(context.Background(), "stall.example")
	if !errors.Is(err, ErrProbeFailed) {
		t.Fatalf("err = %v, want ErrProbeFailed", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("stall took %v, timeout was 300ms", d)
	}
	t.Logf("stall: %v", err)
}

func TestProbeFailures(t *testing.T) {
	f := newFixture(t, "closed.example")
	// A port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	n := f.net
	n.CertPort, _ = strconv.Atoi(port)
	if _, err := New(n).Probe(context.Background(), "closed.example"); !errors.Is(err, ErrProbeFailed) {
		t.Errorf("refused: err = %v", err)
	}
	if _, err := f.prober().Probe(context.Background(), "nxdomain.example"); !errors.Is(err, ErrProbeFailed) {
		t.Errorf("nxdomain: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.prober().Probe(ctx, "closed.example"); !errors.Is(err, ErrProbeFailed) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestProbeSSRFRefusal(t *testing.T) {
	f := newFixture(t, "loop.example")
	f.dns.Set("meta.example", "169.254.169.254")
	f.dns.Set("meta6.example", "fd00:ec2::254")
	n := f.net
	n.AllowPrivate = false
	p := New(n, WithRoots(f.web.RootPool()))
	for _, name := range []string{"loop.example", "meta.example", "meta6.example"} {
		_, err := p.Probe(context.Background(), name)
		if !errors.Is(err, ErrProbeFailed) || !errors.Is(err, netguard.ErrBlocked) {
			t.Errorf("%s without AllowPrivate: err = %v, want ErrProbeFailed and ErrBlocked", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
	if s, err := f.prober().Probe(context.Background(), "loop.example"); err != nil || s.VerifyError != VerifyOK {
		t.Fatalf("with AllowPrivate: %v %v", s, err)
	}
}

func TestSnapshotJSONKeys(t *testing.T) {
	f := newFixture(t, "ok.example")
	s, err := f.prober().Probe(context.Background(), "ok.example")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(s)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := "address chain issuer key_type not_after not_before sans serial sha256 spki_sha256 subject verify_error"
	if got := strings.Join(keys, " "); got != want {
		t.Fatalf("keys %q, want %q", got, want)
	}
	if _, err := time.Parse(time.RFC3339, m["not_after"].(string)); err != nil {
		t.Fatalf("not_after not RFC 3339: %v", err)
	}
	if m["verify_error"] != "" {
		t.Fatalf("verify_error %q for a valid certificate", m["verify_error"])
	}
}

func fingerprint(der []byte) string {
	return record(mustParse(der)).SHA256
}

// BenchmarkProbe measures certificate probes (DNS, TCP, TLS handshake,
// verification) against simnet on loopback, and reports probes per second.
func BenchmarkProbe(b *testing.B) {
	f := newFixture(b, "bench.example")
	p := f.prober()
	b.SetParallelism(4)
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

// TestProbeErrorNamesConfiguredResolver: with the configured resolver dead,
// the error names it rather than the server in /etc/resolv.conf.
func TestProbeErrorNamesConfiguredResolver(t *testing.T) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := c.LocalAddr().String()
	c.Close()
	_, err = New(config.Network{Resolver: dead, Timeout: time.Second}).Probe(context.Background(), "gone.example")
	if err == nil || !strings.Contains(err.Error(), "lookup gone.example on "+dead) {
		t.Fatalf("err = %v, want it to name resolver %s", err, dead)
	}
}
