package dnsprobe

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

const (
	// udpReadBuf bounds a UDP answer. We advertise Options.UDPSize (1232 by
	// default); a larger datagram is cut here and then fails to parse.
	udpReadBuf = 4096
	// maxIdlePerServer bounds the UDP sockets kept open per server.
	maxIdlePerServer = 256
	// maxStrayReads bounds the packets skipped on one socket while waiting
	// for the answer (late answers to earlier queries, spoofing attempts).
	maxStrayReads = 16
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, udpReadBuf); return &b }}

var aLongTimeAgo = time.Unix(1, 0)

// transport sends queries: UDP over sockets reused per server, TCP when an
// answer is truncated, retries with backoff, a deadline on every attempt.
type transport struct {
	timeout  time.Duration
	attempts int
	udpSize  uint16
	limiter  Limiter
	dialer   net.Dialer

	mu     sync.Mutex
	idle   map[string][]*net.UDPConn
	closed bool
}

// queryOpts are the per-query knobs.
type queryOpts struct {
	rd, do   bool
	attempts int // 0: the transport's
	// anyFailure retries on every failure, REFUSED included: for servers
	// that should agree (a registry's), where one may be broken.
	anyFailure bool
}

// query asks servers (one per attempt, in turn) for name/qtype. A nil error
// means an answer: the outcome is NoError (rcode NOERROR, records or not)
// or NXDomain. Failures are *QueryError.
func (t *transport) query(ctx context.Context, servers []string, name string, qtype uint16, o queryOpts) (*dns.Msg, Outcome, error) {
	attempts := o.attempts
	if attempts <= 0 {
		attempts = t.attempts
	}
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.RecursionDesired = o.rd
	edns := true
	triedPlain := false
	qe := &QueryError{Name: name, Type: qtype}
	for i := 0; i < attempts; i++ {
		if i > 0 {
			if err := backoff(ctx, i); err != nil {
				qe.Outcome, qe.Err = Timeout, err
				break
			}
		}
		qe.Server = servers[i%len(servers)]
		qe.Attempts = i + 1
		q.Extra = q.Extra[:0]
		if edns {
			q.SetEdns0(t.udpSize, o.do)
		}
		resp, oc, err := t.once(ctx, qe.Server, q)
		if err == nil {
			switch resp.Rcode {
			case dns.RcodeSuccess:
				return resp, NoError, nil
			case dns.RcodeNameError:
				return resp, NXDomain, nil
			case dns.RcodeServerFailure:
				oc = ServFail
			case dns.RcodeRefused:
				oc = Refused
			case dns.RcodeFormatError:
				if edns && !triedPlain {
					// A server from before EDNS0: ask again without it.
					edns, triedPlain = false, true
					i--
					continue
				}
				oc, err = BadResponse, errors.New("rcode FORMERR")
			default:
				oc, err = BadResponse, fmt.Errorf("rcode %s", dns.RcodeToString[resp.Rcode])
			}
		}
		qe.Outcome, qe.Err = oc, err
		if ctx.Err() != nil || !(oc.retryable() || o.anyFailure) {
			break
		}
	}
	return nil, qe.Outcome, qe
}

