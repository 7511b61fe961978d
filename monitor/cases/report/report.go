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

// Encode writes the report of ev in format (one of Formats) to w. It fails
// before writing anything when ev lacks what the format needs (a case
// domain that is a host name, a known reason, and for eml and xarf the
// reporter's e-mail address); hostile values in ev are cleaned, not
// refused.
func Encode(w io.Writer, format string, ev Evidence) error {
	var enc func(io.Writer, *prepared) error
	switch format {
	case "eml":
		enc = encodeEML
	case "xarf":
		enc = encodeXARF
	case "md":
		enc = encodeMD
	case "misp":
		enc = encodeMISP
	case "stix":
		enc = encodeSTIX
	default:
		return fmt.Errorf("report %q: %w (want one of %v)", format, ErrFormat, Formats)
	}
	p, err := prepare(ev)
	if err != nil {
		return fmt.Errorf("report %s: %w", format, err)
	}
	if err := enc(w, p); err != nil {
		return fmt.Errorf("report %s: %w", format, err)
	}
	return nil
}
