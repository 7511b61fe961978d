// Package pagesim tells how much a page looks like a brand's page, in the
// numbers dnstwist prints: TLSH and ssdeep similarity 0–100 over
// normalized HTML. It also reads the page signals a risk judgement needs:
// a password field or login form, the brand's name in the title or text,
// the favicon's link and hash. Everything here is a pure function over
// bytes the HTTP probe already fetched.
package pagesim

import (
	"errors"
)

// Fingerprint is what the brand's own page is remembered by: both fuzzy
// digests of its normalized HTML. Empty fields mean the page was too short
// or too uniform for that hash. It serializes to JSON for storage.
type Fingerprint struct {
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
	if d, err := TLSH(n); err == nil {
		fp.TLSH = d.String()
	}
	if s := Ssdeep(n); s != "3::" {
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
		a, err1 := ParseTLSH(brand.TLSH)
		b, err2 := ParseTLSH(page.TLSH)
		if err := errors.Join(err1, err2); err != nil {
			errs = append(errs, err)
		} else {
			v := TLSHScore(TLSHDiff(a, b))
			s.TLSH = &v
		}
	}
	if brand.Ssdeep != "" && page.Ssdeep != "" {
		v, err := SsdeepCompare(brand.Ssdeep, page.Ssdeep)
		if err != nil {
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
