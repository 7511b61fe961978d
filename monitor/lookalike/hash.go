package lookalike

// Candidates are deduplicated by a polynomial hash of the runes of their
// display name, so that a variant's hash can be computed from its base's
// prefix and suffix hashes in constant time, before building the variant.
// Of the ~30,000 raw homoglyph variants of a long label, half are repeats;
// they cost a multiplication instead of a string. A 64-bit collision would
// drop a candidate (never duplicate one); with 10^5 names per domain the
// odds are about 10^-9.

const hashBase uint64 = 0x9e3779b97f4a7c15 | 1

var hashPow = func() []uint64 {
	p := make([]uint64, 1024)
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * hashBase
	}
	return p
}()

func pow(n int) uint64 {
	if n < len(hashPow) {
		return hashPow[n]
	}
	x := hashPow[len(hashPow)-1]
	for i := len(hashPow) - 1; i < n; i++ {
		x *= hashBase
	}
	return x
}

func hashRunes(rs []rune) uint64 {
	var h uint64
	for _, r := range rs {
		h = h*hashBase + uint64(r) + 1
	}
	return h
}

func hashString(s string) (h uint64, n int) {
	for _, r := range s {
		h = h*hashBase + uint64(r) + 1
		n++
	}
	return h, n
}

// concat returns the hash of x followed by y, given y's length in runes.
func concat(hx, hy uint64, ny int) uint64 { return hx*pow(ny) + hy }

// finish mixes the length in and spreads the bits (splitmix64's finaliser).
func finish(h uint64, n int) uint64 {
	h ^= uint64(n) * 0xbf58476d1ce4e5b9
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// keySet is an open-addressing set of non-zero 64-bit keys: about twice as
// fast as a map for the tens of thousands of probes per domain.
type keySet struct {
	slots []uint64
	n     int
}

func newKeySet(capacity int) *keySet {
	size := 1024
	for size < capacity*2 {
		size <<= 1
	}
	return &keySet{slots: make([]uint64, size)}
}

// add inserts k and reports whether it was absent.
func (s *keySet) add(k uint64) bool {
	if k == 0 {
		k = 1
	}
	if s.n*2 >= len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := k & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case k:
			return false
		case 0:
			s.slots[i] = k
			s.n++
			return true
		}
	}
}

func (s *keySet) grow() {
	old := s.slots
	s.slots = make([]uint64, len(old)*2)
	s.n = 0
	for _, k := range old {
		if k != 0 {
			s.add(k)
		}
	}
}
