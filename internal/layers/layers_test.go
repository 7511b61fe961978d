// Package layers holds the tests that keep takedown's layering true: a
// package never imports one above it, a few packages may only be imported
// by the ones listed for them, and every package says what it is. The
// layers are the ones docs/architecture.md draws; a new package must be
// given a layer here.
//
// The tests read the source files they judge (go/parser on every .go file
// of the module), so `go test` sees a changed import and never answers
// from its cache.
package layers

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/takedownhq/takedown"

// layers lists takedown's packages from the bottom up. A package may import
// packages of its own layer or of a lower one, never of a higher one. An
// entry ending in "/" covers every package below that path.
var layers = [][]string{
	// vocabulary and leaf utilities: import nothing of takedown's but each other
	{"internal/base/event", "internal/base/domain", "internal/base/config", "internal/base/metrics", "internal/base/ratelimit", "internal/base/when"},
	// rules and guards over that vocabulary, and the store's types and interfaces
	{"internal/base/netguard", "monitor/watchlist", "monitor/diff", "monitor/lifecycle", "monitor/infra", "store",
		"monitor/cases/report"},
	// what the engine is made of: store drivers, probes, look-alikes, alerts
	{"store/", "monitor/probe/", "monitor/regdata", "monitor/lookalike", "monitor/lookalike/", "monitor/notify",
		"monitor/cases"},
	// the engine and its lifecycle judge, and the feeds that bring candidate names
	{"monitor/engine", "monitor/lifecycle/judge", "feeds"},
	// the wiring: which probers, judges, hunts, feeds and senders a daemon runs
	{"monitor"},
	// the analysts' UI and API
	{"web"},
	// test worlds: the simulated internet, the demo played on it, a
	// throwaway PostgreSQL (only tests, the demo and the scale benchmarks
	// may import these: see importers)
	{"internal/simnet", "internal/demo", "internal/pgtest", "internal/scalebench"},
	// the binary
	{"cmd/"},
	// this test
	{"internal/layers"},
}

// importers lists, in the style of Go's go/build/deps_test.go, the only
// packages whose non-test files may import a restricted package. An entry
// is a package, a "dir/" covering the packages below it, or one file
// ("cmd/takedown/simnetcmd.go"). Test files (_test.go) may import any of
// them unless forbidden says otherwise.
var importers = map[string][]string{
	// Only the wiring and the command choose a database.
	"store/sqlite":   {"monitor", "cmd/takedown/"},
	"store/postgres": {"monitor", "cmd/takedown/"},
	// The conformance suite runs in the drivers' tests only.
	"store/storetest": {},
	// The simulated internet is for tests, the demo, the `simnet` command
	// and the scale benchmarks (a program that runs real daemons on it).
	"internal/simnet": {"internal/demo", "cmd/takedown/simnetcmd.go", "internal/scalebench"},
	"internal/demo":   {"cmd/takedown/demo.go"},
	// A throwaway PostgreSQL: tests and the scale benchmarks.
	"internal/pgtest":     {"internal/scalebench"},
	"internal/scalebench": {},
}

// forbidden lists imports that no file may hold, tests included: "from"
// is a package or "dir/", "to" the packages it must never import.
var forbidden = []struct {
	from string
	to   []string
}{
	// Probes are measured on the wire, never through a database.
	{"monitor/probe/", []string{"store/sqlite", "store/postgres", "store/storetest"}},
	// The store knows nothing of the monitor above it.
	{"store", []string{"monitor", "monitor/"}},
	{"store/", []string{"monitor", "monitor/"}},
	// Pure rules import no database.
	{"monitor/lifecycle", []string{"store", "store/"}},
	{"monitor/diff", []string{"store", "store/"}},
}

// matches reports whether rel (a package, or a package's file
// "pkg/file.go") is covered by entry.
func matches(entry, rel string) bool {
	if strings.HasSuffix(entry, "/") {
		return strings.HasPrefix(rel, entry)
	}
	return rel == entry
}

