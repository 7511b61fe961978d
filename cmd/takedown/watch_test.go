package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/takedownhq/takedown/store"
)

func listJSON(t *testing.T, c *cli, args ...string) []store.Domain {
	t.Helper()
	var ds []store.Domain
	if _, err := os.Stat(c.db); os.IsNotExist(err) {
		return nil // refused input created no database either
	}
	out := c.ok(append([]string{"watch", "list", "--json"}, args...)...)
	if err := unmarshalItems([]byte(out), &ds); err != nil {
		t.Fatalf("watch list --json: %v\n%s", err, out)
	}
	return ds
}

func TestWatchImportExampleListsAll17(t *testing.T) {
	c := newCLI(t)
	out := c.ok("watch", "import", filepath.Join("..", "..", "feeds", "examples", "doj-2023-10-dprk-it-workers.txt"), "--tag", "doj-2023-10")
	if !strings.Contains(out, "17 added") {
		t.Fatalf("import said %q", out)
	}
	ds := listJSON(t, c)
	if len(ds) != 17 {
		t.Fatalf("listed %d domains, want 17", len(ds))
	}
	want := map[string]bool{"thefoxcloud.com": true, "jinyang.asia": true, "cloudfox.cloud": true, "ktsolution.tech": true}
	for _, d := range ds {
		delete(want, d.Name)
		if len(d.Tags) != 1 || d.Tags[0] != "doj-2023-10" || d.Kind != "watch" || d.State != "unknown" {
			t.Errorf("%s: %+v", d.Name, d)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing %v", want)
	}
	// Importing again merges: nothing new, nothing doubled.
	out = c.ok("watch", "import", filepath.Join("..", "..", "feeds", "examples", "doj-2023-10-dprk-it-workers.txt"), "--tag", "seized")
	if !strings.Contains(out, "0 added, 17 already watched") {
		t.Fatalf("re-import said %q", out)
	}
	ds = listJSON(t, c, "--tag", "seized")
	if len(ds) != 17 || strings.Join(ds[0].Tags, ",") != "doj-2023-10,seized" {
		t.Fatalf("tags not merged: %d domains, first %+v", len(ds), ds[0])
	}
	// Filters are normalized as values are: tags are stored lower-case.
	if ds := listJSON(t, c, "--tag", " Seized", "--state", "Unknown"); len(ds) != 17 {
		t.Fatalf("--tag ' Seized' --state Unknown found %d domains, want 17", len(ds))
	}
}

func TestWatchAddBadValueExits2(t *testing.T) {
	c := newCLI(t)
	r := c.run("watch", "add", "good.com", "ht tp://bad..com")
	if r.code != 2 {
		t.Fatalf("exit %d, want 2; stderr %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, `"ht tp://bad..com"`) || !strings.Contains(r.stderr, "bad URL scheme") {
		t.Fatalf("stderr does not name the value and reason: %s", r.stderr)
	}
	if ds := listJSON(t, c); len(ds) != 0 {
		t.Fatalf("a bad argument still added %d domains", len(ds))
	}
	for _, bad := range []string{"co.uk", "1.2.3.4", "a..b.com", strings.Repeat("x", 70) + ".com"} {
		if r := c.run("watch", "add", bad); r.code != 2 || !strings.Contains(r.stderr, bad[:4]) {
			t.Errorf("watch add %q: exit %d, stderr %s", bad, r.code, r.stderr)
		}
	}
}

func TestWatchAddUnicode(t *testing.T) {
	c := newCLI(t)
	out := c.ok("watch", "add", "Bücher.COM.", "--tag", "case-7", "--note", "IDN test")
	if !strings.Contains(out, "xn--bcher-kva.com (bücher.com)") {
		t.Fatalf("add said %q", out)
	}
	ds := listJSON(t, c)
	if len(ds) != 1 || ds[0].Name != "xn--bcher-kva.com" || ds[0].Unicode != "bücher.com" || ds[0].Note != "IDN test" {
		t.Fatalf("stored %+v", ds)
	}
	table := c.ok("watch", "list")
	if !strings.Contains(table, "bücher.com") || !strings.Contains(table, "case-7") {
		t.Fatalf("table does not show the Unicode form and tag:\n%s", table)
	}
	// Re-adding with --brand merges tags and upgrades the kind.
	c.ok("watch", "add", "https://www.bücher.com/x", "--brand", "--tag", "brand")
	ds = listJSON(t, c)
	if len(ds) != 1 || ds[0].Kind != "brand" || strings.Join(ds[0].Tags, ",") != "brand,case-7" {
		t.Fatalf("after merge %+v", ds[0])
	}
	if got := listJSON(t, c, "--kind", "watch"); len(got) != 0 {
		t.Fatalf("--kind watch listed %v", got)
	}
}

func TestWatchImportAllOrNothing(t *testing.T) {
	c := newCLI(t)
	var sb strings.Builder
	for i := 1; i <= 1000; i++ {
		switch i {
		case 137:
			sb.WriteString("bad..example.com\n")
		case 862:
			sb.WriteString("http://[::1]/\n")
		default:
			fmt.Fprintf(&sb, "domain-%d.com\n", i)
		}
	}
	path := filepath.Join(t.TempDir(), "list.txt")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	r := c.run("watch", "import", path)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"line 137", `"bad..example.com"`, "empty label", "line 862", "IP address", "2 bad line(s)"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if ds := listJSON(t, c); len(ds) != 0 {
		t.Fatalf("a bad import wrote %d domains", len(ds))
	}
}

func TestWatchImportStdinCSVAndJSON(t *testing.T) {
	c := newCLI(t)
	r := c.runIn(strings.NewReader("domain,tags,kind\nexample.com,a;b,brand\nexample.org,,\n"), "watch", "import", "-")
	if r.code != 0 {
		t.Fatalf("csv import: %d %s", r.code, r.stderr)
	}
	r = c.runIn(strings.NewReader(`[{"domain":"example.net","tags":["x"]}, "example.com"]`), "watch", "import", "-", "--tag", "j")
	if r.code != 0 {
		t.Fatalf("json import: %d %s", r.code, r.stderr)
	}
	ds := listJSON(t, c)
	got := map[string]string{}
	for _, d := range ds {
		got[d.Name] = string(d.Kind) + ":" + strings.Join(d.Tags, ",")
	}
	want := map[string]string{"example.com": "brand:a,b,j", "example.org": "watch:", "example.net": "watch:j,x"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(listJSON(t, c, "--kind", "brand")) != 1 {
		t.Error("--kind brand filter")
	}
}

func TestWatchRm(t *testing.T) {
	c := newCLI(t)
	c.ok("watch", "add", "a.com", "b.com")
	r := c.run("watch", "rm", "A.com", "c.com")
	if r.code != 0 || !strings.Contains(r.stdout, "removed a.com") || !strings.Contains(r.stderr, "c.com was not watched") {
		t.Fatalf("rm: %+v", r)
	}
	if ds := listJSON(t, c); len(ds) != 1 || ds[0].Name != "b.com" {
		t.Fatalf("after rm: %+v", ds)
	}
}

func TestConfigPrecedence(t *testing.T) {
	c := newCLI(t)
	cfg := filepath.Join(t.TempDir(), "takedown.yaml")
	os.WriteFile(cfg, []byte("network:\n  resolver: 10.0.0.1:53\n  cert_port: 8443\nweb:\n  token: s3cret-and-long-enough\n"), 0o644)
	c.env["TAKEDOWN_RESOLVER"] = "10.0.0.2:53"
	out := c.ok("--config", cfg, "--cert-port", "9443", "config", "show")
	for _, want := range []string{"resolver: 10.0.0.2:53", "cert_port: 9443", "token: '********'"} {
		if !strings.Contains(out, want) {
			t.Errorf("config show lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "s3cret") {
		t.Error("config show printed the token")
	}
	os.WriteFile(cfg, []byte("network:\n  resolvr: x\n"), 0o644)
	if r := c.run("--config", cfg, "config", "show"); r.code != 2 || !strings.Contains(r.stderr, "line 2") {
		t.Errorf("unknown key: exit %d, %s", r.code, r.stderr)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{{"nonsense"}, {"watch", "add"}, {"watch", "list", "--bogus"}, {"watch", "import", "/does/not/exist"}, {"watch", "list", "--state", "seizd"}} {
		if r := c.run(args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, r.code, r.stderr)
		}
	}
}

func TestConfigShowMasksWebhookToken(t *testing.T) {
	c := newCLI(t)
	cfg := filepath.Join(t.TempDir(), "takedown.yaml")
	os.WriteFile(cfg, []byte("alerts:\n  channels:\n    - {name: slack, webhook: \"https://hooks.slack.example/services/T000/B000/XXXXSECRET\"}\n"), 0o644)
	out := c.ok("--config", cfg, "config", "show")
	if strings.Contains(out, "XXXXSECRET") || !strings.Contains(out, "https://hooks.slack.example/********") {
		t.Fatalf("webhook token shown:\n%s", out)
	}
}

// A PostgreSQL URL's password is a secret like the others, in the user
// info or in the query.
func TestConfigShowMasksDatabasePassword(t *testing.T) {
	for _, db := range []string{
		"postgres://takedown:s3cretpw@127.0.0.1:5432/t",
		"postgres://takedown@127.0.0.1:5432/t?password=s3cretpw&sslmode=disable",
	} {
		t.Run(db, func(t *testing.T) {
			out := newCLI(t).ok("--db", db, "config", "show")
			if strings.Contains(out, "s3cretpw") || !strings.Contains(out, "********") {
				t.Fatalf("database password shown:\n%s", out)
			}
		})
	}
}
