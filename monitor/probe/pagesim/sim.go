// Package pagesim tells how much a page looks like a brand's page, in the
// numbers dnstwist prints: TLSH and ssdeep similarity 0–100 over
// normalized HTML. It also reads the page signals a risk judgement needs:
// a password field or login form, the brand's name in the title or text,
// the favicon's link and hash. Everything here is a pure function over
// bytes the HTTP probe already fetched.
//
// The digests come from github.com/glaslos/tlsh and
// github.com/glaslos/ssdeep. Their digests are byte for byte those of
// py-tlsh 4.x and ssdeep 2.14 (the libraries dnstwist calls), but three
// things differ and are handled here:
//
//   - glaslos/tlsh hashes any input. py-tlsh answers "TNULL" (dnstwist:
//     no score) below 50 bytes and when at most half of the 128 buckets
//     are filled. We refuse below 50 bytes, and refuse the digest such an
//     input produces (quartiles 1 and 2 zero: ratios 0, no bucket coded
//     1, at most 64 buckets coded). In the rare valid page whose
//     quartiles 1 and 2 are equal and whose ratio is a multiple of 16 this
//     withholds a TLSH score py-tlsh would give; ssdeep still scores it.
//   - glaslos/ssdeep refuses input of 4096 bytes or less unless its
//     package variable Force is set; libfuzzy hashes anything. We set
//     Force once, in init: nothing else in the binary uses the package.
//   - glaslos/ssdeep's Distance neither shortens runs of more than three
//     equal characters nor caps the score of small block sizes as
//     libfuzzy's fuzzy_compare does. ssdeepCompare does both around the
//     library's scoring. Without the cap, pages under ~2 KB normalized
//     scored up to 81 points above libfuzzy in a test over 3,000 short
//     snippets; with it, the numbers are libfuzzy's.
//
// Measured against the hand-written TLSH and ssdeep this package carried
// before (which matched python3-tlsh and python3-ssdeep digest for
// digest): the same scores on the five sample pages under both
// normalizations and on 2,000 mutations of them.
package pagesim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/glaslos/ssdeep"
	"github.com/glaslos/tlsh"
)

func init() {
	// libfuzzy hashes inputs of any size; glaslos/ssdeep only when forced.
	ssdeep.Force = true
}

// Fingerprint is what the brand's own page is remembered by: both fuzzy
// digests of its normalized HTML. Empty fields mean the page was too short
// or too uniform for that hash. It serializes to JSON for storage.
type Fingerprint struct {
	// TLSH prints as py-tlsh 4.x prints it: "T1" and 70 hex digits.
	TLSH   string `json:"tlsh,omitempty"`
	Ssdeep string `json:"ssdeep,omitempty"`
	// Bytes is the length of the normalized HTML.
	Bytes int `json:"bytes"`
}

// FingerprintOf hashes html after Normalize.
func FingerprintOf(html []byte) Fingerprint {
	return fingerprintNormalized(Normalize(html))
}

func fingerprintNormalized(n []byte) Fingerprint {
	fp := Fingerprint{Bytes: len(n)}
	if d, err := tlshDigest(n); err == nil {
		fp.TLSH = d
	}
	if s, err := ssdeep.FuzzyBytes(n); err == nil && s != "3::" {
		fp.Ssdeep = s
	}
	return fp
}

// Similarity is a page's likeness to the brand's, each score 0–100 as
// dnstwist reports it; a nil score was not computable (a page too short or
// too uniform for the hash), which is not the same as 0.
type Similarity struct {
	TLSH   *int `json:"tlsh,omitempty"`
	Ssdeep *int `json:"ssdeep,omitempty"`
}

// Max is the higher of the two scores, and false when neither exists.
func (s Similarity) Max() (int, bool) {
	switch {
	case s.TLSH != nil && s.Ssdeep != nil:
		return max(*s.TLSH, *s.Ssdeep), true
	case s.TLSH != nil:
		return *s.TLSH, true
	case s.Ssdeep != nil:
		return *s.Ssdeep, true
	}
	return 0, false
}

// Compare scores a page's fingerprint against the brand's.
func Compare(brand, page Fingerprint) (Similarity, error) {
	var s Similarity
	var errs []error
	if brand.TLSH != "" && page.TLSH != "" {
		if d, err := tlshDiff(brand.TLSH, page.TLSH); err != nil {
			errs = append(errs, err)
		} else {
			v := TLSHScore(d)
			s.TLSH = &v
		}
	}
	if brand.Ssdeep != "" && page.Ssdeep != "" {
		if v, err := ssdeepCompare(brand.Ssdeep, page.Ssdeep); err != nil {
			errs = append(errs, err)
		} else {
			s.Ssdeep = &v
		}
	}
	return s, errors.Join(errs...)
}

// ComparePages is Compare over two raw HTML bodies.
func ComparePages(brandHTML, pageHTML []byte) Similarity {
	s, _ := Compare(FingerprintOf(brandHTML), FingerprintOf(pageHTML)) // our own digests always parse
	return s
}

// TLSHScore maps a TLSH distance onto 0–100 exactly as dnstwist prints
// it: int(100 - min(diff, 300)/3).
func TLSHScore(diff int) int {
	return int(100 - float64(min(diff, 300))/3)
}

const (
	tlshMinLen  = 50      // py-tlsh 4.x's minimum input
	tlshHexLen  = 2 * 35  // checksum, length, quartile ratios, 32 body bytes
	tlshBuckets = 128 / 2 // at most this many filled buckets: no digest
)

