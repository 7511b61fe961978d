package simnet

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPOptions configures an SMTP server. The zero value is a plain server
// without TLS or authentication.
type SMTPOptions struct {
	// STARTTLS offers STARTTLS with a certificate made at start for
	// 127.0.0.1 and localhost. Default false.
	STARTTLS bool
	// ImplicitTLS speaks TLS from the first byte (port 465 style). Default false.
	ImplicitTLS bool
	// Username and Password, when Username is set, require AUTH PLAIN with
	// them before MAIL. Over a connection without TLS AUTH is allowed too,
	// as labs need it; the client decides whether it sends a password in clear.
	Username, Password string
	// MaxMessageBytes bounds a message. Default 10 MiB.
	MaxMessageBytes int64
	// Addr is where to listen. Default 127.0.0.1:0.
	Addr string
}

// SMTPMessage is one message the server accepted (or, in Rejected, read and
// then refused).
type SMTPMessage struct {
	From     string
	To       []string
	Data     []byte // the raw message as received, headers and body
	At       time.Time
	TLS      bool   // the session was encrypted
	AuthUser string // the authenticated user, if any
}

// Header parses the message's header.
func (m SMTPMessage) Header() (mail.Header, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return nil, err
	}
	return msg.Header, nil
}

// MessageID is the Message-ID header without angle brackets, or "".
func (m SMTPMessage) MessageID() string {
	h, err := m.Header()
	if err != nil {
		return ""
	}
	return string(bytes.Trim([]byte(h.Get("Message-Id")), "<> "))
}

// SMTPServer is a go-smtp server on loopback that records every message it
// accepts, for tests and the demo. It can be told to refuse messages with a
// given reply code, or be taken down and brought back on the same address.
// Safe for concurrent use.
type SMTPServer struct {
	opts    SMTPOptions
	addr    string
	tlsConf *tls.Config
	caPEM   []byte
	pool    *x509.CertPool

	mu       sync.Mutex
	srv      *smtp.Server
	done     chan struct{}
	msgs     []SMTPMessage
	rejected []SMTPMessage
	fail     *smtp.SMTPError
	failLeft int // messages still to refuse; <0 means until Heal
	notify   chan struct{}
	// mailboxes holds, for a domain whose mail server rejects unknown
	// recipients, the local parts it knows; a domain not in it takes
	// mail for anyone.
	mailboxes map[string]map[string]bool
}

// StartSMTP starts a server and returns when it accepts connections.
func StartSMTP(opts SMTPOptions) (*SMTPServer, error) {
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = 10 << 20
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	s := &SMTPServer{opts: opts, notify: make(chan struct{})}
	if opts.STARTTLS || opts.ImplicitTLS {
		cert, caPEM, err := selfSigned()
		if err != nil {
			return nil, fmt.Errorf("simnet smtp: %w", err)
		}
		s.tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.caPEM = caPEM
		s.pool = x509.NewCertPool()
		s.pool.AppendCertsFromPEM(caPEM)
	}
	if err := s.listen(opts.Addr); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *SMTPServer) listen(addr string) error {
	var l net.Listener
	var err error
	if s.opts.ImplicitTLS {
		l, err = tls.Listen("tcp", addr, s.tlsConf)
	} else {
		l, err = net.Listen("tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("simnet smtp listen %s: %w", addr, err)
	}
	srv := smtp.NewServer(&backend{s: s})
	srv.Domain = "smtp.simnet.test"
	srv.MaxMessageBytes = s.opts.MaxMessageBytes
	srv.MaxRecipients = 100
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if s.opts.STARTTLS {
		srv.TLSConfig = s.tlsConf
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.srv, s.done, s.addr = srv, done, l.Addr().String()
	s.mu.Unlock()
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	return nil
}

// Addr is the host:port the server listens on; it stays the same across
// Down and Up.
func (s *SMTPServer) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// CertPool trusts the server's certificate; nil without TLS.
func (s *SMTPServer) CertPool() *x509.CertPool { return s.pool }

// CACertPEM is the server's self-signed certificate in PEM, for a ca_file;
// nil without TLS.
func (s *SMTPServer) CACertPEM() []byte { return s.caPEM }

// Messages returns a copy of the accepted messages, oldest first.
func (s *SMTPServer) Messages() []SMTPMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMTPMessage(nil), s.msgs...)
}

