package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// docConfigBlock reads the configuration example of docs/configuration.md:
// the first yaml block, which the operator copies from.
func docConfigBlock(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```yaml\n")
	if !ok {
		t.Fatal("docs/configuration.md has no yaml block")
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("docs/configuration.md: unterminated yaml block")
	}
	return block
}

// keyPaths lists the dotted paths of a YAML document's mapping keys. A
// list or an empty mapping ends a path: its items are values (feeds,
// channels), not settings of their own.
func keyPaths(t *testing.T, text string) []string {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	var out []string
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
			out = append(out, prefix)
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if prefix != "" {
				p = prefix + "." + p
			}
			walk(n.Content[i+1], p)
		}
	}
	walk(doc.Content[0], "")
	slices.Sort(out)
	return out
}

// TestConfigShowIsTheDocumentedConfig: the documented example, given as
// the configuration, comes back from config show with exactly its keys,
// and config show with the defaults prints no undocumented key.
func TestConfigShowIsTheDocumentedConfig(t *testing.T) {
	block := docConfigBlock(t)
	documented := keyPaths(t, block)
	file := filepath.Join(t.TempDir(), "takedown.yaml")
	if err := os.WriteFile(file, []byte(block), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runLookalikeCLI(t, "config", "show", "--config", file)
	if code != 0 {
		t.Fatalf("config show --config (the documented example): exit %d: %s", code, errs)
	}
	printed := keyPaths(t, out)
	for _, k := range printed {
		if !slices.Contains(documented, k) {
			t.Errorf("config show prints %s, which docs/configuration.md does not document", k)
		}
	}
	for _, k := range documented {
		if !slices.Contains(printed, k) {
			t.Errorf("docs/configuration.md documents %s, which config show does not print", k)
		}
	}

	code, out, errs = runLookalikeCLI(t, "config", "show")
	if code != 0 {
		t.Fatalf("config show: exit %d: %s", code, errs)
	}
	for _, k := range keyPaths(t, out) {
		// An empty mapping (whois_servers: {}) is documented by its entries.
		if !slices.ContainsFunc(documented, func(d string) bool { return d == k || strings.HasPrefix(d, k+".") }) {
			t.Errorf("config show (defaults) prints %s, which docs/configuration.md does not document", k)
		}
	}
	for _, want := range []string{"shared_queue: true", "allowed_hosts: []", "max_attempts: 20"} {
		if !strings.Contains(out, want) {
			t.Errorf("config show (defaults) lacks %q:\n%s", want, out)
		}
	}
}
