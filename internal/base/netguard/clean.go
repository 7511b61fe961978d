package netguard

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes text from the network safe to store and print: invalid UTF-8
// and control characters (C0, DEL, C1, bidirectional overrides) become
// U+FFFD, whitespace runs become one space, the ends are trimmed, and the
// result is cut to at most max bytes on a rune boundary (max <= 0: no cut).
//
// Controls are replaced, not dropped, so "bank.example\x00.evil.example"
// cannot pass for "bank.example.evil.example". HTML is left as text: the
// caller escapes for its output (html/template, JSON).
func Clean(s string, max int) string {
	var b strings.Builder
	b.Grow(min(len(s), cap64k(max)))
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			r = utf8.RuneError
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case IsControl(r):
			r = utf8.RuneError
		}
		n := utf8.RuneLen(r)
		if space {
			n++
		}
		if max > 0 && b.Len()+n > max {
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func cap64k(max int) int {
	if max <= 0 || max > 64<<10 {
		return 64 << 10
	}
	return max
}

// IsControl is true for characters that move the cursor, hide text or
// reorder it on a terminal or in a browser.
func IsControl(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	case r == 0xfeff:
		return true
	}
	return false
}
