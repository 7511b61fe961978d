package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkWatchImport100k imports a 100,000-line watchlist into a fresh
// database through the real command: parse, normalize, one transaction.
func BenchmarkWatchImport100k(b *testing.B) {
	dir := b.TempDir()
	var sb strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&sb, "www.domain-%06d.com\n", i)
	}
	list := filepath.Join(dir, "list.txt")
	if err := os.WriteFile(list, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var total time.Duration
	for i := range b.N {
		c := &cli{t: &testing.T{}, db: filepath.Join(dir, fmt.Sprintf("b%d.db", i)), env: map[string]string{}}
		start := time.Now()
		r := c.run("watch", "import", list, "--tag", "bench")
		total += time.Since(start)
		if r.code != 0 || !strings.Contains(r.stdout, "100000 added") {
			b.Fatalf("import: %+v", r)
		}
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/import")
	b.ReportMetric(100_000*float64(b.N)/total.Seconds(), "domains/s")
}
