package pagesim

import (
	"bytes"
	"regexp"
)

// Normalize prepares HTML for fuzzy hashing the way dnstwist means to:
// every run of whitespace becomes one space, the value of every action=,
// src= and href= attribute is emptied and every url(…) becomes url().
// A clone differs from the page it copies mostly in absolute URLs, asset
// host names and cache-busting query strings, all inside those places;
// emptying them lets the clone's hash snap to the original's.
//
// It differs from dnstwist 20250130 on purpose. dnstwist's patterns are
// greedy (`(action|src|href)=".+"` and `url(.+)`, where the parentheses
// group rather than match), and since the page has been joined into one
// line the first pattern erases everything from the first such attribute
// to the last double quote of the page, the second everything from the
// first "url" to the end. What dnstwist hashes is therefore little more
// than the page head up to its first link; two pages sharing a boilerplate
// head score high whatever their bodies say, and a page whose first link
// comes early often falls under TLSH's minimum and gets no score at all.
// NormalizeDnstwist reproduces that behaviour for side-by-side tests.
func Normalize(html []byte) []byte {
	b := collapseSpace(html)
	b = reAttr.ReplaceAll(b, []byte(`$1=""`))
	b = reAttrSingle.ReplaceAll(b, []byte(`$1=''`))
	return reURL.ReplaceAll(b, []byte("url()"))
}

var (
	reAttr       = regexp.MustCompile(`(?i)\b(action|src|href)="[^"]*"`)
	reAttrSingle = regexp.MustCompile(`(?i)\b(action|src|href)='[^']*'`)
	reURL        = regexp.MustCompile(`(?i)url\([^)]*\)`)

	reDnstwistAttr = regexp.MustCompile(`(?i)(action|src|href)=".+"`)
	reDnstwistURL  = regexp.MustCompile(`(?i)url(.+)`)
)

// NormalizeDnstwist is dnstwist 20250130's UrlOpener._normalize, greedy
// patterns included (see Normalize).
func NormalizeDnstwist(html []byte) []byte {
	b := collapseSpace(html)
	b = reDnstwistAttr.ReplaceAllFunc(b, func(m []byte) []byte {
		name, _, _ := bytes.Cut(m, []byte("="))
		return append(bytes.Clone(name), `=""`...)
	})
	return reDnstwistURL.ReplaceAll(b, []byte("url()"))
}

// collapseSpace is Python's b' '.join(content.split()).
// Only ASCII whitespace counts, as in Python's bytes.split.
func collapseSpace(b []byte) []byte {
	return bytes.Join(bytes.FieldsFunc(b, func(r rune) bool {
		switch r {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
		return false
	}), []byte(" "))
}
