package netguard

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
)

// ErrReplyTooLarge is wrapped by a read that passes a ReplyConn's cap.
var ErrReplyTooLarge = errors.New("reply too large")

// ReplyConn caps what a line-oriented peer (SMTP, WHOIS) may send as one
// reply: at most MaxBytes bytes and MaxLines lines between two of our
// writes. The protocols' own readers limit a line, not a reply, and a
// multi-line reply ("250-…" without end) would otherwise grow in memory
// until the timeout. A reply starts at the connection's start (the
// greeting) and after every Write, so the cap holds for each reply
// without knowing the protocol. Reads and writes must not overlap, as in
// a command-reply protocol without pipelining.
type ReplyConn struct {
	net.Conn
	maxBytes, maxLines int
	n, lines           int
	over               atomic.Bool
}

// CapReplies wraps c; a zero limit is no limit of that kind.
func CapReplies(c net.Conn, maxBytes, maxLines int) *ReplyConn {
	return &ReplyConn{Conn: c, maxBytes: maxBytes, maxLines: maxLines}
}

// Read fails with ErrReplyTooLarge once the current reply passes a cap;
// the bytes past it are never handed on.
func (c *ReplyConn) Read(p []byte) (int, error) {
	if c.over.Load() {
		return 0, c.err()
	}
	if c.maxBytes > 0 {
		room := c.maxBytes - c.n
		if room <= 0 {
			// One byte more tells a reply of exactly the cap from a longer one.
			var one [1]byte
			n, err := c.Conn.Read(one[:])
			if n > 0 {
				c.over.Store(true)
				return 0, c.err()
			}
			return 0, err
		}
		if len(p) > room {
			p = p[:room]
		}
	}
	n, err := c.Conn.Read(p)
	c.n += n
	if c.maxLines > 0 {
		c.lines += bytes.Count(p[:n], []byte{'\n'})
		if c.lines > c.maxLines {
			c.over.Store(true)
			return 0, c.err()
		}
	}
	return n, err
}

// Write starts a new reply.
func (c *ReplyConn) Write(p []byte) (int, error) {
	c.n, c.lines = 0, 0
	return c.Conn.Write(p)
}

// Exceeded reports whether a reply passed the cap, for callers whose
// protocol library drops the error's identity.
func (c *ReplyConn) Exceeded() bool { return c.over.Load() }

func (c *ReplyConn) err() error {
	return fmt.Errorf("%w: over %d bytes or %d lines from %s", ErrReplyTooLarge, c.maxBytes, c.maxLines, c.Conn.RemoteAddr())
}
