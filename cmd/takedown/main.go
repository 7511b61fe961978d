// Command takedown monitors domains and the infrastructure behind them
// through takedowns. See the README for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/monitor/watchlist"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes: the command-line contract.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
	// exitInterrupted is 128+SIGINT, what a shell reports for Ctrl-C.
	exitInterrupted = 130
)

// interruptedError is a long command stopped by a signal, with how far it
// got ("after 41/50 checks").
type interruptedError struct{ progress string }

func (e interruptedError) Error() string { return "interrupted " + e.progress }

func interrupted(progress string) error { return interruptedError{progress} }

// usageError marks bad usage or bad input: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// run executes one command line and returns its exit code. Tests call it
// in-process with their own streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := newApp(stdin, stdout, stderr)
	defer a.close()
	root := a.rootCommand()
	root.SetArgs(tagEditArgs(args))
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ie interruptedError
	if errors.As(err, &ie) || (errors.Is(err, context.Canceled) && ctx.Err() != nil) {
		// Ctrl-C: what was written stays written (every write is one
		// transaction); say so, and exit as a shell expects of SIGINT.
		msg := "interrupted; nothing lost"
		if ie.progress != "" {
			msg = "interrupted " + ie.progress + "; nothing lost"
		}
		fmt.Fprintf(stderr, "takedown: %s\n", msg)
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "takedown: %v\n", err)
	return exitCode(err)
}

// exitCode maps an error to the command-line contract: a usageError (the
// command's own checks, and cobra's, typed by typedUsage), a bad watchlist
// line or an invalid domain name is bad usage; anything else a runtime
// failure.
func exitCode(err error) int {
	var ue usageError
	var bl watchlist.BadLines
	switch {
	case errors.As(err, &ue), errors.As(err, &bl), errors.Is(err, domain.ErrInvalid):
		return exitUsage
	}
	return exitRuntime
}

// typedUsage makes cobra's own refusals of a command line usage errors, so
// exitCode never reads their text: flag parse errors come through the
// root's FlagErrorFunc, wrong argument counts and missing required flags
// through each command's Args (cobra checks Args before required flags and
// before PersistentPreRunE, so the checks run here, first). A command
// without an Args accepts any arguments, as cobra's default does for one
// without subcommands.
func typedUsage(cmd *cobra.Command) {
	orig := cmd.Args
	if orig == nil {
		orig = cobra.ArbitraryArgs
	}
	cmd.Args = func(c *cobra.Command, args []string) error {
		if err := orig(c, args); err != nil {
			return usageError{err}
		}
		if err := c.ValidateRequiredFlags(); err != nil {
			return usageError{err}
		}
		if err := c.ValidateFlagGroups(); err != nil {
			return usageError{err}
		}
		return nil
	}
	for _, sub := range cmd.Commands() {
		typedUsage(sub)
	}
}

// asGroup makes a command that only holds subcommands refuse anything
// else: cobra prints help and exits 0 for "watch remove", so a typo in a
// script would look like success.
func asGroup(cmd *cobra.Command) *cobra.Command {
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			if c.SuggestionsMinimumDistance <= 0 {
				c.SuggestionsMinimumDistance = 2 // cobra's default for the root
			}
			if s := c.SuggestionsFor(args[0]); len(s) > 0 {
				return usagef("unknown command %q for %q (did you mean %s?)", args[0], c.CommandPath(), strings.Join(s, " or "))
			}
			return usagef("unknown command %q for %q (see %s --help)", args[0], c.CommandPath(), c.CommandPath())
		}
		return usagef("%s needs a subcommand (see %s --help)", c.CommandPath(), c.CommandPath())
	}
	return cmd
}

// tagEditArgs lets "watch tag NAME -old +new" remove a tag with a leading
// dash: everything after the name is a tag edit, not a flag, so a "--" goes
// after the name (unless help is asked for or one is there already).
func tagEditArgs(args []string) []string {
	for i := 0; i+2 < len(args); i++ {
		if args[i] != "watch" || args[i+1] != "tag" {
			continue
		}
		rest := args[i+3:]
		if slices.Contains(rest, "--") || slices.Contains(rest, "--help") || slices.Contains(rest, "-h") {
			return args
		}
		out := append(slices.Clone(args[:i+3]), "--")
		return append(out, rest...)
	}
	return args
}
