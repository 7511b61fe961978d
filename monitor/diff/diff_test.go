package diff

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/takedownhq/takedown/internal/base/event"
)

func TestDiff(t *testing.T) {
	for _, c := range []struct {
		name     string
		old, new string
		want     []Change
	}{
		{
			name: "equal snapshots",
			old:  `{"ns":["a.example","b.example"],"rcode":"NOERROR","ttl":300}`,
			new:  `{"rcode":"NOERROR","ttl":300,"ns":["a.example","b.example"]}`,
		},
		{
			name: "sorted list compares as a set",
			old:  `{"ns":["ns1.example.net","ns2.example.net"]}`,
			new:  `{"ns":["ns1.fbi.seized.gov","ns2.fbi.seized.gov"]}`,
			want: []Change{{Field: "ns", List: true,
				Old: "ns1.example.net, ns2.example.net", New: "ns1.fbi.seized.gov, ns2.fbi.seized.gov",
				Added: []string{"ns1.fbi.seized.gov", "ns2.fbi.seized.gov"}, Removed: []string{"ns1.example.net", "ns2.example.net"}}},
		},
		{
			name: "one item added to a sorted list",
			old:  `{"statuses":["client transfer prohibited"]}`,
			new:  `{"statuses":["client transfer prohibited","server hold"]}`,
			want: []Change{{Field: "statuses", List: true, Old: "client transfer prohibited",
				New: "client transfer prohibited, server hold", Added: []string{"server hold"}}},
		},
		{
			name: "unsorted list reordered is a change without items",
			old:  `{"cname":["b.example","a.example"]}`,
			new:  `{"cname":["a.example","b.example"]}`,
			want: []Change{{Field: "cname", List: true, Old: "b.example, a.example", New: "a.example, b.example"}},
		},
		{
			name: "nested objects give dotted paths; numbers and booleans as JSON",
			old:  `{"cert":{"issuer":"R3","sha256":"aa","not_after":"2026-01-01T00:00:00Z","ok":true},"status":200}`,
			new:  `{"cert":{"issuer":"E5","sha256":"bb","not_after":"2026-01-01T00:00:00Z","ok":false},"status":451}`,
			want: []Change{
				{Field: "cert.issuer", Old: "R3", New: "E5"},
				{Field: "cert.ok", Old: "true", New: "false"},
				{Field: "cert.sha256", Old: "aa", New: "bb"},
				{Field: "status", Old: "200", New: "451"},
			},
		},
		{
			name: "fields that appear and disappear",
			old:  `{"a":"x","gone":{"deep":1}}`,
			new:  `{"a":"x","new":[1,2],"title":null}`,
			want: []Change{
				{Field: "gone.deep", Old: "1", New: ""},
				{Field: "new", List: true, New: "1, 2", Added: []string{"1", "2"}},
			},
		},
		{
			name: "type change from object to scalar",
			old:  `{"x":{"a":1}}`,
			new:  `{"x":"flat"}`,
			want: []Change{{Field: "x", Old: `{"a":1}`, New: "flat"}},
		},
		{
			name: "list of objects compares items as canonical JSON",
			old:  `{"mx":[{"host":"mx1.example","pref":10}]}`,
			new:  `{"mx":[{"pref":10,"host":"mx1.example"},{"host":"mx2.example","pref":20}]}`,
			want: []Change{{Field: "mx", List: true, Old: `{"host":"mx1.example","pref":10}`,
				New:   `{"host":"mx1.example","pref":10}, {"host":"mx2.example","pref":20}`,
				Added: []string{`{"host":"mx2.example","pref":20}`}}},
		},
		{
			name: "duplicates count",
			old:  `{"a":["x","x","y"]}`,
			new:  `{"a":["x","y"]}`,
			want: []Change{{Field: "a", List: true, Old: "x, x, y", New: "x, y", Removed: []string{"x"}}},
		},
		{
			name: "first snapshot lists every field",
			old:  ``,
			new:  `{"rcode":"NXDOMAIN"}`,
			want: []Change{{Field: "rcode", New: "NXDOMAIN"}},
		},
		{
			name: "control characters and bidi overrides are shown as escapes",
			old:  `{"title":"ok"}`,
			new:  `{"title":"\u001b[31mred\u202e"}`,
			want: []Change{{Field: "title", Old: "ok", New: `\x1b[31mred\u202e`}},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Diff([]byte(c.old), []byte(c.new))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 && len(c.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, c.want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(c.want, "", " ")
				t.Errorf("got %s\nwant %s", g, w)
			}
		})
	}
}

