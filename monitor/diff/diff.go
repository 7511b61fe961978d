// Package diff compares two normalized JSON snapshots of a probe field by
// field, for the history's change events ("ns: +ns1.fbi.seized.gov
// -ns1.example.net"), and classifies each change into an event kind and
// severity (Classify).
//
// Objects are walked into dotted paths ("cert.issuer"). Lists are leaves:
// when both sides are sorted they compare as sets (the probes sort what has
// no order, so reordering is no change), otherwise as sequences; either way
// the change lists the items added and removed. Values in a Change are
// rendered as text, stripped of control characters and bounded in length,
// because everything in a snapshot came from the network.
package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Change is one field that differs between two snapshots.
type Change struct {
	Field   string   `json:"field"`             // dotted path: "ns", "cert.issuer"
	Old     string   `json:"old"`               // "" when absent or null
	New     string   `json:"new"`               // "" when absent or null
	Added   []string `json:"added,omitempty"`   // list items only in New
	Removed []string `json:"removed,omitempty"` // list items only in Old
	List    bool     `json:"list,omitempty"`    // the field is a list on either side
}

// Limits on what a Change carries. Values longer than MaxValue bytes are
// cut on a rune boundary and end in "…"; Added and Removed keep at most
// MaxItems items each, the last one saying how many were left out.
const (
	MaxValue = 512
	MaxItems = 50
	maxDepth = 32 // deeper objects compare as opaque JSON
)

// Summary is the change as one line: "ns: +ns1.fbi.seized.gov
// -ns1.example.net" for lists, `title: "Old" -> "New"` otherwise.
func (c Change) Summary() string {
	if c.List {
		var b strings.Builder
		b.WriteString(c.Field)
		b.WriteByte(':')
		for _, a := range c.Added {
			b.WriteString(" +")
			b.WriteString(a)
		}
		for _, r := range c.Removed {
			b.WriteString(" -")
			b.WriteString(r)
		}
		if len(c.Added) == 0 && len(c.Removed) == 0 {
			b.WriteString(" reordered")
		}
		return b.String()
	}
	return fmt.Sprintf("%s: %q -> %q", c.Field, c.Old, c.New)
}

// Diff returns the fields that differ between two JSON objects, sorted by
// field. An empty or "null" input is an empty object, so Diff(nil, snap)
// lists every field of a first snapshot.
func Diff(old, new []byte) ([]Change, error) {
	o, err := decode(old)
	if err != nil {
		return nil, fmt.Errorf("diff old snapshot: %w", err)
	}
	n, err := decode(new)
	if err != nil {
		return nil, fmt.Errorf("diff new snapshot: %w", err)
	}
	return Values(o, n), nil
}

func decode(data []byte) (map[string]any, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object")
	}
	return m, nil
}

// Values diffs two decoded JSON objects (as encoding/json produces them;
// numbers may be json.Number or float64).
func Values(old, new map[string]any) []Change {
	var out []Change
	walk("", old, new, 0, &out)
	sort.Slice(out, func(i, k int) bool { return out[i].Field < out[k].Field })
	return out
}

func walk(prefix string, old, new map[string]any, depth int, out *[]Change) {
	keys := make([]string, 0, len(old)+len(new))
	for k := range old {
		keys = append(keys, k)
	}
	for k := range new {
		if _, ok := old[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		compare(path, old[k], new[k], depth, out)
	}
}

func compare(path string, o, n any, depth int, out *[]Change) {
	om, oIsMap := o.(map[string]any)
	nm, nIsMap := n.(map[string]any)
	if depth < maxDepth && (oIsMap || o == nil) && (nIsMap || n == nil) && (oIsMap || nIsMap) {
		walk(path, om, nm, depth+1, out)
		return
	}
	ol, oIsList := o.([]any)
	nl, nIsList := n.([]any)
	if (oIsList || o == nil) && (nIsList || n == nil) && (oIsList || nIsList) {
		if c, changed := compareLists(path, ol, nl); changed {
			*out = append(*out, c)
		}
		return
	}
	os, ns := canonical(o), canonical(n)
	if os == ns {
		return
	}
	*out = append(*out, Change{Field: path, Old: bound(os), New: bound(ns), List: oIsList || nIsList})
}

func compareLists(path string, ol, nl []any) (Change, bool) {
	os := make([]string, len(ol))
	for i, v := range ol {
		os[i] = canonical(v)
	}
	ns := make([]string, len(nl))
	for i, v := range nl {
		ns[i] = canonical(v)
	}
	if equalSeq(os, ns) {
		return Change{}, false
	}
	// Sorted lists differ only if their sets do; an unsorted one may have
	// only been reordered, which its order may mean (a CNAME chain).
	added, removed := multisetDiff(os, ns)
	return Change{
		Field: path, Old: bound(strings.Join(os, ", ")), New: bound(strings.Join(ns, ", ")),
		Added: boundItems(added), Removed: boundItems(removed), List: true,
	}, true
}

func equalSeq(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// multisetDiff returns the items of n not in o and of o not in n, counting
// duplicates, each in sorted order.
func multisetDiff(o, n []string) (added, removed []string) {
	count := map[string]int{}
	for _, s := range o {
		count[s]++
	}
	for _, s := range n {
		if count[s] > 0 {
			count[s]--
		} else {
			added = append(added, s)
		}
	}
	for _, s := range o {
		if count[s] > 0 {
			count[s]--
			removed = append(removed, s)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed
}

// canonical renders a JSON value as text: strings as they are, numbers
// and booleans in JSON form, null as "", objects and lists as compact JSON
// with sorted keys.
func canonical(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return safe(x)
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, err := json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return safe(string(b))
}

// safe replaces invalid UTF-8 and shows control characters as escapes, so a
// value cannot smuggle terminal sequences or bidi overrides into history.
func safe(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			clean = false
			break
		}
	}
	if clean && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func bound(s string) string {
	if len(s) <= MaxValue {
		return s
	}
	cut := MaxValue - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func boundItems(items []string) []string {
	if len(items) > MaxItems {
		rest := len(items) - (MaxItems - 1)
		items = append(items[:MaxItems-1:MaxItems-1], fmt.Sprintf("… %d more", rest))
	}
	for i, s := range items {
		items[i] = bound(s)
	}
	return items
}