// layerOf returns the layer of a package path relative to the module, or
// -1. An exact entry wins over a covering "dir/" entry, a longer "dir/"
// over a shorter.
func layerOf(rel string) int {
	best, bestLen := -1, -1
	for i, l := range layers {
		for _, p := range l {
			if !matches(p, rel) {
				continue
			}
			n := len(p)
			if p == rel {
				n = 1 << 30
			}
			if n > bestLen {
				best, bestLen = i, n
			}
		}
	}
	return best
}

// goFile is one parsed source file of the module.
type goFile struct {
	pkg     string   // package path relative to the module ("monitor/engine")
	path    string   // file path relative to the module root, slash-separated
	test    bool     // a _test.go file
	doc     bool     // it carries a package comment
	imports []string // imports within the module, relative to it
}

// moduleRoot is the directory holding go.mod, two levels above this test.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !strings.Contains(string(b), "module "+module+"\n") {
		t.Fatalf("no go.mod of %s at %s: %v", module, root, err)
	}
	return root
}

// readModule parses the package clause and imports of every .go file in
// the module. Reading them here is what keeps `go test` from caching a
// result: the test's inputs are these files and directories.
func readModule(t *testing.T, root string) []goFile {
	t.Helper()
	var files []goFile
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return fmt.Errorf("parse %s: %w", rel, err)
		}
		gf := goFile{pkg: filepath.ToSlash(filepath.Dir(rel)), path: rel, test: strings.HasSuffix(name, "_test.go"), doc: f.Doc != nil}
		if gf.pkg == "." {
			gf.pkg = ""
		}
		for _, is := range f.Imports {
			p, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				return fmt.Errorf("%s: import %s: %w", rel, is.Path.Value, err)
			}
			if p == module || strings.HasPrefix(p, module+"/") {
				gf.imports = append(gf.imports, strings.TrimPrefix(strings.TrimPrefix(p, module), "/"))
			}
		}
		files = append(files, gf)
		return nil
	})
	if err != nil {
		t.Fatalf("read module: %v", err)
	}
	if len(files) < 100 {
		t.Fatalf("read %d .go files under %s: the walk went wrong", len(files), root)
	}
	return files
}

// upward lists what breaks "a package never imports one above it" in
// non-test files, and the packages that have no layer.
func upward(files []goFile) []string {
	var bad []string
	seen := map[string]bool{}
	for _, f := range files {
		if f.test {
			continue
		}
		l := layerOf(f.pkg)
		if l < 0 {
			if !seen[f.pkg] {
				seen[f.pkg] = true
				bad = append(bad, fmt.Sprintf("%s has no layer: add it to internal/layers and docs/architecture.md", f.pkg))
			}
			continue
		}
		for _, imp := range f.imports {
			if il := layerOf(imp); il > l {
				bad = append(bad, fmt.Sprintf("%s (layer %d) imports %s (layer %d): a package never imports one above it", f.path, l, imp, il))
			}
		}
	}
	return bad
}

// unallowed lists imports of restricted packages by importers not listed
// for them, and imports that forbidden rules out.
func unallowed(files []goFile) []string {
	var bad []string
	for _, f := range files {
		for _, imp := range f.imports {
			if allow, ok := importers[imp]; ok && !f.test && f.pkg != imp {
				okay := false
				for _, a := range allow {
					okay = okay || matches(a, f.pkg) || matches(a, f.pkg+"/") || a == f.path
				}
				if !okay {
					bad = append(bad, fmt.Sprintf("%s imports %s: only %v (and tests) may", f.path, imp, allow))
				}
			}
			for _, r := range forbidden {
				if !matches(r.from, f.pkg) {
					continue
				}
				for _, to := range r.to {
					if matches(to, imp) {
						bad = append(bad, fmt.Sprintf("%s imports %s: %s never imports %s, tests included", f.path, imp, r.from, to))
					}
				}
			}
		}
	}
	return bad
}

// undocumented lists the packages none of whose files carries a package
// comment.
func undocumented(files []goFile) []string {
	doc := map[string]bool{}
	for _, f := range files {
		if !f.test {
			doc[f.pkg] = doc[f.pkg] || f.doc
		}
	}
	var bad []string
	for p, ok := range doc {
		if !ok {
			bad = append(bad, p+" has no package comment")
		}
	}
	sort.Strings(bad)
	return bad
}