func TestDiffErrors(t *testing.T) {
	for _, in := range []string{`[1,2]`, `"x"`, `{"a":`, `{"a":1} {"b":2}`} {
		if _, err := Diff([]byte(`{}`), []byte(in)); err == nil {
			t.Errorf("Diff accepted %q", in)
		}
		if _, err := Diff([]byte(in), []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "old snapshot") {
			t.Errorf("Diff old %q: %v", in, err)
		}
	}
}

func TestDiffDeterministic(t *testing.T) {
	old := `{"z":1,"a":{"m":1,"b":2},"k":["c","a"],"q":{"x":{"y":{"z":1}}}}`
	new := `{"z":2,"a":{"m":3,"b":4},"k":["a","d"],"q":{"x":{"y":{"z":2}}},"n":true}`
	first, _ := Diff([]byte(old), []byte(new))
	var fields []string
	for _, c := range first {
		fields = append(fields, c.Field)
	}
	if want := []string{"a.b", "a.m", "k", "n", "q.x.y.z", "z"}; !reflect.DeepEqual(fields, want) {
		t.Fatalf("fields %v, want %v", fields, want)
	}
	for i := 0; i < 50; i++ {
		again, _ := Diff([]byte(old), []byte(new))
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("run %d differs", i)
		}
	}
}

func TestDiffBounds(t *testing.T) {
	long := strings.Repeat("é", 1000)
	var items []string
	for i := 0; i < 200; i++ {
		items = append(items, strings.Repeat("n", 3)+string(rune('a'+i%26))+strings.Repeat("x", i))
	}
	newJSON, _ := json.Marshal(map[string]any{"text": long, "ns": items})
	got, err := Diff([]byte(`{"text":"short","ns":[]}`), newJSON)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range got {
		for _, v := range append([]string{c.Old, c.New}, append(c.Added, c.Removed...)...) {
			if len(v) > MaxValue {
				t.Errorf("%s: value of %d bytes", c.Field, len(v))
			}
			if !utf8Valid(v) {
				t.Errorf("%s: cut inside a rune", c.Field)
			}
		}
		if len(c.Added) > MaxItems {
			t.Errorf("%s: %d added items", c.Field, len(c.Added))
		}
	}
	ns := got[0]
	if ns.Field != "ns" || ns.Added[MaxItems-1] != "… 151 more" {
		t.Errorf("last added item %q", ns.Added[len(ns.Added)-1])
	}
	if !strings.HasSuffix(got[1].New, "…") {
		t.Errorf("long text not marked as cut: %q", got[1].New[len(got[1].New)-10:])
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\x00") == s }

func TestDeepNestingIsOpaque(t *testing.T) {
	deep := func(leaf string) string {
		return strings.Repeat(`{"a":`, 40) + `"` + leaf + `"` + strings.Repeat("}", 40)
	}
	got, err := Diff([]byte(deep("x")), []byte(deep("y")))
	if err != nil || len(got) != 1 {
		t.Fatalf("got %v, %v", got, err)
	}
	if n := strings.Count(got[0].Field, "."); n != maxDepth {
		t.Errorf("path depth %d, want %d", n, maxDepth)
	}
}

func TestSummary(t *testing.T) {
	for _, c := range []struct {
		c    Change
		want string
	}{
		{Change{Field: "ns", List: true, Added: []string{"ns1.fbi.seized.gov"}, Removed: []string{"ns1.example.net"}}, "ns: +ns1.fbi.seized.gov -ns1.example.net"},
		{Change{Field: "title", Old: "Fox Cloud", New: "This domain has been seized"}, `title: "Fox Cloud" -> "This domain has been seized"`},
		{Change{Field: "cname", List: true}, "cname: reordered"},
	} {
		t.Run(c.c.Field, func(t *testing.T) {
			if got := c.c.Summary(); got != c.want {
				t.Errorf("Summary = %q, want %q", got, c.want)
			}
		})
	}
}

func FuzzDiff(f *testing.F) {
	f.Add(`{"ns":["a","b"],"x":{"y":1}}`, `{"ns":["b","c"],"x":{"y":2}}`)
	f.Add(`{}`, `{"a":[{"b":[1,{"c":null}]}]}`)
	f.Fuzz(func(t *testing.T, a, b string) {
		got, err := Diff([]byte(a), []byte(b))
		if err != nil {
			return
		}
		for i, c := range got {
			if i > 0 && got[i-1].Field > c.Field {
				t.Fatalf("unsorted: %q before %q", got[i-1].Field, c.Field)
			}
			if len(c.Old) > MaxValue || len(c.New) > MaxValue || !utf8Valid(c.Old) || !utf8Valid(c.New) {
				t.Fatalf("unbounded or invalid value in %+v", c)
			}
			Classify(event.ProbeRDAP, c)
		}
		if self, _ := Diff([]byte(b), []byte(b)); len(self) != 0 {
			t.Fatalf("a snapshot differs from itself: %+v", self)
		}
	})
}
