package watchlist

import (
	"errors"
	"strings"
	"testing"
)

func TestParseWatchlistFormats(t *testing.T) {
	tests := []struct {
		name, format, in string
		want             []string // ASCII names
		tags             [][]string
	}{
		{"txt", FormatTxt, "# header\nexample.com\n\n  WWW.Bücher.com.  # inline comment\nhttps://paypal.co.uk/login\n",
			[]string{"example.com", "xn--bcher-kva.com", "paypal.co.uk"}, nil},
		{"csv", FormatCSV, "domain,tags,note,kind\nexample.com,\"a;b\",first,brand\n# comment\nfoo.org,,,\n",
			[]string{"example.com", "foo.org"}, [][]string{{"a", "b"}, nil}},
		{"csv columns in any order", FormatCSV, "Note,Domain\nhi,example.net\n", []string{"example.net"}, nil},
		{"json strings", FormatJSON, `["example.com", "Bücher.com"]`, []string{"example.com", "xn--bcher-kva.com"}, nil},
		{"json objects", FormatJSON, `[{"domain":"example.com","tags":["x","Y"],"kind":"brand"},{"domain":"a.org","tags":"p;q"}]`,
			[]string{"example.com", "a.org"}, [][]string{{"x", "y"}, {"p", "q"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			es, err := Parse(strings.NewReader(tc.in), tc.format)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != len(tc.want) {
				t.Fatalf("got %d entries, want %d: %+v", len(es), len(tc.want), es)
			}
			for i, e := range es {
				if e.Name.ASCII != tc.want[i] {
					t.Errorf("entry %d = %s, want %s", i, e.Name.ASCII, tc.want[i])
				}
				if tc.tags != nil && strings.Join(e.Tags, ",") != strings.Join(tc.tags[i], ",") {
					t.Errorf("entry %d tags = %v, want %v", i, e.Tags, tc.tags[i])
				}
			}
		})
	}
}

func TestParseWatchlistReportsEveryBadLine(t *testing.T) {
	tests := []struct {
		name, format, in string
		lines            []int
	}{
		{"txt", FormatTxt, "good.com\nbad..com\n# c\nco.uk\nok.org\n", []int{2, 4}},
		{"csv", FormatCSV, "domain,kind\ngood.com,watch\nbad_.com,watch\nfine.com,nonsense\n", []int{3, 4}},
		{"json", FormatJSON, "[\n  \"good.com\",\n  \"1.2.3.4\",\n  {\"domain\": \"x.com\"},\n  42,\n  {\"domain\": \"-x.com\"}\n]", []int{3, 5, 6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.in), tc.format)
			var bl BadLines
			if !errors.As(err, &bl) {
				t.Fatalf("want BadLines, got %v", err)
			}
			var got []int
			for _, b := range bl {
				got = append(got, b.Line)
				if b.Reason == "" {
					t.Errorf("line %d without reason", b.Line)
				}
			}
			if len(got) != len(tc.lines) {
				t.Fatalf("bad lines %v, want %v (%v)", got, tc.lines, err)
			}
			for i := range got {
				if got[i] != tc.lines[i] {
					t.Fatalf("bad lines %v, want %v (%v)", got, tc.lines, err)
				}
			}
		})
	}
}

func TestParseWatchlistStructuralErrors(t *testing.T) {
	for _, tc := range []struct{ format, in, want string }{
		{FormatCSV, "name,tags\nx.com,\n", `no "domain" column`},
		{FormatJSON, `{"domain":"x.com"}`, "array"},
		{FormatJSON, "[\"x.com\",\n", "line 2"},
		{"yaml", "x", "format"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.in), tc.format)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s %q: error %v, want it to mention %q", tc.format, tc.in, err, tc.want)
			}
		})
	}
}

func TestFormatOf(t *testing.T) {
	for _, tc := range []struct{ name, head, want string }{
		{"x.csv", "", FormatCSV}, {"x.json", "", FormatJSON}, {"x.txt", "[", FormatTxt},
		{"stdin", " [\"a.com\"]", FormatJSON}, {"stdin", "domain,tags\n", FormatCSV}, {"stdin", "a.com\n", FormatTxt},
	} {
		t.Run(tc.name+"/"+tc.head, func(t *testing.T) {
			if got := FormatOf(tc.name, []byte(tc.head)); got != tc.want {
				t.Errorf("FormatOf(%q, %q) = %s, want %s", tc.name, tc.head, got, tc.want)
			}
		})
	}
}

func TestCleanTags(t *testing.T) {
	got, err := CleanTags([]string{"Case-1", "case-1", " x ", ""})
	if err != nil || strings.Join(got, ",") != "case-1,x" {
		t.Fatalf("CleanTags = %v, %v", got, err)
	}
	if _, err := CleanTags([]string{"<script>"}); err == nil {
		t.Fatal("accepted a tag with markup")
	}
}

func TestParseWatchlistCSVBadQuoteIsALineError(t *testing.T) {
	_, err := Parse(strings.NewReader("domain\nok.com\n\"a.com\nb.com\n"), FormatCSV)
	var bl BadLines
	if !errors.As(err, &bl) || len(bl) == 0 || bl[0].Line != 3 {
		t.Fatalf("want a bad line 3, got %v", err)
	}
}
