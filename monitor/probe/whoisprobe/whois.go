package whoisprobe

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/likexian/whois"
	whoisparser "github.com/likexian/whois-parser"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/ratelimit"
	"github.com/takedownhq/takedown/monitor/regdata"
)

// ianaHost is the referral server github.com/likexian/whois dials for a TLD
// query; our dialer sends it to config.Network.WhoisReferral instead.
const ianaHost = "whois.iana.org:43"

// WHOIS queries registries over port 43 through github.com/likexian/whois
// and parses the replies with github.com/likexian/whois-parser. It is safe
// for concurrent use; all its queries go through the shared Limiter.
type WHOIS struct {
	servers  map[string]string // suffix -> host:port overrides
	referral string
	timeout  time.Duration
	lim      *ratelimit.Limiter

	// FollowRegistrar also queries the registrar's WHOIS server that a thin
	// registry (.com, .net) names, for the registrant fields. Default false:
	// every field the monitor decides on is in the registry's reply, and
	// registrar servers are the quickest to ban.
	FollowRegistrar bool
}

// NewWHOIS builds the WHOIS probe from the network settings: per-TLD servers
// (n.WhoisServers), the referral server (n.WhoisReferral, default
// whois.iana.org:43) and the per-query timeout (n.Timeout, default 5s).
// lim is shared with every other worker; nil makes a private one at
// n.WhoisRate queries a second.
func NewWHOIS(n config.Network, lim *ratelimit.Limiter) *WHOIS {
	w := &WHOIS{servers: map[string]string{}, referral: n.WhoisReferral, timeout: n.Timeout, lim: lim}
	for k, v := range n.WhoisServers {
		w.servers[strings.Trim(strings.ToLower(k), ".")] = v
	}
	if w.referral == "" {
		w.referral = ianaHost
	}
	if !strings.Contains(w.referral, ":") {
		w.referral += ":43"
	}
	if w.timeout <= 0 {
		w.timeout = 5 * time.Second
	}
	if w.lim == nil {
		w.lim = ratelimit.PerSecond(n.WhoisRate)
	}
	return w
}

// failure marks an error as a failed probe without repeating
// ErrProbeFailed's text in every message.
type failure struct{ err error }

func (f *failure) Error() string        { return f.err.Error() }
func (f *failure) Unwrap() error        { return f.err }
func (f *failure) Is(target error) bool { return target == ErrProbeFailed }

func failf(format string, args ...any) error { return &failure{fmt.Errorf(format, args...)} }

// Probe asks the registry's WHOIS server about name (a registrable domain,
// any case, IDN allowed). An unregistered name gives Found false and a nil
// error; every error wraps ErrProbeFailed.
func (w *WHOIS) Probe(ctx context.Context, name string) (Record, error) {
	n, err := domain.Normalize(name)
	if err != nil {
		return Record{}, failf("whois %w", err)
	}
	d := n.ASCII
	server, err := w.server(ctx, d)
	if err != nil {
		return Record{}, err
	}
	text, err := w.query(ctx, server, d, !w.FollowRegistrar)
	if err != nil {
		return Record{}, err
	}
	rec, err := parseWHOIS(d, text)
	if err != nil {
		if errors.Is(err, errRateLimited) {
			w.lim.Penalize(server, err)
		}
		return Record{}, fmt.Errorf("whois %s %s: %w", server, d, err)
	}
	w.lim.OK(server)
	rec.Source = server
	return rec, nil
}

// server picks the registry server for d: a configured override for the
// longest matching suffix, the embedded TLD table, a cached referral, or
// the referral server's answer for the TLD.
func (w *WHOIS) server(ctx context.Context, d string) (string, error) {
	for s := d; s != ""; {
		if addr, ok := w.servers[s]; ok {
			return addr, nil
		}
		_, rest, ok := strings.Cut(s, ".")
		if !ok {
			break
		}
		s = rest
	}
	tld := domain.TLD(d)
	// The embedded table (IANA's root zone database) saves a referral
	// query; a lab's own referral server knows its world better.
	if w.referral == regdata.DefaultReferral {
		if addr, ok := regdata.WHOISTable(tld); ok {
			return addr, nil
		}
	}
	key := "whois:" + w.referral + ":" + tld
	if addr, ok := w.lim.Referral(key); ok {
		return addr, nil
	}
	text, err := w.query(ctx, ianaHost, tld, true)
	if err != nil {
		return "", err
	}
	addr := referral(text)
	if addr == "" {
		return "", failf("whois: referral server %s names no WHOIS server for .%s", w.referral, tld)
	}
	w.lim.OK(w.referral)
	w.lim.SetReferral(key, addr)
	return addr, nil
}

