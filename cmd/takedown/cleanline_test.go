package main

import (
	"strings"
	"testing"
)

// A look-alike reason quoting a page title prints without bidi overrides
// or escape sequences.
func TestCleanLineStripsBidiAndControls(t *testing.T) {
	got := cleanLine("title \"PayPal \u202egnp.exe\u202c\x1b[31m\u2066x\u2069\"")
	for _, bad := range []string{"\u202e", "\u202c", "\x1b", "\u2066", "\u2069"} {
		if strings.Contains(got, bad) {
			t.Errorf("cleanLine kept %q: %q", bad, got)
		}
	}
}
