package simnet

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Fault makes a simulated WHOIS or RDAP server misbehave the way real ones
// do, so the probes' defences can be tested on the wire.
type Fault int

const (
	// FaultNone answers normally.
	FaultNone Fault = iota
	// FaultHuge sends a 50 MiB reply.
	FaultHuge
	// FaultBinary sends binary bytes, NULs included.
	FaultBinary
	// FaultInvalidUTF8 sends text that is not UTF-8 and names no domain.
	FaultInvalidUTF8
	// FaultStall accepts the query and never answers.
	FaultStall
	// FaultRateLimit answers "rate limit exceeded" (WHOIS) or 429 (RDAP).
	FaultRateLimit
	// FaultRefuse closes the listener: connections are refused.
	FaultRefuse
	// FaultReset accepts and resets the connection.
	FaultReset
)

var faultNames = [...]string{"none", "huge", "binary", "invalid-utf8", "stall", "rate-limit", "refuse", "reset"}

func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return fmt.Sprintf("fault(%d)", int(f))
}

// HugeReplySize is what FaultHuge sends: far past any sane reply cap.
const HugeReplySize = 50 << 20

// RateLimitText is the refusal a rate-limited simulated WHOIS server sends,
// worded like real registries' refusals.
const RateLimitText = "% Query rate limit exceeded. Your access has been restricted; try again later.\r\n"

// DefaultTLDs get a registry WHOIS server when StartWhois is given none: the
// TLDs of the seed case plus a ccTLD with a non-ICANN format.
var DefaultTLDs = []string{"com", "net", "org", "info", "asia", "cloud", "services", "tech", "de"}

// Whois is the simulated port-43 world: an IANA-like referral server and one
// registry server per TLD, all on 127.0.0.1 with their own ports.
type Whois struct {
	reg     *Registry
	iana    *WhoisServer
	latency delay // shared by every server

	mu      sync.RWMutex
	servers map[string]*WhoisServer // by TLD
}

// StartWhois starts the IANA server and a registry server for each TLD
// (DefaultTLDs when none are given), answering from reg. Close stops them.
func StartWhois(reg *Registry, tlds ...string) (*Whois, error) {
	if len(tlds) == 0 {
		tlds = DefaultTLDs
	}
	w := &Whois{reg: reg, servers: map[string]*WhoisServer{}}
	iana, err := newWhoisServer("iana", w.ianaReply, &w.latency)
	if err != nil {
		return nil, err
	}
	w.iana = iana
	for _, tld := range tlds {
		if _, err := w.AddTLD(tld); err != nil {
			w.Close()
			return nil, err
		}
	}
	return w, nil
}

// AddTLD starts a registry server for tld (or returns the running one) and
// makes the IANA server refer to it.
func (w *Whois) AddTLD(tld string) (*WhoisServer, error) {
	tld = strings.Trim(strings.ToLower(tld), ".")
	w.mu.Lock()
	defer w.mu.Unlock()
	if s := w.servers[tld]; s != nil {
		return s, nil
	}
	op := operatorFor(tld)
	s, err := newWhoisServer(tld, func(q string) string { return w.registryReply(tld, op, q) }, &w.latency)
	if err != nil {
		return nil, err
	}
	w.servers[tld] = s
	return s, nil
}

// IANA is the referral server, the one config.Network.WhoisReferral names.
func (w *Whois) IANA() *WhoisServer { return w.iana }

// ReferralAddr is the IANA server's host:port.
func (w *Whois) ReferralAddr() string { return w.iana.Addr() }

// Server returns the registry server of tld, or nil.
func (w *Whois) Server(tld string) *WhoisServer {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.servers[strings.Trim(strings.ToLower(tld), ".")]
}

// Servers maps each TLD to its registry server's host:port, the shape of
// config.Network.WhoisServers (per-TLD overrides that skip the referral).
func (w *Whois) Servers() map[string]string {
	w.mu.RLock()
	defer w.mu.RUnlock()
	out := make(map[string]string, len(w.servers))
	for tld, s := range w.servers {
		out[tld] = s.Addr()
	}
	return out
}