// referral reads the "refer:" (else "whois:") line of an IANA reply. A value
// may carry its own port ("127.0.0.1:4343"), as likexian/whois accepts too.
func referral(text string) string {
	var whoisLine string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		v = strings.TrimPrefix(strings.TrimPrefix(v, "whois://"), "rwhois://")
		if v == "" || strings.ContainsAny(v, " \t/") {
			continue
		}
		switch k {
		case "refer":
			return withPort(v)
		case "whois":
			if whoisLine == "" {
				whoisLine = withPort(v)
			}
		}
	}
	return whoisLine
}

func withPort(hostport string) string {
	if _, _, err := net.SplitHostPort(hostport); err == nil {
		return hostport
	}
	return net.JoinHostPort(hostport, "43")
}

// query sends q to server through likexian/whois with our dialer: it waits
// for the server's rate limit, bounds the dial and every read by the
// timeout and ctx, and caps the reply at MaxReply.
func (w *WHOIS) query(ctx context.Context, server, q string, noReferral bool) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	dl := &dialer{ctx: ctx, w: w}
	c := whois.NewClient().SetDialer(dl).SetTimeout(w.timeout).SetDisableStats(true).
		SetDisableReferral(noReferral)
	target := server
	if server == ianaHost {
		// A query without a dot goes to likexian's built-in IANA host,
		// which the dialer redirects to w.referral.
		target = ""
	}
	var (
		text string
		err  error
	)
	if target == "" {
		text, err = c.Whois(q)
	} else {
		text, err = c.Whois(q, target)
	}
	shown := server
	if server == ianaHost {
		shown = w.referral
	}
	if err != nil {
		if dl.dialed != "" && penalize(ctx, err) {
			w.lim.Penalize(dl.dialed, err)
		}
		if errors.Is(err, ErrReplyTooLarge) {
			return "", failf("whois %s %s: reply larger than %d bytes or %d lines", shown, q, MaxReply, MaxReplyLines)
		}
		return "", failf("whois %s %s: %w", shown, q, err)
	}
	if strings.TrimSpace(text) == "" {
		if dl.dialed != "" {
			w.lim.Penalize(dl.dialed, errors.New("empty reply"))
		}
		return "", failf("whois %s %s: empty reply", shown, q)
	}
	return text, nil
}

// penalize says whether an error is the server's doing (refused, reset,
// timed out) rather than ours (cancelled, too big, rate limit still
// running).
func penalize(ctx context.Context, err error) bool {
	switch {
	case errors.Is(err, ratelimit.ErrBackoff), errors.Is(err, ErrReplyTooLarge):
		return false
	case errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF):
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return ctx.Err() == context.DeadlineExceeded
}

// dialer is the proxy.Dialer handed to likexian/whois: the one place every
// WHOIS connection passes, so rate limits, deadlines and the size cap hold
// for referrals too.
type dialer struct {
	ctx    context.Context
	w      *WHOIS
	dialed string
}

