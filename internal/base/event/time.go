package event

import (
	"strconv"
	"time"
)

// TimeFormat is the one way a moment is written in JSON, by the CLI's
// --json, the API and the webhooks: RFC 3339 in UTC with exactly nine
// fractional digits. time.Time's own encoding trims trailing zeros, so one
// document mixed 8- and 9-digit fractions and a script that compared or cut
// the strings broke; nine digits keep every stored nanosecond, so a time
// read from one answer can be handed back as a bound without losing order.
const TimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// Time is a time.Time that encodes as TimeFormat. Wire types use it for
// every moment; it decodes any RFC 3339 time (time.Time's decoder).
type Time struct{ time.Time }

// T wraps t for a wire type.
func T(t time.Time) Time { return Time{t} }

// FormatTime writes t as TimeFormat, in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// MarshalJSON writes the time as a TimeFormat string.
func (t Time) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(make([]byte, 0, len(TimeFormat)+2), FormatTime(t.Time)), nil
}

// MarshalText writes the time as TimeFormat, for map keys and text encoders.
func (t Time) MarshalText() ([]byte, error) { return []byte(FormatTime(t.Time)), nil }
