package notify

import (
	"bufio"
	"context"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
)

// TestRelayEndlessReplyIsCut: a relay on loopback that greets and then
// answers EHLO with 1,990-byte "250-" lines without end makes the send
// fail at the reply cap, quickly and with bounded memory, instead of
// growing until the SMTP timeout.
func TestRelayEndlessReplyIsCut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	var sent atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				if _, err := c.Write([]byte("220 relay.example.org ESMTP\r\n")); err != nil {
					return
				}
				if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
					return
				}
				line := []byte("250-" + strings.Repeat("x", 1990) + "\r\n")
				for {
					n, err := c.Write(line)
					sent.Add(int64(n))
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	m, err := newMailer(config.SMTP{Addr: ln.Addr().String(), TLS: "none", From: "takedown@example.org"}, nil, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	err = m.sendNow(context.Background(), outMail{to: "soc@example.org", msg: message{key: "k1", subject: "s", text: "t", html: "<p>t</p>"}}, time.Now())
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%s, relay sent %d KiB, client allocated %d KiB: %v", took.Round(time.Millisecond), sent.Load()>>10, alloc>>10, err)
	if err == nil || !strings.Contains(err.Error(), "reply too large") {
		t.Errorf("send: %v, want the reply cap's error", err)
	}
	if took > 2*time.Second || alloc > 8<<20 {
		t.Errorf("took %s and allocated %d KiB for one reply", took, alloc>>10)
	}
}