// backoff waits before attempt i (1, 2, …): 50ms doubling to 800ms, plus
// up to half as much jitter.
func backoff(ctx context.Context, i int) error {
	d := 50 * time.Millisecond << min(i-1, 4)
	d += rand.N(d/2 + 1)
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// once is one attempt: UDP, then TCP if the answer is truncated. A nil
// error means a parsed answer to this question, whatever its rcode.
func (t *transport) once(ctx context.Context, server string, q *dns.Msg) (*dns.Msg, Outcome, error) {
	if t.limiter != nil {
		if err := t.limiter.Wait(ctx, server); err != nil {
			return nil, Timeout, fmt.Errorf("rate limit: %w", err)
		}
	}
	deadline := time.Now().Add(t.timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	resp, oc, err := t.udp(ctx, server, q, deadline)
	if err != nil || !resp.Truncated {
		return resp, oc, err
	}
	if t.limiter != nil {
		if err := t.limiter.Wait(ctx, server); err != nil {
			return nil, Timeout, fmt.Errorf("rate limit: %w", err)
		}
	}
	return t.tcp(ctx, server, q, deadline)
}

func (t *transport) udp(ctx context.Context, server string, q *dns.Msg, deadline time.Time) (*dns.Msg, Outcome, error) {
	q.Id = uint16(rand.Uint32())
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	wire, err := q.PackBuffer(buf)
	if err != nil {
		return nil, BadResponse, fmt.Errorf("pack query: %w", err)
	}
	c, err := t.conn(ctx, server)
	if err != nil {
		return nil, classifyNetErr(err), err
	}
	c.SetDeadline(deadline)
	// Reads block in the kernel, not on ctx: a cancel moves the deadline.
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(aLongTimeAgo) })
	release := func(keep bool) {
		if stop() && keep {
			t.put(server, c)
		} else {
			c.Close()
		}
	}
	if _, err := c.Write(wire); err != nil {
		release(false)
		return nil, classifyNetErr(err), err
	}
	for range maxStrayReads {
		n, err := c.Read(buf)
		if err != nil {
			release(false)
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return nil, classifyNetErr(err), err
		}
		if n < 12 {
			release(true)
			return nil, BadResponse, fmt.Errorf("%d-byte answer", n)
		}
		if binary.BigEndian.Uint16(buf) != q.Id {
			continue // a late answer to an earlier query on this socket
		}
		resp := new(dns.Msg)
		if err := resp.Unpack(buf[:n]); err != nil {
			release(true)
			return nil, BadResponse, fmt.Errorf("unparsable answer: %w", err)
		}
		if !sameQuestion(q, resp) {
			continue
		}
		release(true)
		return resp, NoError, nil
	}
	release(false)
	return nil, BadResponse, errors.New("only stray packets")
}

func (t *transport) tcp(ctx context.Context, server string, q *dns.Msg, deadline time.Time) (*dns.Msg, Outcome, error) {
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	nc, err := t.dialer.DialContext(dctx, "tcp", server)
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, classifyNetErr(err), fmt.Errorf("tcp: %w", err)
	}
	defer nc.Close()
	nc.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(aLongTimeAgo) })
	defer stop()
	// DNS over TCP frames each message with a 16-bit length: answers are
	// bounded to 64 KiB by the protocol.
	co := &dns.Conn{Conn: nc}
	q.Id = uint16(rand.Uint32())
	if err := co.WriteMsg(q); err != nil {
		return nil, classifyNetErr(err), fmt.Errorf("tcp: %w", err)
	}
	resp, err := co.ReadMsg()
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) || errors.Is(err, net.ErrClosed) {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return nil, classifyNetErr(err), fmt.Errorf("tcp: %w", err)
		}
		return nil, BadResponse, fmt.Errorf("tcp: unparsable answer: %w", err)
	}
	if resp.Id != q.Id || !sameQuestion(q, resp) {
		return nil, BadResponse, errors.New("tcp: answer does not match the query")
	}
	return resp, NoError, nil
}

func classifyNetErr(err error) Outcome {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || (errors.As(err, &ne) && ne.Timeout()) {
		return Timeout
	}
	return Unreachable
}

func sameQuestion(q, r *dns.Msg) bool {
	return r.Response && r.Opcode == dns.OpcodeQuery && len(r.Question) == 1 &&
		r.Question[0].Qtype == q.Question[0].Qtype && r.Question[0].Qclass == q.Question[0].Qclass &&
		strings.EqualFold(r.Question[0].Name, q.Question[0].Name)
}

func (t *transport) conn(ctx context.Context, server string) (*net.UDPConn, error) {
	t.mu.Lock()
	if l := t.idle[server]; len(l) > 0 {
		c := l[len(l)-1]
		t.idle[server] = l[:len(l)-1]
		t.mu.Unlock()
		return c, nil
	}
	closed := t.closed
	t.mu.Unlock()
	if closed {
		return nil, net.ErrClosed
	}
	c, err := t.dialer.DialContext(ctx, "udp", server)
	if err != nil {
		return nil, err
	}
	return c.(*net.UDPConn), nil
}

func (t *transport) put(server string, c *net.UDPConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || len(t.idle[server]) >= maxIdlePerServer {
		c.Close()
		return
	}
	if t.idle == nil {
		t.idle = map[string][]*net.UDPConn{}
	}
	t.idle[server] = append(t.idle[server], c)
}

func (t *transport) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	for s, l := range t.idle {
		for _, c := range l {
			c.Close()
		}
		delete(t.idle, s)
	}
}
