package lookalike

import "testing"

func TestSortByFuzzer(t *testing.T) {
	cs := []Candidate{{Name: "b.com", Fuzzer: TLDSwap}, {Name: "z.com", Fuzzer: Fuzzers[0]}, {Name: "a.com", Fuzzer: TLDSwap}, {Name: "y.com", Fuzzer: Fuzzers[0]}}
	SortByFuzzer(cs)
	want := []string{"y.com", "z.com", "a.com", "b.com"}
	for i, c := range cs {
		if c.Name != want[i] {
			t.Fatalf("order = %v, want names %v", cs, want)
		}
	}
}
