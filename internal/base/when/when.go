// Package when reads the times a user types: one rule for the CLI's
// --since, the API's since and the UI's date filters, so that "7d" means
// the same everywhere.
package when

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Forms names what Parse accepts, for error messages and help.
const Forms = "RFC 3339 (2026-01-02T15:04:05Z), a date (2026-01-02, midnight UTC), a duration back from now (36h, 7d), today or yesterday"

// maxDays bounds "Nd": past a century ago is a typo, not a query.
const maxDays = 36500

// ErrBad is wrapped by every error of Parse.
var ErrBad = errors.New("bad time")

// Parse reads s as an absolute time or as a time back from now. Dates
// and the words today and yesterday are midnight UTC, so that a filter
// means the same on the server and on every client.
func Parse(s string, now time.Time) (time.Time, error) {
	v := strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	today := now.UTC().Truncate(24 * time.Hour)
	switch strings.ToLower(v) {
	case "now":
		return now, nil
	case "today":
		return today, nil
	case "yesterday":
		return today.AddDate(0, 0, -1), nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 && n <= maxDays {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 && d <= maxDays*24*time.Hour {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%w %q: want %s", ErrBad, clip(v, 40), Forms)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
