// Package certprobe records the certificate a domain serves: it connects to
// the domain's TLS port with SNI, takes the leaf and the chain the server
// sends, and verifies them against the system roots (or a given pool).
//
// An invalid certificate is an observation, not an error: expired,
// self-signed, wrong-name and unknown-authority certificates all come back as
// a Snapshot whose VerifyError says what is wrong. Only failing to get a
// certificate at all (no address, refused, blocked by the SSRF guard,
// timeout, a stalled or failed handshake) is an error, and it wraps
// ErrProbeFailed so the caller never mistakes it for a change.
package certprobe

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/netguard"
)

// ErrProbeFailed is wrapped by every error Probe returns: no certificate was
// observed, which is not the same as "the certificate went away".
var ErrProbeFailed = errors.New("certificate probe failed")

// Verification results, the values of Snapshot.VerifyError. They are short
// stable codes (no times, no addresses) so equal states hash equal.
const (
	VerifyOK               = ""
	VerifyExpired          = "expired"
	VerifyNotYetValid      = "not_yet_valid"
	VerifyWrongName        = "wrong_name"
	VerifySelfSigned       = "self_signed"
	VerifyUnknownAuthority = "unknown_authority"
	VerifyInvalid          = "invalid" // anything else: bad usage, constraints, signature
)

// Bounds on what is kept from a certificate.
const (
	maxField = 1024 // bytes of a subject, issuer or SAN
	maxSANs  = 1000
	maxChain = 10
)

// Cert is one certificate as recorded.
type Cert struct {
	SHA256    string    `json:"sha256"`
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	KeyType   string    `json:"key_type"`
	SANs      []string  `json:"sans"`
	// SPKI is the SHA-256 of the subject public key info: the same key
	// reused in certificates for other names links those names.
	SPKI string `json:"spki_sha256,omitempty"`
}

// Snapshot is what the probe saw: the leaf's fields at the top level, the
// rest of the chain in Chain. JSON keys are the contract for
// `takedown check --json`.
type Snapshot struct {
	Cert
	// VerifyError is empty when the chain verifies for the domain, else one
	// of the Verify* codes.
	VerifyError string `json:"verify_error"`
	// Chain holds the certificates the server sent after the leaf, in the
	// order sent (intermediates, sometimes a root).
	Chain []Cert `json:"chain"`
	// Address is the ip:port connected to.
	Address string `json:"address"`
}

// Prober probes certificates. Build it with New; safe for concurrent use.
type Prober struct {
	guard   *netguard.Guard
	port    string
	timeout time.Duration
	roots   *x509.CertPool
	now     func() time.Time
}

// Option changes a Prober.
type Option func(*Prober)

// WithRoots verifies against pool instead of the system roots (simnet).
func WithRoots(pool *x509.CertPool) Option { return func(p *Prober) { p.roots = pool } }

// WithClock sets the time certificates are verified at. Default time.Now.
func WithClock(now func() time.Time) Option { return func(p *Prober) { p.now = now } }

// New builds a Prober from the network settings: CertPort (default 443),
// Timeout for the whole dial and handshake (default 5s), Resolver and
// AllowPrivate for the SSRF guard.
func New(n config.Network, opts ...Option) *Prober {
	port := n.CertPort
	if port <= 0 {
		port = 443
	}
	t := n.Timeout
	if t <= 0 {
		t = 5 * time.Second
	}
	p := &Prober{guard: netguard.New(n), port: strconv.Itoa(port), timeout: t, now: time.Now}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Probe connects to domain on the certificate port and records what it
// serves. domain is a host name in ASCII (A-label) form.
func (p *Prober) Probe(ctx context.Context, domain string) (*Snapshot, error) {
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	conn, err := p.dialTLS(ctx, domain)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("no handshake within %s: %w", p.timeout, err)
		}
		return nil, fmt.Errorf("certprobe %s: %w: %w", domain, ErrProbeFailed, err)
	}
	defer conn.Close()
	state := conn.ConnectionState()
	if len(state.PeerCertificates) == 0 {
		return nil, fmt.Errorf("certprobe %s: %w: server sent no certificate", domain, ErrProbeFailed)
	}
	s := &Snapshot{
		Cert:        record(state.PeerCertificates[0]),
		VerifyError: Verify(state.PeerCertificates, domain, p.roots, p.now()),
		Address:     conn.RemoteAddr().String(),
		Chain:       []Cert{},
	}
	for i, c := range state.PeerCertificates[1:] {
		if i == maxChain {
			break
		}
		s.Chain = append(s.Chain, record(c))
	}
	return s, nil
}

