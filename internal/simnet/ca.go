package simnet

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// KeyType selects the key algorithm of an issued certificate.
type KeyType int

// Key types. ECDSA P-256 is the default because it is fast to make.
const (
	KeyECDSAP256 KeyType = iota
	KeyRSA2048
	KeyEd25519
)

func (k KeyType) generate() (crypto.Signer, error) {
	switch k {
	case KeyECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case KeyRSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case KeyEd25519:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return nil, fmt.Errorf("simnet: unknown key type %d", int(k))
}

// CAOptions configure NewCA.
type CAOptions struct {
	// Name is the root's common name. Default "Simnet Root CA".
	Name string
	// Intermediate makes leaves be issued by an intermediate under the root,
	// sent with each leaf, as public CAs do. Default false: the root issues.
	Intermediate bool
	// Now is the clock validity periods are computed from. Default time.Now.
	Now func() time.Time
}

// CA is a certificate authority made in memory at start. Its root goes into
// the probes' root pool in tests, so leaves it issues verify as valid. Safe
// for concurrent use.
type CA struct {
	root      *x509.Certificate
	rootKey   crypto.Signer
	issuer    *x509.Certificate
	issuerKey crypto.Signer
	chain     [][]byte // DER sent after a leaf: the intermediate, if any
	now       func() time.Time
}

// NewCA makes a root (and an intermediate if asked) valid from an hour ago
// for ten years.
func NewCA(o CAOptions) (*CA, error) {
	if o.Name == "" {
		o.Name = "Simnet Root CA"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	now := o.Now()
	key, err := KeyECDSAP256.generate()
	if err != nil {
		return nil, fmt.Errorf("simnet ca: root key: %w", err)
	}
	tmpl := caTemplate(o.Name, now)
	tmpl.MaxPathLen = 1
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("simnet ca: root: %w", err)
	}
	root, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("simnet ca: root: %w", err)
	}
	ca := &CA{root: root, rootKey: key, issuer: root, issuerKey: key, now: o.Now}
	if !o.Intermediate {
		return ca, nil
	}
	ikey, err := KeyECDSAP256.generate()
	if err != nil {
		return nil, fmt.Errorf("simnet ca: intermediate key: %w", err)
	}
	itmpl := caTemplate(o.Name+" Issuing CA 1", now)
	itmpl.MaxPathLenZero = true
	ider, err := x509.CreateCertificate(rand.Reader, itmpl, root, ikey.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("simnet ca: intermediate: %w", err)
	}
	inter, err := x509.ParseCertificate(ider)
	if err != nil {
		return nil, fmt.Errorf("simnet ca: intermediate: %w", err)
	}
	ca.issuer, ca.issuerKey, ca.chain = inter, ikey, [][]byte{ider}
	return ca, nil
}

func caTemplate(name string, now time.Time) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"Simnet"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
}

func randomSerial() *big.Int {
	// 128 random bits, top bit cleared so the DER integer stays positive
	// and at most 16 bytes, as CAs do.
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[0] &= 0x7f
	b[0] |= 0x01 // never zero
	return new(big.Int).SetBytes(b)
}

// Root is the root certificate.
func (ca *CA) Root() *x509.Certificate { return ca.root }

// Issuer is the certificate that signs leaves: the intermediate, or the
// root when there is none.
func (ca *CA) Issuer() *x509.Certificate { return ca.issuer }

// RootPool returns a new pool holding only the root, for a probe's Roots.
func (ca *CA) RootPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.root)
	return p
}

// RootPEM is the root in PEM, for a file a person can pass to tools.
func (ca *CA) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.root.Raw})
}

// LeafOptions describe a certificate to issue.
type LeafOptions struct {
	// Names are the subject alternative names; entries that parse as IP
	// addresses become IP SANs. Required unless CommonName is set.
	Names []string
	// CommonName defaults to Names[0].
	CommonName string
	// Organization goes into the subject when set.
	Organization []string
	// NotBefore and NotAfter default to an hour ago and 90 days on.
	NotBefore, NotAfter time.Time
	// Key is the key algorithm. Default ECDSA P-256.
	Key KeyType
	// ExtraExtensions are added as they are, e.g. the CT poison extension
	// for a precertificate or an SCT list.
	ExtraExtensions []pkix.Extension
}

func (ca *CA) leafTemplate(o LeafOptions) (*x509.Certificate, error) {
	if len(o.Names) == 0 && o.CommonName == "" {
		return nil, errors.New("simnet ca: a certificate needs a name")
	}
	now := ca.now()
	t := &x509.Certificate{
		SerialNumber:    randomSerial(),
		Subject:         pkix.Name{CommonName: o.CommonName, Organization: o.Organization},
		NotBefore:       o.NotBefore,
		NotAfter:        o.NotAfter,
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		ExtraExtensions: o.ExtraExtensions,
	}
	if t.Subject.CommonName == "" {
		t.Subject.CommonName = o.Names[0]
	}
	if t.NotBefore.IsZero() {
		t.NotBefore = now.Add(-time.Hour)
	}
	if t.NotAfter.IsZero() {
		t.NotAfter = now.AddDate(0, 0, 90)
	}
	for _, n := range o.Names {
		if ip := net.ParseIP(n); ip != nil {
			t.IPAddresses = append(t.IPAddresses, ip)
		} else {
			t.DNSNames = append(t.DNSNames, n)
		}
	}
	return t, nil
}

// Issue makes a key and a leaf certificate signed by the CA's issuer. The
// result carries the intermediate (if any) after the leaf and has Leaf set,
// ready for a tls.Config.
func (ca *CA) Issue(o LeafOptions) (*tls.Certificate, error) {
	tmpl, err := ca.leafTemplate(o)
	if err != nil {
		return nil, err
	}
	key, err := o.Key.generate()
	if err != nil {
		return nil, fmt.Errorf("simnet ca: key: %w", err)
	}
	der, err := ca.Sign(tmpl, key.Public())
	if err != nil {
		return nil, err
	}
	return tlsCert(append([][]byte{der}, ca.chain...), key)
}

// Sign signs tmpl for pub with the CA's issuer and returns the DER. It is
// the low-level door for callers that build their own templates (CT
// precertificates, odd extensions).
func (ca *CA) Sign(tmpl *x509.Certificate, pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.issuer, pub, ca.issuerKey)
	if err != nil {
		return nil, fmt.Errorf("simnet ca: sign %q: %w", tmpl.Subject.CommonName, err)
	}
	return der, nil
}

// SelfSigned makes a certificate signed by its own key, as an
// unconfigured server or a hand-made seizure box might present.
func SelfSigned(o LeafOptions, now time.Time) (*tls.Certificate, error) {
	ca := &CA{now: func() time.Time { return now }}
	tmpl, err := ca.leafTemplate(o)
	if err != nil {
		return nil, err
	}
	key, err := o.Key.generate()
	if err != nil {
		return nil, fmt.Errorf("simnet ca: key: %w", err)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("simnet ca: self-signed %q: %w", tmpl.Subject.CommonName, err)
	}
	return tlsCert([][]byte{der}, key)
}

func tlsCert(chain [][]byte, key crypto.Signer) (*tls.Certificate, error) {
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return nil, fmt.Errorf("simnet ca: parse issued certificate: %w", err)
	}
	return &tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
}
