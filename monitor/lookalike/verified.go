package lookalike

import (
	"slices"
	"sort"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"

	"github.com/takedownhq/takedown/internal/base/domain"
)

// A rune is "verified" when any label made of verified runes, ASCII letters,
// digits and inner hyphens is a valid IDNA 2008 label under the lookup
// profile monitor/domain applies: the rune is valid and left unchanged by
// the mapping, has a left-to-right Bidi class, and neither combines with
// its neighbours under NFC nor is a mark. Those properties hold for the
// rune on its own, so checking each rune once through domain.Host makes
// every combination valid without calling the IDNA code per candidate.

// maxVerified bounds the bitset; confusable letters above it are rare and
// are checked one by one instead.
const maxVerified = 0x30000

type runeSet [maxVerified / 64]uint64

func (s *runeSet) has(r rune) bool {
	return r >= 0 && r < maxVerified && s[r>>6]&(1<<(uint(r)&63)) != 0
}

func (s *runeSet) add(r rune) {
	if r >= 0 && r < maxVerified {
		s[r>>6] |= 1 << (uint(r) & 63)
	}
}

// checkRune reports whether r may appear anywhere in a label built on the
// fast path (see above).
func checkRune(r rune) bool {
	if r < 0x80 {
		return r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
	}
	if unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me) || !unicode.In(r, unicode.L, unicode.Nd) {
		return false
	}
	if r >= 0x1100 && r <= 0x11ff || r >= 0xa960 && r <= 0xa97f || r >= 0xd7b0 && r <= 0xd7ff {
		return false // conjoining jamo compose under NFC
	}
	if p, _ := bidi.LookupRune(r); p.Class() != bidi.L {
		return false
	}
	np := norm.NFC.PropertiesString(string(r))
	if np.CCC() != 0 || !np.BoundaryBefore() {
		return false
	}
	label := []rune{'a', r, 'a'}
	want := string(appendLabel(nil, label)) + ".com"
	got, err := domain.Host(string(label) + ".com")
	return err == nil && got == want
}

// tables holds what the generator and the matcher read: the verified
// runes, the compiled glyph tables and the inverse confusables table. The
// slow derivations (every letter of the BMP and SMP through UTS #39) ran
// at build time: tables_gen.go holds their output (go generate), so a
// process pays only for compiling the glyph tables.
type tables struct {
	verified runeSet
	// glyphs per repertoire, keyed by the glyphTable's identity.
	glyphs map[*glyphTable]*compiledGlyphs
	// confusable[c] lists the verified runes whose UTS #39 skeleton equals
	// that of the ASCII character c, in code point order.
	confusable [128][]rune
}

var (
	tablesOnce sync.Once
	tbl        *tables
)

// load builds the tables on first use from the generated ones.
func load() *tables {
	tablesOnce.Do(func() { tbl = buildTables() })
	return tbl
}

func buildTables() *tables {
	t := &tables{glyphs: map[*glyphTable]*compiledGlyphs{}}
	for _, r := range genVerified {
		t.verified.add(r)
	}
	for c, s := range genConfusable {
		if s != "" {
			t.confusable[c] = []rune(s)
		}
	}
	for _, gt := range repertoires()[1:] {
		t.glyphs[gt] = compileGlyphs(&t.verified, glyphsASCII, *gt)
	}
	return t
}

// repertoires lists the glyph tables: the ASCII one first, then the
// Unicode one, the no-IDN one and each registry's, in suffix order.
func repertoires() []*glyphTable {
	all := []*glyphTable{&glyphsASCII, &glyphsUnicode, &noIDN}
	seen := map[*glyphTable]bool{}
	for _, s := range sortedKeys(idnBySuffix) {
		p := idnBySuffix[s]
		if !seen[p] && p != &noIDN {
			seen[p] = true
			all = append(all, p)
		}
	}
	return all
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// foldRune is the matcher's form of a non-ASCII rune: its confusable
// skeleton without diacritics, lower case (generated); false when the rune
// stands for itself.
func foldRune(r rune) (string, bool) {
	i, ok := slices.BinarySearch(genFoldKeys[:], r)
	if !ok {
		return "", false
	}
	start := uint32(0)
	if i > 0 {
		start = genFoldEnds[i-1]
	}
	return genFoldText[start:genFoldEnds[i]], true
}
