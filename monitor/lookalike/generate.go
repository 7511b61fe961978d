package lookalike

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/takedownhq/takedown/internal/base/domain"
)

// Fuzzer names. The first sixteen are dnstwist's and mean what they mean
// there; the last three are takedown's own.
const (
	Addition       = "addition"       // a character appended: paypal1.com
	Bitsquatting   = "bitsquatting"   // one bit flipped in one character: paypcl.com
	Cyrillic       = "cyrillic"       // the whole label in Cyrillic twins
	Homoglyph      = "homoglyph"      // one or two characters replaced by look-alikes: paypaI.com
	Hyphenation    = "hyphenation"    // a hyphen inserted: pay-pal.com
	Insertion      = "insertion"      // a neighbouring key inserted: paypaol.com
	Omission       = "omission"       // a character left out: paypl.com
	Plural         = "plural"         // an s or es added inside: paypals.com
	Repetition     = "repetition"     // a character doubled: payppal.com
	Replacement    = "replacement"    // a character replaced by a neighbouring key (qwerty, qwertz, azerty)
	Subdomain      = "subdomain"      // a dot inserted: pay.pal.com
	Transposition  = "transposition"  // two neighbours swapped: papyal.com
	VowelSwap      = "vowel-swap"     // a vowel replaced by another: pypal.com
	Dictionary     = "dictionary"     // a word from the dictionary added: paypal-login.com
	TLDSwap        = "tld-swap"       // another suffix: paypal.net
	Various        = "various"        // suffix folded into the label: paypalcom.com
	Confusable     = "confusable"     // a character replaced by one with the same UTS #39 skeleton
	MultiChar      = "multichar"      // a sequence that reads as another: rn for m, vv for w, cl for d
	Combosquatting = "combosquatting" // a keyword added: secure-paypal.com
)

// Fuzzers lists every fuzzer in the order the engine runs them. A name two
// fuzzers produce is reported under the first.
var Fuzzers = []string{Addition, Bitsquatting, Cyrillic, Homoglyph, Hyphenation, Insertion, Omission, Plural,
	Repetition, Replacement, Subdomain, Transposition, VowelSwap, Dictionary, TLDSwap, Various,
	Confusable, MultiChar, Combosquatting}

// Candidate is one look-alike name.
type Candidate struct {
	Name    string `json:"domain"`  // ASCII (punycode), lower case
	Unicode string `json:"unicode"` // what a person reads
	Fuzzer  string `json:"fuzzer"`
}

// Options choose what Generate produces. The zero value runs every fuzzer
// with the built-in lists.
type Options struct {
	// Fuzzers to run; empty means all of Fuzzers. Dictionary runs only
	// when Dictionary has words.
	Fuzzers []string
	// Dictionary holds words for the dictionary fuzzer (ParseWords).
	Dictionary []string
	// TLDs are tld-swap's suffixes, ASCII. Default CommonTLDs.
	TLDs []string
	// AllSuffixes makes tld-swap try every ICANN public suffix instead.
	AllSuffixes bool
	// Keywords for combosquatting. Default Keywords.
	Keywords []string
	// Keyboards for insertion and replacement: qwerty, qwertz, azerty.
	// Default all three.
	Keyboards []string
}

// Check reports the first unknown fuzzer or keyboard.
func (o Options) Check() error {
	for _, f := range o.Fuzzers {
		if fuzzerIndex(f) < 0 {
			return fmt.Errorf("unknown fuzzer %q (known: %s)", f, strings.Join(Fuzzers, ", "))
		}
	}
	for _, k := range o.Keyboards {
		if _, ok := keyboards[k]; !ok {
			return fmt.Errorf("unknown keyboard %q (known: %s)", k, strings.Join(keyboardOrder, ", "))
		}
	}
	return nil
}

func fuzzerIndex(name string) int {
	for i, f := range Fuzzers {
		if f == name {
			return i
		}
	}
	return -1
}

// Generate returns the look-alikes of name (a domain, host or URL; a
// subdomain is kept in front of every candidate, as dnstwist does). Every
// candidate is a valid IDNA 2008 name under a known public suffix, none
// equals the input, none repeats. The order is stable: by fuzzer, then as
// generated. It uses no network.
func Generate(name string, opts Options) ([]Candidate, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	g, err := newGen(name, &opts)
	if err != nil {
		return nil, err
	}
	g.run()
	return g.candidates(), nil
}

