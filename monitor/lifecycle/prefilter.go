package lifecycle

import (
	"regexp"
	"regexp/syntax"
	"strings"
)

// A page regex runs at some tens of MB/s; most pages contain none of the
// words a banner needs. textMatcher first looks for the longest literal the
// pattern cannot match without (" seized by ", "a seizure warrant issued ")
// with strings.Contains, and runs the regex only when it is there.
type textMatcher struct {
	re      *regexp.Regexp
	literal string // required substring; "" when none was found
	fold    bool   // literal is lower case and compares case-insensitively
}

func newTextMatcher(re *regexp.Regexp) textMatcher {
	m := textMatcher{re: re}
	parsed, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return m
	}
	lit, fold := requiredLiteral(parsed.Simplify())
	// Only plain ASCII literals: their case folds are exactly what
	// foldText produces.
	if len(lit) >= 3 && isPrintableASCII(lit) {
		m.literal, m.fold = lit, fold
		if fold {
			m.literal = strings.ToLower(lit)
		}
	}
	return m
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// requiredLiteral returns the longest literal every match must contain,
// and whether it was written case-insensitively.
func requiredLiteral(re *syntax.Regexp) (string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return string(re.Rune), re.Flags&syntax.FoldCase != 0
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiteral(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiteral(re.Sub[0])
		}
	case syntax.OpConcat:
		best, bestFold := "", false
		consider := func(s string, f bool) {
			if len(s) > len(best) {
				best, bestFold = s, f
			}
		}
		run, runFold := "", false
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpLiteral {
				f := sub.Flags&syntax.FoldCase != 0
				if run != "" && f != runFold {
					consider(run, runFold)
					run = ""
				}
				run, runFold = run+string(sub.Rune), f
				continue
			}
			consider(run, runFold)
			run = ""
			consider(requiredLiteral(sub))
		}
		consider(run, runFold)
		return best, bestFold
	}
	return "", false
}

// foldText lower-cases text for the literal check: strings.ToLower, plus
// the two non-ASCII runes whose case fold is an ASCII letter (U+017F long s
// and U+212A Kelvin sign), so the prefilter never rejects what (?i) accepts.
func foldText(s string) string {
	l := strings.ToLower(s)
	if strings.ContainsRune(l, 'ſ') || strings.ContainsRune(l, '\u212a') {
		l = strings.NewReplacer("ſ", "s", "\u212a", "k").Replace(l)
	}
	return l
}

// scanText is a page text prepared once for all matchers.
type scanText struct {
	raw, folded string
}

func newScanText(s string) *scanText { return &scanText{raw: s} }

func (t *scanText) fold() string {
	if t.folded == "" && t.raw != "" {
		t.folded = foldText(t.raw)
	}
	return t.folded
}

// find returns the first match's bounds in t.raw, or nil.
func (m textMatcher) find(t *scanText) []int {
	if m.literal != "" {
		if m.fold {
			if !strings.Contains(t.fold(), m.literal) {
				return nil
			}
		} else if !strings.Contains(t.raw, m.literal) {
			return nil
		}
	}
	return m.re.FindStringIndex(t.raw)
}
