package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
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
	root.SetArgs(append([]string{"--db", c.db}, args...))
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
