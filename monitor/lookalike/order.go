package lookalike

import (
	"slices"
	"strings"
)

// SortByFuzzer orders candidates by fuzzer, in the order Fuzzers runs
// them, then by name: the order dnstwist prints, which the command line
// and its exports keep.
func SortByFuzzer(cs []Candidate) {
	rank := make(map[string]int, len(Fuzzers))
	for i, f := range Fuzzers {
		rank[f] = i
	}
	slices.SortStableFunc(cs, func(x, y Candidate) int {
		if d := rank[x.Fuzzer] - rank[y.Fuzzer]; d != 0 {
			return d
		}
		return strings.Compare(x.Name, y.Name)
	})
}
