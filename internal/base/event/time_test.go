package event

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"
)

// Every encoded time has the same width, whatever its trailing zeros or
// zone, and reads back to the same instant.
func TestTimeFixedFormat(t *testing.T) {
	east := time.FixedZone("east", 5*3600)
	shape := regexp.MustCompile(`^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z"$`)
	for _, in := range []time.Time{
		time.Date(2026, 12, 7, 22, 10, 0, 0, time.UTC),
		time.Date(2026, 12, 7, 22, 10, 0, 120000000, time.UTC),
		time.Date(2026, 12, 7, 22, 10, 0, 123456789, east),
		time.Date(2026, 12, 7, 22, 10, 0, 123456780, time.UTC),
	} {
		b, err := json.Marshal(T(in))
		if err != nil {
			t.Fatal(err)
		}
		if !shape.Match(b) {
			t.Errorf("%v encodes as %s, want nine fractional digits in UTC", in, b)
		}
		var back Time
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		if !back.Equal(in) {
			t.Errorf("%s decodes to %v, want %v", b, back.Time, in)
		}
	}
	// omitzero leaves a zero Time out, as it did a zero time.Time.
	b, _ := json.Marshal(struct {
		At Time `json:"at,omitzero"`
	}{})
	if string(b) != "{}" {
		t.Errorf("zero time with omitzero encodes as %s", b)
	}
}
