package monitor_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/monitor/lifecycle/judge"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// deadAddr is a loopback address nothing listens on.
func deadAddr(t *testing.T, network string) string {
	t.Helper()
	switch network {
	case "udp":
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a := c.LocalAddr().String()
		c.Close()
		return a
	default:
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a := ln.Addr().String()
		ln.Close()
		return a
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestRunOnceWithDeadServersEnds: with the resolver, RDAP and WHOIS servers
// all down, a one-shot run must try each probe once, report the servers in
// backoff as failures, and end quickly without spinning on the backoff.
func TestRunOnceWithDeadServersEnds(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "takedown.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rdap := deadAddr(t, "tcp")
	n := config.Default().Network
	n.Resolver = deadAddr(t, "udp")
	n.RDAPURL = "http://" + rdap + "/"
	n.WhoisServers = map[string]string{"com": deadAddr(t, "tcp")}
	n.Timeout = time.Second
	ps, err := monitor.NewProbers(n)
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	list, _ := ps.List()
	var add []store.NewDomain
	const domains = 24
	for i := range domains {
		add = append(add, store.NewDomain{Name: fmt.Sprintf("dead%d.example.com", i)})
	}
	if _, err := st.AddDomains(ctx, add); err != nil {
		t.Fatal(err)
	}
	m := engine.New(st, list, judge.Lifecycle{Indicators: lifecycle.Default()}, engine.Options{
		Workers: 4, ProbeTimeout: 30 * time.Second})

	cpu0, start := cpuTime(), time.Now()
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	rep, err := m.RunOnceReport(rctx, nil)
	wall, cpu := time.Since(start), cpuTime()-cpu0
	if rctx.Err() != nil {
		t.Fatalf("one-shot run still going after 60s (cpu %s)", cpu)
	}
	if wall > 30*time.Second || cpu > 5*time.Second {
		t.Fatalf("one-shot run took %s wall, %s CPU; want < 30s and < 5s", wall, cpu)
	}
	if !errors.Is(err, engine.ErrNothingChecked) {
		t.Fatalf("err = %v, want ErrNothingChecked", err)
	}
	var rd *engine.ProbeFailures
	for i, f := range rep.Failed {
		if f.Kind == string(event.ProbeRDAP) {
			rd = &rep.Failed[i]
		}
	}
	if rd == nil || rd.Domains != domains {
		t.Fatalf("rdap failures = %+v, want all %d domains (backoff counted as failure)", rd, domains)
	}
	sum := rep.Summary()
	for _, want := range []string{rdap, n.Resolver} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary does not name dead server %s:\n%s", want, sum)
		}
	}
	t.Logf("wall %s cpu %s\n%s", wall, cpu, sum)
}