// parsed is an input split the way the fuzzers see it.
type parsed struct {
	host             string // ASCII, as domain.Host gives it
	sub, subU        string // subdomain labels ("" when none)
	label            []rune // the registrable label in Unicode
	suffix, suffixU  string
	registrableASCII string
}

func parse(name string) (parsed, error) {
	host, err := domain.Host(name)
	if err != nil {
		return parsed{}, err
	}
	suffix, _ := domain.Suffix(host)
	rest := strings.TrimSuffix(host, "."+suffix)
	var p parsed
	p.host, p.suffix = host, suffix
	lab := rest
	if i := strings.LastIndexByte(rest, '.'); i >= 0 {
		p.sub, lab = rest[:i], rest[i+1:]
	}
	p.registrableASCII = lab + "." + suffix
	p.subU, p.suffixU = toUnicode(p.sub), toUnicode(suffix)
	p.label = []rune(toUnicode(lab))
	return p, nil
}

var displayProfile = idna.New(idna.Transitional(false))

func toUnicode(ascii string) string {
	if ascii == "" || !strings.Contains(ascii, "xn--") {
		return ascii
	}
	u, err := displayProfile.ToUnicode(ascii)
	if err != nil {
		return ascii
	}
	return u
}

type gen struct {
	t    *tables
	opts *Options
	on   [32]bool
	p    parsed

	glyphs   *compiledGlyphs
	restrict bool // the registry publishes its IDN repertoire
	idnOK    bool // the registry accepts IDN at all

	childSuffixes bool // some label.suffix may be a public suffix itself

	// The display name is subU + "." + label + "." + suffixU; these are the
	// hashes and lengths of the parts around the label.
	preHash, postHash uint64
	preLen, postLen   int

	inputOK  map[rune]bool // verified runes of the input itself
	seen     *keySet
	fuzzerID uint8 // index in Fuzzers of the fuzzer running

	// Names are appended to one arena and cut into strings at the end:
	// one allocation instead of two per candidate.
	arena []byte
	spans []span

	scratch []rune
	abuf    []byte
	ubuf    []byte
}

func newGen(name string, opts *Options) (*gen, error) {
	p, err := parse(name)
	if err != nil {
		return nil, err
	}
	t := load()
	// Size the set and the arena for the homoglyph fuzzer, which grows with
	// the square of the label's length.
	n := len(p.label)
	est := 300 + 80*n*n
	g := &gen{t: t, opts: opts, p: p, seen: newKeySet(est), inputOK: map[rune]bool{},
		arena: make([]byte, 0, est*(2*(n+len(p.host))+12)), spans: make([]span, 0, est)}
	if len(opts.Fuzzers) == 0 {
		for i := range Fuzzers {
			g.on[i] = true
		}
	}
	for _, f := range opts.Fuzzers {
		g.on[fuzzerIndex(f)] = true
	}
	rep, known := repertoire(p.suffix)
	g.glyphs = t.glyphs[rep]
	g.restrict = known
	g.idnOK = rep != &noIDN
	for _, r := range p.label {
		if r >= 0x80 && !t.verified.has(r) && checkRune(r) {
			g.inputOK[r] = true
		}
	}
	g.setSuffix(p.suffixU)
	g.seen.add(g.key(p.label))
	return g, nil
}

func (g *gen) setSuffix(suffixU string) {
	g.childSuffixes = mayHaveChildSuffix(g.p.suffix)
	if g.p.subU != "" {
		g.preHash, g.preLen = hashString(g.p.subU + ".")
	}
	g.postHash, g.postLen = hashString("." + suffixU)
}

// key is the dedup key of the display name with label lab.
func (g *gen) key(lab []rune) uint64 {
	return g.keyOf(hashRunes(lab), len(lab))
}

func (g *gen) keyOf(labHash uint64, labLen int) uint64 {
	h := concat(g.preHash, labHash, labLen)
	h = concat(h, g.postHash, g.postLen)
	return finish(h, g.preLen+labLen+g.postLen)
}

func (g *gen) enabled(f string) bool { return g.on[fuzzerIndex(f)] }

