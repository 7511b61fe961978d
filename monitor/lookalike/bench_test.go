package lookalike

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's CPU time. The machine's two cores are shared
// with other work, so wall-clock rates understate one core's; the benchmarks
// report both, per wall second and per CPU second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func referenceDomains(b testing.TB) []string {
	var out []string
	for _, f := range referenceFiles(b) {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".tsv"))
	}
	return out
}

// BenchmarkGenerate measures permutations per second over the dnstwist
// reference domains, with every fuzzer on (dnstwist: about 28,000 a second
// on this kind of machine). Run with -cpu 1.
func BenchmarkGenerate(b *testing.B) {
	benchGenerate(b, Options{})
}

// BenchmarkGenerateDnstwistFuzzers runs only dnstwist's own fuzzers, the
// like-for-like comparison.
func BenchmarkGenerateDnstwistFuzzers(b *testing.B) {
	benchGenerate(b, Options{Fuzzers: []string{Addition, Bitsquatting, Cyrillic, Homoglyph, Hyphenation, Insertion,
		Omission, Plural, Repetition, Replacement, Subdomain, Transposition, VowelSwap, Various}})
}

func benchGenerate(b *testing.B, opts Options) {
	domains := referenceDomains(b)
	load()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	total := 0
	for i := 0; i < b.N; i++ {
		for _, d := range domains {
			c, err := Generate(d, opts)
			if err != nil {
				b.Fatal(err)
			}
			total += len(c)
		}
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "perms/s")
	b.ReportMetric(float64(total)/cpu.Seconds(), "perms/cpu-s")
	b.ReportMetric(float64(total)/float64(b.N), "perms/op")
}

// BenchmarkMatch measures matcher lookups per second over newly-registered
// style names, with 1,000 and 10,000 brands. Run with -cpu 1.
func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("brands=%d", n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, uint64(n)))
			ix, err := NewIndex(synthBrands(r, n), IndexOptions{})
			if err != nil {
				b.Fatal(err)
			}
			names := make([]string, 4096)
			for i := range names {
				names[i] = synthNRD(r)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			hits := 0
			for i := 0; i < b.N; i++ {
				if _, ok := ix.Match(names[i&4095]); ok {
					hits++
				}
			}
			cpu := cpuTime() - cpu0
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
			b.ReportMetric(float64(b.N)/cpu.Seconds(), "lookups/cpu-s")
			b.ReportMetric(float64(hits)/float64(b.N), "hit-ratio")
		})
	}
}
