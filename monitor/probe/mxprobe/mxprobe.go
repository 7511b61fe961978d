// Package mxprobe asks whether a domain can receive mail: does it publish
// MX records, and does its first reachable mail server accept mail for a
// recipient that cannot exist (a catch-all, which is what a look-alike
// set up to collect misdirected mail looks like). The conversation stops
// at RCPT TO: EHLO, MAIL FROM, RCPT TO, RSET, QUIT. DATA is never sent,
// so no message is ever delivered.
package mxprobe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/netguard"
)

// Accept is what the mail server said to the random recipient.
type Accept string

const (
	// AcceptYes: RCPT TO got a 2xx; the server takes mail for anyone.
	AcceptYes Accept = "accepts"
	// AcceptNo: RCPT TO got a 5xx; unknown recipients are refused.
	AcceptNo Accept = "rejects"
	// AcceptUnknown: a 4xx (greylisting, rate limit), a refused MAIL FROM,
	// or no server answered; nothing is known about recipients.
	AcceptUnknown Accept = "unknown"
)

// Result is one MX check. It serializes to JSON for storage with the
// look-alike's other signals.
type Result struct {
	// MX lists the exchanges by preference; empty when there are none.
	MX []string `json:"mx"`
	// NullMX: the domain publishes "MX 0 ." (RFC 7505): it takes no mail.
	NullMX bool `json:"null_mx,omitempty"`
	// Host is the exchange that answered (or the last one tried).
	Host string `json:"host,omitempty"`
	// Recipient is the random address asked for.
	Recipient string `json:"recipient,omitempty"`
	Accept    Accept `json:"accept"`
	// Code and Message are the server's reply to RCPT TO (or to the
	// command that failed before it).
	Code    int    `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// Error says why no server gave an answer: timeout, refused, blocked…
	Error string `json:"error,omitempty"`
}

// HasMX reports whether the domain publishes a usable MX.
func (r Result) HasMX() bool { return len(r.MX) > 0 && !r.NullMX }

// MXResolver is the part of *net.Resolver the probe uses.
type MXResolver interface {
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
}

// Prober runs MX checks. Build it with New; safe for concurrent use.
type Prober struct {
	resolver MXResolver
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	port     int
	helo     string
	from     string
	timeout  time.Duration
	maxHosts int
}

// Option adjusts a Prober.
type Option func(*Prober)

// WithPort sets the SMTP port (default 25; labs and tests use another).
func WithPort(port int) Option { return func(p *Prober) { p.port = port } }

// WithHelo sets the EHLO name and the MAIL FROM address (defaults
// "takedown.invalid" and "<>", the null sender, which bounces nowhere).
func WithHelo(name, from string) Option {
	return func(p *Prober) { p.helo, p.from = name, from }
}

// WithResolver replaces the MX resolver.
func WithResolver(r MXResolver) Option { return func(p *Prober) { p.resolver = r } }

// WithTimeout bounds one whole check (default 20s; each connection also
// has the network timeout).
func WithTimeout(d time.Duration) Option { return func(p *Prober) { p.timeout = d } }

// New builds a Prober on the network settings: the resolver, and the
// address guard that refuses private addresses unless AllowPrivate.
func New(n config.Network, opts ...Option) *Prober {
	g := netguard.New(n)
	p := &Prober{
		resolver: netguard.Resolver(n.Resolver),
		dial:     g.DialContext,
		port:     25,
		helo:     "takedown.invalid",
		timeout:  20 * time.Second,
		maxHosts: 3,
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// A reply (the greeting, or the answer to one command) is cut past these:
// go-smtp limits a line, not the lines of a multi-line reply, and real
// EHLO replies are about a dozen short lines.
const (
	MaxReplyBytes = 64 << 10
	MaxReplyLines = 256
)

// ErrorTooLarge is Result.Error when a reply passed MaxReplyBytes or
// MaxReplyLines.
const ErrorTooLarge = "reply too large"

// ErrLookup wraps a failed MX lookup (not NXDOMAIN or no records: those
// are answers and give an empty Result).
var ErrLookup = errors.New("mxprobe: MX lookup failed")

// Probe checks domain. A failed lookup is an error; a server that does not
// answer is a Result with Accept unknown and Error set.
func (p *Prober) Probe(ctx context.Context, domain string) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	mx, err := p.lookup(ctx, domain)
	if err != nil {
		return Result{Accept: AcceptUnknown}, err
	}
	r := Result{MX: mx, Accept: AcceptUnknown}
	if len(mx) == 1 && mx[0] == "." {
		r.NullMX = true
		return r, nil
	}
	if len(mx) == 0 {
		return r, nil
	}
	r.Recipient = randomLocal() + "@" + domain
	for _, host := range mx[:min(len(mx), p.maxHosts)] {
		r.Host = host
		if p.ask(ctx, host, &r) {
			break
		}
	}
	return r, nil
}

func (p *Prober) lookup(ctx context.Context, domain string) ([]string, error) {
	recs, err := p.resolver.LookupMX(ctx, domain)
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return nil, nil
	}
	if err != nil && len(recs) == 0 {
		return nil, fmt.Errorf("%w: %s: %w", ErrLookup, domain, err)
	}
	slices.SortStableFunc(recs, func(a, b *net.MX) int { return int(a.Pref) - int(b.Pref) })
	out := make([]string, 0, len(recs))
	for _, m := range recs {
		h := strings.TrimSuffix(strings.ToLower(m.Host), ".")
		if h == "" {
			h = "."
		}
		out = append(out, h)
	}
	return out, nil
}

// ask holds one SMTP conversation and reports whether it got an answer
// worth stopping for (any reply to RCPT TO, or a refusal of the sender).
func (p *Prober) ask(ctx context.Context, host string, r *Result) bool {
	conn, err := p.dial(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(p.port)))
	if err != nil {
		r.Error = errorClass(err)
		return false
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() }) // a cancelled check ends the conversation
	defer stop()
	capped := netguard.CapReplies(conn, MaxReplyBytes, MaxReplyLines)
	c := smtp.NewClient(capped)
	defer c.Close()
	// go-smtp sets a deadline per command (5 minutes by default): give
	// each command what is left of the check.
	if dl, ok := ctx.Deadline(); ok {
		c.CommandTimeout = time.Until(dl)
		c.SubmissionTimeout = time.Until(dl)
	}
	if err := c.Hello(p.helo); err != nil {
		return failed(ctx, r, capped, err)
	}
	if err := c.Mail(p.from, nil); err != nil {
		return failed(ctx, r, capped, err)
	}
	err = c.Rcpt(r.Recipient, nil)
	r.Error = ""
	var se *smtp.SMTPError
	switch {
	case err == nil:
		r.Accept, r.Code, r.Message = AcceptYes, 250, ""
	case errors.As(err, &se) && se.Code >= 500:
		r.Accept, r.Code, r.Message = AcceptNo, se.Code, clip(se.Message)
	case errors.As(err, &se):
		r.Accept, r.Code, r.Message = AcceptUnknown, se.Code, clip(se.Message)
	default:
		return failed(ctx, r, capped, err)
	}
	_ = c.Reset()
	_ = c.Quit()
	return true
}

// failed records a refusal before RCPT TO: an SMTP reply ends the check
// (the server answered; it will answer the same on the next MX), a broken
// connection moves on to the next exchange.
func failed(ctx context.Context, r *Result, conn *netguard.ReplyConn, err error) bool {
	var se *smtp.SMTPError
	switch {
	case conn.Exceeded() || errors.Is(err, netguard.ErrReplyTooLarge):
		// A server that floods one reply floods the next one too: move on.
		r.Error = ErrorTooLarge
	case errors.As(err, &se):
		r.Code, r.Message, r.Error = se.Code, clip(se.Message), ""
		return true
	case ctx.Err() != nil: // the AfterFunc closed the connection
		r.Error = errorClass(ctx.Err())
	default:
		r.Error = errorClass(err)
	}
	return false
}

func errorClass(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, netguard.ErrBlocked):
		return "blocked"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case strings.Contains(err.Error(), "connection refused"):
		return "refused"
	case strings.Contains(err.Error(), "EOF"), strings.Contains(err.Error(), "reset"):
		return "closed"
	}
	return "error"
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// randomLocal is a local part no mailbox has: 16 random hex digits.
func randomLocal() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "takedown-" + hex.EncodeToString(b[:])
}
