package lookalike

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/takedownhq/takedown/internal/base/domain"
)

// Match kinds: how a candidate imitates a brand.
const (
	KindPermutation = "permutation" // one of the engine's fuzzers would produce it (Fuzzer says which)
	KindSkeleton    = "skeleton"    // reads the same: equal confusable skeleton (homoglyphs, other scripts)
	KindKeywords    = "keywords"    // the brand's label with keywords around it: paypal-secure-login
	KindEdit        = "edit"        // one edit away on the registrable label, by no fuzzer's rule
)

// Match says which brand a name imitates and how.
type Match struct {
	Brand  string  `json:"brand"`            // the brand's registrable domain, ASCII
	Kind   string  `json:"kind"`             // KindPermutation, KindSkeleton, KindKeywords or KindEdit
	Fuzzer string  `json:"fuzzer,omitempty"` // the fuzzer that would produce it, when there is one
	Score  float64 `json:"score"`            // 0..1, higher is a closer imitation
}

// IndexOptions tune the matcher.
type IndexOptions struct {
	// Keywords that may surround a brand's label. Default Keywords, plus
	// for brands of MinEditLen or more the labels of CommonTLDs of three
	// letters or more ("paypal-com-login"). A brand's own suffix next to
	// its label ("google-de", "amazoncouk") always counts, as dnstwist's
	// "various" fuzzer makes those.
	Keywords []string
	// MinEditLen is the shortest brand label (in characters) matched by
	// edit distance. Below it, only changes that keep the label readable as
	// the brand (a hyphen, a doubled letter, look-alike characters), the
	// label under another suffix and the label with keywords count: one
	// edit to a three-letter brand hits too many innocent names. Default 5.
	MinEditLen int
	// MinScore drops weaker matches. Default 0: every match.
	MinScore float64
}

// Index matches candidate names against many brands at once. Build it once
// with NewIndex; Match is safe for concurrent use and does not allocate.
type Index struct {
	brands []indexBrand
	opts   IndexOptions
	t      *tables

	exact      u64Table   // hash of the raw ASCII label -> brands
	skeleton   u64Table   // hash of the skeleton -> brands
	deletion   u64Table   // hash of the skeleton and each one-deletion of it -> brands
	rawDel     u64Table   // the same for the ASCII label as registered
	ac         *automaton // brand skeletons
	acRaw      *automaton // brand labels as registered
	keywords   *trie      // keywords and TLD labels, folded like skeletons
	kwRaw      *trie      // keywords and TLD labels as written
	kwShort    *trie      // keywords only, folded, for short brands
	kwShortR   *trie      // keywords only, as written
	suffixes   u64Table   // hash of each ICANN suffix -> index in suffixList
	suffixList []string
}

type indexBrand struct {
	name     string // registrable domain, ASCII
	label    string // registrable label, ASCII
	suffix   string
	unicode  []rune // the label in Unicode
	skeleton string
	short    bool // shorter than MinEditLen
	// suffixToken is the suffix without dots: "couk" for amazon.co.uk.
	suffixToken string
}

// NewIndex builds the matcher from brands (and watched domains): any form
// domain.Normalize accepts. Bad names are reported together; the index is
// still built from the good ones.
func NewIndex(brands []string, opts IndexOptions) (*Index, error) {
	if opts.MinEditLen <= 0 {
		opts.MinEditLen = 5
	}
	ix := &Index{opts: opts, t: load(), suffixList: ICANNSuffixes()}
	for i, s := range ix.suffixList {
		ix.suffixes.add(hashBytes(s), int32(i))
	}
	ix.suffixes.freeze()
	ix.addKeywords(opts.Keywords)
	var bad []string
	seen := map[string]bool{}
	var patterns, rawPatterns [][]byte
	for _, b := range brands {
		n, err := domain.Normalize(b)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		if seen[n.ASCII] {
			continue
		}
		seen[n.ASCII] = true
		label, suffix := domain.Label(n.ASCII)
		ur := []rune(toUnicode(label))
		sk := string(ix.fold(nil, ur))
		id := int32(len(ix.brands))
		ix.brands = append(ix.brands, indexBrand{name: n.ASCII, label: label, suffix: suffix, unicode: ur,
			skeleton: sk, short: len(ur) < opts.MinEditLen, suffixToken: strings.ReplaceAll(suffix, ".", "")})
		ix.exact.add(hashBytes(label), id)
		ix.skeleton.add(hashBytes(sk), id)
		var pre, suf [maxSkeleton + 1]uint64
		if len(sk) <= maxSkeleton {
			for _, h := range deletionHashes(sk, pre[:], suf[:]) {
				ix.deletion.add(h, id)
			}
		}
		if len(label) <= maxEditSkeleton {
			for _, h := range deletionHashes(label, pre[:], suf[:]) {
				ix.rawDel.add(h, id)
			}
		}
		patterns = append(patterns, []byte(sk))
		rawPatterns = append(rawPatterns, []byte(label))
	}
	ix.ac = newAutomaton(patterns)
	ix.acRaw = newAutomaton(rawPatterns)
	ix.exact.freeze()
	ix.skeleton.freeze()
	ix.deletion.freeze()
	ix.rawDel.freeze()
	if len(bad) > 0 {
		return ix, fmt.Errorf("bad brand(s): %s", strings.Join(bad, "; "))
	}
	return ix, nil
}