func (g *gen) run() {
	lab := g.p.label
	steps := []struct {
		name string
		fn   func([]rune)
	}{
		{Addition, g.addition}, {Bitsquatting, g.bitsquatting}, {Cyrillic, g.cyrillic}, {Homoglyph, g.homoglyph},
		{Hyphenation, g.hyphenation}, {Insertion, g.insertion}, {Omission, g.omission}, {Plural, g.plural},
		{Repetition, g.repetition}, {Replacement, g.replacement}, {Subdomain, g.subdomain},
		{Transposition, g.transposition}, {VowelSwap, g.vowelSwap}, {Dictionary, g.dictionary},
		{TLDSwap, g.tldSwap}, {Various, g.various}, {Confusable, g.confusable}, {MultiChar, g.multiChar},
		{Combosquatting, g.combosquatting},
	}
	for _, s := range steps {
		if g.enabled(s.name) {
			g.fuzzerID = uint8(fuzzerIndex(s.name))
			s.fn(lab)
		}
	}
}

// emit adds the candidate with label lab (which may hold dots) under the
// input's subdomain and suffix.
func (g *gen) emit(lab []rune) {
	if g.seen.add(g.key(lab)) {
		g.build(lab)
	}
}

// emit3 adds pre + mid + post as one label without building it first.
func (g *gen) emit3(pre, mid, post []rune) {
	h := concat(concat(hashRunes(pre), hashRunes(mid), len(mid)), hashRunes(post), len(post))
	n := len(pre) + len(mid) + len(post)
	if !g.seen.add(g.keyOf(h, n)) {
		return
	}
	s := append(append(append(g.scratch[:0], pre...), mid...), post...)
	g.scratch = s
	g.build(s)
}

// build validates and encodes a new candidate. Labels made of verified
// runes are valid by construction (verified.go); anything else goes through
// monitor/domain.
func (g *gen) build(lab []rune) {
	a := g.abuf[:0]
	u := g.ubuf[:0]
	if g.p.sub != "" {
		a = append(append(a, g.p.sub...), '.')
		u = append(append(u, g.p.subU...), '.')
	}
	slow := false
	start := 0
	for i := 0; i <= len(lab); i++ {
		if i < len(lab) && lab[i] != '.' {
			continue
		}
		part := lab[start:i]
		switch g.checkPart(part) {
		case partBad:
			return
		case partSlow:
			slow = true
		}
		mark := len(a)
		a = appendLabel(a, part)
		if len(a)-mark > 63 {
			return
		}
		for _, r := range part {
			u = utf8.AppendRune(u, r)
		}
		a = append(a, '.')
		u = append(u, '.')
		start = i + 1
	}
	a = append(a, g.p.suffix...)
	u = append(u, g.p.suffixU...)
	g.abuf, g.ubuf = a, u
	if len(a) > 253 {
		return
	}
	if !g.registrable(a) {
		return // "ab.ca" is a suffix itself, not a name anyone registers
	}
	if slow {
		h, err := domain.Host(string(u))
		if err != nil || h != string(a) {
			return
		}
	}
	sp := span{a0: int32(len(g.arena)), fuzzer: g.fuzzerID}
	g.arena = append(g.arena, a...)
	sp.a1 = int32(len(g.arena))
	if string(a) == string(u) {
		sp.u0, sp.u1 = sp.a0, sp.a1
	} else {
		sp.u0 = sp.a1
		g.arena = append(g.arena, u...)
		sp.u1 = int32(len(g.arena))
	}
	g.spans = append(g.spans, sp)
}

// span locates one candidate in the arena. It holds no pointers, so the
// garbage collector never scans the spans.
type span struct {
	a0, a1, u0, u1 int32
	fuzzer         uint8
}

func (g *gen) candidates() []Candidate {
	all := string(g.arena)
	out := make([]Candidate, len(g.spans))
	for i, sp := range g.spans {
		out[i] = Candidate{Name: all[sp.a0:sp.a1], Unicode: all[sp.u0:sp.u1], Fuzzer: Fuzzers[sp.fuzzer]}
	}
	return out
}

// registrable reports whether the registrable part of name (the label
// before the suffix) is not itself a public suffix.
func (g *gen) registrable(name []byte) bool {
	if !g.childSuffixes {
		return true
	}
	end := len(name) - len(g.p.suffix) - 1
	start := end - 1
	for start > 0 && name[start-1] != '.' {
		start--
	}
	if start < 0 {
		return false
	}
	s := string(name[start:])
	ps, _ := domain.Suffix(s)
	return ps != s
}