// ErrTLSHInput is returned when input is too short or too uniform for a
// TLSH digest (py-tlsh answers "TNULL" then; dnstwist records no score).
var ErrTLSHInput = errors.New("pagesim: input too short or too uniform for TLSH")

// ErrDigest is returned for a stored digest that does not parse.
var ErrDigest = errors.New("pagesim: malformed digest")

// tlshDigest is data's TLSH digest as py-tlsh 4.x prints it.
func tlshDigest(data []byte) (string, error) {
	if len(data) < tlshMinLen {
		return "", ErrTLSHInput
	}
	t, err := tlsh.HashBytes(data)
	if err != nil {
		return "", fmt.Errorf("pagesim: TLSH: %w", err)
	}
	raw := t.Binary()
	if degenerateTLSH(raw) {
		return "", ErrTLSHInput
	}
	return "T1" + strings.ToUpper(t.String()), nil
}

// degenerateTLSH tells the digest of an input that filled at most half
// the buckets: then the first and second quartiles are 0, so both ratios
// are 0, every filled bucket is coded 2 or 3 and none 1.
func degenerateTLSH(raw []byte) bool {
	if raw[2] != 0 {
		return false
	}
	coded := 0
	for _, b := range raw[3:] {
		for j := range 4 {
			switch b >> (2 * j) & 3 {
			case 0:
			case 1:
				return false
			default:
				coded++
			}
		}
	}
	return coded <= tlshBuckets
}

// parseTLSH reads a digest printed by tlshDigest, by py-tlsh 4.x ("T1…")
// or by py-tlsh 3.x (no prefix).
func parseTLSH(s string) (*tlsh.TLSH, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(s, "T1"), "t1")
	if len(h) != tlshHexLen {
		return nil, fmt.Errorf("%w: TLSH %q: want %d hex digits", ErrDigest, s, tlshHexLen)
	}
	t, err := tlsh.ParseStringToTlsh(h)
	if err != nil {
		return nil, fmt.Errorf("%w: TLSH %q: %v", ErrDigest, s, err)
	}
	return t, nil
}

// tlshDiff is py-tlsh's tlsh.diff: 0 for identical, growing without a
// fixed bound; above ~300 the inputs are unrelated.
func tlshDiff(a, b string) (int, error) {
	ta, err := parseTLSH(a)
	if err != nil {
		return 0, err
	}
	tb, err := parseTLSH(b)
	if err != nil {
		return 0, err
	}
	return ta.Diff(tb), nil
}

// ssdeep parameters libfuzzy's fuzzy_compare uses around the scoring.
const (
	ssdeepWindow   = 7
	ssdeepMinBlock = 3
	// ssdeepCapBelow: block sizes under this have their score capped so
	// tiny inputs do not claim a match they are too short to show.
	ssdeepCapBelow = (99 + ssdeepWindow) / ssdeepWindow * ssdeepMinBlock
)

type ssdeepDigest struct {
	block  int
	s1, s2 string
}

func parseSsdeep(s string) (ssdeepDigest, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 {
		return ssdeepDigest{}, fmt.Errorf("%w: ssdeep %q", ErrDigest, s)
	}
	bs, err := strconv.Atoi(parts[0])
	if err != nil || bs < ssdeepMinBlock {
		return ssdeepDigest{}, fmt.Errorf("%w: ssdeep %q", ErrDigest, s)
	}
	s2, _, _ := strings.Cut(parts[2], ",") // a file name may follow
	return ssdeepDigest{bs, elimSeq(parts[1]), elimSeq(s2)}, nil
}

// ssdeepCompare scores two digests 0–100 as libfuzzy's fuzzy_compare
// does: glaslos/ssdeep scores each pair of signatures, and this adds what
// the library leaves out (runs shortened, small block sizes capped).
func ssdeepCompare(a, b string) (int, error) {
	da, err := parseSsdeep(a)
	if err != nil {
		return 0, err
	}
	db, err := parseSsdeep(b)
	if err != nil {
		return 0, err
	}
	switch {
	case da.block == db.block && da.s1 == db.s1 && da.s2 == db.s2:
		return 100, nil
	case da.block == db.block:
		return max(scorePair(da.s1, db.s1, da.block), scorePair(da.s2, db.s2, da.block*2)), nil
	case da.block == db.block*2:
		return scorePair(da.s1, db.s2, da.block), nil
	case db.block == da.block*2:
		return scorePair(da.s2, db.s1, db.block), nil
	}
	return 0, nil
}

// scorePair is libfuzzy's score_strings: the library's edit-distance score
// of one pair of signatures, capped for small block sizes.
func scorePair(a, b string, block int) int {
	if a == b && len(a) < ssdeepWindow {
		return 0 // no common 7-character substring, as libfuzzy requires
	}
	score := 100
	if a != b {
		// A one-signature digest on each side scores exactly that pair:
		// the second signatures are empty and share no substring.
		s, err := ssdeep.Distance(strconv.Itoa(block)+":"+a+":", strconv.Itoa(block)+":"+b+":")
		if err != nil {
			return 0
		}
		score = s
	}
	if block >= ssdeepCapBelow {
		return score
	}
	return min(score, block/ssdeepMinBlock*min(len(a), len(b)))
}

// elimSeq shortens every run of more than three equal characters to
// three, as libfuzzy does before comparing.
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
