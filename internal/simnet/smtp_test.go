package simnet

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

func startSMTP(t *testing.T, o SMTPOptions) *SMTPServer {
	t.Helper()
	s, err := StartSMTP(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sendPlain sends over a connection without TLS, as a lab client would.
func sendPlain(addr string, from string, to []string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail(from, to, strings.NewReader(rawMsg)); err != nil {
		return err
	}
	return c.Quit()
}

const rawMsg = "From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\nMessage-ID: <m1@example.org>\r\n\r\nbody\r\n"

func TestSMTPRecordsMessages(t *testing.T) {
	s := startSMTP(t, SMTPOptions{})
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Fatalf("listens on %s", s.Addr())
	}
	if err := sendPlain(s.Addr(), "a@example.org", []string{"b@example.org", "c@example.org"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msgs, err := s.Wait(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if m.From != "a@example.org" || strings.Join(m.To, ",") != "b@example.org,c@example.org" || m.TLS || m.AuthUser != "" {
		t.Errorf("envelope %+v", m)
	}
	if m.MessageID() != "m1@example.org" || !strings.Contains(string(m.Data), "\r\n\r\nbody") {
		t.Errorf("message id %q, data %q", m.MessageID(), m.Data)
	}
	s.Reset()
	if s.Count() != 0 {
		t.Error("Reset kept messages")
	}
}

func TestSMTPAuthAndSTARTTLS(t *testing.T) {
	s := startSMTP(t, SMTPOptions{STARTTLS: true, Username: "u", Password: "p"})
	tc := &tls.Config{RootCAs: s.CertPool(), ServerName: "127.0.0.1"}

	// Without AUTH, MAIL is refused.
	c, err := smtp.DialStartTLS(s.Addr(), tc)
	if err != nil {
		t.Fatal(err)
	}
	var se *smtp.SMTPError
	if err := c.Mail("a@example.org", nil); !errors.As(err, &se) || se.Code != 502 {
		t.Errorf("MAIL without AUTH: %v", err)
	}
	c.Close()

	// A wrong password is refused.
	c, err = smtp.DialStartTLS(s.Addr(), tc)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "u", "wrong")); !errors.As(err, &se) || se.Code != 535 {
		t.Errorf("wrong password: %v", err)
	}
	c.Close()

	c, err = smtp.DialStartTLS(s.Addr(), tc)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", "u", "p")); err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader(rawMsg)); err != nil {
		t.Fatal(err)
	}
	m := s.Messages()[0]
	if !m.TLS || m.AuthUser != "u" {
		t.Errorf("TLS %v user %q", m.TLS, m.AuthUser)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	s := startSMTP(t, SMTPOptions{ImplicitTLS: true})
	c, err := smtp.DialTLS(s.Addr(), &tls.Config{RootCAs: s.CertPool(), ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SendMail("a@example.org", []string{"b@example.org"}, strings.NewReader(rawMsg)); err != nil {
		t.Fatal(err)
	}
	if m := s.Messages()[0]; !m.TLS {
		t.Error("not recorded as TLS")
	}
	// A client that does not trust the certificate is refused.
	if _, err := smtp.DialTLS(s.Addr(), &tls.Config{ServerName: "localhost"}); err == nil {
		t.Error("an untrusted client connected")
	}
}

func TestSMTPFailHealDownUp(t *testing.T) {
	s := startSMTP(t, SMTPOptions{})
	send := func() error {
		return sendPlain(s.Addr(), "a@example.org", []string{"b@example.org"})
	}
	s.Fail(451, "later", 2)
	for i := range 2 {
		var se *smtp.SMTPError
		if err := send(); !errors.As(err, &se) || se.Code != 451 {
			t.Fatalf("refusal %d: %v", i, err)
		}
	}
	if err := send(); err != nil {
		t.Fatalf("after the refusals: %v", err)
	}
	s.Fail(554, "no", -1)
	for range 3 {
		var se *smtp.SMTPError
		if err := send(); !errors.As(err, &se) || se.Code != 554 {
			t.Fatalf("permanent refusal: %v", err)
		}
	}
	s.Heal()
	if err := send(); err != nil {
		t.Fatal(err)
	}
	if s.Count() != 2 || len(s.Rejected()) != 5 {
		t.Errorf("%d accepted, %d rejected; want 2 and 5", s.Count(), len(s.Rejected()))
	}

	addr := s.Addr()
	s.Down()
	if err := send(); err == nil {
		t.Fatal("sent while down")
	}
	if err := s.Up(); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Errorf("came back on %s, was %s", s.Addr(), addr)
	}
	if err := send(); err != nil {
		t.Fatalf("after Up: %v", err)
	}
	if s.Count() != 3 {
		t.Errorf("%d messages, want 3", s.Count())
	}
}

// A domain with mailboxes refuses other recipients at RCPT TO with 550,
// as a real mail server does; other domains still take anyone, and
// AcceptAny makes the domain a catch-all again.
func TestSMTPRejectUnknown(t *testing.T) {
	s := startSMTP(t, SMTPOptions{})
	s.RejectUnknown("bakery.example.", "Orders")
	for _, tc := range []struct {
		to   string
		code int
	}{
		{"orders@bakery.example", 0},
		{"ORDERS@Bakery.Example", 0},
		{"x7f3q9@bakery.example", 550},
		{"x7f3q9@example.org", 0},
	} {
		t.Run(tc.to, func(t *testing.T) {
			err := sendPlain(s.Addr(), "a@example.org", []string{tc.to})
			var se *smtp.SMTPError
			switch {
			case tc.code == 0 && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.code != 0 && (!errors.As(err, &se) || se.Code != tc.code || se.EnhancedCode != (smtp.EnhancedCode{5, 1, 1})):
				t.Fatalf("got %v, want %d 5.1.1", err, tc.code)
			}
		})
	}
	s.AcceptAny("bakery.example")
	if err := sendPlain(s.Addr(), "a@example.org", []string{"x7f3q9@bakery.example"}); err != nil {
		t.Errorf("after AcceptAny: %v", err)
	}
}
