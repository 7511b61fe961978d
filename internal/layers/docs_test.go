package layers

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// drawnLayers reads the layer drawing of docs/architecture.md: the first
// code block, where a line starting with a number opens a layer and the
// first word of a line is a package path ("monitor/probe/").
func drawnLayers(t *testing.T, root string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/architecture.md has no code block with the layers")
	}
	drawn := map[string]int{}
	layer := -1
	for _, line := range strings.Split(block, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if n, err := strconv.Atoi(f[0]); err == nil {
			layer = n
			f = f[1:]
		} else if strings.HasPrefix(line, strings.Repeat(" ", 10)) {
			continue // a description going on
		}
		if len(f) == 0 || !strings.HasSuffix(f[0], "/") {
			continue
		}
		drawn[strings.TrimSuffix(f[0], "/")] = layer
	}
	return drawn
}

// The architecture document draws the layers the test enforces: every
// package it names sits in the layer the table gives it, and every package
// of the module is drawn (itself, or a folder of the same layer above it).
func TestArchitectureDrawsTheLayers(t *testing.T) {
	root := moduleRoot(t)
	drawn := drawnLayers(t, root)
	if len(drawn) < 20 {
		t.Fatalf("read %d packages from docs/architecture.md: %v", len(drawn), drawn)
	}
	for p, l := range drawn {
		want := layerOf(p)
		if want < 0 {
			want = layerOf(p + "/x") // a folder of packages ("monitor/probe/")
		}
		if want != l {
			t.Errorf("docs/architecture.md draws %s in layer %d; internal/layers has it in %d", p, l, want)
		}
	}
	seen := map[string]bool{}
	for _, f := range readModule(t, root) {
		if f.test || seen[f.pkg] {
			continue
		}
		seen[f.pkg] = true
		covered := false
		for d := f.pkg; d != "." && d != ""; d = filepath.ToSlash(filepath.Dir(d)) {
			if l, ok := drawn[d]; ok && l == layerOf(f.pkg) {
				covered = true
				break
			}
		}
		if !covered {
			t.Errorf("%s (layer %d) is not drawn in docs/architecture.md", f.pkg, layerOf(f.pkg))
		}
	}
}

// README.md is for the user and stays short; the rest lives in docs/.
func TestReadmeIsShort(t *testing.T) {
	root := moduleRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(b); n > 12000 {
		t.Errorf("README.md is %d bytes; keep it under 12,000 and move detail to docs/", n)
	}
	for _, d := range []string{"configuration.md", "operations.md", "architecture.md", "api.md"} {
		if !strings.Contains(string(b), "docs/"+d) {
			t.Errorf("README.md does not point to docs/%s", d)
		}
		if _, err := os.Stat(filepath.Join(root, "docs", d)); err != nil {
			t.Error(err)
		}
	}
}