func report(t *testing.T, bad []string) {
	t.Helper()
	for _, b := range bad {
		t.Error(b)
	}
}

func TestNoPackageImportsOneAbove(t *testing.T) {
	report(t, upward(readModule(t, moduleRoot(t))))
}

func TestOnlyAllowedImporters(t *testing.T) {
	report(t, unallowed(readModule(t, moduleRoot(t))))
}

func TestEveryPackageHasADocComment(t *testing.T) {
	report(t, undocumented(readModule(t, moduleRoot(t))))
}

// The rules must be able to fail: the layer table orders the packages the
// way the architecture document says.
func TestLayerTable(t *testing.T) {
	for _, tc := range []struct {
		pkg  string
		want int
	}{
		{"internal/base/event", 0},
		{"store", 1},
		{"store/sqlite", 2},
		{"monitor/probe/dnsprobe", 2},
		{"monitor/lifecycle", 1},
		{"monitor/lifecycle/judge", 3},
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

// Each rule catches what it is there for, on made-up files.
func TestRulesCatch(t *testing.T) {
	for _, tc := range []struct {
		name  string
		file  goFile
		check func([]goFile) []string
		fails bool
	}{
		{"engine imports the wiring", goFile{pkg: "monitor/engine", path: "monitor/engine/x.go", imports: []string{"monitor"}}, upward, true},
		{"store imports the vocabulary", goFile{pkg: "store", path: "store/x.go", imports: []string{"internal/base/event"}}, upward, false},
		{"a new package without a layer", goFile{pkg: "newpkg", path: "newpkg/x.go"}, upward, true},
		{"a probe imports a driver", goFile{pkg: "monitor/probe/dnsprobe", path: "monitor/probe/dnsprobe/x.go", imports: []string{"store/sqlite"}}, unallowed, true},
		{"a probe's test imports a driver", goFile{pkg: "monitor/probe/dnsprobe", path: "monitor/probe/dnsprobe/x_test.go", test: true, imports: []string{"store/sqlite"}}, unallowed, true},
		{"web imports a driver", goFile{pkg: "web", path: "web/x.go", imports: []string{"store/postgres"}}, unallowed, true},
		{"web's test imports a driver", goFile{pkg: "web", path: "web/x_test.go", test: true, imports: []string{"store/sqlite"}}, unallowed, false},
		{"the command opens a driver", goFile{pkg: "cmd/takedown", path: "cmd/takedown/db.go", imports: []string{"store/sqlite"}}, unallowed, false},
		{"the wiring opens a driver", goFile{pkg: "monitor", path: "monitor/x.go", imports: []string{"store/postgres"}}, unallowed, false},
		{"the check command uses simnet", goFile{pkg: "cmd/takedown", path: "cmd/takedown/check.go", imports: []string{"internal/simnet"}}, unallowed, true},
		{"the simnet command uses simnet", goFile{pkg: "cmd/takedown", path: "cmd/takedown/simnetcmd.go", imports: []string{"internal/simnet"}}, unallowed, false},
		{"the demo uses simnet", goFile{pkg: "internal/demo", path: "internal/demo/demo.go", imports: []string{"internal/simnet"}}, unallowed, false},
		{"feeds use simnet", goFile{pkg: "feeds", path: "feeds/x.go", imports: []string{"internal/simnet"}}, unallowed, true},
		{"a driver's test imports the monitor", goFile{pkg: "store/sqlite", path: "store/sqlite/x_test.go", test: true, imports: []string{"monitor/engine"}}, unallowed, true},
		{"lifecycle imports the store", goFile{pkg: "monitor/lifecycle", path: "monitor/lifecycle/x.go", imports: []string{"store"}}, unallowed, true},
		{"a package without a comment", goFile{pkg: "web", path: "web/x.go"}, undocumented, true},
		{"a package with one", goFile{pkg: "web", path: "web/x.go", doc: true}, undocumented, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := tc.check([]goFile{tc.file})
			if got := len(bad) > 0; got != tc.fails {
				t.Errorf("fails = %v (%v), want %v", got, bad, tc.fails)
			}
		})
	}
}