// Verify checks certs (leaf first, then what the server sent with it) for
// name against roots (nil: the system roots) at time now, and returns a
// Verify* code.
func Verify(certs []*x509.Certificate, name string, roots *x509.CertPool, now time.Time) string {
	if len(certs) == 0 {
		return VerifyInvalid
	}
	leaf := certs[0]
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, Intermediates: inter, CurrentTime: now})
	return classify(err, leaf, now)
}

func classify(err error, leaf *x509.Certificate, now time.Time) string {
	if err == nil {
		return VerifyOK
	}
	var inv x509.CertificateInvalidError
	var host x509.HostnameError
	var unk x509.UnknownAuthorityError
	switch {
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		if now.Before(inv.Cert.NotBefore) {
			return VerifyNotYetValid
		}
		return VerifyExpired
	case errors.As(err, &host):
		return VerifyWrongName
	case errors.As(err, &unk):
		if selfSigned(leaf) {
			return VerifySelfSigned
		}
		return VerifyUnknownAuthority
	}
	return VerifyInvalid
}

// selfSigned is true when the leaf names itself as issuer and its own key
// checks its signature. CheckSignatureFrom is not used because it insists
// the parent be a CA, which a self-signed leaf usually is not.
func selfSigned(c *x509.Certificate) bool {
	if string(c.RawIssuer) != string(c.RawSubject) {
		return false
	}
	return c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

func record(c *x509.Certificate) Cert {
	sum := sha256.Sum256(c.Raw)
	spki := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	out := Cert{
		SHA256:    hex.EncodeToString(sum[:]),
		SPKI:      hex.EncodeToString(spki[:]),
		Subject:   netguard.Clean(c.Subject.String(), maxField),
		Issuer:    netguard.Clean(c.Issuer.String(), maxField),
		NotBefore: c.NotBefore.UTC(),
		NotAfter:  c.NotAfter.UTC(),
		KeyType:   KeyType(c),
		SANs:      []string{},
	}
	if c.SerialNumber != nil {
		out.Serial = netguard.Clean(c.SerialNumber.Text(16), maxField)
	}
	add := func(s string) {
		if len(out.SANs) < maxSANs {
			out.SANs = append(out.SANs, netguard.Clean(s, maxField))
		}
	}
	for _, n := range c.DNSNames {
		add(n)
	}
	for _, ip := range c.IPAddresses {
		add(ip.String())
	}
	return out
}

// KeyType names a certificate's public key: "RSA 2048", "ECDSA P-256",
// "Ed25519".
func KeyType(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return c.PublicKeyAlgorithm.String()
}

// dialTLS connects through the guard (which resolves through the
// configured resolver and names it in lookup errors) and shakes hands.
func (p *Prober) dialTLS(ctx context.Context, domain string) (*tls.Conn, error) {
	raw, err := p.guard.DialContext(ctx, "tcp", net.JoinHostPort(domain, p.port))
	if err != nil {
		return nil, err
	}
	tc := tls.Client(raw, &tls.Config{
		ServerName: domain,
		// Verification is done below, after the handshake, so a bad
		// certificate is recorded rather than ending the connection.
		InsecureSkipVerify: true,
		MinVersion:         tls.VersionTLS10,
	})
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	return tc, nil
}