// Rejected returns messages whose data was read and then refused by Fail.
func (s *SMTPServer) Rejected() []SMTPMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMTPMessage(nil), s.rejected...)
}

// Count is the number of accepted messages.
func (s *SMTPServer) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// Wait blocks until at least n messages were accepted or ctx ends, and
// returns the accepted messages.
func (s *SMTPServer) Wait(ctx context.Context, n int) ([]SMTPMessage, error) {
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			out := append([]SMTPMessage(nil), s.msgs...)
			s.mu.Unlock()
			return out, nil
		}
		ch := s.notify
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return s.Messages(), fmt.Errorf("simnet smtp: %d of %d messages: %w", s.Count(), n, ctx.Err())
		}
	}
}

// Reset forgets the recorded messages.
func (s *SMTPServer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs, s.rejected = nil, nil
}

// Fail makes the server refuse the next n messages (n < 0: until Heal) at
// the end of DATA with code (4xx temporary, 5xx permanent) and text.
func (s *SMTPServer) Fail(code int, text string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ec := smtp.EnhancedCode{code / 100, 0, 0}
	s.fail = &smtp.SMTPError{Code: code, EnhancedCode: ec, Message: text}
	s.failLeft = n
}

// RejectUnknown makes the server refuse, at RCPT TO with 550 5.1.1, any
// recipient at domain whose local part is not one of known (compared
// ignoring case), as a mail server with real mailboxes does. By default a
// domain takes mail for anyone (a catch-all). With no known names every
// recipient of the domain is refused. Later calls replace the list.
func (s *SMTPServer) RejectUnknown(domain string, known ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mailboxes == nil {
		s.mailboxes = map[string]map[string]bool{}
	}
	m := map[string]bool{}
	for _, k := range known {
		m[strings.ToLower(k)] = true
	}
	s.mailboxes[strings.ToLower(strings.TrimSuffix(domain, "."))] = m
}

// AcceptAny makes domain take mail for any recipient again.
func (s *SMTPServer) AcceptAny(domain string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.mailboxes, strings.ToLower(strings.TrimSuffix(domain, ".")))
}

// knows reports whether the server takes mail for the address.
func (s *SMTPServer) knows(addr string) bool {
	local, domain, ok := strings.Cut(strings.ToLower(addr), "@")
	if !ok {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, strict := s.mailboxes[strings.TrimSuffix(domain, ".")]
	return !strict || m[local]
}

// Heal stops refusing messages.
func (s *SMTPServer) Heal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail, s.failLeft = nil, 0
}

// Down closes the listener and every connection: clients see "connection
// refused" until Up.
func (s *SMTPServer) Down() {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	srv.Close()
	<-done
}

// Up listens again on the same address after Down.
func (s *SMTPServer) Up() error {
	s.mu.Lock()
	running := s.srv != nil
	s.mu.Unlock()
	if running {
		return nil
	}
	return s.listen(s.Addr())
}

// Close stops the server for good.
func (s *SMTPServer) Close() error {
	s.Down()
	return nil
}

func (s *SMTPServer) deliver(m SMTPMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil && s.failLeft != 0 {
		if s.failLeft > 0 {
			s.failLeft--
		}
		s.rejected = append(s.rejected, m)
		err := *s.fail
		return &err
	}
	s.msgs = append(s.msgs, m)
	close(s.notify)
	s.notify = make(chan struct{})
	return nil
}

type backend struct{ s *SMTPServer }

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{s: b.s, tls: isTLS, conn: c}, nil
}

type session struct {
	s    *SMTPServer
	conn *smtp.Conn
	tls  bool
	user string
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.s.opts.Username == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.opts.Username || password != ss.s.opts.Password {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.Username != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !ss.s.knows(to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user here"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	// STARTTLS happens after the session is made; ask the connection now.
	_, isTLS := ss.conn.TLSConnectionState()
	return ss.s.deliver(SMTPMessage{From: ss.from, To: append([]string(nil), ss.to...), Data: b, At: time.Now(),
		TLS: isTLS || ss.tls, AuthUser: ss.user})
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1, ::1 and localhost that is
// its own root, so a client can trust exactly it.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "smtp.simnet.test", Organization: []string{"takedown simnet"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost", "smtp.simnet.test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pemBytes, nil
}
