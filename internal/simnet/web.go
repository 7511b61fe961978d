package simnet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// CertKind is the kind of certificate the HTTPS server presents for a name.
type CertKind int

// Certificate kinds.
const (
	// CertValid is issued by the simnet CA for the name: valid against RootPool.
	CertValid CertKind = iota
	// CertExpired is issued by the simnet CA for the name but expired 30 days ago.
	CertExpired
	// CertNotYetValid is issued by the simnet CA and becomes valid in 30 days.
	CertNotYetValid
	// CertSelfSigned is signed by its own key.
	CertSelfSigned
	// CertWrongName is valid under the simnet CA for another name only.
	CertWrongName
	// CertUntrusted is issued for the name by a second CA that no pool trusts.
	CertUntrusted
	// CertHostile is valid for the name but its subject, organisation and
	// an extra SAN carry HTML, script and control bytes.
	CertHostile
	// CertStall never finishes the handshake: the server reads the
	// ClientHello and then says nothing until the client gives up (or
	// WebOptions.StallMax passes).
	CertStall
)

var certKindNames = [...]string{"valid", "expired", "not-yet-valid", "self-signed", "wrong-name", "untrusted", "hostile", "stall"}

func (k CertKind) String() string {
	if k >= 0 && int(k) < len(certKindNames) {
		return certKindNames[k]
	}
	return fmt.Sprintf("CertKind(%d)", int(k))
}

// ParseCertKind reads the names String gives, for command lines and
// scripted scenarios.
func ParseCertKind(s string) (CertKind, error) {
	for i, n := range certKindNames {
		if s == n {
			return CertKind(i), nil
		}
	}
	return 0, fmt.Errorf("simnet: certificate kind %q: want one of %s", s, strings.Join(certKindNames[:], ", "))
}

// HostileSubject is the common name of a CertHostile certificate.
const HostileSubject = "<script>alert('cn')</script>\x1b[31m\x00evil\u202e"

// WrongName is the only name a CertWrongName certificate is valid for.
const WrongName = "unrelated.simnet.invalid"

// WebOptions configure NewWeb.
type WebOptions struct {
	// CA issues the certificates. Default: a new CA with an intermediate.
	CA *CA
	// HTTPSListen and HTTPListen are the listen addresses. Default
	// 127.0.0.1:0 (a free port).
	HTTPSListen, HTTPListen string
	// StallMax bounds how long a CertStall handshake is held. Default 60s.
	StallMax time.Duration
	// Now is the clock for validity periods. Default time.Now.
	Now func() time.Time
	// Logger defaults to slog.Default() with component=simnet-web.
	Logger *slog.Logger
}

// Web is the simulated web: one HTTPS and one HTTP server, each serving
// every simnet host. The certificate is chosen by SNI and the page by the
// Host header; both can be changed while the servers run. Safe for
// concurrent use.
type Web struct {
	latency   delay // of each handshake and response
	opts      WebOptions
	ca        *CA
	log       *slog.Logger
	mu        sync.RWMutex
	kinds     map[string]CertKind
	custom    map[string]*tls.Certificate
	issued    map[certKey]*tls.Certificate
	pages     map[string]Page
	untrusted *CA

	httpsLn, httpLn net.Listener
	httpsSrv        *http.Server
	httpSrv         *http.Server
	closed          chan struct{}
	closeOnce       sync.Once
	wg              sync.WaitGroup
	stalls          atomic.Int64 // CertStall handshakes begun
}

type certKey struct {
	host string
	kind CertKind
}

// NewWeb prepares the servers; Start opens the sockets.
func NewWeb(o WebOptions) (*Web, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPSListen == "" {
		o.HTTPSListen = "127.0.0.1:0"
	}
	if o.HTTPListen == "" {
		o.HTTPListen = "127.0.0.1:0"
	}
	if o.StallMax <= 0 {
		o.StallMax = 60 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	ca := o.CA
	if ca == nil {
		var err error
		if ca, err = NewCA(CAOptions{Intermediate: true, Now: o.Now}); err != nil {
			return nil, err
		}
	}
	return &Web{
		opts:   o,
		ca:     ca,
		log:    o.Logger.With("component", "simnet-web"),
		kinds:  map[string]CertKind{},
		custom: map[string]*tls.Certificate{},
		issued: map[certKey]*tls.Certificate{},
		pages:  map[string]Page{},
		closed: make(chan struct{}),
	}, nil
}

// Start listens on both addresses and serves until Close or until ctx ends.
func (w *Web) Start(ctx context.Context) error {
	var lc net.ListenConfig
	var err error
	if w.httpsLn, err = lc.Listen(ctx, "tcp", w.opts.HTTPSListen); err != nil {
		return fmt.Errorf("simnet web: listen %s: %w", w.opts.HTTPSListen, err)
	}
	if w.httpLn, err = lc.Listen(ctx, "tcp", w.opts.HTTPListen); err != nil {
		w.httpsLn.Close()
		return fmt.Errorf("simnet web: listen %s: %w", w.opts.HTTPListen, err)
	}
	getCert := func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		w.latency.wait(hello.Context())
		return w.getCertificate(hello)
	}
	tlsConf := &tls.Config{GetCertificate: getCert, MinVersion: tls.VersionTLS12}
	errLog := slog.NewLogLogger(w.log.Handler(), slog.LevelDebug)
	w.httpsSrv = &http.Server{Handler: http.HandlerFunc(w.serve), ErrorLog: errLog, ReadHeaderTimeout: 10 * time.Second}
	w.httpSrv = &http.Server{Handler: http.HandlerFunc(w.serve), ErrorLog: errLog, ReadHeaderTimeout: 10 * time.Second}
	tlsLn := tls.NewListener(w.httpsLn, tlsConf)
	w.wg.Add(2)
	go func() { defer w.wg.Done(); _ = w.httpsSrv.Serve(tlsLn) }()
	go func() { defer w.wg.Done(); _ = w.httpSrv.Serve(w.httpLn) }()
	context.AfterFunc(ctx, func() { _ = w.Close() })
	w.log.Debug("web started", "https", w.HTTPSAddr(), "http", w.HTTPAddr())
	return nil
}

