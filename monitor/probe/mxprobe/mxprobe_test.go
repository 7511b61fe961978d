package mxprobe

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/takedownhq/takedown/internal/base/config"
)

// backend is a real go-smtp server's policy: accept any recipient,
// reject unknown ones, or answer 4xx. It counts DATA commands, which the
// probe must never send.
type backend struct {
	mode  string // "any", "known", "greylist"
	data  atomic.Int32
	rcpts atomic.Int32
}

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

type session struct{ b *backend }

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.b.rcpts.Add(1)
	switch {
	case s.b.mode == "any":
		return nil
	case s.b.mode == "greylist":
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted, try again later"}
	case strings.HasPrefix(to, "postmaster@"):
		return nil
	}
	return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
}
func (s *session) Data(r io.Reader) error { s.b.data.Add(1); _, _ = io.Copy(io.Discard, r); return nil }
func (s *session) Reset()                 {}
func (s *session) Logout() error          { return nil }

// serve starts a go-smtp server on 127.0.0.1:0 and returns its port.
func serve(t *testing.T, b *backend) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(b)
	srv.Domain = "mx.example.org"
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// deadPort is a port where nothing listens.
func deadPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return p
}

type fakeMX map[string][]*net.MX

func (f fakeMX) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	if recs, ok := f[name]; ok {
		return recs, nil
	}
	if name == "servfail.example" {
		return nil, &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

var zone = fakeMX{
	"catchall.example": {{Host: "127.0.0.1.", Pref: 10}},
	"strict.example":   {{Host: "127.0.0.1.", Pref: 10}},
	"nullmx.example":   {{Host: ".", Pref: 0}},
}

func TestProbe(t *testing.T) {
	lab := config.Network{AllowPrivate: true, Timeout: 2 * time.Second}
	cases := []struct {
		name, domain string
		mode         string // server policy; "" = nothing listens
		net          config.Network
		hasMX        bool
		accept       Accept
		code         int
		errClass     string
	}{
		{"catch-all accepts a random recipient", "catchall.example", "any", lab, true, AcceptYes, 250, ""},
		{"strict server rejects unknown recipients", "strict.example", "known", lab, true, AcceptNo, 550, ""},
		{"greylisting says nothing", "strict.example", "greylist", lab, true, AcceptUnknown, 451, ""},
		{"dead server", "strict.example", "", lab, true, AcceptUnknown, 0, "refused"},
		{"loopback refused without AllowPrivate", "catchall.example", "any", config.Network{Timeout: time.Second}, true, AcceptUnknown, 0, "blocked"},
		{"no MX", "nomx.example", "any", lab, false, AcceptUnknown, 0, ""},
		{"null MX", "nullmx.example", "any", lab, false, AcceptUnknown, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b *backend
			port := 0
			if tc.mode == "" {
				port = deadPort(t)
			} else {
				b = &backend{mode: tc.mode}
				port = serve(t, b)
			}
			p := New(tc.net, WithResolver(zone), WithPort(port), WithTimeout(5*time.Second))
			r, err := p.Probe(context.Background(), tc.domain)
			if err != nil {
				t.Fatal(err)
			}
			if r.HasMX() != tc.hasMX || r.Accept != tc.accept || r.Code != tc.code || r.Error != tc.errClass {
				t.Errorf("Probe = %+v", r)
			}
			if tc.hasMX && !strings.HasSuffix(r.Recipient, "@"+tc.domain) {
				t.Errorf("recipient %q", r.Recipient)
			}
			if b != nil && b.data.Load() != 0 {
				t.Errorf("DATA was sent %d times", b.data.Load())
			}
			if b != nil && tc.accept != AcceptUnknown && b.rcpts.Load() != 1 {
				t.Errorf("RCPT TO sent %d times, want 1", b.rcpts.Load())
			}
		})
	}
}

func TestLookupFailureIsAnError(t *testing.T) {
	p := New(config.Network{AllowPrivate: true}, WithResolver(zone))
	_, err := p.Probe(context.Background(), "servfail.example")
	if !errors.Is(err, ErrLookup) {
		t.Fatalf("err = %v, want ErrLookup", err)
	}
}

// TestSilentServerTimesOut: a server that accepts the connection and never
// greets is cut by the check's deadline.
func TestSilentServerTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	port, _ := strconv.Atoi(strings.TrimPrefix(ln.Addr().String(), "127.0.0.1:"))
	p := New(config.Network{AllowPrivate: true}, WithResolver(zone), WithPort(port), WithTimeout(300*time.Millisecond))
	start := time.Now()
	r, err := p.Probe(context.Background(), "catchall.example")
	if err != nil {
		t.Fatal(err)
	}
	if r.Accept != AcceptUnknown || r.Error != "timeout" || time.Since(start) > 2*time.Second {
		t.Errorf("Probe = %+v after %s", r, time.Since(start))
	}
}
