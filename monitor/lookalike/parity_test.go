package lookalike

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readReference reads a dnstwist output file: FUZZER<TAB>DOMAIN a line.
func readReference(t testing.TB, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fuzzer, name, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		out[name] = fuzzer
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func referenceFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "dnstwist", "*.tsv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no reference files in testdata/dnstwist: %v", err)
	}
	return files
}

// TestDnstwistParity: every name dnstwist lists for a reference domain comes
// out of Generate too.
func TestDnstwistParity(t *testing.T) {
	for _, file := range referenceFiles(t) {
		input := strings.TrimSuffix(filepath.Base(file), ".tsv")
		t.Run(input, func(t *testing.T) {
			want := readReference(t, file)
			cands, err := Generate(input, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, c := range cands {
				got[c.Name] = true
			}
			missing := 0
			for name, fuzzer := range want {
				if !got[name] {
					missing++
					if missing <= 20 {
						t.Errorf("missing %s (dnstwist fuzzer %s)", name, fuzzer)
					}
				}
			}
			if missing > 0 {
				t.Errorf("%d of %d dnstwist names missing; generated %d", missing, len(want), len(cands))
			}
		})
	}
}
