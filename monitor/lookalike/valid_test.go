package lookalike

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/takedownhq/takedown/internal/base/domain"
)

// checkCandidates asserts what Generate promises for every candidate: a
// valid name by monitor/domain (same ASCII form), a Unicode form that
// encodes to it, not the input, no repeats, a known fuzzer.
func checkCandidates(t testing.TB, input string, cands []Candidate) {
	t.Helper()
	in, err := domain.Host(input)
	if err != nil {
		t.Fatalf("input %q: %v", input, err)
	}
	seen := make(map[string]bool, len(cands))
	for _, c := range cands {
		if c.Name == in {
			t.Fatalf("%s: the input itself came out (%s)", input, c.Fuzzer)
		}
		if seen[c.Name] {
			t.Fatalf("%s: %s came out twice", input, c.Name)
		}
		seen[c.Name] = true
		if fuzzerIndex(c.Fuzzer) < 0 {
			t.Fatalf("%s: unknown fuzzer %q", c.Name, c.Fuzzer)
		}
		h, err := domain.Host(c.Name)
		if err != nil || h != c.Name {
			t.Fatalf("%s (%s): not a valid name: %v (got %q)", c.Name, c.Fuzzer, err, h)
		}
		u, err := domain.Host(c.Unicode)
		if err != nil || u != c.Name {
			t.Fatalf("%s (%s): Unicode form %q gives %q, %v", c.Name, c.Fuzzer, c.Unicode, u, err)
		}
	}
}

func TestCandidatesValid(t *testing.T) {
	inputs := []string{"www.paypal.com", "bücher.de", "ab.io", "a-b-c.co.uk", "xn--80ak6aa92e.com", "münchen.info",
		"x.org", "ee.ee", "1.com", "über-straße.de", "пример.рф", "例え.jp", "مثال.com", "google.com.br"}
	for _, f := range referenceFiles(t) {
		inputs = append(inputs, strings.TrimSuffix(filepath.Base(f), ".tsv"))
	}
	for _, in := range inputs {
		cands, err := Generate(in, Options{})
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if len(cands) == 0 {
			t.Errorf("%s: no candidates", in)
		}
		checkCandidates(t, in, cands)
	}
}
