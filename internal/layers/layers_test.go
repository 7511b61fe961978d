// Package layers holds the test that keeps takedown's layering true: a
// package never imports one above it. The layers are the ones README's
// architecture section draws; a new package must be given a layer here.
package layers

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/takedownhq/takedown"

// layers lists takedown's packages from the bottom up. A package may import
// packages of its own layer or of a lower one, never of a higher one. An
// entry ending in "/" covers every package below that path.
var layers = [][]string{
	// vocabulary and leaf utilities: import nothing of takedown's but each other
	{"internal/base/event", "internal/base/domain", "internal/base/config", "internal/base/metrics", "internal/base/ratelimit"},
	// rules and guards over that vocabulary, and the store's types and interfaces
	{"internal/base/netguard", "monitor/watchlist", "monitor/diff", "monitor/lifecycle", "monitor/infra", "store"},
	// what the engine is made of: store drivers, probes, look-alikes, alerts
	{"store/", "monitor/probe/", "monitor/lookalike", "monitor/lookalike/", "monitor/notify"},
	// the engine, and the feeds that bring candidate names
	{"monitor/engine", "feeds"},
	// the wiring: which probers, judges, hunts, feeds and senders a daemon runs
	{"monitor"},
	// the analysts' UI and API
	{"web"},
	// test worlds: the simulated internet, the demo played on it, a
	// throwaway PostgreSQL (only tests, the demo and the scale benchmarks
	// may import these)
	{"internal/simnet", "internal/demo", "internal/pgtest", "internal/scalebench"},
	// the binary
	{"cmd/"},
}

// layerOf returns the layer of a package path relative to the module, or
// -1. An exact entry wins over a covering "dir/" entry.
func layerOf(rel string) int {
	best, bestLen := -1, -1
	for i, l := range layers {
		for _, p := range l {
			if p == rel || (strings.HasSuffix(p, "/") && strings.HasPrefix(rel, p)) {
				if n := len(p); n > bestLen || p == rel {
					best, bestLen = i, n
					if p == rel {
						bestLen = 1 << 30
					}
				}
			}
		}
	}
	return best
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v: %s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestNoPackageImportsOneAbove(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages", len(pkgs))
	}
	for _, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if rel == "internal/layers" {
			continue
		}
		l := layerOf(rel)
		if l < 0 {
			t.Errorf("%s has no layer: add it to internal/layers and README's architecture section", rel)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			irel := strings.TrimPrefix(imp, module+"/")
			if il := layerOf(irel); il > l {
				t.Errorf("%s (layer %d) imports %s (layer %d): a package never imports one above it", rel, l, irel, il)
			}
		}
	}
}

// The rule must be able to fail: the layer table orders the packages the
// way the architecture section says.
func TestLayerTable(t *testing.T) {
	for _, tc := range []struct {
		pkg  string
		want int
	}{
		{"internal/base/event", 0},
		{"store", 1},
		{"store/sqlite", 2},
		{"monitor/probe/dnsprobe", 2},
		{"monitor/engine", 3},
		{"monitor", 4},
		{"internal/demo", 6},
		{"cmd/takedown", 7},
		{"nowhere/else", -1},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			if got := layerOf(tc.pkg); got != tc.want {
				t.Errorf("layer of %s = %d, want %d", tc.pkg, got, tc.want)
			}
		})
	}
}
