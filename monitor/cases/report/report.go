package report

import (
	"errors"
	"fmt"
	"io"
)

// Formats lists the report formats Encode writes.
var Formats = []string{"eml", "xarf", "md", "misp", "stix"}

// ErrFormat is returned (wrapped) for a format not in Formats.
var ErrFormat = errors.New("unknown report format")

// Encode writes the report of ev in format (one of Formats) to w.
func Encode(w io.Writer, format string, ev Evidence) error {
	switch format {
	case "eml", "xarf", "md", "misp", "stix":
		return fmt.Errorf("report %s: not implemented yet", format)
	}
	return fmt.Errorf("report %q: %w (want one of %v)", format, ErrFormat, Formats)
}
