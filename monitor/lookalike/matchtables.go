package lookalike

// Data structures behind Index.Match, built once and read without
// allocating: an open-addressing hash table from 64-bit hashes to brand
// lists, an Aho-Corasick automaton over brand skeletons, and a trie of
// keywords.

func hashBytes[S string | []byte](s S) uint64 {
	var h uint64
	for i := 0; i < len(s); i++ {
		h = h*hashBase + uint64(s[i]) + 1
	}
	return finish(h, len(s))
}

// deletionHashes returns the hash of s and of every string made by
// deleting one byte of s; pre and suf are scratch of len(s)+1.
func deletionHashes[S string | []byte](s S, pre, suf []uint64) []uint64 {
	return deletionHashesInto(make([]uint64, 0, len(s)+1), s, pre, suf)
}

func deletionHashesInto[S string | []byte](dst []uint64, s S, pre, suf []uint64) []uint64 {
	n := len(s)
	pre[0] = 0
	for i := 0; i < n; i++ {
		pre[i+1] = pre[i]*hashBase + uint64(s[i]) + 1
	}
	suf[n] = 0
	for i := n - 1; i >= 0; i-- {
		suf[i] = (uint64(s[i])+1)*pow(n-1-i) + suf[i+1]
	}
	dst = append(dst, finish(pre[n], n))
	for i := 0; i < n; i++ {
		if i > 0 && s[i] == s[i-1] {
			continue // deleting either of a doubled byte gives the same string
		}
		dst = append(dst, finish(concat(pre[i], suf[i+1], n-i-1), n-1))
	}
	return dst
}

// u64Table maps hashes to lists of brand ids. A bitset in front answers
// most misses from the L1 cache: nearly every lookup of a name that
// imitates nothing is a miss.
type u64Table struct {
	build   map[uint64]int32
	slots   []tableSlot
	entries []tableEntry
	filter  []uint64
	fmask   uint64
}

type tableSlot struct {
	key  uint64
	head int32
}

type tableEntry struct {
	brand, next int32
}

func (t *u64Table) add(h uint64, brand int32) {
	if t.build == nil {
		t.build = map[uint64]int32{}
	}
	head, ok := t.build[h]
	if !ok {
		head = -1
	} else if t.entries[head].brand == brand {
		return
	}
	t.entries = append(t.entries, tableEntry{brand: brand, next: head})
	t.build[h] = int32(len(t.entries) - 1)
}

// freeze lays the table out for lookups.
func (t *u64Table) freeze() {
	size := 16
	for size < len(t.build)*2 {
		size <<= 1
	}
	t.slots = make([]tableSlot, size)
	mask := uint64(size - 1)
	bits := uint64(1024)
	for bits < uint64(len(t.build))*8 {
		bits <<= 1
	}
	t.filter = make([]uint64, bits/64)
	t.fmask = bits - 1
	for h, head := range t.build {
		k := h | 1 // 0 marks an empty slot
		i := k & mask
		for t.slots[i].key != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = tableSlot{key: k, head: head}
		f := (k >> 40) & t.fmask
		t.filter[f>>6] |= 1 << (f & 63)
	}
}

// find returns the first entry for h, or -1.
func (t *u64Table) find(h uint64) int32 {
	if len(t.slots) == 0 {
		return -1
	}
	k := h | 1
	if f := (k >> 40) & t.fmask; t.filter[f>>6]&(1<<(f&63)) == 0 {
		return -1
	}
	mask := uint64(len(t.slots) - 1)
	for i := k & mask; ; i = (i + 1) & mask {
		switch t.slots[i].key {
		case k:
			return t.slots[i].head
		case 0:
			return -1
		}
	}
}

func (t *u64Table) next(e int32) int32  { return t.entries[e].next }
func (t *u64Table) brand(e int32) int32 { return t.entries[e].brand }

// Symbols: a-z, 0-9, '-', and everything else.
const symbols = 38

var symbolOf = func() [256]uint8 {
	var s [256]uint8
	for i := range s {
		s[i] = symbols - 1
	}
	for c := 'a'; c <= 'z'; c++ {
		s[c] = uint8(c - 'a')
	}
	for c := '0'; c <= '9'; c++ {
		s[c] = uint8(26 + c - '0')
	}
	s['-'] = 36
	return s
}()

