// Package httpprobe records what a domain's web page says: it fetches
// https://domain/ (then http://domain/ if https gives no answer), follows up
// to 10 redirects, and keeps the status, final URL, title, an excerpt and a
// hash of the visible text, the asset paths and the Server header.
//
// Certificates: the https fetch does not require a valid certificate. A
// seized, parked or sinkholed domain often serves its banner under a
// certificate for another name or a self-signed one, and the banner is the
// evidence wanted here; the probe sends no credentials, so reading over an
// unverified connection exposes nothing. The verification result of the
// final https connection is still recorded in CertError (the certificate
// itself is certprobe's job). http is tried only when https gives no HTTP
// answer at all (refused, timeout, handshake failure, blocked); why is kept in
// HTTPSError.
//
// Everything the server sends is bounded (2 MiB of body after
// decompression, 64 KiB of headers, Timeout per attempt) and cleaned
// (invalid UTF-8 and control characters replaced) before it is kept.
package httpprobe

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/html/charset"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/netguard"
	"github.com/takedownhq/takedown/monitor/probe/certprobe"
)

// ErrProbeFailed is wrapped by every error Probe returns: no page was
// observed over either scheme.
var ErrProbeFailed = errors.New("web probe failed")

// Limits.
const (
	// MaxBody is the most body read, after decompression.
	MaxBody = 2 << 20
	// MaxRedirects is the most redirects followed.
	MaxRedirects = 10
	maxHeader    = 64 << 10
	maxURL       = 2048
	maxShort     = 256
)

// Why a redirect chain was not followed to the end (Snapshot.RedirectStop).
const (
	StopLoop   = "loop"   // the next URL was already visited
	StopLimit  = "limit"  // more than MaxRedirects
	StopScheme = "scheme" // the next URL is not http or https
	StopPort   = "port"   // the next URL is on a port other than the web ports in use
)

// Redirect is one hop followed.
type Redirect struct {
	URL      string `json:"url"`
	Status   int    `json:"status"`
	Location string `json:"location"`
}

// Snapshot is what the page said. JSON keys are the contract for
// `takedown check --json`.
type Snapshot struct {
	// Scheme is the scheme of the first request that got an answer: https or http.
	Scheme    string     `json:"scheme"`
	Status    int        `json:"status"`
	FinalURL  string     `json:"final_url"`
	Title     string     `json:"title"`
	Redirects []Redirect `json:"redirects"`
	// RedirectStop is empty when the chain ended in a non-redirect, else
	// StopLoop, StopLimit, StopScheme or StopPort; Status is then the last 3xx.
	RedirectStop string `json:"redirect_stop,omitempty"`
	// TextHash is the SHA-256 of the whole visible text (of the body bytes
	// for non-text content types); Text its first MaxText bytes.
	TextHash string   `json:"text_hash"`
	Text     string   `json:"text"`
	Assets   []string `json:"assets"`
	// Refresh is a <meta http-equiv="refresh"> target (recorded, not followed).
	Refresh     string `json:"refresh,omitempty"`
	Server      string `json:"server"`
	ContentType string `json:"content_type"`
	// Truncated is true when the body was longer than MaxBody.
	Truncated bool `json:"truncated,omitempty"`
	// CertError is the certprobe verification code of the final https
	// connection; empty for a valid certificate or plain http.
	CertError string `json:"cert_error,omitempty"`
	// HTTPSError says why https gave no answer, when Scheme is http:
	// blocked, timeout, dns, tls, refused, connect or error.
	HTTPSError string `json:"https_error,omitempty"`
	// Trackers are analytics and pixel IDs in the page (see Extracted).
	Trackers []string `json:"trackers,omitempty"`
}

// Prober fetches pages. Build it with New; safe for concurrent use.
type Prober struct {
	guard     *netguard.Guard
	httpsPort string
	httpPort  string
	timeout   time.Duration
	roots     *x509.CertPool
	transport *http.Transport
	userAgent string
	now       func() time.Time
}

// Option changes a Prober.
type Option func(*Prober)

// WithRoots sets the pool CertError is judged against (default: the
// system roots).
func WithRoots(pool *x509.CertPool) Option { return func(p *Prober) { p.roots = pool } }

