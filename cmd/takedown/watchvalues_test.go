package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWatchBadValuesExit2: notes past the one limit, control characters and
// bidi overrides in notes and tags, JSON with trailing garbage and a CSV
// header naming domain twice are refused with exit 2; nothing is stored.
func TestWatchBadValuesExit2(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	long := strings.Repeat("n", 1001)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"watch", "add", "--note", long, "a.example.org"}, "1001 characters"},
		{[]string{"watch", "add", "--note", "look \x1b[2Jhere", "a.example.org"}, "U+001B"},
		{[]string{"watch", "add", "--note", "txt.exe\u202egpj", "a.example.org"}, "U+202E"},
		{[]string{"watch", "add", "--tag", "ops\x1b[31m", "a.example.org"}, "not allowed"},
		{[]string{"watch", "add", "--tag", "evil\u202e", "a.example.org"}, "not allowed"},
		{[]string{"watch", "import", file("trail.json", `["a.com"] garbage`)}, "after the closing ]"},
		{[]string{"watch", "import", file("trail2.json", "[\"a.com\"]\n[\"b.com\"]\n")}, "after the closing ]"},
		{[]string{"watch", "import", file("dup.csv", "domain,note,domain\na.com,x,b.com\n")}, `"domain" named twice`},
		{[]string{"watch", "import", file("note.csv", "domain,note\na.com,\"bad \u202e note\"\n")}, "U+202E"},
		{[]string{"watch", "import", file("long.json", `[{"domain":"a.com","note":"`+long+`"}]`)}, "1001 characters"},
	} {
		r := c.run(tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%.60q: exit %d, stderr %.300q; want 2 naming %s", tc.args, r.code, r.stderr, tc.want)
		}
	}
	if _, err := os.Stat(c.db); err == nil {
		if out := c.ok("watch", "list"); strings.Contains(out, "a.com") || strings.Contains(out, "example.org") {
			t.Fatalf("refused input was stored:\n%s", out)
		}
	}
	// At the limit, with newlines, a note is fine.
	c.ok("watch", "add", "--note", strings.Repeat("é", 999)+"\n", "ok.example.org")
}
