package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkLookalikesOneShot runs the real binary, `takedown lookalikes
// NAME`, once per iteration: the start-up a person pays for one question,
// process start and table loading included. The look-alike tables are
// generated at build time (monitor/lookalike/tables_gen.go), so a short
// and a long name cost about the same and little.
func BenchmarkLookalikesOneShot(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "takedown")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	for _, name := range []string{"ab.io", "bankofamerica.com"} {
		b.Run(name, func(b *testing.B) {
			var total time.Duration
			lines := 0
			for range b.N {
				start := time.Now()
				out, err := exec.Command(bin, "--db", filepath.Join(b.TempDir(), "t.db"), "lookalikes", name).Output()
				total += time.Since(start)
				if err != nil {
					b.Fatalf("takedown lookalikes %s: %v", name, err)
				}
				lines = strings.Count(string(out), "\n")
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s/command")
			b.ReportMetric(float64(lines), "names")
		})
	}
}
