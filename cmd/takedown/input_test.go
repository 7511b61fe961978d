package main

import (
	"strings"
	"testing"
)

// A NUL byte or invalid UTF-8 in an argument or a flag exits 2 naming it,
// before any database is opened.
func TestBadBytesInArgumentsExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"watch", "add", "a\xff.example"}, "argument 1"},
		{[]string{"watch", "add", "ok.example", "b\x00.example"}, "argument 2"},
		{[]string{"watch", "list", "--tag", "\xfe"}, "flag --tag"},
		{[]string{"history", "x.example", "--since", "2026\x00"}, "flag --since"},
	} {
		c := newCLI(t)
		r := c.run(tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%q: exit %d, %s; want 2 naming %s", tc.args, r.code, r.stderr, tc.want)
		}
	}
}