func (d *dialer) Dial(network, addr string) (net.Conn, error) {
	if addr == ianaHost {
		addr = d.w.referral
	}
	d.dialed = addr
	if err := d.w.lim.Wait(d.ctx, addr); err != nil {
		return nil, err
	}
	nd := net.Dialer{Timeout: d.w.timeout}
	c, err := nd.DialContext(d.ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return newCappedConn(d.ctx, c, MaxReply), nil
}

// cappedConn fails reads past max bytes or MaxReplyLines lines, and
// unblocks them when ctx ends.
type cappedConn struct {
	net.Conn
	left  int64
	lines int
	stop  func() bool
}

func newCappedConn(ctx context.Context, c net.Conn, max int64) *cappedConn {
	cc := &cappedConn{Conn: c, left: max}
	cc.stop = context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	return cc
}

func (c *cappedConn) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// One byte more tells a reply of exactly max bytes from a longer one.
		var one [1]byte
		n, err := c.Conn.Read(one[:])
		if n > 0 {
			return 0, ErrReplyTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.Conn.Read(p)
	c.left -= int64(n)
	// The parsers split the reply into lines: a megabyte of empty lines
	// would be a million strings.
	if c.lines += bytes.Count(p[:n], []byte{'\n'}); c.lines > MaxReplyLines {
		return 0, ErrReplyTooLarge
	}
	return n, err
}

func (c *cappedConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

var errRateLimited = errors.New("rate limited by server")

// rateLimitWords are refusals registries send instead of data, beyond those
// whois-parser knows.
var rateLimitWords = []string{
	"limit exceeded", "rate limit", "queries exceeded", "too many queries", "too many requests",
	"try again later", "slow down", "query limit", "quota exceeded", "access denied", "temporarily blocked",
}

// parseWHOIS turns a registry reply into a Record. Only a reply that names
// no domain and says "no match" (or an equivalent) is "not found"; anything
// doubtful is an error.
func parseWHOIS(d, text string) (rec Record, err error) {
	defer func() {
		if p := recover(); p != nil {
			rec, err = Record{}, failf("parser panic: %v", p)
		}
	}()
	return mapWHOIS(d, text)
}

// mapWHOIS is parseWHOIS without the panic guard, so fuzzing sees panics.
func mapWHOIS(d, text string) (Record, error) {
	if bad := binaryRatio(text); bad > 0.02 {
		return Record{}, failf("binary reply (%.0f%% control bytes)", bad*100)
	}
	text = strings.ToValidUTF8(text, "\uFFFD")
	if looksHTTP(text) {
		return Record{}, failf("HTTP or HTML reply, not WHOIS")
	}
	info, perr := whoisparser.Parse(text)
	// Refusals first: a refusal that also says "not found" must never read
	// as a deleted domain. Only the head counts, because many registries'
	// terms of use at the bottom talk about their rate limits.
	if errors.Is(perr, whoisparser.ErrDomainLimitExceed) || containsAny(strings.ToLower(head(text, 3)), rateLimitWords) {
		return Record{}, failf("%w: %q", errRateLimited, firstLine(text))
	}
	if perr != nil {
		switch {
		case errors.Is(perr, whoisparser.ErrNotFoundDomain):
			return Record{Found: false}, nil
		case errors.Is(perr, whoisparser.ErrReservedDomain):
			return Record{Found: false, Statuses: []string{"reserved"}}, nil
		case errors.Is(perr, whoisparser.ErrPremiumDomain):
			return Record{Found: false, Statuses: []string{"premium"}}, nil
		case errors.Is(perr, whoisparser.ErrBlockedDomain):
			return Record{Found: false, Statuses: []string{"blocked"}}, nil
		}
		return Record{}, failf("unparseable reply: %v (starts %q)", perr, firstLine(text))
	}
	if info.Domain == nil {
		return Record{}, failf("unparseable reply: no domain object")
	}
	dom := info.Domain
	if dom.ID == "" && len(dom.Status) == 0 && len(dom.NameServers) == 0 && dom.CreatedDate == "" &&
		dom.ExpirationDate == "" && (info.Registrar == nil || info.Registrar.Name == "") {
		// The parser latched onto some "domain" word in a reply without
		// registration data. Only an explicit "no match" makes that an
		// answer; an empty record would read as everything removed.
		if containsAny(strings.ToLower(text), notFoundWords) {
			return Record{Found: false}, nil
		}
		return Record{}, failf("reply carries no registration data (starts %q)", firstLine(text))
	}
	if got := dom.Punycode; got != "" && !strings.EqualFold(got, d) {
		return Record{}, failf("reply is for %q, not %q", cleanText(got), d)
	}
	rec := Record{
		Found:            true,
		RegistryDomainID: info.Domain.ID,
		Statuses:         info.Domain.Status,
		Nameservers:      info.Domain.NameServers,
	}
	if t := info.Domain.CreatedDateInTime; t != nil {
		rec.Created = *t
	}
	if t := info.Domain.UpdatedDateInTime; t != nil {
		rec.Updated = *t
	}
	if t := info.Domain.ExpirationDateInTime; t != nil {
		rec.Expires = *t
	}
	if r := info.Registrar; r != nil {
		rec.Registrar = r.Name
		rec.RegistrarIANAID = ianaID(r.ID)
	}
	if r := info.Registrant; r != nil {
		rec.RegistrantOrg = r.Organization
		rec.RegistrantCountry = r.Country
	}
	if em, ph := whoisAbuse(text); em != "" || ph != "" {
		rec.RegistrarAbuseEmail, rec.RegistrarAbusePhone, rec.RegistrarAbuseSource = em, ph, AbuseFromWHOIS
	}
	return rec.normalize(), nil
}

// notFoundWords are registries' ways of saying "not registered".
var notFoundWords = []string{"no match", "not found", "no entries found", "no data found", "not registered",
	"object does not exist", "status: free", "status: available", "no object found"}

// head is the first n non-empty lines of s, skipping long ones: refusals
// are one short sentence, terms-of-use paragraphs are not.
func head(s string, n int) string {
	var out []string
	for line := range strings.Lines(s) {
		if l := strings.TrimSpace(line); l != "" && len(l) <= 160 {
			out = append(out, l)
			if len(out) == n {
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

func binaryRatio(s string) float64 {
	if s == "" {
		return 0
	}
	bad := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f {
			bad++
		}
	}
	return float64(bad) / float64(len(s))
}

func looksHTTP(s string) bool {
	head := strings.ToLower(strings.TrimSpace(s[:min(len(s), 512)]))
	return strings.HasPrefix(head, "http/") || strings.Contains(head, "<html") || strings.Contains(head, "<!doctype")
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "%") {
			return cleanText(l)
		}
	}
	return cleanText(s)
}