// addKeywords builds the keyword tries: the given keywords (default
// Keywords, with the labels of the common TLDs of three letters or more).
func (ix *Index) addKeywords(given []string) {
	kws := given
	if kws == nil {
		kws = Keywords
	}
	var tlds []string
	if given == nil {
		for _, s := range CommonTLDs {
			for _, l := range strings.Split(s, ".") {
				if len(l) >= 3 {
					tlds = append(tlds, l)
				}
			}
		}
	}
	ix.keywords, ix.kwRaw, ix.kwShort, ix.kwShortR = newTrie(), newTrie(), newTrie(), newTrie()
	var buf []byte
	for i, k := range append(append([]string{}, kws...), tlds...) {
		k = strings.ToLower(k)
		buf = ix.fold(buf[:0], []rune(k))
		ix.keywords.add(buf)
		ix.kwRaw.add([]byte(k))
		if i < len(kws) {
			ix.kwShort.add(buf)
			ix.kwShortR.add([]byte(k))
		}
	}
}

// Len is the number of brands indexed.
func (ix *Index) Len() int { return len(ix.brands) }

// maxSkeleton bounds a skeleton in bytes: 63 runes that each fold to a
// few bytes. Edit distance is tried on skeletons up to maxEditSkeleton.
const (
	maxSkeleton     = 320
	maxEditSkeleton = 128
)

