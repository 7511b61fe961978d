package sqlstore

import (
	"slices"
	"testing"
	"time"
)

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`a = ? AND b IN (?,?)`, `a = $1 AND b IN ($2,$3)`},
		{`SET x = ?2 WHERE y = ?1 AND z != ?2`, `SET x = $2 WHERE y = $1 AND z != $2`},
		{`name LIKE ? ESCAPE '\'`, `name LIKE $1 ESCAPE '\'`},
	} {
		if got := Rebind(tc.in); got != tc.want {
			t.Errorf("Rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLimit(t *testing.T) {
	d := &Dialect{NoLimit: "ALL"}
	for _, tc := range []struct {
		limit, offset int
		want          string
	}{{0, 0, ""}, {0, 5, " LIMIT ALL OFFSET 5"}, {10, 0, " LIMIT 10 OFFSET 0"}, {10, -3, " LIMIT 10 OFFSET 0"}} {
		if got := d.Limit(tc.limit, tc.offset); got != tc.want {
			t.Errorf("Limit(%d, %d) = %q, want %q", tc.limit, tc.offset, got, tc.want)
		}
	}
}

// Both encodings of a time read back as the same UTC instant; NULL and
// damaged text read as zero rather than failing the whole row.
func TestTimeScan(t *testing.T) {
	want := time.Date(2026, 12, 7, 20, 0, 0, 123456789, time.UTC)
	east := time.FixedZone("east", 3600)
	for _, src := range []any{"2026-12-07T20:00:00.123456789Z", []byte("2026-12-07T20:00:00.123456789Z"), want.In(east)} {
		var got time.Time
		if err := Time(&got).Scan(src); err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("Scan(%v) = %v, %v; want %v UTC", src, got, err, want)
		}
	}
	for _, src := range []any{nil, "", "yesterday"} {
		got := want
		if err := Time(&got).Scan(src); err != nil || !got.IsZero() {
			t.Errorf("Scan(%v) = %v, %v; want zero", src, got, err)
		}
	}
	var got time.Time
	if err := Time(&got).Scan(42); err == nil {
		t.Error("Scan(42) took an int for a time")
	}
}

func TestStringsScan(t *testing.T) {
	for _, tc := range []struct {
		src  any
		want []string
	}{{`["a","b"]`, []string{"a", "b"}}, {[]byte(`[]`), []string{}}, {nil, []string{}}, {`{broken`, []string{}}} {
		var got []string
		if err := Strings(&got).Scan(tc.src); err != nil || got == nil || !slices.Equal(got, tc.want) {
			t.Errorf("Scan(%v) = %#v, %v; want %#v", tc.src, got, err, tc.want)
		}
	}
	if JSONStrings(nil) != "[]" {
		t.Errorf("JSONStrings(nil) = %s", JSONStrings(nil))
	}
}