// TLDs lists the TLDs served, sorted.
func (w *Whois) TLDs() []string {
	w.mu.RLock()
	defer w.mu.RUnlock()
	out := make([]string, 0, len(w.servers))
	for tld := range w.servers {
		out = append(out, tld)
	}
	sort.Strings(out)
	return out
}

// Close stops every server and drops open connections.
func (w *Whois) Close() error {
	var errs []error
	if w.iana != nil {
		errs = append(errs, w.iana.Close())
	}
	w.mu.Lock()
	for _, s := range w.servers {
		errs = append(errs, s.Close())
	}
	w.mu.Unlock()
	return errors.Join(errs...)
}

// ianaReply answers like whois.iana.org: a TLD (or a domain, as IANA also
// accepts) gets the TLD's object with refer: and whois: lines. They carry
// "127.0.0.1:port", which github.com/likexian/whois splits into host and
// port when it follows a referral.
func (w *Whois) ianaReply(q string) string {
	tld := tldOf(q)
	s := w.Server(tld)
	head := "% IANA WHOIS server\n% for more information on IANA, visit http://www.iana.org\n"
	if s == nil {
		return head + "% This query returned 0 objects.\n"
	}
	op := operatorFor(tld)
	var b strings.Builder
	b.WriteString(head)
	b.WriteString("% This query returned 1 object\n\n")
	fmt.Fprintf(&b, "refer:        %s\n\n", s.Addr())
	fmt.Fprintf(&b, "domain:       %s\n\n", strings.ToUpper(tld))
	fmt.Fprintf(&b, "organisation: %s\n", op.name)
	b.WriteString("address:      (simulated)\n\n")
	fmt.Fprintf(&b, "whois:        %s\n\n", s.Addr())
	b.WriteString("status:       ACTIVE\n")
	fmt.Fprintf(&b, "remarks:      Registration information: %s\n\n", op.url)
	b.WriteString("created:      1985-01-01\nchanged:      2024-11-05\nsource:       IANA\n")
	return b.String()
}

func (w *Whois) registryReply(tld string, op operator, q string) string {
	name := strings.ToLower(strings.TrimSuffix(q, "."))
	reg, ok := w.reg.Get(name)
	if !ok || reg.TLD() != tld {
		return op.notFound(name)
	}
	return op.render(reg)
}

// WhoisServer is one simulated port-43 server on 127.0.0.1.
type WhoisServer struct {
	name    string
	answer  func(query string) string
	latency *delay // nil: none

	mu      sync.Mutex
	ln      net.Listener
	addr    string
	fault   Fault
	limiter *rate.Limiter
	raw     map[string]string
	conns   map[net.Conn]struct{}
	closed  bool
	queries atomic.Int64
	wg      sync.WaitGroup
}

func newWhoisServer(name string, answer func(string) string, latency *delay) (*WhoisServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("simnet whois %s: %w", name, err)
	}
	s := &WhoisServer{name: name, answer: answer, latency: latency, ln: ln, addr: ln.Addr().String(),
		raw: map[string]string{}, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.serve(ln)
	return s, nil
}

// Addr is the server's host:port.
func (s *WhoisServer) Addr() string { return s.addr }

// Queries counts the queries answered (or refused by the server's own limit).
func (s *WhoisServer) Queries() int64 { return s.queries.Load() }

// SetRaw makes the server answer query (case-insensitive) with reply verbatim,
// e.g. a real registry reply from a test corpus.
func (s *WhoisServer) SetRaw(query, reply string) {
	s.mu.Lock()
	s.raw[strings.ToLower(query)] = reply
	s.mu.Unlock()
}

