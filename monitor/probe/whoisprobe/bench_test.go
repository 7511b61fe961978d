package whoisprobe

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/ratelimit"
	"github.com/takedownhq/takedown/internal/simnet"
)

// BenchmarkParseWHOIS parses the whois-parser's real replies (all TLDs) in
// turn and reports replies parsed per second.
func BenchmarkParseWHOIS(b *testing.B) {
	dir := parserTestdata(b)
	files, _ := filepath.Glob(filepath.Join(dir, "noterror", "*_*"))
	type reply struct{ domain, text string }
	var replies []reply
	bytes := 0
	for _, f := range files {
		_, d, _ := strings.Cut(filepath.Base(f), "_")
		if ext := filepath.Ext(f); ext == ".json" || ext == ".pre" || !strings.Contains(d, ".") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		replies = append(replies, reply{d, string(raw)})
		bytes += len(raw)
	}
	b.SetBytes(int64(bytes / len(replies)))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r := replies[i%len(replies)]
		if _, err := parseWHOIS(r.domain, r.text); err != nil {
			b.Fatal(r.domain, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "replies/s")
}

// BenchmarkWHOISProbeLoopback is one whole probe (dial, query, read, parse)
// against simnet's .com server on loopback, rate limit out of the way.
func BenchmarkWHOISProbeLoopback(b *testing.B) {
	reg := simnet.NewRegistry()
	w, err := simnet.StartWhois(reg, "com")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.Close() })
	if err := reg.Set(simnet.ExampleRegistration("thefoxcloud.com", time.Now())); err != nil {
		b.Fatal(err)
	}
	cfg := config.Network{WhoisServers: map[string]string{"com": w.Server("com").Addr()}, Timeout: 5 * time.Second}
	p := NewWHOIS(cfg, ratelimit.New(ratelimit.Options{Rate: 1e9, Burst: 1 << 20}))
	ctx := context.Background()
	for b.Loop() {
		if rec, err := p.Probe(ctx, "thefoxcloud.com"); err != nil || !rec.Found {
			b.Fatal(rec, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "probes/s")
}

// BenchmarkRDAPProbeLoopback is one whole RDAP probe (HTTP GET, decode, map)
// against simnet's RDAP server on loopback.
func BenchmarkRDAPProbeLoopback(b *testing.B) {
	reg := simnet.NewRegistry()
	r, err := simnet.StartRDAP(reg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	if err := reg.Set(simnet.ExampleRegistration("thefoxcloud.com", time.Now())); err != nil {
		b.Fatal(err)
	}
	p, err := NewRDAP(config.Network{RDAPURL: r.BaseURL(), Timeout: 5 * time.Second}, ratelimit.New(ratelimit.Options{Rate: 1e9, Burst: 1 << 20}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		if rec, err := p.Probe(ctx, "thefoxcloud.com"); err != nil || !rec.Found {
			b.Fatal(rec, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "probes/s")
}
