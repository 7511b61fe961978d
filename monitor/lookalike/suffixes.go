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

// ICANNSuffixes returns every ICANN public suffix takedown knows, in
// punycode, sorted. The slice is shared: do not modify it.
func ICANNSuffixes() []string { return icannSuffixes() }
