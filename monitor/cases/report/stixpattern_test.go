package report

import (
	"fmt"
	"strings"
	"testing"
)

// A checker for the STIX 2.1 pattern forms the encoder emits, written from
// the published grammar (testdata/stix/STIXPattern.g4):
//
//	observationExpressions : obs (("OR" | "AND" | "FOLLOWEDBY") obs)*
//	obs                    : "[" comparison "]" | "(" observationExpressions ")"
//	comparison             : propTest (("AND" | "OR") propTest)*
//	propTest               : objectPath "NOT"? ("=" | "!=") StringLiteral
//	objectPath             : objectType ":" firstPathComponent ("." Identifier)*
//	StringLiteral          : "'" ( ~['\\] | "\\'" | "\\\\" )* "'"
//
// It returns each comparison as type, path and unquoted value.

type patternTest struct{ objectType, path, value string }

type patternLexer struct {
	s   string
	pos int
}

func (l *patternLexer) skipSpace() {
	for l.pos < len(l.s) && strings.IndexByte(" \t\r\n", l.s[l.pos]) >= 0 {
		l.pos++
	}
}

func (l *patternLexer) peekWord(w string) bool {
	l.skipSpace()
	if !strings.HasPrefix(l.s[l.pos:], w) {
		return false
	}
	end := l.pos + len(w)
	if isIdentChar(w[len(w)-1]) && end < len(l.s) && isIdentChar(l.s[end]) {
		return false
	}
	return true
}

func (l *patternLexer) accept(w string) bool {
	if l.peekWord(w) {
		l.pos += len(w)
		return true
	}
	return false
}

func isIdentChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (l *patternLexer) errorf(format string, args ...any) error {
	return fmt.Errorf("pattern offset %d: %s", l.pos, fmt.Sprintf(format, args...))
}

func parseSTIXPattern(s string) ([]patternTest, error) {
	l := &patternLexer{s: s}
	tests, err := l.observations()
	if err != nil {
		return nil, err
	}
	l.skipSpace()
	if l.pos != len(l.s) {
		return nil, l.errorf("trailing %q", l.s[l.pos:])
	}
	return tests, nil
}

func (l *patternLexer) observations() ([]patternTest, error) {
	var all []patternTest
	for {
		got, err := l.observation()
		if err != nil {
			return nil, err
		}
		all = append(all, got...)
		if !l.accept("OR") && !l.accept("AND") && !l.accept("FOLLOWEDBY") {
			return all, nil
		}
	}
}

func (l *patternLexer) observation() ([]patternTest, error) {
	switch {
	case l.accept("["):
		var tests []patternTest
		for {
			t, err := l.propTest()
			if err != nil {
				return nil, err
			}
			tests = append(tests, t)
			if !l.accept("AND") && !l.accept("OR") {
				break
			}
		}
		if !l.accept("]") {
			return nil, l.errorf("want ]")
		}
		return tests, nil
	case l.accept("("):
		tests, err := l.observations()
		if err != nil {
			return nil, err
		}
		if !l.accept(")") {
			return nil, l.errorf("want )")
		}
		return tests, nil
	}
	return nil, l.errorf("want [ or (")
}

func (l *patternLexer) propTest() (patternTest, error) {
	var t patternTest
	l.skipSpace()
	// objectType: IdentifierWithoutHyphen | IdentifierWithHyphen
	// ([a-zA-Z_][a-zA-Z0-9_-]*).
	start := l.pos
	for l.pos < len(l.s) && (isIdentChar(l.s[l.pos]) || l.s[l.pos] == '-' && l.pos > start) {
		l.pos++
	}
	if l.pos == start || l.s[start] >= '0' && l.s[start] <= '9' {
		return t, l.errorf("want an object type")
	}
	t.objectType = l.s[start:l.pos]
	if l.pos >= len(l.s) || l.s[l.pos] != ':' {
		return t, l.errorf("want : after %q", t.objectType)
	}
	l.pos++
	start = l.pos
	for {
		s := l.pos
		for l.pos < len(l.s) && isIdentChar(l.s[l.pos]) {
			l.pos++
		}
		if l.pos == s || l.s[s] >= '0' && l.s[s] <= '9' {
			return t, l.errorf("want a property name")
		}
		if l.pos < len(l.s) && l.s[l.pos] == '.' {
			l.pos++
			continue
		}
		break
	}
	t.path = l.s[start:l.pos]
	l.accept("NOT")
	if !l.accept("!=") && !l.accept("=") {
		return t, l.errorf("want = or !=")
	}
	v, err := l.stringLiteral()
	if err != nil {
		return t, err
	}
	t.value = v
	return t, nil
}

func (l *patternLexer) stringLiteral() (string, error) {
	l.skipSpace()
	if l.pos >= len(l.s) || l.s[l.pos] != '\'' {
		return "", l.errorf("want a string literal")
	}
	l.pos++
	var b strings.Builder
	for l.pos < len(l.s) {
		c := l.s[l.pos]
		switch c {
		case '\'':
			l.pos++
			return b.String(), nil
		case '\\':
			if l.pos+1 >= len(l.s) || (l.s[l.pos+1] != '\'' && l.s[l.pos+1] != '\\') {
				return "", l.errorf("bad escape")
			}
			b.WriteByte(l.s[l.pos+1])
			l.pos += 2
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
	return "", l.errorf("unterminated string")
}

// The checker must be able to fail.
func TestPatternCheckerRefusesBadPatterns(t *testing.T) {
	for _, bad := range []string{
		"",
		"[domain-name:value = 'a.example'",
		"domain-name:value = 'a.example'",
		"[domain-name:value = 'it's']",
		`[domain-name:value = 'a\x']`,
		"[domain-name:value == 'a.example']",
		"[domain-name value = 'a.example']",
		"[domain-name:value = 'a.example'] OR",
		"[domain-name:value = 'a.example'] [url:value = 'b']",
		"[:value = 'a']",
	} {
		if _, err := parseSTIXPattern(bad); err == nil {
			t.Errorf("checker accepts %q", bad)
		}
	}
	got, err := parseSTIXPattern(`[domain-name:value = 'a.example'] OR ([url:value = 'http://x/\'q\\'] AND [file:hashes.'SHA-256' != 'x'])`)
	if err == nil {
		t.Errorf("checker accepts a quoted path step it does not implement: %v", got)
	}
	got, err = parseSTIXPattern(`[domain-name:value = 'a.example'] OR ([url:value = 'http://x/\'q\\'] AND [email-addr:value NOT = 'x'])`)
	if err != nil || len(got) != 3 || got[1].value != `http://x/'q\` {
		t.Errorf("checker: %v %+v", err, got)
	}
}

func TestSTIXQuoteRoundTrips(t *testing.T) {
	for _, v := range []string{"a.example", `it's`, `back\slash`, `\'`, "", "ünï"} {
		got, err := parseSTIXPattern("[url:value = " + stixQuote(v) + "]")
		if err != nil || len(got) != 1 || got[0].value != v {
			t.Errorf("stixQuote(%q): %v %+v", v, err, got)
		}
	}
}
