package when

import (
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 12, 7, 20, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2026-01-02T15:04:05Z", time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)},
		{"2026-01-02", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"7d", now.AddDate(0, 0, -7)},
		{"36h", now.Add(-36 * time.Hour)},
		{" today ", time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)},
		{"Yesterday", time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)},
		{"now", now},
	} {
		got, err := Parse(tc.in, now)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "-7d", "7 days", "99999999d", "2026-13-01", "-1h", "tomorrow"} {
		if _, err := Parse(bad, now); !errors.Is(err, ErrBad) {
			t.Errorf("Parse(%q): %v, want ErrBad", bad, err)
		}
	}
}
