package feeds

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// cpuTime is the process's CPU time: the machine's cores are shared, so
// the benchmarks report rates per CPU second beside rates per wall second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// brandSyllables make invented brand names. They are not the syllables
// the innocent names are made of: drawn from one small set, brands and
// registrations would collide far more than real ones do.
var brandSyllables = strings.Fields(`zan qor vel trix mun dex lyn kor thal vix quen rov sar pel bex nor wyn jax fen
gal tor ryn zel mox dra plex sol var cor nim ost ul ari eon ith yor kai vant`)

// benchBrands is 1,000 brands: the test's real ones and invented ones,
// one in ten short like ibm or dhl.
func benchBrands(n int) []string {
	out := append(append([]string{}, brands...), seized...)
	seen := map[string]bool{}
	r := rand.New(rand.NewPCG(9, 9))
	for len(out) < n {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(brandSyllables[r.IntN(len(brandSyllables))])
		}
		if r.IntN(10) == 0 {
			s := b.String()[:3]
			b.Reset()
			b.WriteString(s)
		}
		if label := b.String(); !seen[label] {
			seen[label] = true
			out = append(out, label+"."+[]string{"com", "com", "net", "de", "co.uk", "io"}[r.IntN(6)])
		}
	}
	return out
}

func benchStore(b *testing.B, brandList []string) *sqlite.SQLite {
	st := newStore(b)
	addDomains(b, st, store.KindBrand, brandList...)
	return st
}

// BenchmarkNRD measures names matched per second from an NRD list on disk
// against 1,000 brands, reading included. "scan" is the read-and-match
// loop; "run" is a whole feed run: hashing the file, unzipping, matching,
// storing the matches and the cursor. Run with -cpu 1.
func BenchmarkNRD(b *testing.B) {
	const n = 500_000
	names := nrdList(b, 3, n, []string{"paypa1.com", "thefoxcloud.net", "g00gle.com"})
	dir := b.TempDir()
	text := filepath.Join(dir, "nrd.txt")
	if err := os.WriteFile(text, simnet.NRDText(names), 0o644); err != nil {
		b.Fatal(err)
	}
	zipped, err := simnet.NRDZip("domain-names.txt", names)
	if err != nil {
		b.Fatal(err)
	}
	zipPath := filepath.Join(dir, "nrd.zip")
	if err := os.WriteFile(zipPath, zipped, 0o644); err != nil {
		b.Fatal(err)
	}
	st := benchStore(b, benchBrands(1000))
	m, err := LoadMatcher(context.Background(), st, MatcherOptions{})
	if err != nil {
		b.Fatal(err)
	}
	report := func(b *testing.B, cpu0 time.Duration, total int64) {
		cpu := cpuTime() - cpu0
		b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "names/s")
		b.ReportMetric(float64(total)/cpu.Seconds(), "names/cpu-s")
	}
	for _, path := range []string{text, zipPath} {
		b.Run("scan/"+filepath.Ext(path)[1:], func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			var total int64
			hits := 0
			for b.Loop() {
				rc, err := openContent(path, 1<<30)
				if err != nil {
					b.Fatal(err)
				}
				err = ScanNames(rc, func(name string) {
					total++
					if _, ok := m.watched[name]; ok {
						hits++
					}
					if _, ok := m.Match(name); ok {
						hits++
					}
				}, func(int64, string) {})
				rc.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
			report(b, cpu0, total)
			b.ReportMetric(float64(hits)/float64(total), "hit-ratio")
		})
	}
	b.Run("run/zip", func(b *testing.B) {
		ctx := context.Background()
		f := addFeed(b, st, "bench", KindNRD, zipPath, "")
		r := &Runner{Store: st, Dir: b.TempDir(), Log: quietLogger(), Matcher: func(context.Context) (*Matcher, error) { return m, nil }}
		cpu0 := cpuTime()
		var total int64
		for b.Loop() {
			f.Cursor = "" // read the same file again
			s, err := r.Run(ctx, f)
			if err != nil || s.Names != n {
				b.Fatalf("%+v %v", s, err)
			}
			total += s.Names
		}
		report(b, cpu0, total)
	})
}

// BenchmarkCT measures log entries processed per second from a loopback
// log (precertificates among them, the log capping batches at 256): fetch,
// parse, match against 1,000 brands, commit with the cursor. The log
// server runs in the same process and its CPU counts too.
func BenchmarkCT(b *testing.B) {
	const n = 5000
	fx := startCTLog(b, 256)
	fx.fill(b, 8, n, ctPlanted, 0)
	st := benchStore(b, benchBrands(1000))
	m, err := LoadMatcher(context.Background(), st, MatcherOptions{})
	if err != nil {
		b.Fatal(err)
	}
	f := addFeed(b, st, "bench", KindCT, fx.log.URL(), CTCursor(0))
	r := &Runner{Store: st, Dir: b.TempDir(), Log: quietLogger(), Matcher: func(context.Context) (*Matcher, error) { return m, nil },
		CT: CTOptions{Rate: 100_000}}
	ctx := context.Background()
	cpu0 := cpuTime()
	var total int64
	for b.Loop() {
		f.Cursor = CTCursor(0)
		s, err := r.Run(ctx, f)
		if err != nil || s.Entries != n {
			b.Fatalf("%+v %v", s, err)
		}
		total += s.Entries
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(total)/cpu.Seconds(), "entries/cpu-s")
}
