package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/pgtest"
)

// runFor runs one command line until it ends or d passes (then its context
// is cancelled, as Ctrl-C would), and returns both streams.
func runFor(t *testing.T, d time.Duration, env map[string]string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	a := newApp(strings.NewReader(""), &out, &errb)
	a.lookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	defer a.close()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	root := a.rootCommand()
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		errb.WriteString("takedown: " + err.Error() + "\n")
	}
	return out.String() + errb.String()
}

// TestDatabaseSecretsNeverPrint: with a PostgreSQL URL that carries a
// password in its user info and a client key passphrase (sslpassword), no
// output of run, serve, config show or a zone feed shows either, and the
// feed keeps its state under the user's state directory (mode 0700), not
// in a directory named after the URL.
func TestDatabaseSecretsNeverPrint(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	if _, err := pgtest.FindBin(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	cl, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Stop() })
	url, err := cl.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The cluster trusts loopback: the password is never checked, only printed.
	db := strings.Replace(url, "postgres://postgres@", "postgres://postgres:hunter2@", 1) + "&sslpassword=s3cretpass"
	state := t.TempDir()
	env := map[string]string{"XDG_STATE_HOME": state}
	zone := filepath.Join(t.TempDir(), "com.zone")
	if err := os.WriteFile(zone, []byte("$ORIGIN com.\n$TTL 86400\nalpha IN NS ns1.host.example.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cwd, _ := os.Getwd()
	var all strings.Builder
	for _, args := range [][]string{
		{"config", "show"},
		{"--log-level", "debug", "run"},
		{"--log-level", "debug", "serve", "--listen", "127.0.0.1:0"},
		{"feed", "add", "z", "--kind", "zone", "--url", zone},
		{"--log-level", "debug", "feed", "run", "z"},
	} {
		out := runFor(t, 3*time.Second, env, append([]string{"--db", db}, args...)...)
		all.WriteString(out)
		t.Logf("takedown %s:\n%s", strings.Join(args, " "), out)
	}
	for _, secret := range []string{"hunter2", "s3cretpass"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("output shows %q", secret)
		}
	}
	if !strings.Contains(all.String(), "daemon running on postgres://postgres:********@") {
		t.Errorf("run did not say which database, redacted")
	}
	dir := filepath.Join(state, "takedown", "feeds")
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("feed state %s: %v, %v; want a 0700 directory", dir, fi, err)
	}
	if m, _ := filepath.Glob(filepath.Join(cwd, "postgres*")); len(m) > 0 {
		os.RemoveAll(filepath.Join(cwd, "postgres:"))
		t.Errorf("feed state named after the URL: %v", m)
	}
	if got := config.RedactDSN(db); strings.Contains(got, "hunter2") {
		t.Fatal(got)
	}
}