// fold appends the matcher's skeleton of a label: each rune's UTS #39
// skeleton without diacritics, lower case, with "w" spelled "vv" and "d"
// spelled "cl" so that those look-alike pairs compare equal too.
func (ix *Index) fold(dst []byte, rs []rune) []byte {
	for _, r := range rs {
		if r < 0x80 {
			dst = append(dst, asciiFold[r]...)
			continue
		}
		if f, ok := foldRune(r); ok {
			dst = append(dst, f...)
			continue
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// Match reports which brand name (an ASCII or Unicode domain, lower case,
// as feeds deliver them after domain.Normalize) imitates, and how. The
// brand's own name does not match. With several, the highest score wins.
//
// A name goes through named stages, each adding the matches it finds:
// parse (registrable label as written and as read), otherSuffix (the
// brand's label under another suffix), sameSkeleton (reads the same),
// oneEditAway, keywords (the brand's label with keywords around it) and
// brandLabels (the brand used as a label of a longer name:
// paypal.com.secure-login.top, login-paypal.verify-account.xyz).
func (ix *Index) Match(name string) (Match, bool) {
	var runeBuf [64]rune
	var skBuf [maxSkeleton]byte
	var rawBuf [64]byte
	q, res := ix.parse(name, runeBuf[:], skBuf[:0], rawBuf[:0])
	switch res {
	case parseNo:
		return Match{}, false
	case parseUnicode:
		return ix.matchUnicode(name)
	}
	var b best
	ix.matchOtherSuffix(&q, &b)
	ix.matchSameSkeleton(&q, &b)
	ix.matchOneEdit(&q, &b)
	ix.matchKeywords(&q, &b)
	ix.matchBrandLabels(&q, &b)
	if b.Score == 0 || b.Score < ix.opts.MinScore {
		return Match{}, false
	}
	return b.Match, true
}

// query is one name on its way through Match's stages. Its slices point
// into buffers on Match's stack; parse returns it by value, because a
// pointer stored through a pointer parameter would send them to the heap.
type query struct {
	name, label, suffix string // name without a trailing dot; its registrable label and suffix
	rs                  []rune // the label in Unicode
	sk                  []byte // the label as read (skeleton)
	raw                 []byte // the label as written, when ASCII; else empty
}

// best is the highest-scoring match the stages found so far. It is kept
// apart from query so that returning it does not take query's buffers
// along to the heap.
type best struct{ Match }

func (b *best) consider(m Match) {
	if m.Score > b.Score {
		b.Match = m
	}
}

type parseResult int

const (
	parseOK parseResult = iota
	parseNo
	parseUnicode // the name is in Unicode: take the slow path
)

// parse splits the name and spells its registrable label as written and
// as read, without allocating for ASCII names.
func (ix *Index) parse(name string, runeBuf []rune, skBuf, rawBuf []byte) (q query, _ parseResult) {
	name = strings.TrimSuffix(name, ".")
	label, suffix, ok := ix.split(name)
	if !ok || len(label) > 63 {
		return q, parseNo
	}
	q.name, q.label, q.suffix = name, label, suffix
	if strings.HasPrefix(label, "xn--") {
		n := decodePunycode(label[4:], runeBuf)
		if n < 0 {
			return q, parseNo
		}
		q.rs = runeBuf[:n]
	} else {
		for i := 0; i < len(label); i++ {
			c := label[i]
			if c >= 0x80 {
				return q, parseUnicode
			}
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			runeBuf[i] = rune(c)
		}
		q.rs = runeBuf[:len(label)]
	}
	q.sk = ix.fold(skBuf, q.rs)
	if len(q.sk) > maxSkeleton {
		return q, parseNo
	}
	q.raw = rawBuf
	if isASCIIRunes(q.rs) {
		for _, r := range q.rs {
			q.raw = append(q.raw, byte(r))
		}
	}
	return q, parseOK
}

// matchOtherSuffix: the brand's label under another suffix.
func (ix *Index) matchOtherSuffix(q *query, b *best) {
	for e := ix.exact.find(hashBytes(q.label)); e >= 0; e = ix.exact.next(e) {
		br := &ix.brands[ix.exact.brand(e)]
		if br.label == q.label && br.suffix != q.suffix {
			b.consider(Match{Brand: br.name, Kind: KindPermutation, Fuzzer: TLDSwap, Score: FuzzerScore(TLDSwap)})
		}
	}
}

// matchSameSkeleton: reads the same as the brand.
func (ix *Index) matchSameSkeleton(q *query, b *best) {
	for e := ix.skeleton.find(hashBytes(q.sk)); e >= 0; e = ix.skeleton.next(e) {
		br := &ix.brands[ix.skeleton.brand(e)]
		if br.skeleton != string(q.sk) || br.label == q.label {
			continue
		}
		m := Match{Brand: br.name, Kind: KindSkeleton, Fuzzer: Homoglyph, Score: 0.95}
		if !isASCIIRunes(q.rs) {
			m.Fuzzer = Confusable
			if allCyrillic(q.rs) {
				m.Fuzzer = Cyrillic
			}
		}
		b.consider(m)
	}
}

// matchOneEdit: one edit away, on the label as written, then on what it
// reads as (paypa1l is one edit from paypal only as read; plarm one bit
// from plare only as written).
func (ix *Index) matchOneEdit(q *query, b *best) {
	if b.Score >= 0.95 {
		return
	}
	if len(q.raw) > 0 {
		ix.oneEditAway(&ix.rawDel, q.raw, q.rs, false, b.consider)
	}
	if b.Score == 0 && string(q.raw) != string(q.sk) {
		ix.oneEditAway(&ix.deletion, q.sk, q.rs, true, b.consider)
	}
}

// matchKeywords: the brand with keywords around it, as written and as read.
func (ix *Index) matchKeywords(q *query, b *best) {
	if b.Score >= 0.85 {
		return
	}
	if len(q.raw) > 0 {
		ix.acRaw.scan(q.raw, func(id int32, start, end int) { ix.keywordHit(b, id, q.raw, start, end, false) })
	}
	if string(q.raw) != string(q.sk) {
		// Digits fold to letters in a skeleton: 0 reads as o, 1 as l.
		ix.ac.scan(q.sk, func(id int32, start, end int) { ix.keywordHit(b, id, q.sk, start, end, true) })
	}
}

// keywordHit judges brand id found at text[start:end]: its own suffix
// glued on (various), or keywords, digits and hyphens around it
// (combosquatting).
func (ix *Index) keywordHit(b *best, id int32, text []byte, start, end int, skel bool) {
	br := &ix.brands[id]
	if start == 0 && end == len(text) {
		return
	}
	left, right := text[:start], text[end:]
	if len(left) == 0 && isSuffixToken(right, br.suffixToken) {
		b.consider(Match{Brand: br.name, Kind: KindPermutation, Fuzzer: Various, Score: FuzzerScore(Various)})
		return
	}
	kw, digits := ix.kwRaw, "0123456789"
	switch {
	case skel && br.short:
		kw, digits = ix.kwShort, "0123456789o" // 0 reads as o in a skeleton
	case skel:
		kw, digits = ix.keywords, "0123456789o"
	case br.short:
		kw = ix.kwShortR
	}
	okL, wordL := onlyKeywords(kw, digits, left)
	okR, wordR := onlyKeywords(kw, digits, right)
	if !okL || !okR {
		return
	}
	score := 0.85
	switch {
	case !wordL && !wordR && br.short:
		return // "dog2" is not "dog" in disguise
	case !wordL && !wordR:
		score = 0.7 // digits and hyphens only: paypal-2024
	case br.short:
		score = 0.75
	}
	b.consider(Match{Brand: br.name, Kind: KindKeywords, Fuzzer: Combosquatting, Score: score})
}

// oneEditAway looks up text and each of its one-deletions among the
// brands' (SymSpell's trick), hashing each deletion from prefix and suffix
// hashes instead of building it, and reports brands one edit away.
func (ix *Index) oneEditAway(table *u64Table, text []byte, rs []rune, skel bool, consider func(Match)) {
	n := len(text)
	if n > maxEditSkeleton {
		return
	}
	var pre [maxEditSkeleton + 1]uint64
	for i := 0; i < n; i++ {
		pre[i+1] = pre[i]*hashBase + uint64(text[i]) + 1
	}
	var suf uint64 // hash of text[i+1:]
	for i := n; i >= 0; i-- {
		var h uint64
		switch {
		case i == n:
			h = finish(pre[n], n)
		case i+1 < n && text[i] == text[i+1]:
			suf = (uint64(text[i])+1)*pow(n-1-i) + suf
			continue // same deletion as at i+1
		default:
			h = finish(concat(pre[i], suf, n-i-1), n-1)
			suf = (uint64(text[i])+1)*pow(n-1-i) + suf
		}
		for e := table.find(h); e >= 0; e = table.next(e) {
			b := &ix.brands[table.brand(e)]
			other := b.label
			if skel {
				other = b.skeleton
			}
			if other == string(text) || !oneEdit(text, other) {
				continue
			}
			consider(ix.editMatch(b, rs))
		}
	}
}

// matchUnicode handles a name given in Unicode: the slow path, it
// allocates.
func (ix *Index) matchUnicode(name string) (Match, bool) {
	h, err := domain.Host(name)
	if err != nil {
		return Match{}, false
	}
	return ix.Match(h)
}

// split finds the registrable label and the suffix of an ASCII name with
// the embedded ICANN list, without allocating (x/net's PublicSuffix
// allocates on every call). Suffixes under wildcard rules fall back to the
// last label.
func (ix *Index) split(name string) (label, suffix string, ok bool) {
	suffixStart := -1
	var h uint64 // hash of name[i:], built right to left
	n := len(name)
	for i := n - 1; i >= 0; i-- {
		h = (uint64(name[i])+1)*pow(n-1-i) + h
		if i > 0 && name[i-1] != '.' {
			continue
		}
		for e := ix.suffixes.find(finish(h, n-i)); e >= 0; e = ix.suffixes.next(e) {
			if ix.suffixList[ix.suffixes.brand(e)] == name[i:] {
				suffixStart = i
			}
		}
	}
	if suffixStart < 0 {
		suffixStart = strings.LastIndexByte(name, '.') + 1
	}
	if suffixStart <= 1 {
		return "", "", false
	}
	rest := name[:suffixStart-1]
	return rest[strings.LastIndexByte(rest, '.')+1:], name[suffixStart:], true
}

// editMatch names the edit between a candidate label and a brand one
// edit away in skeleton space.
func (ix *Index) editMatch(b *indexBrand, rs []rune) Match {
	fuzzer := classifyEdit(rs, b.unicode)
	if b.short {
		switch fuzzer {
		case Hyphenation, Repetition:
		default:
			return Match{}
		}
	}
	if fuzzer == "" {
		return Match{Brand: b.name, Kind: KindEdit, Score: 0.6}
	}
	score := FuzzerScore(fuzzer)
	if fuzzer == Various {
		score = 0.9
	}
	if fuzzer == Homoglyph {
		score = 0.85 // one look-alike letter, but not one that reads the same
	}
	return Match{Brand: b.name, Kind: KindPermutation, Fuzzer: fuzzer, Score: score}
}

// classifyEdit names the fuzzer that turns brand into c, when one does in
// a single step, else "".
func classifyEdit(c, brand []rune) string {
	n, m := len(c), len(brand)
	i := 0
	for i < n && i < m && c[i] == brand[i] {
		i++
	}
	switch {
	case n == m:
		j := n - 1
		for j > i && c[j] == brand[j] {
			j--
		}
		if i == j {
			return classifySub(brand[i], c[i])
		}
		if j == i+1 && c[i] == brand[j] && c[j] == brand[i] {
			return Transposition
		}
	case n == m+1:
		if !runesEqual(c[i+1:], brand[i:]) {
			return ""
		}
		x := c[i]
		switch {
		case x == '-':
			return Hyphenation
		case i > 0 && x == c[i-1], i+1 < n && x == c[i+1]:
			return Repetition
		case i == m:
			return Addition
		case x == '.':
			return Subdomain
		case x == 's':
			return Plural
		case keyboardNeighbour(x, c, i):
			return Insertion
		}
	case n == m-1:
		if runesEqual(c[i:], brand[i+1:]) {
			return Omission
		}
	case n == m+2:
		if i+2 <= n && c[i] == 'e' && c[i+1] == 's' && runesEqual(c[i+2:], brand[i:]) {
			return Plural
		}
	}
	return ""
}

func classifySub(from, to rune) string {
	switch {
	case isVowel(from) && isVowel(to):
		return VowelSwap
	case from < 0x80 && to < 0x80 && isGlyph(from, to):
		return Homoglyph
	case from < 0x80 && to < 0x80 && isNeighbour(byte(from), byte(to)):
		return Replacement
	case from^to < 256 && (from^to)&(from^to-1) == 0:
		return Bitsquatting
	case to >= 0x80:
		return Homoglyph
	}
	return ""
}

func isGlyph(from, to rune) bool {
	for _, g := range glyphsASCII[string(from)] {
		if g == string(to) {
			return true
		}
	}
	return false
}

func isNeighbour(a, b byte) bool {
	for _, kb := range keyboardOrder {
		if strings.IndexByte(keyboards[kb][a], b) >= 0 {
			return true
		}
	}
	return false
}

// keyboardNeighbour reports whether the rune inserted at i sits next to
// the key of a character beside it.
func keyboardNeighbour(x rune, c []rune, i int) bool {
	if x >= 0x80 {
		return false
	}
	for _, j := range []int{i - 1, i + 1} {
		if j >= 0 && j < len(c) && c[j] < 0x80 && isNeighbour(byte(c[j]), byte(x)) {
			return true
		}
	}
	return false
}

// isSuffixToken reports whether s is the brand's suffix folded into its
// label, with or without a hyphen: "de", "-de", "couk".
func isSuffixToken(s []byte, token string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	return string(s) == token
}

// onlyKeywords reports whether s is made only of keywords, runs of up to
// four digits and hyphens (or is empty), and whether a keyword is among
// them.
func onlyKeywords(kw *trie, digits string, s []byte) (ok, word bool) {
	if len(s) == 0 {
		return true, false
	}
	if len(s) > maxSkeleton {
		return false, false
	}
	// reach[i]: 1 when s[:i] splits into tokens, 2 when one was a keyword.
	var reach [maxSkeleton + 1]uint8
	reach[0] = 1
	for i := 0; i < len(s); i++ {
		r := reach[i]
		if r == 0 {
			continue
		}
		if s[i] == '-' {
			reach[i+1] = max(reach[i+1], r)
			continue
		}
		for j := i; j < len(s) && j < i+4 && strings.IndexByte(digits, s[j]) >= 0; j++ {
			reach[j+1] = max(reach[j+1], r)
		}
		kw.walk(s[i:], func(n int) { reach[i+n] = 2 })
	}
	return reach[len(s)] > 0, reach[len(s)] == 2
}

// oneEdit reports whether a and b are exactly one insertion, deletion,
// substitution or adjacent transposition apart.
func oneEdit(a []byte, b string) bool {
	n, m := len(a), len(b)
	i := 0
	for i < n && i < m && a[i] == b[i] {
		i++
	}
	switch {
	case n == m:
		if i == n {
			return false
		}
		if string(a[i+1:]) == b[i+1:] {
			return true
		}
		return i+1 < n && a[i] == b[i+1] && a[i+1] == b[i] && string(a[i+2:]) == b[i+2:]
	case n == m+1:
		return string(a[i+1:]) == b[i:]
	case n == m-1:
		return string(a[i:]) == b[i+1:]
	}
	return false
}

func isASCIIRunes(rs []rune) bool {
	for _, r := range rs {
		if r >= 0x80 {
			return false
		}
	}
	return true
}

func allCyrillic(rs []rune) bool {
	for _, r := range rs {
		if r < 0x400 || r > 0x52f {
			if r != '-' && (r < '0' || r > '9') {
				return false
			}
		}
	}
	return true
}

// asciiFold is the matcher's skeleton of each ASCII character.
var asciiFold = genASCIIFold
