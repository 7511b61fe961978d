package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/netguard"
)

// mailer sends messages through the configured relay with go-mail.
type mailer struct {
	host, mode  string
	port        int
	user, pass  string
	from        string // bare address
	fromHeader  string // as configured, may carry a display name
	fromDomain  string // right of @, for Message-IDs
	tlsConf     *tls.Config
	timeout     time.Duration
	perDialMsgs int
}

func newMailer(cfg config.SMTP, roots *x509.CertPool, timeout time.Duration) (*mailer, error) {
	host, portS, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("alerts.smtp.addr %q: want host:port", cfg.Addr)
	}
	port, err := strconv.Atoi(portS)
	if err != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("alerts.smtp.addr %q: bad port", cfg.Addr)
	}
	mode := cfg.TLS
	if mode == "" {
		mode = "starttls"
	}
	switch mode {
	case "none", "starttls", "implicit":
	default:
		return nil, fmt.Errorf("alerts.smtp.tls %q: want none, starttls or implicit", cfg.TLS)
	}
	from, err := parseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("alerts.smtp.from: %w", err)
	}
	if roots == nil && cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("alerts.smtp.ca_file: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("alerts.smtp.ca_file %s: no PEM certificate in it", cfg.CAFile)
		}
	}
	_, dom, _ := strings.Cut(from, "@")
	return &mailer{
		host: host, port: port, mode: mode, user: cfg.Username, pass: cfg.Password,
		from: from, fromHeader: cfg.From, fromDomain: cleanLine(dom, 253),
		tlsConf: &tls.Config{ServerName: host, RootCAs: roots, MinVersion: tls.VersionTLS12},
		timeout: timeout, perDialMsgs: 50,
	}, nil
}

func (m *mailer) client() (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(m.port),
		gomail.WithTimeout(m.timeout),
		gomail.WithTLSConfig(m.tlsConf.Clone()),
		gomail.WithHELO("takedown"),
	}
	switch m.mode {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS), gomail.WithDialContextFunc(m.dialCapped))
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory), gomail.WithDialContextFunc(m.dialCapped))
	case "implicit":
		opts = append(opts, gomail.WithSSL())
	}
	if m.user != "" {
		// Without TLS only PLAIN is possible, and go-mail sends it only to
		// localhost: a password never crosses a network in clear.
		auth := gomail.SMTPAuthAutoDiscover
		if m.mode == "none" {
			auth = gomail.SMTPAuthPlain
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(m.user), gomail.WithPassword(m.pass))
	}
	return gomail.NewClient(m.host, opts...)
}

// A relay's reply (greeting, EHLO, each later answer) is cut past these;
// go-mail's reader limits a line, not the lines of one reply. After
// STARTTLS the cap counts TLS records, still bounding the bytes.
const (
	maxReplyBytes = 256 << 10
	maxReplyLines = 1024
)

// dialCapped dials the relay with each reply capped. Implicit TLS keeps
// go-mail's own dialer: with a custom one go-mail takes the connection
// as unencrypted and would no longer offer PLAIN or LOGIN.
func (m *mailer) dialCapped(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: m.timeout}
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return netguard.CapReplies(c, maxReplyBytes, maxReplyLines), nil
}

// outMail is one mail to one recipient.
type outMail struct {
	to  string
	msg message
	// raw, when set, is a message rendered elsewhere (a case report) that
	// goes out instead of msg.
	raw *gomail.Msg
}

func (m *mailer) build(o outMail, now time.Time) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(m.fromHeader); err != nil {
		return nil, fmt.Errorf("from %q: %w", m.fromHeader, err)
	}
	if err := msg.To(o.to); err != nil {
		return nil, fmt.Errorf("recipient %q: %w", o.to, err)
	}
	// Values in headers are cleaned (no CR/LF, bounded) before go-mail
	// encodes them, so a hostile domain or WHOIS field cannot add a header.
	msg.Subject(cleanLine(o.msg.subject, maxSubject))
	msg.SetMessageIDWithValue(o.msg.key + "@" + m.fromDomain)
	msg.SetDateWithValue(now)
	msg.SetGenHeader(gomail.Header("X-Takedown-Delivery"), o.msg.key)
	msg.SetGenHeader(gomail.Header("X-Takedown-Channel"), cleanLine(o.msg.channel, 64))
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	if sev := topSeverity(o.msg.views); sev != "" {
		msg.SetGenHeader(gomail.Header("X-Takedown-Severity"), string(sev))
	}
	msg.SetBodyString(gomail.TypeTextPlain, o.msg.text)
	msg.AddAlternativeString(gomail.TypeTextHTML, o.msg.html)
	return msg, nil
}

// send delivers mails over as few connections as it can and calls done
// with each mail's outcome as soon as it is known, so the caller can mark it
// before the next one goes: a crash mid-batch then repeats nothing that was
// marked. A failed mail closes the connection so the next starts clean. An
// error from done stops the batch and is returned.
func (m *mailer) send(ctx context.Context, mails []outMail, now time.Time, done func(i int, err error) error) error {
	var c *gomail.Client
	sent := 0
	closeConn := func() {
		if c != nil {
			c.Close()
			c = nil
		}
	}
	defer closeConn()
	for i, o := range mails {
		if err := done(i, m.sendOne(ctx, &c, &sent, o, now, closeConn)); err != nil {
			return err
		}
	}
	return nil
}

func (m *mailer) sendOne(ctx context.Context, c **gomail.Client, sent *int, o outMail, now time.Time, closeConn func()) error {
	msg, err := o.raw, error(nil)
	if msg == nil {
		msg, err = m.build(o, now)
	}
	if err != nil {
		return permanent(err)
	}
	if *c == nil || *sent >= m.perDialMsgs {
		closeConn()
		cl, err := m.client()
		if err != nil {
			return permanent(fmt.Errorf("smtp client: %w", err))
		}
		dctx, cancel := context.WithTimeout(ctx, m.timeout)
		err = cl.DialWithContext(dctx)
		cancel()
		if err != nil {
			return fmt.Errorf("smtp %s:%d: %w", m.host, m.port, err)
		}
		*c, *sent = cl, 0
	}
	if err := (*c).Send(msg); err != nil {
		err = fmt.Errorf("smtp %s:%d to %s: %w", m.host, m.port, o.to, err)
		closeConn()
		if smtpPermanent(err) {
			return permanent(err)
		}
		return err
	}
	*sent++
	return nil
}

// sendNow delivers one mail on its own connection.
func (m *mailer) sendNow(ctx context.Context, o outMail, now time.Time) error {
	var res error
	m.send(ctx, []outMail{o}, now, func(_ int, err error) error { res = err; return nil })
	return res
}

// smtpPermanent: a 5xx reply to MAIL, RCPT or DATA will not change by
// retrying. Connection, TLS and AUTH trouble is retried instead: it is
// usually an outage or a configuration fixed later, and retrying keeps the
// alert.
func smtpPermanent(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		return code >= 500 && code < 600
	}
	return false
}
