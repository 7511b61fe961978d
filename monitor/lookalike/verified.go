package lookalike

import (
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/mtibben/confusables"
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

// tables holds everything derived once per process: the verified runes,
// compiled glyph tables, the inverse confusables table and the matcher's
// folding table.
type tables struct {
	verified runeSet
	// glyphs per repertoire, keyed by the glyphTable's identity.
	glyphs map[*glyphTable]*compiledGlyphs
	// confusable[c] lists the verified runes whose UTS #39 skeleton equals
	// that of the ASCII character c, in code point order.
	confusable [128][]rune
	// fold maps a non-ASCII rune to the ASCII (or other) text the matcher
	// compares: its confusable skeleton with diacritics removed, lower case.
	fold map[rune]string
}

var (
	tablesOnce sync.Once
	tbl        *tables
)

// load builds the tables on first use: about 50 ms, paid once.
func load() *tables {
	tablesOnce.Do(func() { tbl = buildTables() })
	return tbl
}

func buildTables() *tables {
	t := &tables{glyphs: map[*glyphTable]*compiledGlyphs{}, fold: map[rune]string{}}
	check := func(s string) {
		for _, r := range s {
			if r >= 0x80 && !t.verified.has(r) && checkRune(r) {
				t.verified.add(r)
			}
		}
	}
	all := []*glyphTable{&glyphsASCII, &glyphsUnicode, &noIDN}
	seen := map[*glyphTable]bool{}
	for _, s := range sortedKeys(idnBySuffix) {
		p := idnBySuffix[s]
		if !seen[p] && p != &noIDN {
			seen[p] = true
			all = append(all, p)
		}
	}
	for _, gt := range all {
		for _, vs := range *gt {
			for _, v := range vs {
				check(v)
			}
		}
	}
	for _, c := range latinToCyrillic {
		check(string(c))
	}
	for _, gt := range all[1:] {
		t.glyphs[gt] = compileGlyphs(&t.verified, glyphsASCII, *gt)
	}
	t.buildConfusables()
	return t
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// buildConfusables walks the letters and digits of the BMP and the SMP
// through the UTS #39 skeleton (mtibben/confusables carries Unicode's whole
// confusables.txt) and keeps, for each ASCII letter and digit, the runes
// that are valid in a domain label and share its skeleton. It also fills
// the matcher's folding table.
func (t *tables) buildConfusables() {
	var target [128]string
	for c := rune('0'); c < 0x80; c++ {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			target[c] = confusables.Skeleton(string(c))
		}
	}
	bySkeleton := map[string][]rune{}
	for c := rune('0'); c < 0x80; c++ {
		if target[c] != "" {
			bySkeleton[target[c]] = append(bySkeleton[target[c]], c)
		}
	}
	inv := inverseGlyphs()
	for r := rune(0x80); r < maxVerified; r++ {
		if !unicode.In(r, unicode.L, unicode.Nd) {
			continue
		}
		sk := confusables.Skeleton(string(r))
		f := matchFold(sk, inv)
		if !isASCIIString(f) && inv[r] != "" {
			f = matchFold(inv[r], inv)
		}
		if f != string(r) {
			t.fold[r] = f
		}
		cs, ok := bySkeleton[sk]
		if !ok {
			continue
		}
		if !t.verified.has(r) {
			if !checkRune(r) {
				continue
			}
			t.verified.add(r)
		}
		for _, c := range cs {
			t.confusable[c] = append(t.confusable[c], r)
		}
	}
	// ASCII look-alikes by the same table: '1' for 'l', '0' for 'o'.
	for c := rune('0'); c < 0x80; c++ {
		if target[c] == "" {
			continue
		}
		for d := rune('0'); d < 0x80; d++ {
			if d != c && target[d] == target[c] {
				t.confusable[c] = append([]rune{d}, t.confusable[c]...)
			}
		}
	}
}

// inverseGlyphs maps each single-rune look-alike of the glyph tables back
// to what it imitates: UTS #39 sends Cyrillic м to ʍ and т to ᴛ, which
// read as m and t all the same.
func inverseGlyphs() map[rune]string {
	inv := map[rune]string{}
	tables := []glyphTable{glyphsUnicode}
	for _, s := range sortedKeys(idnBySuffix) {
		tables = append(tables, *idnBySuffix[s])
	}
	for _, gt := range tables {
		for _, k := range sortedKeys(gt) {
			for _, g := range gt[k] {
				if rs := []rune(g); len(rs) == 1 {
					if _, ok := inv[rs[0]]; !ok {
						inv[rs[0]] = k
					}
				}
			}
		}
	}
	for l, c := range latinToCyrillic {
		inv[c] = string(l)
	}
	return inv
}

// matchFold turns a skeleton into the matcher's form: without diacritics,
// lower case, each rune folded again (through the glyph tables when the
// Unicode table leaves it outside ASCII) down to ASCII where possible.
func matchFold(sk string, inv map[rune]string) string {
	var b strings.Builder
	for _, r := range foldText(sk) {
		switch {
		case r < 0x80:
			b.WriteString(asciiFold[r])
		case inv[r] != "":
			for _, c := range inv[r] {
				b.WriteString(asciiFold[c])
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// foldText turns a skeleton into what the matcher compares: canonical
// decomposition without marks, lower case.
func foldText(sk string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(sk) {
		if unicode.In(r, unicode.Mn, unicode.Me) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func isASCIIString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
