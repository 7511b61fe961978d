package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// cli runs one takedown command line in-process against a database in dir,
// with the environment isolated from the developer's.
type cli struct {
	t   *testing.T
	db  string
	env map[string]string
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	return &cli{t: t, db: filepath.Join(t.TempDir(), "takedown.db"), env: map[string]string{}}
}

type result struct {
	code           int
	stdout, stderr string
}

func (c *cli) runIn(stdin io.Reader, args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	a := newApp(stdin, &out, &errb)
	a.lookupEnv = func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }
	defer a.close()
	root := a.rootCommand()
	root.SetArgs(tagEditArgs(append([]string{"--db", c.db}, args...)))
	code := exitOK
	if err := root.ExecuteContext(context.Background()); err != nil {
		errb.WriteString("takedown: " + err.Error() + "\n")
		code = exitCode(err)
	}
	return result{code, out.String(), errb.String()}
}

func (c *cli) run(args ...string) result {
	c.t.Helper()
	return c.runIn(nil, args...)
}

func (c *cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("takedown %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// A typo in a subcommand is a usage error, not help and success.
func TestUnknownSubcommandExits2(t *testing.T) {
	for _, args := range [][]string{{"watch", "remove", "a.com"}, {"alerts", "bogus"}, {"feed", "bogus"}, {"config", "bogus"}, {"watch"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := newCLI(t).run(args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, args[0]) {
				t.Fatalf("exit %d, stderr %q; want %d naming the command", r.code, r.stderr, exitUsage)
			}
		})
	}
}

// check prints what failed and exits 1 when no probe answered: a dead
// resolver must not look like a healthy "unknown".
func TestCheckWithEveryServerDeadExits1(t *testing.T) {
	r := newCLI(t).run("--resolver", "127.0.0.1:9", "--auth-port", "9", "--whois-referral", "127.0.0.1:9",
		"--rdap-url", "http://127.0.0.1:9/", "check", "thefoxcloud.com", "--json")
	if r.code != exitRuntime || !strings.Contains(r.stderr, "no probe answered for thefoxcloud.com") || !strings.Contains(r.stdout, `"errors"`) {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
}

// cobra's own refusals are usage errors by type: exitCode reads no
// message text, so a reworded cobra message cannot turn exit 2 into 1.
func TestCobraRefusalsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"bogus"},                      // unknown command
		{"--bogus"},                    // unknown flag
		{"-Z"},                         // unknown shorthand
		{"watch", "list", "--state"},   // flag needs an argument
		{"history"},                    // too few arguments
		{"history", "a.com", "b.com"},  // too many
		{"config", "show", "extra"},    // no arguments wanted
		{"feed", "add", "x"},           // required flags missing
		{"check", "--json=maybe", "a"}, // bad flag value
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := newCLI(t).run(args...)
			if r.code != exitUsage {
				t.Fatalf("exit %d, stderr %q; want %d", r.code, r.stderr, exitUsage)
			}
		})
	}
	if got := exitCode(errors.New("unknown command \"x\"")); got != exitRuntime {
		t.Errorf("an untyped error reading like cobra's = exit %d, want %d: exitCode must not match text", got, exitRuntime)
	}
}

// Every command is built from the explicit list and checks its arguments
// through typedUsage.
func TestEveryCommandIsListedAndTyped(t *testing.T) {
	root := newApp(strings.NewReader(""), io.Discard, io.Discard).rootCommand()
	want := []string{"alerts", "case", "check", "config", "demo", "feed", "found", "history", "infra", "lookalikes", "registry", "related", "report", "run", "serve", "simnet", "watch"}
	var got []string
	for _, c := range root.Commands() {
		if c.Name() != "help" && c.Name() != "completion" {
			got = append(got, c.Name())
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("commands = %v, want %v", got, want)
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Args == nil {
			t.Errorf("%s has no Args: cobra would report its refusals untyped", c.CommandPath())
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
}
