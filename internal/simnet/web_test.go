package simnet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func startWeb(t *testing.T, o WebOptions) *Web {
	t.Helper()
	w, err := NewWeb(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

// webHandshake connects to the HTTPS server with SNI name, verifying
// nothing, and returns what was presented.
func webHandshake(t *testing.T, w *Web, name string, timeout time.Duration) ([]*x509.Certificate, error) {
	t.Helper()
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: timeout}, Config: &tls.Config{ServerName: name, InsecureSkipVerify: true}}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", w.HTTPSAddr())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.(*tls.Conn).ConnectionState().PeerCertificates, nil
}

func TestWebCertKinds(t *testing.T) {
	w := startWeb(t, WebOptions{})
	host := "site.example"
	verify := func(certs []*x509.Certificate, name string) error {
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		_, err := certs[0].Verify(x509.VerifyOptions{DNSName: name, Roots: w.RootPool(), Intermediates: inter})
		return err
	}
	tests := []struct {
		kind  CertKind
		check func(error) bool
	}{
		{CertValid, func(err error) bool { return err == nil }},
		{CertHostile, func(err error) bool { return err == nil }},
		{CertExpired, func(err error) bool {
			var e x509.CertificateInvalidError
			return errors.As(err, &e) && e.Reason == x509.Expired
		}},
		{CertNotYetValid, func(err error) bool {
			var e x509.CertificateInvalidError
			return errors.As(err, &e) && e.Reason == x509.Expired
		}},
		{CertWrongName, func(err error) bool {
			var e x509.HostnameError
			return errors.As(err, &e)
		}},
		{CertSelfSigned, func(err error) bool {
			var e x509.UnknownAuthorityError
			return errors.As(err, &e)
		}},
		{CertUntrusted, func(err error) bool {
			var e x509.UnknownAuthorityError
			return errors.As(err, &e)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.kind.String(), func(t *testing.T) {
			w.SetCert(host, tc.kind)
			certs, err := webHandshake(t, w, host, 3*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if err := verify(certs, host); !tc.check(err) {
				t.Fatalf("verify: %v", err)
			}
			want, err := w.Certificate(host)
			if err != nil || string(want.Certificate[0]) != string(certs[0].Raw) {
				t.Fatalf("Certificate(%s) differs from what was served (%v)", host, err)
			}
		})
	}
	// Switching back presents the same certificate again.
	w.SetCert(host, CertValid)
	a, _ := webHandshake(t, w, host, 3*time.Second)
	w.SetCert(host, CertExpired)
	w.SetCert(host, CertValid)
	b, _ := webHandshake(t, w, host, 3*time.Second)
	if string(a[0].Raw) != string(b[0].Raw) {
		t.Fatal("valid certificate changed after switching kinds back")
	}
	// Hosts never configured get a valid certificate for their own name.
	c, err := webHandshake(t, w, "Other.Example.", 3*time.Second)
	if err != nil || verify(c, "other.example") != nil {
		t.Fatalf("default certificate: %v", err)
	}
	if !strings.Contains(a[0].Issuer.CommonName, "Issuing CA") || len(a) != 2 {
		t.Fatalf("default CA should issue from an intermediate; issuer %q, chain %d", a[0].Issuer.CommonName, len(a))
	}
}

func TestWebHostileCertificate(t *testing.T) {
	w := startWeb(t, WebOptions{})
	w.SetCert("h.example", CertHostile)
	certs, err := webHandshake(t, w, "h.example", 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if certs[0].Subject.CommonName != HostileSubject {
		t.Fatalf("CN = %q", certs[0].Subject.CommonName)
	}
	if !strings.Contains(strings.Join(certs[0].DNSNames, " "), "<img") {
		t.Fatalf("SANs %q lack the hostile name", certs[0].DNSNames)
	}
}

func TestWebStallEndsOnClientTimeoutAndClose(t *testing.T) {
	w := startWeb(t, WebOptions{StallMax: time.Minute})
	w.SetCert("stall.example", CertStall)
	start := time.Now()
	_, err := webHandshake(t, w, "stall.example", 300*time.Millisecond)
	if err == nil {
		t.Fatal("handshake with a stalling host succeeded")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("stalled handshake took %v to fail", d)
	}
	// Close must not wait for StallMax.
	go func() { _, _ = webHandshake(t, w, "stall.example", 10*time.Second) }()
	for deadline := time.Now().Add(5 * time.Second); w.Stalls() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the second handshake never reached the stall")
		}
	}
	start = time.Now()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Close took %v with a stalled handshake", d)
	}
}