// HTTPSAddr is the HTTPS server's host:port; empty before Start.
func (w *Web) HTTPSAddr() string { return addrOf(w.httpsLn) }

// HTTPAddr is the plain HTTP server's host:port; empty before Start.
func (w *Web) HTTPAddr() string { return addrOf(w.httpLn) }

func addrOf(ln net.Listener) string {
	if ln == nil {
		return ""
	}
	return ln.Addr().String()
}

// CA is the authority that issues the valid certificates.
func (w *Web) CA() *CA { return w.ca }

// RootPool is a pool with the simnet root, for the certificate probe.
func (w *Web) RootPool() *x509.CertPool { return w.ca.RootPool() }

// Stalls reports how many CertStall handshakes have begun, so a test can
// wait for one to be held.
func (w *Web) Stalls() int64 { return w.stalls.Load() }

// RootPEM is the simnet root in PEM.
func (w *Web) RootPEM() []byte { return w.ca.RootPEM() }

// Close stops both servers, ends stalled handshakes and endless bodies, and
// waits for the serving goroutines. It is safe to call more than once.
func (w *Web) Close() error {
	var err error
	w.closeOnce.Do(func() {
		close(w.closed)
		if w.httpsSrv != nil {
			err = errors.Join(w.httpsSrv.Close(), w.httpSrv.Close())
		}
		w.wg.Wait()
	})
	return err
}

func normHost(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// SetCert chooses the kind of certificate presented for host. Hosts never
// set get CertValid. A certificate is made once per host and kind and kept,
// so switching back presents the same certificate (same fingerprint).
func (w *Web) SetCert(host string, kind CertKind) {
	host = normHost(host)
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.custom, host)
	w.kinds[host] = kind
}

// SetCertificate presents cert for host, e.g. one made with CA().Issue for
// a CT-log scenario. It replaces any kind set with SetCert.
func (w *Web) SetCertificate(host string, cert *tls.Certificate) {
	host = normHost(host)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.custom[host] = cert
}

// Certificate returns the certificate host would present now, making it
// if needed; tests compare its fingerprint with what a probe saw. It
// returns nil and no error for CertStall.
func (w *Web) Certificate(host string) (*tls.Certificate, error) {
	host = normHost(host)
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.custom[host]; c != nil {
		return c, nil
	}
	kind := w.kinds[host]
	if kind == CertStall {
		return nil, nil
	}
	key := certKey{host, kind}
	if c := w.issued[key]; c != nil {
		return c, nil
	}
	c, err := w.issue(host, kind)
	if err != nil {
		return nil, err
	}
	w.issued[key] = c
	return c, nil
}

// issue runs under w.mu.
func (w *Web) issue(host string, kind CertKind) (*tls.Certificate, error) {
	now := w.opts.Now()
	switch kind {
	case CertValid:
		return w.ca.Issue(LeafOptions{Names: []string{host}})
	case CertExpired:
		return w.ca.Issue(LeafOptions{Names: []string{host}, NotBefore: now.AddDate(0, 0, -120), NotAfter: now.AddDate(0, 0, -30)})
	case CertNotYetValid:
		return w.ca.Issue(LeafOptions{Names: []string{host}, NotBefore: now.AddDate(0, 0, 30), NotAfter: now.AddDate(0, 0, 120)})
	case CertSelfSigned:
		return SelfSigned(LeafOptions{Names: []string{host}}, now)
	case CertWrongName:
		return w.ca.Issue(LeafOptions{Names: []string{WrongName}})
	case CertUntrusted:
		if w.untrusted == nil {
			ca, err := NewCA(CAOptions{Name: "Untrusted Simnet CA", Now: w.opts.Now})
			if err != nil {
				return nil, err
			}
			w.untrusted = ca
		}
		return w.untrusted.Issue(LeafOptions{Names: []string{host}})
	case CertHostile:
		return w.ca.Issue(LeafOptions{
			Names:        []string{host, "<img.src=x.onerror=alert(1)>." + host},
			CommonName:   HostileSubject,
			Organization: []string{"<b>Evil</b> \"Corp\"\r\nX-Injected: yes"},
		})
	}
	return nil, fmt.Errorf("simnet web: no certificate of kind %v", kind)
}

func (w *Web) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	host := normHost(hello.ServerName)
	if host == "" {
		return nil, errors.New("simnet web: no SNI in ClientHello")
	}
	w.mu.RLock()
	kind, custom := w.kinds[host], w.custom[host]
	w.mu.RUnlock()
	if custom == nil && kind == CertStall {
		w.stalls.Add(1)
		t := time.NewTimer(w.opts.StallMax)
		defer t.Stop()
		select {
		case <-hello.Context().Done():
		case <-w.closed:
		case <-t.C:
		}
		return nil, fmt.Errorf("simnet web: %s: stalled handshake ended", host)
	}
	return w.Certificate(host)
}
