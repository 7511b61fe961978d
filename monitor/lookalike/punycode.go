package lookalike

// Punycode (RFC 3492) for single labels. golang.org/x/net/idna has an
// encoder but does not export it; going through idna.ToASCII for each of
// tens of thousands of candidates costs more than generating them, and the
// matcher must decode without allocating. Every rune that reaches the
// encoder on the fast path was first checked against the real IDNA profile
// (see verified.go), and the tests compare both encoders.

const (
	pcBase        = 36
	pcTMin        = 1
	pcTMax        = 26
	pcSkew        = 38
	pcDamp        = 700
	pcInitialBias = 72
	pcInitialN    = 128
)

func pcAdapt(delta, numPoints int, first bool) int {
	if first {
		delta /= pcDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((pcBase-pcTMin)*pcTMax)/2 {
		delta /= pcBase - pcTMin
		k += pcBase
	}
	return k + (pcBase-pcTMin+1)*delta/(delta+pcSkew)
}

func pcDigit(d int) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}

func pcThreshold(k, bias int) int {
	switch {
	case k <= bias:
		return pcTMin
	case k >= bias+pcTMax:
		return pcTMax
	}
	return k - bias
}

// appendLabel appends the ASCII form of one label: the runes themselves
// when they are all ASCII, else "xn--" and their punycode.
func appendLabel(dst []byte, label []rune) []byte {
	ascii := true
	for _, r := range label {
		if r >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		for _, r := range label {
			dst = append(dst, byte(r))
		}
		return dst
	}
	dst = append(dst, "xn--"...)
	return appendPunycode(dst, label)
}

// appendPunycode appends the punycode of runes (without the "xn--" prefix).
// Labels here carry few distinct non-ASCII code points, so they are
// collected and sorted first instead of searched for on every round.
func appendPunycode(dst []byte, runes []rune) []byte {
	var distinct [64]rune
	start := len(dst)
	k := 0
	b := 0
	for _, r := range runes {
		if r < 0x80 {
			dst = append(dst, byte(r))
			b++
			continue
		}
		j := 0
		for j < k && distinct[j] < r {
			j++
		}
		if j < k && distinct[j] == r {
			continue
		}
		if k == len(distinct) {
			return appendPunycodeSlow(dst[:start], runes)
		}
		copy(distinct[j+1:k+1], distinct[j:k])
		distinct[j] = r
		k++
	}
	h := b
	if b > 0 {
		dst = append(dst, '-')
	}
	n, delta, bias := pcInitialN, 0, pcInitialBias
	for _, m := range distinct[:k] {
		delta += (int(m) - n) * (h + 1)
		n = int(m)
		for _, r := range runes {
			if int(r) < n {
				delta++
				continue
			}
			if int(r) != n {
				continue
			}
			q := delta
			for kk := pcBase; ; kk += pcBase {
				t := pcThreshold(kk, bias)
				if q < t {
					break
				}
				dst = append(dst, pcDigit(t+(q-t)%(pcBase-t)))
				q = (q - t) / (pcBase - t)
			}
			dst = append(dst, pcDigit(q))
			bias = pcAdapt(delta, h+1, h == b)
			delta = 0
			h++
		}
		delta++
		n++
	}
	return dst
}

// appendPunycodeSlow is RFC 3492's loop as written, for labels with more
// than 64 distinct non-ASCII code points (longer than any valid label).
func appendPunycodeSlow(dst []byte, runes []rune) []byte {
	b := 0
	for _, r := range runes {
		if r < 0x80 {
			dst = append(dst, byte(r))
			b++
		}
	}
	h := b
	if b > 0 {
		dst = append(dst, '-')
	}
	n, delta, bias := pcInitialN, 0, pcInitialBias
	for h < len(runes) {
		m := 0x7fffffff
		for _, r := range runes {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range runes {
			if int(r) < n {
				delta++
			}
			if int(r) != n {
				continue
			}
			q := delta
			for k := pcBase; ; k += pcBase {
				t := pcThreshold(k, bias)
				if q < t {
					break
				}
				dst = append(dst, pcDigit(t+(q-t)%(pcBase-t)))
				q = (q - t) / (pcBase - t)
			}
			dst = append(dst, pcDigit(q))
			bias = pcAdapt(delta, h+1, h == b)
			delta = 0
			h++
		}
		delta++
		n++
	}
	return dst
}

// decodePunycode decodes the part after "xn--" into out and returns the
// number of runes, or -1 if the input is not valid punycode or does not
// fit. It does not allocate.
func decodePunycode(s string, out []rune) int {
	n, i, bias := pcInitialN, 0, pcInitialBias
	k := 0
	if j := lastIndexByte(s, '-'); j >= 0 {
		if j > len(out) {
			return -1
		}
		for p := 0; p < j; p++ {
			if s[p] >= 0x80 {
				return -1
			}
			out[k] = rune(s[p])
			k++
		}
		s = s[j+1:]
	}
	for p := 0; p < len(s); {
		oldI, w := i, 1
		for kk := pcBase; ; kk += pcBase {
			if p >= len(s) {
				return -1
			}
			c := s[p]
			p++
			var d int
			switch {
			case c >= 'a' && c <= 'z':
				d = int(c - 'a')
			case c >= 'A' && c <= 'Z':
				d = int(c - 'A')
			case c >= '0' && c <= '9':
				d = int(c-'0') + 26
			default:
				return -1
			}
			if d > (1<<30)/w {
				return -1
			}
			i += d * w
			if i > 1<<30 {
				return -1
			}
			t := pcThreshold(kk, bias)
			if d < t {
				break
			}
			w *= pcBase - t
			if w > 1<<30 {
				return -1
			}
		}
		bias = pcAdapt(i-oldI, k+1, oldI == 0)
		n += i / (k + 1)
		if n > 0x10ffff {
			return -1
		}
		i %= k + 1
		if k >= len(out) {
			return -1
		}
		copy(out[i+1:k+1], out[i:k])
		out[i] = rune(n)
		k++
		i++
	}
	return k
}

func lastIndexByte(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func lastLabel(s string) string {
	if i := lastIndexByte(s, '.'); i >= 0 {
		return s[i+1:]
	}
	return s
}
