package pagesim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ssdeep (context triggered piecewise hashing, Kornblum 2006), digest and
// comparison as ssdeep 2.14 / ppdeep compute them; dnstwist calls
// ssdeep.compare (or ppdeep's) and prints that 0–100 number unchanged.

const (
	spamsumLength = 64
	minBlockSize  = 3
	rollWindow    = 7
	hashInit      = 0x28021967
	hashPrime     = 0x01000193
	b64           = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// ErrSsdeepDigest is returned for a digest that does not parse.
var ErrSsdeepDigest = errors.New("pagesim: malformed ssdeep digest")

type roller struct {
	window     [rollWindow]byte
	h1, h2, h3 uint32
	n          uint32
}

func (r *roller) roll(c byte) uint32 {
	r.h2 -= r.h1
	r.h2 += rollWindow * uint32(c)
	r.h1 += uint32(c)
	r.h1 -= uint32(r.window[r.n%rollWindow])
	r.window[r.n%rollWindow] = c
	r.n++
	r.h3 <<= 5
	r.h3 ^= uint32(c)
	return r.h1 + r.h2 + r.h3
}

// Ssdeep returns the ssdeep digest of data, "blocksize:sig1:sig2".
// Empty input gives "3::", which dnstwist treats as no digest.
func Ssdeep(data []byte) string {
	bs := uint32(minBlockSize)
	for uint64(bs)*spamsumLength < uint64(len(data)) {
		bs *= 2
	}
	for {
		var r roller
		var rh uint32
		h1, h2 := uint32(hashInit), uint32(hashInit)
		sig1 := make([]byte, 0, spamsumLength)
		sig2 := make([]byte, 0, spamsumLength/2)
		for _, c := range data {
			h1 = h1*hashPrime ^ uint32(c)
			h2 = h2*hashPrime ^ uint32(c)
			rh = r.roll(c)
			if rh%bs == bs-1 {
				if len(sig1) < spamsumLength-1 {
					sig1 = append(sig1, b64[h1%64])
					h1 = hashInit
				}
				if rh%(bs*2) == bs*2-1 && len(sig2) < spamsumLength/2-1 {
					sig2 = append(sig2, b64[h2%64])
					h2 = hashInit
				}
			}
		}
		if bs > minBlockSize && len(sig1) < spamsumLength/2 {
			bs /= 2
			continue
		}
		if rh != 0 {
			sig1 = append(sig1, b64[h1%64])
			sig2 = append(sig2, b64[h2%64])
		}
		return strconv.FormatUint(uint64(bs), 10) + ":" + string(sig1) + ":" + string(sig2)
	}
}

// SsdeepCompare scores two digests 0–100 as ssdeep's fuzzy_compare does.
func SsdeepCompare(a, b string) (int, error) {
	bs1, a1, a2, err := parseSsdeep(a)
	if err != nil {
		return 0, err
	}
	bs2, b1, b2, err := parseSsdeep(b)
	if err != nil {
		return 0, err
	}
	if bs1 != bs2 && bs1 != bs2*2 && bs2 != bs1*2 {
		return 0, nil
	}
	a1, a2, b1, b2 = elimSeq(a1), elimSeq(a2), elimSeq(b1), elimSeq(b2)
	if bs1 == bs2 && a1 == b1 && a2 == b2 {
		return 100, nil
	}
	switch {
	case bs1 == bs2:
		return max(scoreStrings(a1, b1, bs1), scoreStrings(a2, b2, bs1*2)), nil
	case bs1*2 == bs2:
		return scoreStrings(b1, a2, bs2), nil
	default:
		return scoreStrings(a1, b2, bs1), nil
	}
}

func parseSsdeep(s string) (uint64, string, string, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 {
		return 0, "", "", fmt.Errorf("%w: %q", ErrSsdeepDigest, s)
	}
	bs, err := strconv.ParseUint(parts[0], 10, 32)
	if err != nil || bs == 0 {
		return 0, "", "", fmt.Errorf("%w: %q", ErrSsdeepDigest, s)
	}
	s2, _, _ := strings.Cut(parts[2], ",") // a file name may follow
	return bs, parts[1], s2, nil
}

// elimSeq shortens every run of more than three equal characters to three.
func elimSeq(s string) string {
	if len(s) < 4 {
		return s
	}
	out := []byte(s[:3])
	for i := 3; i < len(s); i++ {
		if s[i] == s[i-1] && s[i] == s[i-2] && s[i] == s[i-3] {
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}

func hasCommonSubstring(a, b string) bool {
	if len(a) < rollWindow || len(b) < rollWindow {
		return false
	}
	for i := 0; i+rollWindow <= len(a); i++ {
		if strings.Contains(b, a[i:i+rollWindow]) {
			return true
		}
	}
	return false
}

// editDistance is ssdeep 2.14's edit_distn: insert and delete cost 1,
// a substitution 2.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 2
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func scoreStrings(a, b string, bs uint64) int {
	if len(a) > spamsumLength || len(b) > spamsumLength || !hasCommonSubstring(a, b) {
		return 0
	}
	score := uint64(editDistance(a, b))
	score = score * spamsumLength / uint64(len(a)+len(b))
	score = 100 * score / spamsumLength
	if score >= 100 {
		return 0
	}
	score = 100 - score
	if bs >= (99+rollWindow)/rollWindow*minBlockSize {
		return int(score)
	}
	if limit := bs / minBlockSize * uint64(min(len(a), len(b))); score > limit {
		score = limit
	}
	return int(score)
}
