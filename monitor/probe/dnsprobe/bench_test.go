package dnsprobe

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/simnet"
)

const benchDomains = 10_000

// benchSimnet registers n domains on two shared name servers, with a few
// records each.
func benchSimnet(b *testing.B, opts simnet.DNSOptions) *simnet.DNS {
	b.Helper()
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	d := simnet.NewDNS(opts)
	if err := d.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	tlds := []string{"com", "net", "org", "info", "tech"}
	for i := range benchDomains {
		name := "domain" + strconv.Itoa(i) + "." + tlds[i%len(tlds)]
		ip := "192.0." + strconv.Itoa(2+i%200) + "." + strconv.Itoa(1+i%250)
		if err := d.Register(name, []string{"ns1.hoster.net", "ns2.hoster.net"},
			"@ A "+ip, "@ MX 10 mail", `@ TXT "v=spf1 -all"`, "mail A "+ip); err != nil {
			b.Fatal(err)
		}
	}
	return d
}

// runSnapshots probes every domain once with workers in parallel.
func runSnapshots(b *testing.B, p *Prober, workers int) {
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	ctx := context.Background()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= benchDomains {
					return
				}
				name := "domain" + strconv.Itoa(i) + "." + [...]string{"com", "net", "org", "info", "tech"}[i%5]
				if _, err := p.Probe(ctx, name); err != nil {
					if failed.Add(1) == 1 {
						b.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d probes failed", n, benchDomains)
	}
}

func benchmarkSnapshot(b *testing.B, opts simnet.DNSOptions, warm bool, workers int) {
	d := benchSimnet(b, opts)
	sent := &countSends{}
	p, err := New(Options{Resolver: d.ResolverAddr(), AuthPort: d.Port(), Timeout: 2 * time.Second, Attempts: 3, Limiter: sent})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	if warm {
		runSnapshots(b, p, workers)
	}
	b.ReportAllocs()
	b.ResetTimer()
	sent.n.Store(0)
	var elapsed time.Duration
	cpu0 := cpuTime()
	for range b.N {
		if !warm {
			b.StopTimer()
			d.FlushCache()
			b.StartTimer()
		}
		start := time.Now()
		runSnapshots(b, p, workers)
		elapsed += time.Since(start)
	}
	cpu := cpuTime() - cpu0
	b.StopTimer()
	domains := float64(benchDomains * b.N)
	queries := domains * float64(len(probeTypes))
	b.ReportMetric(domains/elapsed.Seconds(), "domains/s")
	b.ReportMetric(queries/elapsed.Seconds(), "queries/s")
	// Other processes share the machine's two cores: the process's own CPU
	// time tells what the code costs, whatever the neighbours do.
	b.ReportMetric(queries/cpu.Seconds(), "queries/cpu-s")
	b.ReportMetric(float64(sent.n.Load())/queries, "sends/query")
	b.ReportMetric(0, "ns/op")
}

// countSends is a Limiter that only counts: every UDP send, retry and TCP
// fallback waits on it once, so sends/query above 1 shows retries.
type countSends struct{ n atomic.Int64 }

func (c *countSends) Wait(context.Context, string) error { c.n.Add(1); return nil }

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSnapshot10k takes the DNS snapshot (8 queries) of 10,000
// domains through simnet's caching resolver, 64 domains at a time, after
// one pass that filled the cache: the probe's own throughput, each query a
// UDP exchange with the resolver.
func BenchmarkSnapshot10k(b *testing.B) {
	benchmarkSnapshot(b, simnet.DNSOptions{}, true, 64)
}

// BenchmarkSnapshot10kCold empties the resolver's cache before each pass:
// every query makes the resolver ask the child's name server (and the
// registry, once per suffix), two exchanges on loopback.
func BenchmarkSnapshot10kCold(b *testing.B) {
	benchmarkSnapshot(b, simnet.DNSOptions{}, false, 64)
}

// BenchmarkSnapshot10kNoCache turns the resolver's cache off: every query
// walks root → registry → child, four exchanges on loopback.
func BenchmarkSnapshot10kNoCache(b *testing.B) {
	benchmarkSnapshot(b, simnet.DNSOptions{NoCache: true}, false, 64)
}
