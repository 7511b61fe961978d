package watchlist

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/takedownhq/takedown/internal/base/netguard"
)

// MaxNote is the longest note a watched domain may carry, in characters:
// the same limit for the CLI, imports and the web form.
const MaxNote = 1000

// CleanNote trims a note and refuses one longer than MaxNote characters,
// with invalid UTF-8, or with control characters or bidirectional
// overrides (ESC, U+202E), which would rewrite a terminal or reorder text
// in a browser. Newlines and tabs are kept.
func CleanNote(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("note: not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > MaxNote {
		return "", fmt.Errorf("note: %d characters, more than %d", n, MaxNote)
	}
	for i, r := range s {
		if r != '\n' && r != '\t' && netguard.IsControl(r) {
			return "", fmt.Errorf("note: control or bidirectional character %U at byte %d", r, i)
		}
	}
	return s, nil
}
