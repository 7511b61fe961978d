package lookalike

import (
	"math/rand/v2"
	"strings"

	"github.com/takedownhq/takedown/internal/base/domain"
	"testing"
)

func TestIndexMatch(t *testing.T) {
	ix, err := NewIndex([]string{"paypal.com", "google.de", "ibm.com", "amazon.co.uk", "gohima.de", "thefoxcloud.com", "bücher.com", "microsoft.com"}, IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		brand, kind string
		fuzzer      string
		wantNoMatch bool
	}{
		{name: "paypal.net", brand: "paypal.com", kind: KindPermutation, fuzzer: TLDSwap},
		{name: "paypa1.com", brand: "paypal.com", kind: KindSkeleton, fuzzer: Homoglyph},
		{name: "xn--pypal-4ve.com", brand: "paypal.com", kind: KindSkeleton, fuzzer: Confusable}, // pаypal, Cyrillic а
		{name: "paypal1.com", brand: "paypal.com", kind: KindPermutation, fuzzer: Addition},
		{name: "papyal.com", brand: "paypal.com", kind: KindPermutation, fuzzer: Transposition},
		{name: "paypl.com", brand: "paypal.com", kind: KindPermutation, fuzzer: Omission},
		{name: "pay-pal.com", brand: "paypal.com", kind: KindPermutation, fuzzer: Hyphenation},
		{name: "paypal-secure-login.com", brand: "paypal.com", kind: KindKeywords, fuzzer: Combosquatting},
		{name: "securepaypal2024.xyz", brand: "paypal.com", kind: KindKeywords, fuzzer: Combosquatting},
		{name: "paypalcom.com", brand: "paypal.com", kind: KindPermutation, fuzzer: Various},
		{name: "google-de.com", brand: "google.de", kind: KindPermutation, fuzzer: Various},
		{name: "paypal-2024.com", brand: "paypal.com", kind: KindKeywords, fuzzer: Combosquatting},
		{name: "ibm2.com", wantNoMatch: true},
		{name: "gооgle.de", brand: "google.de", kind: KindSkeleton, fuzzer: Confusable},
		{name: "xn--80axf0huwzp.de", brand: "gohima.de", kind: KindSkeleton, fuzzer: Cyrillic}, // ԍоһіма
		{name: "paypa1-login.net", brand: "paypal.com", kind: KindKeywords},
		{name: "rnicrosoft.com", brand: "microsoft.com", kind: KindSkeleton, fuzzer: Homoglyph},
		{name: "arnazon.co.uk", brand: "amazon.co.uk", kind: KindSkeleton, fuzzer: Homoglyph},
		{name: "ibm-login.com", brand: "ibm.com", kind: KindKeywords},
		{name: "ibm.net", brand: "ibm.com", kind: KindPermutation, fuzzer: TLDSwap},
		{name: "thefoxcloud.net", brand: "thefoxcloud.com", kind: KindPermutation, fuzzer: TLDSwap},
		{name: "cloudfoxhub.com", wantNoMatch: true},
		{name: "paypal.com", wantNoMatch: true},
		{name: "ibn.com", wantNoMatch: true},
		{name: "climbing.com", wantNoMatch: true},
		{name: "startups.com", wantNoMatch: true},
		{name: "bucher.com", brand: "xn--bcher-kva.com", kind: KindSkeleton},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := ix.Match(tc.name)
			if tc.wantNoMatch {
				if ok {
					t.Errorf("%s: unexpected match %+v", tc.name, m)
				}
				return
			}
			if !ok || m.Brand != tc.brand || m.Kind != tc.kind || (tc.fuzzer != "" && m.Fuzzer != tc.fuzzer) {
				t.Errorf("%s: got %+v, %v; want brand %s kind %s fuzzer %s", tc.name, m, ok, tc.brand, tc.kind, tc.fuzzer)
			}
		})
	}
}

func TestIndexMatchAllocs(t *testing.T) {
	ix, _ := NewIndex([]string{"paypal.com", "google.de", "ibm.com"}, IndexOptions{})
	names := []string{"paypa1.com", "paypal-login.com", "xn--pypal-4ve.com", "random-name.org", "papyal.co.uk"}
	allocs := testing.AllocsPerRun(200, func() {
		for _, n := range names {
			ix.Match(n)
		}
	})
	if allocs != 0 {
		t.Errorf("Match allocates %.1f times per run", allocs)
	}
}

// TestIndexPrecision plants 30 look-alikes of 1,000 brands among 100,000
// newly-registered style names: all 30 must match their brand, and few
// innocent names may.
func TestIndexPrecision(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	brands := synthBrands(r, 1000)
	ix, err := NewIndex(brands, IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 100000)
	for i := range names {
		names[i] = synthNRD(r)
	}
	planted := map[int]string{}
	fuzzers := []string{Homoglyph, Confusable, Cyrillic, Omission, Transposition, Repetition, Hyphenation,
		Bitsquatting, Replacement, VowelSwap, Addition, TLDSwap, Combosquatting, MultiChar, Insertion, Various}
	for len(planted) < 30 {
		brand := brands[r.IntN(len(brands))]
		if lab, _ := domain.Label(brand); len(lab) < 5 {
			continue
		}
		f := fuzzers[len(planted)%len(fuzzers)]
		cands, err := Generate(brand, Options{Fuzzers: []string{f}})
		if err != nil || len(cands) == 0 {
			continue
		}
		c := cands[r.IntN(len(cands))]
		if strings.Contains(strings.TrimSuffix(c.Name, "."+domain.TLD(c.Name)), ".") && f != TLDSwap && f != Various {
			continue // a subdomain candidate; feeds deliver registrable names
		}
		n, err := domain.Normalize(c.Name)
		if err != nil {
			continue
		}
		pos := r.IntN(len(names))
		if _, taken := planted[pos]; taken {
			continue
		}
		names[pos] = n.ASCII
		planted[pos] = brand
	}
	fp := 0
	for i, n := range names {
		m, ok := ix.Match(n)
		want, isPlanted := planted[i]
		switch {
		case isPlanted && !ok:
			t.Errorf("planted %s (of %s) not found", n, want)
		case isPlanted && m.Brand != want:
			t.Errorf("planted %s (of %s) matched %+v", n, want, m)
		case !isPlanted && ok:
			fp++
		}
	}
	t.Logf("%d innocent names matched of %d", fp, len(names)-len(planted))
	if fp > len(names)/100 {
		t.Errorf("%d false positives in %d names: over 1%%", fp, len(names))
	}
}