// SetRateLimit makes the server refuse with RateLimitText beyond qps queries
// a second (burst allowed at once), as registries do. qps <= 0 lifts it.
func (s *WhoisServer) SetRateLimit(qps float64, burst int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if qps <= 0 {
		s.limiter = nil
		return
	}
	s.limiter = rate.NewLimiter(rate.Limit(qps), max(burst, 1))
}

// SetFault changes how the server misbehaves from the next connection on.
// FaultRefuse closes the listener; any other fault listens again on the same
// address.
func (s *WhoisServer) SetFault(f Fault) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("simnet whois %s: closed", s.name)
	}
	s.fault = f
	switch {
	case f == FaultRefuse && s.ln != nil:
		err := s.ln.Close()
		s.ln = nil
		return err
	case f != FaultRefuse && s.ln == nil:
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			return fmt.Errorf("simnet whois %s: listen again on %s: %w", s.name, s.addr, err)
		}
		s.ln = ln
		s.wg.Add(1)
		go s.serve(ln)
	}
	return nil
}

// Close stops the server and drops open (e.g. stalled) connections.
func (s *WhoisServer) Close() error {
	s.mu.Lock()
	s.closed = true
	var err error
	if s.ln != nil {
		err = s.ln.Close()
		s.ln = nil
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *WhoisServer) serve(ln net.Listener) {
	defer s.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.handle(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

func (s *WhoisServer) handle(c net.Conn) {
	s.mu.Lock()
	fault, lim := s.fault, s.limiter
	s.mu.Unlock()

	if fault == FaultReset {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		return
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if s.latency != nil {
		s.latency.wait(context.Background())
	}
	line, err := bufio.NewReader(io.LimitReader(c, 1024)).ReadString('\n')
	if err != nil && line == "" {
		return
	}
	q := strings.TrimSpace(line)
	// Verisign-style query prefixes.
	q = strings.TrimPrefix(q, "=")
	if rest, ok := strings.CutPrefix(strings.ToLower(q), "domain "); ok {
		q = rest
	}
	s.queries.Add(1)

	_ = c.SetWriteDeadline(time.Now().Add(30 * time.Second))
	switch {
	case fault == FaultStall:
		// Hold the connection until the client gives up or the server closes.
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Minute))
		_, _ = io.Copy(io.Discard, c)
		return
	case fault == FaultRateLimit, lim != nil && !lim.Allow():
		_, _ = io.WriteString(c, RateLimitText)
		return
	case fault == FaultHuge:
		writeHuge(c)
		return
	case fault == FaultBinary:
		_, _ = c.Write(binaryJunk(64 << 10))
		return
	case fault == FaultInvalidUTF8:
		_, _ = c.Write(latinJunk(16 << 10))
		return
	}
	s.mu.Lock()
	reply, ok := s.raw[strings.ToLower(q)]
	s.mu.Unlock()
	if !ok {
		reply = s.answer(q)
	}
	if _, err := io.WriteString(c, reply); err != nil {
		slog.Debug("simnet whois write", "server", s.name, "err", err)
	}
}

// writeHuge streams HugeReplySize bytes of record-like text until the
// client hangs up.
func writeHuge(w io.Writer) {
	line := []byte("Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited\r\n")
	chunk := make([]byte, 0, 64<<10)
	for len(chunk)+len(line) <= cap(chunk) {
		chunk = append(chunk, line...)
	}
	for sent := 0; sent < HugeReplySize; sent += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

func binaryJunk(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	b[0], b[7] = 0, 0
	return b
}

// latinJunk is ISO-8859-1 prose: every accented letter is an invalid UTF-8
// byte, and it names no domain.
func latinJunk(n int) []byte {
	unit := []byte("R\xe9sultat: donn\xe9es indisponibles \xe0 cette \xe9tape, r\xe9essayez \xbb\xab\xff\xfe\n")
	b := make([]byte, 0, n+len(unit))
	for len(b) < n {
		b = append(b, unit...)
	}
	return b
}
