package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/takedownhq/takedown/internal/base/event"
)

// Snapshots are rendered generically: the probes own their JSON shapes and
// will grow fields, so the UI flattens any object to key paths
// ("chain[0].subject") and shows lists of scalars as lists.

// Limits on what one snapshot may make us render. Snapshot data comes from
// the network by way of the probes, so its size is the attacker's choice.
const (
	maxFlatFields = 2000
	maxFlatDepth  = 12
	maxValueRunes = 4000
	maxListItems  = 500
)

// Field is one leaf of a flattened snapshot.
type Field struct {
	Path   string
	Value  string   // scalar rendered as text; for lists, unused
	List   []string // items, when IsList
	IsList bool
	Null   bool // JSON null or missing
	// Truncated notes that the value or list was cut for display.
	Truncated bool
}

// Text is the field as one string, for comparison and CSV.
func (f Field) Text() string {
	if f.IsList {
		return strings.Join(f.List, "\n")
	}
	return f.Value
}

// keyOrder puts the fields an analyst reads first at the top of each probe's
// table; unknown keys follow in alphabetical order.
var keyOrder = map[event.Probe][]string{
	event.ProbeDNS:        {"rcode", "a", "aaaa", "cname", "ns", "mx", "txt", "soa", "caa", "ds"},
	event.ProbeDelegation: {"rcode", "ns", "glue", "ds", "servers"},
	event.ProbeWHOIS: {"found", "registrar", "registrar_iana_id", "statuses", "nameservers", "created", "updated",
		"expires", "registrant_org", "registrant_country", "registry_domain_id", "source"},
	event.ProbeCert: {"verify_error", "subject", "sans", "issuer", "not_before", "not_after", "serial", "key_type",
		"sha256", "chain"},
	event.ProbeHTTP: {"status", "title", "final_url", "redirects", "server", "text_hash", "text", "assets"},
}

func init() { keyOrder[event.ProbeRDAP] = keyOrder[event.ProbeWHOIS] }

// Flatten turns a snapshot's JSON into ordered leaf fields. probe picks the
// key order of the top level. Invalid JSON is shown as one raw field rather
// than failing the page.
func Flatten(probe string, data []byte) []Field {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []Field{{Path: "(unparsable)", Value: clip(string(data), maxValueRunes), Truncated: len(data) > maxValueRunes}}
	}
	f := flattener{order: keyOrder[event.Probe(probe)]}
	f.walk("", v, 0)
	if f.cut {
		f.out = append(f.out, Field{Path: "…", Value: fmt.Sprintf("more than %d fields; see the JSON API for the rest", maxFlatFields), Truncated: true})
	}
	return f.out
}

type flattener struct {
	order []string
	out   []Field
	cut   bool
}

func (f *flattener) add(fd Field) {
	if len(f.out) >= maxFlatFields {
		f.cut = true
		return
	}
	f.out = append(f.out, fd)
}

func (f *flattener) walk(path string, v any, depth int) {
	if depth > maxFlatDepth {
		f.add(Field{Path: path, Value: "(nested too deep)", Truncated: true})
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			f.add(Field{Path: orRoot(path), Value: "{}"})
			return
		}
		for _, k := range f.keys(x, depth) {
			f.walk(join(path, k), x[k], depth+1)
		}
	case []any:
		if allScalar(x) {
			fd := Field{Path: orRoot(path), IsList: true, List: make([]string, 0, min(len(x), maxListItems))}
			for i, it := range x {
				if i == maxListItems {
					fd.Truncated = true
					break
				}
				s, cut := scalar(it)
				fd.List = append(fd.List, s)
				fd.Truncated = fd.Truncated || cut
			}
			f.add(fd)
			return
		}
		for i, it := range x {
			if f.cut {
				return
			}
			f.walk(fmt.Sprintf("%s[%d]", path, i), it, depth+1)
		}
	default:
		s, cut := scalar(x)
		f.add(Field{Path: orRoot(path), Value: s, Null: x == nil, Truncated: cut})
	}
}

// keys orders an object's keys: the probe's known order at the top level,
// alphabetical otherwise.
func (f *flattener) keys(m map[string]any, depth int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	if depth > 0 || len(f.order) == 0 {
		return ks
	}
	rank := func(k string) int {
		if i := slices.Index(f.order, k); i >= 0 {
			return i
		}
		return len(f.order)
	}
	slices.SortStableFunc(ks, func(a, b string) int { return rank(a) - rank(b) })
	return ks
}

func allScalar(xs []any) bool {
	for _, x := range xs {
		switch x.(type) {
		case map[string]any, []any:
			return false
		}
	}
	return true
}

