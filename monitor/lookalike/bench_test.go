package lookalike

import (
	"path/filepath"
	"strings"
	"testing"
)

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
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "perms/s")
	b.ReportMetric(float64(total)/float64(b.N), "perms/op")
}