const (
	partOK = iota
	partSlow
	partBad
)

func (g *gen) checkPart(part []rune) int {
	n := len(part)
	if n == 0 || n > 63 || part[0] == '-' || part[n-1] == '-' {
		return partBad
	}
	if n >= 4 && part[2] == '-' && part[3] == '-' {
		return partBad // reserved for encodings ("xn--")
	}
	res := partOK
	ascii := true
	for i, r := range part {
		if r == '-' && i > 0 && part[i-1] == '-' {
			res = partSlow // where "--" falls in the UTF-8 form is for the IDNA code to judge
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
		case r < 0x80:
			return partBad
		case g.t.verified.has(r):
			ascii = false
		case g.inputOK[r]:
			ascii = false
		default:
			ascii = false
			res = partSlow
		}
	}
	if ascii && res == partSlow {
		return partOK // the check above covered ASCII's third and fourth positions
	}
	return res
}

var alnum = []rune("0123456789abcdefghijklmnopqrstuvwxyz")

func (g *gen) addition(d []rune) {
	one := []rune{0}
	if hasRune(d, '-') {
		for p := 1; p < len(d); p++ {
			if d[p] != '-' {
				continue
			}
			for _, c := range alnum {
				one[0] = c
				g.emit3(d[:p], one, d[p:])
			}
		}
	}
	for _, c := range alnum {
		one[0] = c
		g.emit3(d, one, nil)
	}
}

func (g *gen) bitsquatting(d []rune) {
	one := []rune{0}
	for i, c := range d {
		for m := rune(1); m < 256; m <<= 1 {
			b := c ^ m
			if b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' {
				one[0] = b
				g.emit3(d[:i], one, d[i+1:])
			}
		}
	}
}

func (g *gen) cyrillic(d []rune) {
	if !g.idnOK {
		return // the registry takes no IDN: nothing to register
	}
	out := make([]rune, len(d))
	for i, c := range d {
		cy, ok := latinToCyrillic[c]
		if !ok {
			return
		}
		out[i] = cy
	}
	g.emit(out)
}

// homoglyph applies dnstwist's mix twice: every single rewrite of the
// label, then every single rewrite of each of those.
func (g *gen) homoglyph(d []rune) {
	t := g.glyphs
	local := newKeySet(512)
	local.add(finish(hashRunes(d), len(d)))
	var first [][]rune
	t.forEach(d, func(i, w int, gl *glyph) {
		n := len(d) - w + len(gl.runes)
		h := concat(concat(hashRunes(d[:i]), gl.hash, len(gl.runes)), hashRunes(d[i+w:]), len(d)-i-w)
		if !local.add(finish(h, n)) {
			return
		}
		v := make([]rune, 0, n)
		v = append(append(append(v, d[:i]...), gl.runes...), d[i+w:]...)
		first = append(first, v)
		g.emit(v)
	})
	var pre, suf []uint64
	for _, s := range first {
		n := len(s)
		pre = prefixHashes(pre[:0], s)
		suf = suffixHashes(suf[:0], s)
		t.forEach(s, func(i, w int, gl *glyph) {
			gn := len(gl.runes)
			h := concat(concat(pre[i], gl.hash, gn), suf[i+w], n-i-w)
			if !g.seen.add(g.keyOf(h, n-w+gn)) {
				return
			}
			v := append(append(append(g.scratch[:0], s[:i]...), gl.runes...), s[i+w:]...)
			g.scratch = v
			g.build(v)
		})
	}
}

func prefixHashes(dst []uint64, s []rune) []uint64 {
	var h uint64
	dst = append(dst, 0)
	for _, r := range s {
		h = h*hashBase + uint64(r) + 1
		dst = append(dst, h)
	}
	return dst
}

// suffixHashes gives dst[i] = hash(s[i:]).
func suffixHashes(dst []uint64, s []rune) []uint64 {
	n := len(s)
	if cap(dst) < n+1 {
		dst = make([]uint64, n+1)
	}
	dst = dst[:n+1]
	dst[n] = 0
	for i := n - 1; i >= 0; i-- {
		dst[i] = (uint64(s[i])+1)*pow(n-1-i) + dst[i+1]
	}
	return dst
}