// WithUserAgent replaces the User-Agent header.
func WithUserAgent(ua string) Option { return func(p *Prober) { p.userAgent = ua } }

// New builds a Prober from the network settings: HTTPSPort and HTTPPort
// (default 443 and 80; URLs on those ports, including every URL without a
// port, are dialled on these), Timeout per scheme attempt including the
// redirects and the body (default 5s), Resolver and AllowPrivate for the
// SSRF guard. A probe takes at most two timeouts (https, then http).
func New(n config.Network, opts ...Option) *Prober {
	p := &Prober{
		guard:     netguard.New(n),
		httpsPort: strconv.Itoa(orDefault(n.HTTPSPort, 443)),
		httpPort:  strconv.Itoa(orDefault(n.HTTPPort, 80)),
		timeout:   n.Timeout,
		userAgent: "Mozilla/5.0 (compatible; takedown/1.0; domain monitor)",
		now:       time.Now,
	}
	if p.timeout <= 0 {
		p.timeout = 5 * time.Second
	}
	for _, o := range opts {
		o(p)
	}
	p.transport = &http.Transport{
		Proxy:       nil, // never through an environment proxy: the guard must see the real target
		DialContext: p.dial,
		TLSClientConfig: &tls.Config{
			InsecureSkipVerify: true, // see the package comment; CertError records the verdict
			MinVersion:         tls.VersionTLS10,
		},
		TLSHandshakeTimeout:    p.timeout,
		ResponseHeaderTimeout:  p.timeout,
		MaxResponseHeaderBytes: maxHeader,
		DisableKeepAlives:      true, // one-shot fetches; nothing to reuse, nothing left open
	}
	return p
}

func orDefault(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

// webPort reports whether a redirect may go to port: only the web ports in
// use (80 and 443, or the configured ones), so a hostile page cannot send
// the probe to another service on an address it may reach.
func (p *Prober) webPort(port string) bool {
	switch port {
	case "", "80", "443", p.httpPort, p.httpsPort:
		return true
	}
	return false
}

// dial maps the standard ports to the configured ones, then dials through
// the guard.
func (p *Prober) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	switch port {
	case "443":
		port = p.httpsPort
	case "80":
		port = p.httpPort
	}
	return p.guard.DialContext(ctx, network, net.JoinHostPort(host, port))
}

// Probe fetches the domain's front page. domain is a host name in ASCII
// (A-label) form.
func (p *Prober) Probe(ctx context.Context, domain string) (*Snapshot, error) {
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	if domain == "" || strings.ContainsAny(domain, "/?#@ ") {
		return nil, fmt.Errorf("httpprobe %q: %w: not a host name", domain, ErrProbeFailed)
	}
	return p.probe(ctx, domain, nil)
}

// probe is Probe, keeping the body's first bytes in keep when not nil.
func (p *Prober) probe(ctx context.Context, domain string, keep *bytes.Buffer) (*Snapshot, error) {
	s, herr := p.fetch(ctx, "https://"+domain+"/", keep)
	if herr == nil {
		return s, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("httpprobe %s: %w: %w", domain, ErrProbeFailed, herr)
	}
	if keep != nil {
		keep.Reset()
	}
	s, err := p.fetch(ctx, "http://"+domain+"/", keep)
	if err != nil {
		return nil, fmt.Errorf("httpprobe %s: %w: https: %w; http: %w", domain, ErrProbeFailed, herr, err)
	}
	s.HTTPSError = errorClass(herr)
	return s, nil
}

// errorClass reduces an error to a short stable word, so the snapshot of
// a domain whose https is down hashes the same on every run.
func errorClass(err error) string {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	var tlsErr tls.AlertError
	var recErr tls.RecordHeaderError
	switch {
	case errors.Is(err, netguard.ErrBlocked):
		return "blocked"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, errTimeout):
		return "timeout"
	case errors.As(err, &dnsErr):
		return "dns"
	case errors.As(err, &tlsErr), errors.As(err, &recErr), strings.Contains(err.Error(), "tls:"):
		return "tls"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return "connect" // unreachable, reset, and the like
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "error"
}

