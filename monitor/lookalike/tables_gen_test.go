package lookalike

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/mtibben/confusables"
	"golang.org/x/text/unicode/norm"
)

// The generator of tables_gen.go. It walks every letter and digit of the
// BMP and the SMP through the UTS #39 skeleton (mtibben/confusables
// carries Unicode's whole confusables.txt): a few hundred milliseconds
// that every `takedown lookalikes` paid on first use before. go generate
// runs it with -update; without it, the test fails when the committed file
// differs from what the tables and the libraries derive now, so CI catches
// a drift.

var updateTables = flag.Bool("update", false, "rewrite tables_gen.go")

const tablesGenFile = "tables_gen.go"

//go:generate go test -run ^TestGeneratedTables$ . -args -update

func TestGeneratedTables(t *testing.T) {
	want := renderTables(t, deriveTables())
	if *updateTables {
		if err := os.WriteFile(tablesGenFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(tablesGenFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go generate ./monitor/lookalike and commit it", tablesGenFile)
	}
}

// derived is what the generator computes.
type derived struct {
	verified   runeSet
	confusable [128][]rune
	fold       map[rune]string
	asciiFold  [128]string
}

func deriveTables() *derived {
	d := &derived{fold: map[rune]string{}}
	d.asciiFold = buildASCIIFold()
	check := func(s string) {
		for _, r := range s {
			if r >= 0x80 && !d.verified.has(r) && checkRune(r) {
				d.verified.add(r)
			}
		}
	}
	for _, gt := range repertoires() {
		for _, vs := range *gt {
			for _, v := range vs {
				check(v)
			}
		}
	}
	for _, c := range latinToCyrillic {
		check(string(c))
	}
	d.buildConfusables()
	return d
}

// buildConfusables keeps, for each ASCII letter and digit, the runes that
// are valid in a domain label and share its skeleton. It also fills the
// matcher's folding table.
func (d *derived) buildConfusables() {
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
		f := d.matchFold(sk, inv)
		if !isASCIIString(f) && inv[r] != "" {
			f = d.matchFold(inv[r], inv)
		}
		if f != string(r) {
			d.fold[r] = f
		}
		cs, ok := bySkeleton[sk]
		if !ok {
			continue
		}
		if !d.verified.has(r) {
			if !checkRune(r) {
				continue
			}
			d.verified.add(r)
		}
		for _, c := range cs {
			d.confusable[c] = append(d.confusable[c], r)
		}
	}
	// ASCII look-alikes by the same table: '1' for 'l', '0' for 'o'.
	for c := rune('0'); c < 0x80; c++ {
		if target[c] == "" {
			continue
		}
		for e := rune('0'); e < 0x80; e++ {
			if e != c && target[e] == target[c] {
				d.confusable[c] = append([]rune{e}, d.confusable[c]...)
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
func (d *derived) matchFold(sk string, inv map[rune]string) string {
	var b strings.Builder
	for _, r := range foldText(sk) {
		switch {
		case r < 0x80:
			b.WriteString(d.asciiFold[r])
		case inv[r] != "":
			for _, c := range inv[r] {
				b.WriteString(d.asciiFold[c])
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

// canonFold spells "w" as "vv" and "d" as "cl", after the confusable
// skeleton, so look-alike pairs the Unicode table leaves apart compare equal.
func canonFold(s string) string {
	if !strings.ContainsAny(s, "wd") {
		return s
	}
	return strings.NewReplacer("w", "vv", "d", "cl").Replace(s)
}

// buildASCIIFold folds each ASCII character to a fixed point: "m" to "rn",
// "0" to "o", "1" and "I" to "l", "w" to "vv", "d" to "cl".
func buildASCIIFold() [128]string {
	var f [128]string
	for c := 0; c < 128; c++ {
		f[c] = string(rune(c))
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' {
			f[c] = canonFold(foldText(confusables.Skeleton(string(rune(c)))))
		}
	}
	for changed := true; changed; {
		changed = false
		for c := range f {
			var b strings.Builder
			for _, r := range f[c] {
				if r < 0x80 && f[r] != string(r) {
					b.WriteString(f[r])
				} else {
					b.WriteRune(r)
				}
			}
			if b.String() != f[c] {
				f[c], changed = b.String(), true
			}
		}
	}
	return f
}

// renderTables writes the generated file: plain arrays and strings, which
// the linker lays out as read-only data, so reading them costs nothing at
// start-up.
func renderTables(t *testing.T, d *derived) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("// Code generated by go generate (TestGeneratedTables in tables_gen_test.go); DO NOT EDIT.\n\n")
	b.WriteString("package lookalike\n\n")
	b.WriteString("// genVerified lists the verified runes (see runeSet), ascending.\n")
	b.WriteString("var genVerified = [...]rune{")
	n := 0
	for r := rune(0x80); r < maxVerified; r++ {
		if d.verified.has(r) {
			if n%12 == 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "%#04x, ", r)
			n++
		}
	}
	b.WriteString("\n}\n\n")
	b.WriteString("// genConfusable[c] holds the runes that look like the ASCII character c, as text.\n")
	b.WriteString("var genConfusable = [128]string{\n")
	for c, rs := range d.confusable {
		if len(rs) > 0 {
			fmt.Fprintf(&b, "%#02x: %s,\n", c, strconv.QuoteToASCII(string(rs)))
		}
	}
	b.WriteString("}\n\n")
	b.WriteString("// genASCIIFold is the matcher's skeleton of each ASCII character.\n")
	b.WriteString("var genASCIIFold = [128]string{\n")
	for c, f := range d.asciiFold {
		fmt.Fprintf(&b, "%#02x: %s,\n", c, strconv.QuoteToASCII(f))
	}
	b.WriteString("}\n\n")
	keys := make([]rune, 0, len(d.fold))
	for r := range d.fold {
		keys = append(keys, r)
	}
	slices.Sort(keys)
	b.WriteString("// genFoldKeys are the runes the matcher folds, ascending; the fold of\n")
	b.WriteString("// genFoldKeys[i] is genFoldText[genFoldEnds[i-1]:genFoldEnds[i]].\n")
	b.WriteString("var genFoldKeys = [...]rune{")
	var text strings.Builder
	ends := make([]int, 0, len(keys))
	for i, r := range keys {
		if i%12 == 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%#04x, ", r)
		text.WriteString(d.fold[r])
		ends = append(ends, text.Len())
	}
	b.WriteString("\n}\n\n")
	b.WriteString("var genFoldEnds = [...]uint32{")
	for i, e := range ends {
		if i%12 == 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%d, ", e)
	}
	b.WriteString("\n}\n\n")
	b.WriteString("const genFoldText = \"\" +\n")
	s := text.String()
	for len(s) > 0 {
		// Cut at 60 bytes, on a rune boundary.
		n := min(60, len(s))
		for n < len(s) && !utf8RuneStart(s[n]) {
			n++
		}
		fmt.Fprintf(&b, "\t%s", strconv.Quote(s[:n]))
		s = s[n:]
		if len(s) > 0 {
			b.WriteString(" +\n")
		}
	}
	b.WriteString("\n")
	out, err := format.Source(b.Bytes())
	if err != nil {
		t.Fatalf("format %s: %v", tablesGenFile, err)
	}
	return out
}

func utf8RuneStart(c byte) bool { return c&0xc0 != 0x80 }

// BenchmarkTableBuild is what a process pays on its first Generate or
// Index: "generated" reads tables_gen.go (what load does now), "derived"
// is the derivation load ran before the tables were generated.
func BenchmarkTableBuild(b *testing.B) {
	b.Run("generated", func(b *testing.B) {
		for range b.N {
			buildTables()
		}
	})
	b.Run("derived", func(b *testing.B) {
		for range b.N {
			deriveTables()
		}
	})
}
