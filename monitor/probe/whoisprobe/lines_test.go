package whoisprobe

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/ratelimit"
)

// TestWHOISTooManyLines: a WHOIS server over TCP that answers with 300,000
// short lines (under the byte cap) is cut at MaxReplyLines, with a probe
// error, instead of being split into 300,000 strings and parsed.
func TestWHOISTooManyLines(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	reply := []byte("Domain Name: CLOUDFOXHUB.COM\r\n" + strings.Repeat("a:\n", 300000))
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				buf := make([]byte, 512)
				_, _ = c.Read(buf)
				_, _ = c.Write(reply)
			}()
		}
	}()
	cfg := config.Network{WhoisServers: map[string]string{"com": ln.Addr().String()}, Timeout: 5 * time.Second}
	p := NewWHOIS(cfg, ratelimit.New(ratelimit.Options{Rate: 1000, BaseBackoff: time.Minute}))
	var rec Record
	start := time.Now()
	alloc := heapGrowth(func() { rec, err = p.Probe(context.Background(), "cloudfoxhub.com") })
	t.Logf("%d-byte reply: %v in %s, %d KiB allocated", len(reply), err, time.Since(start).Round(time.Millisecond), alloc>>10)
	if !errors.Is(err, ErrProbeFailed) || !strings.Contains(err.Error(), "lines") {
		t.Fatalf("got %+v, %v; want a probe error naming the line cap", rec, err)
	}
}
