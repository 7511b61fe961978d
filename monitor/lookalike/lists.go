package lookalike

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/idna"

	"github.com/takedownhq/takedown/internal/base/domain"
)

// LineError is a bad line in a word or suffix list.
type LineError struct {
	File   string
	Line   int
	Value  string
	Reason string
}

func (e *LineError) Error() string {
	return fmt.Sprintf("%s line %d: %q: %s", e.File, e.Line, e.Value, e.Reason)
}

// maxListLine bounds one line of a list file.
const maxListLine = 4096

// readList calls fn for each line that is not blank or a # comment, and
// stops at the first error fn returns.
func readList(r io.Reader, file string, fn func(line int, s string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), maxListLine)
	n := 0
	for sc.Scan() {
		n++
		s := strings.TrimSpace(sc.Text())
		if i := strings.Index(s, "#"); i >= 0 {
			s = strings.TrimSpace(s[:i])
		}
		if s == "" {
			continue
		}
		if err := fn(n, s); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s line %d: %w", file, n+1, err)
	}
	return nil
}

// ParseWords reads a dictionary: one word a line, blank lines and #
// comments skipped. A word is what may stand in a domain label (ASCII
// letters, digits, inner hyphens, or IDN letters). file names the source in
// errors; a bad line gives a *LineError.
func ParseWords(r io.Reader, file string) ([]string, error) {
	var words []string
	seen := map[string]bool{}
	err := readList(r, file, func(line int, s string) error {
		w := strings.ToLower(s)
		if len(w) > 63 {
			return &LineError{file, line, s, "longer than 63 octets"}
		}
		if h, err := domain.Host(w + ".com"); err != nil || strings.Count(h, ".") != 1 {
			reason := "not a domain label"
			if err != nil {
				reason = "not a domain label: " + strings.TrimPrefix(err.Error(), fmt.Sprintf("%q: ", w+".com"))
			}
			return &LineError{file, line, s, reason}
		}
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
		return nil
	})
	return words, err
}

// ParseTLDs reads suffixes for tld-swap: one a line ("net", ".co.uk",
// "рф"), blank lines and # comments skipped. Each must be an ICANN public
// suffix under which names are registered; they come back as punycode.
func ParseTLDs(r io.Reader, file string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	err := readList(r, file, func(line int, s string) error {
		t, err := idna.Lookup.ToASCII(strings.Trim(strings.ToLower(s), "."))
		if err != nil || t == "" {
			return &LineError{file, line, s, "not a domain suffix"}
		}
		if ps, ok := domain.Suffix("x." + t); !ok || ps != t {
			return &LineError{file, line, s, "not a public suffix names are registered under"}
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
		return nil
	})
	return out, err
}