var errTimeout = errors.New("timed out")

// fetch gets one URL with its redirects, within the timeout.
func (p *Prober) fetch(ctx context.Context, start string, keep *bytes.Buffer) (*Snapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	s := &Snapshot{Scheme: strings.SplitN(start, ":", 2)[0], Redirects: []Redirect{}, Assets: []string{}}
	visited := map[string]bool{start: true}
	client := &http.Client{
		Transport: p.transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			prev := via[len(via)-1]
			loc := ""
			if req.Response != nil {
				loc = req.Response.Header.Get("Location")
			}
			switch {
			case req.URL.Scheme != "http" && req.URL.Scheme != "https":
				s.RedirectStop = StopScheme
			case !p.webPort(req.URL.Port()):
				s.RedirectStop = StopPort
			case visited[req.URL.String()]:
				s.RedirectStop = StopLoop
			case len(via) > MaxRedirects:
				s.RedirectStop = StopLimit
			}
			if s.RedirectStop != "" {
				return http.ErrUseLastResponse
			}
			visited[req.URL.String()] = true
			status := 0
			if req.Response != nil {
				status = req.Response.StatusCode
			}
			s.Redirects = append(s.Redirects, Redirect{
				URL:      netguard.Clean(prev.URL.String(), maxURL),
				Status:   status,
				Location: netguard.Clean(loc, maxURL),
			})
			return nil
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, start, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", p.userAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	s.Status = resp.StatusCode
	s.FinalURL = netguard.Clean(resp.Request.URL.String(), maxURL)
	s.Server = netguard.Clean(resp.Header.Get("Server"), maxShort)
	s.ContentType = netguard.Clean(resp.Header.Get("Content-Type"), maxShort)
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		s.CertError = certprobe.Verify(resp.TLS.PeerCertificates, resp.Request.URL.Hostname(), p.roots, p.now())
	}
	body := &boundedReader{r: resp.Body, left: MaxBody}
	var src io.Reader = body
	if keep != nil {
		src = io.TeeReader(body, keep) // bounded by MaxBody with the body
	}
	p.readBody(s, src, resp.Header.Get("Content-Type"))
	// The transport sometimes ends a body cut by the deadline with a plain
	// EOF, so the context is asked too: a body that did not finish in time
	// is a failed probe, never a shorter page.
	if body.err != nil || (ctx.Err() != nil && !body.truncated) {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("read body of %s: %w after %s", s.FinalURL, errTimeout, p.timeout)
		}
		return nil, fmt.Errorf("read body of %s: %w", s.FinalURL, body.err)
	}
	s.Truncated = body.truncated
	return s, nil
}

func (p *Prober) readBody(s *Snapshot, body io.Reader, contentType string) {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "" || strings.Contains(mt, "html") || strings.HasSuffix(mt, "xml"):
		r, err := charset.NewReader(body, contentType)
		if err != nil { // unknown charset label: read the bytes as they are
			r = body
		}
		x := Extract(r)
		s.Title, s.Text, s.TextHash, s.Refresh, s.Trackers = x.Title, x.Text, x.TextHash, x.Refresh, x.Trackers
		if x.Assets != nil {
			s.Assets = x.Assets
		}
	case strings.HasPrefix(mt, "text/"):
		r, err := charset.NewReader(body, contentType)
		if err != nil {
			r = body
		}
		b, _ := io.ReadAll(r) // bounded by MaxBody
		t := newTextSink()
		t.add(b)
		s.Text, s.TextHash = t.text(), t.sum()
	default:
		h := sha256.New()
		_, _ = io.Copy(h, body)
		s.TextHash = hex.EncodeToString(h.Sum(nil))
	}
	_, _ = io.Copy(io.Discard, body) // reach the cap or the end, so truncation is known
}

// boundedReader stops after left bytes, notes whether more was there, and
// keeps the first read error other than EOF.
type boundedReader struct {
	r         io.Reader
	left      int64
	truncated bool
	err       error
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.left <= 0 {
		if !b.truncated {
			var one [1]byte
			n, _ := io.ReadFull(b.r, one[:])
			b.truncated = n > 0
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}
