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