// automaton finds every brand skeleton inside a text in one pass.
type automaton struct {
	next     []int32 // states*symbols
	out      []int32 // pattern ending at the state, or -1
	dictLink []int32 // nearest proper suffix state with an output, or -1
	same     []int32 // next pattern equal to this one, or -1
	length   []int32 // pattern lengths
}

// minPattern is the shortest brand skeleton searched inside names: one or
// two letters are inside everything.
const minPattern = 3

func newAutomaton(patterns [][]byte) *automaton {
	a := &automaton{same: make([]int32, len(patterns)), length: make([]int32, len(patterns))}
	a.newState()
	for id, p := range patterns {
		a.same[id] = -1
		a.length[id] = int32(len(p))
		if len(p) < minPattern || hasOther(p) {
			continue
		}
		s := int32(0)
		for _, c := range p {
			sym := int32(symbolOf[c])
			if a.next[s*symbols+sym] <= 0 {
				a.next[s*symbols+sym] = a.newState()
			}
			s = a.next[s*symbols+sym]
		}
		if a.out[s] >= 0 {
			a.same[id] = a.out[s]
		}
		a.out[s] = int32(id)
	}
	// Breadth-first: failure links become full transitions.
	fail := make([]int32, len(a.out))
	queue := []int32{}
	for sym := int32(0); sym < symbols; sym++ {
		if t := a.next[sym]; t > 0 {
			fail[t] = 0
			queue = append(queue, t)
		} else {
			a.next[sym] = 0
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if a.out[fail[s]] >= 0 {
			a.dictLink[s] = fail[s]
		} else {
			a.dictLink[s] = a.dictLink[fail[s]]
		}
		for sym := int32(0); sym < symbols; sym++ {
			t := a.next[s*symbols+sym]
			if t > 0 {
				fail[t] = a.next[fail[s]*symbols+sym]
				queue = append(queue, t)
			} else {
				a.next[s*symbols+sym] = a.next[fail[s]*symbols+sym]
			}
		}
	}
	return a
}

func (a *automaton) newState() int32 {
	a.next = append(a.next, make([]int32, symbols)...)
	a.out = append(a.out, -1)
	a.dictLink = append(a.dictLink, -1)
	return int32(len(a.out) - 1)
}

func hasOther(p []byte) bool {
	for _, c := range p {
		if symbolOf[c] == symbols-1 {
			return true
		}
	}
	return false
}

// scan calls fn for every pattern occurrence in text with its bounds.
func (a *automaton) scan(text []byte, fn func(id int32, start, end int)) {
	s := int32(0)
	for i, c := range text {
		s = a.next[s*symbols+int32(symbolOf[c])]
		for o := s; o > 0; o = a.dictLink[o] {
			for id := a.out[o]; id >= 0; id = a.same[id] {
				fn(id, i+1-int(a.length[id]), i+1)
			}
		}
	}
}

// trie holds the keywords.
type trie struct {
	next []int32
	term []bool
}

func newTrie() *trie {
	t := &trie{}
	t.newNode()
	return t
}

func (t *trie) newNode() int32 {
	t.next = append(t.next, make([]int32, symbols)...)
	t.term = append(t.term, false)
	return int32(len(t.term) - 1)
}

func (t *trie) add(word []byte) {
	if len(word) == 0 || hasOther(word) {
		return
	}
	n := int32(0)
	for _, c := range word {
		sym := int32(symbolOf[c])
		if t.next[n*symbols+sym] == 0 {
			child := t.newNode()
			t.next[n*symbols+sym] = child
		}
		n = t.next[n*symbols+sym]
	}
	t.term[n] = true
}

// walk calls fn with the length of every keyword that prefixes s.
func (t *trie) walk(s []byte, fn func(n int)) {
	n := int32(0)
	for i, c := range s {
		n = t.next[n*symbols+int32(symbolOf[c])]
		if n == 0 {
			return
		}
		if t.term[n] {
			fn(i + 1)
		}
	}
}
