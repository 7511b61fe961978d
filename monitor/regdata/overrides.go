package regdata

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// Override is an RDAP service that IANA's bootstrap does not list: a ccTLD
// (or a second-level domain of one, like co.gl) with its base URL, the
// back-end operator, the date the entry was last checked and its source.
type Override struct {
	TLD      string `json:"tld" yaml:"tld"`
	URL      string `json:"rdap_url" yaml:"rdap_url"`
	Operator string `json:"operator,omitempty" yaml:"operator"`
	Date     string `json:"date,omitempty" yaml:"date"`
	Source   string `json:"source,omitempty" yaml:"source"`
	Notes    string `json:"notes,omitempty" yaml:"notes"`
}

// Check validates an override: a TLD of DNS labels and an http(s) base URL.
// The error names the bad value.
func (o Override) Check() error {
	if err := CheckTLD(o.TLD); err != nil {
		return fmt.Errorf("rdap override: %w", err)
	}
	if err := checkBaseURL(o.URL); err != nil {
		return fmt.Errorf("rdap override %s: %w", o.TLD, err)
	}
	return nil
}

// OverridesReviewed is the date the embedded override table was reviewed.
var OverridesReviewed = func() string { r, _ := embeddedOverrides(); return r }

// EmbeddedOverrides is the reviewed table built into the binary.
func EmbeddedOverrides() []Override {
	_, o := embeddedOverrides()
	return append([]Override(nil), o...)
}

var embeddedOverrides = sync.OnceValues(func() (string, []Override) {
	b, err := embedded.ReadFile("data/overrides.json")
	if err != nil {
		panic(err)
	}
	reviewed, o, err := ParseOverrides(b)
	if err != nil {
		panic(err) // TestEmbedded parses the same bytes
	}
	return reviewed, o
})

// ParseOverrides reads an override table file: {"reviewed": DATE,
// "overrides": [...]}. Every entry is checked.
func ParseOverrides(b []byte) (reviewed string, out []Override, err error) {
	var doc struct {
		Reviewed  string      `json:"reviewed"`
		Overrides *[]Override `json:"overrides"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return "", nil, fmt.Errorf("rdap overrides: %w", err)
	}
	if doc.Overrides == nil {
		return "", nil, fmt.Errorf("rdap overrides: no overrides array")
	}
	for i, o := range *doc.Overrides {
		o.TLD = strings.ToLower(strings.Trim(o.TLD, ". "))
		o.URL = strings.TrimSpace(o.URL)
		if err := o.Check(); err != nil {
			return "", nil, fmt.Errorf("rdap overrides entry %d: %w", i, err)
		}
		o.URL = withSlash(o.URL)
		out = append(out, o)
	}
	return doc.Reviewed, out, nil
}

// WHOISTableDate is the date of the embedded TLD → WHOIS server table
// (IANA's root zone database, via a public mirror).
const WHOISTableDate = "2026-08-01"

// whoisTable is the embedded TLD → WHOIS host table.
var whoisTable = sync.OnceValue(func() map[string]string {
	b, err := embedded.ReadFile("data/whois-servers.json")
	if err != nil {
		panic(err)
	}
	m, err := ParseWHOISTable(b)
	if err != nil {
		panic(err) // TestEmbedded parses the same bytes
	}
	return m
})

// ParseWHOISTable reads a {"tld": "host"} table; hosts get port 43.
func ParseWHOISTable(b []byte) (map[string]string, error) {
	var raw map[string]string
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("whois table: %w", err)
	}
	m := make(map[string]string, len(raw))
	for tld, host := range raw {
		tld = strings.ToLower(tld)
		if err := CheckTLD(tld); err != nil {
			return nil, fmt.Errorf("whois table: %w", err)
		}
		host = strings.ToLower(strings.TrimSpace(host))
		if host == "" || strings.ContainsAny(host, " /:@") {
			return nil, fmt.Errorf("whois table %s: host %q", tld, host)
		}
		m[tld] = host + ":43"
	}
	return m, nil
}

// WHOISTable returns the embedded table's server for a TLD, host:43.
func WHOISTable(tld string) (string, bool) {
	s, ok := whoisTable()[strings.ToLower(tld)]
	return s, ok
}

// WHOISTableSize is the number of TLDs in the embedded WHOIS table.
func WHOISTableSize() int { return len(whoisTable()) }
