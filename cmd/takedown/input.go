package main

import (
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// checkInputs refuses a NUL byte or invalid UTF-8 in any argument or flag
// value, naming it (exit 2): PostgreSQL's text refuses both, and no domain,
// tag, note or filter holds them. File contents are checked by their
// parsers, with the line.
func checkInputs(cmd *cobra.Command, args []string) error {
	bad := func(v string) bool { return strings.IndexByte(v, 0) >= 0 || !utf8.ValidString(v) }
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if err == nil && bad(f.Value.String()) {
			err = usagef("flag --%s: NUL byte or invalid UTF-8", f.Name)
		}
	})
	if err != nil {
		return err
	}
	for i, a := range args {
		if bad(a) {
			return usagef("argument %d %q: NUL byte or invalid UTF-8", i+1, strings.ToValidUTF8(strings.ReplaceAll(a, "\x00", `\0`), "?"))
		}
	}
	return nil
}