func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "null", false
	case string:
		return visible(clip(x, maxValueRunes)), utf8.RuneCountInString(x) > maxValueRunes
	case json.Number:
		return x.String(), false
	case bool:
		return strconv.FormatBool(x), false
	}
	return fmt.Sprint(v), false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orRoot(p string) string {
	if p == "" {
		return "(value)"
	}
	return p
}

// visible makes characters that hide or disguise text show up: control
// bytes and Unicode direction overrides (a WHOIS field with U+202E can make
// "moc.live" read as "evil.com") become ⟨U+XXXX⟩, invalid UTF-8 becomes
// U+FFFD. Newlines and tabs stay.
func visible(s string) string {
	clean := true
	for _, r := range s {
		if hidden(r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if hidden(r) {
			fmt.Fprintf(&b, "⟨U+%04X⟩", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hidden(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e || r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// clip cuts s to n runes, adding an ellipsis when it cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos] + "…"
		}
		i++
	}
	return s
}

// Diff operations on a row or a list item.
const (
	OpSame    = "same"
	OpChanged = "changed"
	OpAdded   = "added"
	OpRemoved = "removed"
)

// DiffRow is one key path compared across two snapshots.
type DiffRow struct {
	Path string `json:"path"`
	Op   string `json:"op"`
	A    *Field `json:"-"`
	B    *Field `json:"-"`
	// For lists: items of each side with their own op, so a moved NS shows
	// as one removed and one added item rather than a whole changed list.
	AItems []DiffItem `json:"-"`
	BItems []DiffItem `json:"-"`
}

// DiffItem is one item of a list field in a diff.
type DiffItem struct {
	Value string
	Op    string
}

// DiffSummary counts rows per op.
type DiffSummary struct {
	Changed, Added, Removed, Same int
}

// Diff compares two flattened snapshots path by path. Row order follows b,
// with paths only in a slotted in after their neighbour in a.
func Diff(a, b []Field) ([]DiffRow, DiffSummary) {
	ai := make(map[string]int, len(a))
	for i, f := range a {
		ai[f.Path] = i
	}
	bi := make(map[string]int, len(b))
	for i, f := range b {
		bi[f.Path] = i
	}
	// Order: walk a, and before each a-path emit the b-only paths that
	// precede the next shared path in b. Simple and stable for the common
	// case of same-shaped snapshots.
	var order []string
	seen := map[string]bool{}
	emitB := func(upto int) {
		for j := 0; j < upto && j < len(b); j++ {
			p := b[j].Path
			if _, inA := ai[p]; !inA && !seen[p] {
				seen[p] = true
				order = append(order, p)
			}
		}
	}
	for _, f := range a {
		if j, ok := bi[f.Path]; ok {
			emitB(j)
		}
		if !seen[f.Path] {
			seen[f.Path] = true
			order = append(order, f.Path)
		}
	}
	emitB(len(b))

	var sum DiffSummary
	rows := make([]DiffRow, 0, len(order))
	for _, p := range order {
		r := DiffRow{Path: p}
		if i, ok := ai[p]; ok {
			r.A = &a[i]
		}
		if j, ok := bi[p]; ok {
			r.B = &b[j]
		}
		switch {
		case r.A == nil:
			r.Op = OpAdded
			sum.Added++
		case r.B == nil:
			r.Op = OpRemoved
			sum.Removed++
		case r.A.IsList == r.B.IsList && r.A.Text() == r.B.Text():
			r.Op = OpSame
			sum.Same++
		default:
			r.Op = OpChanged
			sum.Changed++
		}
		r.AItems, r.BItems = listItems(r.A, r.B)
		rows = append(rows, r)
	}
	return rows, sum
}

// listItems marks the items of list fields: those only on the left are
// removed, those only on the right added.
func listItems(a, b *Field) (ai, bi []DiffItem) {
	set := func(f *Field) map[string]bool {
		m := map[string]bool{}
		if f != nil && f.IsList {
			for _, v := range f.List {
				m[v] = true
			}
		}
		return m
	}
	as, bs := set(a), set(b)
	if a != nil && a.IsList {
		for _, v := range a.List {
			op := OpSame
			if !bs[v] {
				op = OpRemoved
			}
			ai = append(ai, DiffItem{v, op})
		}
	}
	if b != nil && b.IsList {
		for _, v := range b.List {
			op := OpSame
			if !as[v] {
				op = OpAdded
			}
			bi = append(bi, DiffItem{v, op})
		}
	}
	return ai, bi
}