func webGet(t *testing.T, w *Web, host, path string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+w.HTTPAddr()+path, nil)
	req.Host = host
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 3 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestWebPages(t *testing.T) {
	w := startWeb(t, WebOptions{})
	w.SetPage("seized.example", SeizedFBI2023Page())
	w.SetPage("ice.example", SeizedICE2010Page())
	w.SetPage("park.example", ParkingPage("park.example"))
	w.SetPage("site.example", SitePage("Fox & Cloud", "We build clouds <fast>."))
	w.SetPage("chain.example", RedirectPage(301, "https://site.example/"))
	w.SetPage("chain.example/deep/1", RedirectPage(0, "/deep/2"))

	resp, body := webGet(t, w, "Seized.Example:80", "/")
	if resp.StatusCode != 200 || !strings.Contains(body, "<title>This domain has been seized</title>") || resp.Header.Get("Server") != "nginx" {
		t.Fatalf("seized: %d %q %q", resp.StatusCode, resp.Header.Get("Server"), body)
	}
	if _, body := webGet(t, w, "ice.example", "/any/path"); !strings.Contains(body, "pursuant to a seizure warrant issued by a United States District Court") {
		t.Fatalf("ice body: %q", body)
	}
	if _, body := webGet(t, w, "park.example", "/"); !strings.Contains(body, "for sale") {
		t.Fatalf("parking body: %q", body)
	}
	if _, body := webGet(t, w, "site.example", "/"); !strings.Contains(body, "Fox &amp; Cloud") || !strings.Contains(body, "&lt;fast&gt;") {
		t.Fatalf("site page does not escape: %q", body)
	}
	resp, _ = webGet(t, w, "chain.example", "/")
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "https://site.example/" {
		t.Fatalf("redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = webGet(t, w, "chain.example", "/deep/1?x=1")
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/deep/2" {
		t.Fatalf("path redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := webGet(t, w, "nobody.example", "/"); resp.StatusCode != 404 {
		t.Fatalf("unknown host: %d", resp.StatusCode)
	}
	w.RemovePage("park.example")
	if resp, _ := webGet(t, w, "park.example", "/"); resp.StatusCode != 404 {
		t.Fatalf("removed page: %d", resp.StatusCode)
	}

	// The same pages over HTTPS, chosen by Host as well.
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: w.RootPool()},
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", w.HTTPSAddr())
		}}, Timeout: 3 * time.Second}
	resp, err := c.Get("https://seized.example/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "This domain has been seized") {
		t.Fatalf("https page: %q", b)
	}
}

func TestWebEndlessBodyStopsOnClose(t *testing.T) {
	w := startWeb(t, WebOptions{})
	w.SetPage("endless.example", EndlessPage())
	req, _ := http.NewRequest("GET", "http://"+w.HTTPAddr()+"/", nil)
	req.Host = "endless.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.CopyN(io.Discard, resp.Body, 8<<20)
	if err != nil || n != 8<<20 {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	done := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, resp.Body); done <- err }()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("endless body kept going after Close")
	}
}

// TestWebConcurrentChanges changes pages and certificates while clients
// read them; run with -race.
func TestWebConcurrentChanges(t *testing.T) {
	w := startWeb(t, WebOptions{})
	// A reader must never see a page that was not set: set one first.
	w.SetPage("c.example", SitePage("one", "one"))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			if i%2 == 0 {
				w.SetPage("c.example", SitePage("one", "one"))
				w.SetCert("c.example", CertExpired)
			} else {
				w.SetPage("c.example", SeizedFBI2023Page())
				w.SetCert("c.example", CertValid)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			_, body := webGet(t, w, "c.example", "/")
			if !strings.Contains(body, "<title>one</title>") && !strings.Contains(body, "seized") {
				t.Errorf("torn page: %q", body)
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			if _, err := webHandshake(t, w, "c.example", 3*time.Second); err != nil {
				t.Errorf("handshake: %v", err)
				return
			}
		}
	}()
	wg.Wait()
}

func TestParseCertKind(t *testing.T) {
	for k := CertValid; k <= CertStall; k++ {
		got, err := ParseCertKind(k.String())
		if err != nil || got != k {
			t.Fatalf("ParseCertKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseCertKind("bogus"); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("bad kind error: %v", err)
	}
}