func (g *gen) hyphenation(d []rune) {
	h := []rune{'-'}
	for i := 1; i < len(d); i++ {
		g.emit3(d[:i], h, d[i:])
	}
}

func (g *gen) layouts() []string {
	if len(g.opts.Keyboards) > 0 {
		return g.opts.Keyboards
	}
	return keyboardOrder
}

func (g *gen) insertion(d []rune) {
	two := []rune{0, 0}
	for i := 0; i < len(d)-1; i++ {
		c := d[i]
		if c >= 0x80 {
			continue
		}
		for _, kb := range g.layouts() {
			for _, k := range keyboards[kb][byte(c)] {
				two[0], two[1] = k, c
				g.emit3(d[:i], two, d[i+1:])
				two[0], two[1] = c, k
				g.emit3(d[:i], two, d[i+1:])
			}
		}
	}
}

func (g *gen) omission(d []rune) {
	for i := range d {
		g.emit3(d[:i], nil, d[i+1:])
	}
}

func (g *gen) plural(d []rune) {
	s, es := []rune{'s'}, []rune{'e', 's'}
	for i := 2; i < len(d)-2; i++ {
		add := s
		if d[i] == 's' || d[i] == 'x' || d[i] == 'z' {
			add = es
		}
		g.emit3(d[:i+1], add, d[i+1:])
	}
}

func (g *gen) repetition(d []rune) {
	for i := range d {
		g.emit3(d[:i+1], d[i:i+1], d[i+1:])
	}
}

func (g *gen) replacement(d []rune) {
	one := []rune{0}
	for i, c := range d {
		if c >= 0x80 {
			continue
		}
		for _, kb := range g.layouts() {
			for _, k := range keyboards[kb][byte(c)] {
				one[0] = k
				g.emit3(d[:i], one, d[i+1:])
			}
		}
	}
}

func (g *gen) subdomain(d []rune) {
	dot := []rune{'.'}
	for i := 1; i < len(d)-1; i++ {
		if d[i] != '-' && d[i] != '.' && d[i-1] != '-' && d[i-1] != '.' {
			g.emit3(d[:i], dot, d[i:])
		}
	}
}

func (g *gen) transposition(d []rune) {
	two := []rune{0, 0}
	for i := 0; i < len(d)-1; i++ {
		two[0], two[1] = d[i+1], d[i]
		g.emit3(d[:i], two, d[i+2:])
	}
}

func (g *gen) vowelSwap(d []rune) {
	one := []rune{0}
	for i, c := range d {
		if !isVowel(c) {
			continue
		}
		for _, v := range "aeiou" {
			one[0] = v
			g.emit3(d[:i], one, d[i+1:])
		}
	}
}

func isVowel(r rune) bool { return r == 'a' || r == 'e' || r == 'i' || r == 'o' || r == 'u' }

func (g *gen) dictionary(d []rune) {
	g.words(d, g.opts.Dictionary)
}

// words adds each word before and after the label, with and without a
// hyphen, and in place of the first or last part of a hyphenated label.
func (g *gen) words(d []rune, words []string) {
	hy := []rune{'-'}
	label := string(d)
	var parts []string
	if hasRune(d, '-') {
		parts = strings.Split(label, "-")
	}
	for _, word := range words {
		w := []rune(word)
		if !(strings.HasPrefix(label, word) && strings.HasSuffix(label, word)) {
			g.emit3(d, hy, w)
			g.emit3(d, nil, w)
			g.emit3(w, hy, d)
			g.emit3(w, nil, d)
		}
		if parts != nil {
			g.emit([]rune(strings.Join(parts[:len(parts)-1], "-") + "-" + word))
			g.emit([]rune(word + "-" + strings.Join(parts[1:], "-")))
		}
	}
}

func (g *gen) tldSwap(d []rune) {
	list := g.opts.TLDs
	if g.opts.AllSuffixes {
		list = ICANNSuffixes()
	} else if list == nil {
		list = CommonTLDs
	}
	saved := g.p
	for _, s := range list {
		if s == saved.suffix {
			continue
		}
		if ps, ok := domain.Suffix("x." + s); !ok || ps != s {
			continue
		}
		g.p.suffix, g.p.suffixU = s, toUnicode(s)
		g.setSuffix(g.p.suffixU)
		g.emit(d)
	}
	g.p = saved
	g.setSuffix(saved.suffixU)
}

