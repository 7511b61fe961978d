package mxprobe

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

// hostileMX is an SMTP server on loopback that answers with a multi-line
// reply that never ends: "220-" lines from the greeting, or a normal
// greeting and then "250-" lines after EHLO. It counts what it sent.
func hostileMX(t *testing.T, afterEHLO bool) (port int, sent *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	sent = new(atomic.Int64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				code := "220-"
				if afterEHLO {
					if _, err := c.Write([]byte("220 mx.example.org ESMTP\r\n")); err != nil {
						return
					}
					if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
						return
					}
					code = "250-"
				}
				line := []byte(code + strings.Repeat("x", 1990) + "\r\n")
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
	return ln.Addr().(*net.TCPAddr).Port, sent
}

// TestEndlessMultilineReplyIsCut: a greeting or EHLO reply of 1,990-byte
// continuation lines without end is cut at the reply cap, with a probe
// error that says so, long before the check's deadline, and the heap does
// not grow with what the server sends.
func TestEndlessMultilineReplyIsCut(t *testing.T) {
	for _, afterEHLO := range []bool{false, true} {
		name := map[bool]string{false: "greeting", true: "ehlo"}[afterEHLO]
		t.Run(name, func(t *testing.T) {
			port, sent := hostileMX(t, afterEHLO)
			p := New(config.Network{AllowPrivate: true}, WithResolver(zone), WithPort(port), WithTimeout(5*time.Second))
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			r, err := p.Probe(context.Background(), "catchall.example")
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s: %s, error %q, server sent %d KiB, probe allocated %d KiB", name, took.Round(time.Millisecond), r.Error, sent.Load()>>10, alloc>>10)
			if r.Error != "reply too large" || r.Accept != AcceptUnknown {
				t.Errorf("Probe = %+v, want error \"reply too large\"", r)
			}
			if took > 2*time.Second {
				t.Errorf("took %s: the reply was read until the deadline", took)
			}
			if alloc > 4<<20 {
				t.Errorf("probe allocated %d KiB for one reply", alloc>>10)
			}
		})
	}
}
