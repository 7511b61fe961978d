package lookalike

import (
	_ "embed"
	"strings"
	"sync"
)

// icann_suffixes.txt is the ICANN section of the public suffix list as
// punycode (internal/gensuffixes). golang.org/x/net/publicsuffix answers
// "what is the suffix of this name" but cannot list its suffixes, and
// tld-swap across the whole list needs the list.
//
//go:generate sh -c "go run ./internal/gensuffixes /usr/share/publicsuffix/public_suffix_list.dat > icann_suffixes.txt"
//go:embed icann_suffixes.txt
var icannSuffixesText string

var icannSuffixes = sync.OnceValue(func() []string {
	var out []string
	for _, line := range strings.Split(icannSuffixesText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out
})

type suffixInfo struct {
	known    map[string]bool
	children map[string]bool // suffixes with at least one suffix below them
}

var suffixIndex = sync.OnceValue(func() suffixInfo {
	si := suffixInfo{known: map[string]bool{}, children: map[string]bool{}}
	for _, s := range icannSuffixes() {
		si.known[s] = true
		if i := strings.IndexByte(s, '.'); i >= 0 {
			si.children[s[i+1:]] = true
		}
	}
	return si
})

// mayHaveChildSuffix reports whether some "label.suffix" might itself be
// a public suffix ("ab.ca", "kyoto.jp"). It answers true for suffixes the
// embedded list does not know, so a newer table than the list stays safe.
func mayHaveChildSuffix(suffix string) bool {
	si := suffixIndex()
	return si.children[suffix] || !si.known[suffix]
}

// ICANNSuffixes returns every ICANN public suffix takedown knows, in
// punycode, sorted. The slice is shared: do not modify it.
func ICANNSuffixes() []string { return icannSuffixes() }