// various folds the suffix into the label the ways dnstwist does:
// amazon.co.uk -> amazon.uk, amazonco.uk; google.de -> googlede.de,
// google-de.com, googlede.com; and joins a subdomain to the label.
func (g *gen) various(d []rune) {
	lab := string(d)
	suf := g.p.suffixU
	pre := ""
	if g.p.subU != "" {
		pre = g.p.subU + "."
	}
	var names []string
	if strings.Contains(suf, ".") {
		names = append(names, pre+lab+"."+lastLabel(suf), pre+lab+suf)
	} else {
		names = append(names, pre+lab+suf+"."+suf)
		if suf != "com" {
			names = append(names, pre+lab+"-"+suf+".com", pre+lab+suf+".com")
		}
	}
	var subs []string
	if g.p.subU != "" {
		subs = []string{
			g.p.subU + lab, strings.ReplaceAll(g.p.subU, ".", "") + lab,
			g.p.subU + "-" + lab, strings.ReplaceAll(g.p.subU, ".", "-") + "-" + lab,
		}
	}
	saved := g.p
	g.p.sub, g.p.subU = "", ""
	g.setSuffix(saved.suffixU)
	for _, n := range names {
		g.emitName(n)
	}
	for _, s := range subs {
		g.emitName(s + "." + saved.suffixU)
	}
	g.p = saved
	g.setSuffix(saved.suffixU)
}

// emitName adds a whole display name that does not keep the input's shape.
func (g *gen) emitName(name string) {
	host, err := domain.Host(name)
	if err != nil {
		return
	}
	suffix, _ := domain.Suffix(host)
	saved := g.p
	defer func() { g.p = saved; g.setSuffix(saved.suffixU) }()
	rest := strings.TrimSuffix(host, "."+suffix)
	g.p.sub, g.p.subU = "", ""
	g.p.suffix, g.p.suffixU = suffix, toUnicode(suffix)
	g.setSuffix(g.p.suffixU)
	g.emit([]rune(toUnicode(rest)))
}

func (g *gen) confusable(d []rune) {
	one := []rune{0}
	// A registry without IDN still gets the ASCII ones ('1' for 'l').
	allowed := func(r rune) bool {
		if r < 0x80 {
			return true
		}
		if !g.idnOK {
			return false
		}
		if g.restrict {
			return g.glyphs.allows(r)
		}
		return true
	}
	for i, c := range d {
		if c >= 0x80 {
			continue
		}
		for _, r := range g.t.confusable[c] {
			if allowed(r) {
				one[0] = r
				g.emit3(d[:i], one, d[i+1:])
			}
		}
	}
	if !g.idnOK || g.restrict {
		return
	}
	// Whole-script look-alikes: the dangerous ones, since registries that
	// refuse mixed scripts accept them.
	for _, script := range wholeScripts {
		out := make([]rune, len(d))
		ok := false
		for i, c := range d {
			out[i] = c
			if c == '-' || c >= '0' && c <= '9' {
				continue
			}
			found := false
			if c < 0x80 {
				for _, r := range g.t.confusable[c] {
					if r >= 0x80 && unicode.Is(script, r) {
						out[i], found, ok = r, true, true
						break
					}
				}
			}
			if !found {
				ok = false
				break
			}
		}
		if ok {
			g.emit(out)
		}
	}
}

func (c *compiledGlyphs) allows(r rune) bool {
	for _, gs := range c.single {
		for _, g := range gs {
			if len(g.runes) == 1 && g.runes[0] == r {
				return true
			}
		}
	}
	return false
}

func (g *gen) multiChar(d []rune) {
	for _, pair := range multiChar {
		for dir := 0; dir < 2; dir++ {
			from, to := []rune(pair[dir]), []rune(pair[1-dir])
			for i := 0; i+len(from) <= len(d); i++ {
				if runesEqual(d[i:i+len(from)], from) {
					g.emit3(d[:i], to, d[i+len(from):])
				}
			}
		}
	}
}

func (g *gen) combosquatting(d []rune) {
	kws := g.opts.Keywords
	if kws == nil {
		kws = Keywords
	}
	g.words(d, kws)
}

func hasRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func runesEqual(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// wholeScripts are the scripts tried for whole-label confusables.
var wholeScripts = []*unicode.RangeTable{unicode.Cyrillic, unicode.Greek, unicode.Latin}
