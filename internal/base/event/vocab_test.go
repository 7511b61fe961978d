package event

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The vocabulary declares distinct types, never an alias of string: an
// alias would let any string through where a state or a kind is meant.
// The test parses the package's own files, so it judges what is on disk.
func TestNoStringAliases(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	fset := token.NewFileSet()
	types := 0
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			types++
			if ts.Assign.IsValid() {
				t.Errorf("%s: type %s is an alias; declare a distinct type", fset.Position(ts.Pos()), ts.Name)
			}
			return true
		})
	}
	if types < 10 {
		t.Fatalf("found %d type declarations: the test is not reading the vocabulary", types)
	}
}

// vocab is one list of the vocabulary, seen through what every list offers.
type vocab struct {
	name  string
	words []string
	valid func(string) bool
	parse func(string) (string, error)
	str   func(string) string
}

func vocabOf[T interface {
	~string
	Valid() bool
	String() string
}](name string, list []T, parse func(string) (T, error)) vocab {
	return vocab{
		name:  name,
		words: Strings(list),
		valid: func(s string) bool { return T(s).Valid() },
		parse: func(s string) (string, error) { v, err := parse(s); return string(v), err },
		str:   func(s string) string { return T(s).String() },
	}
}

func vocabularies() []vocab {
	return []vocab{
		vocabOf("probe kind", AllProbes, ParseProbe),
		vocabOf("state", States, ParseState),
		vocabOf("severity", Severities, ParseSeverity),
		vocabOf("event kind", Kinds, ParseKind),
		vocabOf("domain kind", DomainKinds, ParseDomainKind),
		vocabOf("look-alike status", LookalikeStatuses, ParseLookalikeStatus),
		vocabOf("registration answer", Registrations, ParseRegistration),
		vocabOf("outbox status", OutboxStatuses, ParseOutboxStatus),
		vocabOf("risk level", RiskLevels, ParseRiskLevel),
		vocabOf("feed kind", FeedKinds, ParseFeedKind),
	}
}

// Every word of every list is valid, parses to itself, prints as itself
// and appears once; a word outside the list is refused with an error that
// names it and every valid word.
func TestEveryListValidates(t *testing.T) {
	for _, v := range vocabularies() {
		t.Run(v.name, func(t *testing.T) {
			if len(v.words) == 0 {
				t.Fatal("empty list")
			}
			seen := map[string]bool{}
			for _, w := range v.words {
				if w == "" || strings.ToLower(strings.TrimSpace(w)) != w {
					t.Errorf("word %q is not a lower-case token", w)
				}
				if seen[w] {
					t.Errorf("%q listed twice", w)
				}
				seen[w] = true
				if !v.valid(w) {
					t.Errorf("%q: not Valid", w)
				}
				if got, err := v.parse(w); err != nil || got != w {
					t.Errorf("parse %q = %q, %v", w, got, err)
				}
				if got := v.str(w); got != w {
					t.Errorf("String of %q = %q", w, got)
				}
			}
			for _, bad := range []string{"", "bogus", strings.ToUpper(v.words[0]), v.words[0] + " "} {
				if v.valid(bad) {
					t.Errorf("%q: Valid", bad)
				}
				_, err := v.parse(bad)
				var ue *UnknownError
				if !errors.As(err, &ue) {
					t.Fatalf("parse %q: %v, want an *UnknownError", bad, err)
				}
				msg := err.Error()
				if !strings.Contains(msg, `"`+bad+`"`) || !strings.Contains(msg, v.name) {
					t.Errorf("parse %q: %q does not name the value and what it is", bad, msg)
				}
				for _, w := range v.words {
					if !strings.Contains(msg, w) {
						t.Errorf("parse %q: %q does not list %q", bad, msg, w)
					}
				}
			}
		})
	}
}

// The lists that order things keep their order: severities and risk levels
// rise, and a minimum-severity filter keeps the tail.
func TestOrders(t *testing.T) {
	for i, s := range Severities {
		if Rank(s) != i {
			t.Errorf("Rank(%s) = %d, want %d", s, Rank(s), i)
		}
	}
	for i, l := range RiskLevels {
		if l.Rank() != i {
			t.Errorf("%s.Rank() = %d, want %d", l, l.Rank(), i)
		}
	}
	if got := AtLeast(SevWarning); !slices.Equal(got, []Severity{SevWarning, SevCritical}) {
		t.Errorf("AtLeast(warning) = %v", got)
	}
	if got := AtLeast("bogus"); !slices.Equal(got, Severities) {
		t.Errorf("AtLeast(bogus) = %v, want every severity", got)
	}
	got := AtLeast(SevInfo)
	got[0] = SevCritical
	if Severities[0] != SevInfo {
		t.Fatal("AtLeast shares its backing array with Severities")
	}
	if !slices.Equal(Probes, AllProbes[:len(Probes)]) {
		t.Errorf("AllProbes %v does not begin with Probes %v", AllProbes, Probes)
	}
}

// A first verdict is a field of the detail, decoded, not a byte pattern:
// a reason that quotes `"first":true` is no first verdict.
func TestVerdictDetail(t *testing.T) {
	for _, tc := range []struct {
		name   string
		detail string
		first  bool
		err    bool
	}{
		{"first", `{"reasons":["delegation ns1.example"],"first":true}`, true, false},
		{"later", `{"reasons":["x"]}`, false, false},
		{"quoted", `{"reasons":["\"first\":true"]}`, false, false},
		{"empty", ``, false, false},
		{"broken", `{"first":tru`, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseVerdictDetail([]byte(tc.detail))
			if (err != nil) != tc.err || d.First != tc.first {
				t.Errorf("ParseVerdictDetail = %+v, %v", d, err)
			}
		})
	}
}
