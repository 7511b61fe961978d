package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestFeedAddRefusesGuardedOrMissingLocation: feed URLs go through the SSRF
// guard; a guarded or missing location is bad input (exit 2).
func TestFeedAddRefusesGuardedOrMissingLocation(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"feed", "add", "x", "--kind", "nrd", "--url", "http://169.254.169.254/latest/x.txt"}, "metadata"},
		{[]string{"feed", "add", "x", "--kind", "nrd", "--url", "http://127.0.0.1:9/x.txt"}, "loopback"},
		{[]string{"feed", "add", "x", "--kind", "zone", "--url", "http://[::ffff:10.0.0.1]/com.zone.gz"}, "private"},
		{[]string{"feed", "add", "x", "--kind", "nrd", "--url", filepath.Join(t.TempDir(), "absent.txt")}, "absent.txt"},
		{[]string{"feed", "add", "x", "--kind", "nrd", "--url", filepath.Join(t.TempDir(), "nodir", "{date}.txt")}, "nodir"},
	} {
		r := c.run(tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming %s", tc.args, r.code, r.stderr, tc.want)
		}
	}
	if out := c.ok("feed", "list"); strings.Count(out, "\n") != 1 {
		t.Errorf("refused locations added feeds:\n%s", out)
	}
}

// TestFeedRunDoesNotContactGuardedAddress: a real HTTP server at a refused
// address (loopback) is never contacted by `feed run` without
// --allow-private, even for a feed stored earlier with it.
func TestFeedRunDoesNotContactGuardedAddress(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("paypa1.com\n"))
	}))
	defer srv.Close()
	c := newCLI(t)
	c.ok("--allow-private", "feed", "add", "inside", "--kind", "nrd", "--url", srv.URL+"/latest/x.txt")
	r := c.run("feed", "run", "inside")
	if r.code == 0 || !strings.Contains(r.stderr, "address not allowed") {
		t.Fatalf("feed run of a loopback URL: exit %d, %s", r.code, r.stderr)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the guarded server was contacted %d times", n)
	}
	c.ok("--allow-private", "feed", "run", "inside")
	if hits.Load() == 0 {
		t.Fatal("with --allow-private the server was not contacted: the test proves nothing")
	}
}

// TestFeedRunNeverEchoesForeignFile: a file that is not a name list (a
// password file) fails and none of its lines appear; a zone feed of such a
// file is not taken as a baseline.
func TestFeedRunNeverEchoesForeignFile(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "passwd")
	lines := "root:x:0:0:SECRETROOT:/root:/bin/bash\ndaemon:x:1:1:SECRETDAEMON:/usr/sbin:/usr/sbin/nologin\nalice:$6$SECRETHASH$abc:19000:0:99999:7:::\n"
	if err := os.WriteFile(secret, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t)
	c.ok("feed", "add", "nrd", "--kind", "nrd", "--url", secret)
	c.ok("feed", "add", "zone", "--kind", "zone", "--url", secret)
	for _, name := range []string{"nrd", "zone"} {
		r := c.run("feed", "run", name)
		if r.code == 0 || !strings.Contains(r.stderr, "not a list of domain names") {
			t.Errorf("feed run %s on a password file: exit %d\nstdout %s\nstderr %s", name, r.code, r.stdout, r.stderr)
		}
		for _, s := range []string{"SECRET", "root:x", "alice"} {
			if strings.Contains(r.stdout+r.stderr, s) {
				t.Errorf("feed run %s echoed %q:\nstdout %s\nstderr %s", name, s, r.stdout, r.stderr)
			}
		}
		if strings.Contains(r.stdout+r.stderr, "baseline") {
			t.Errorf("feed run %s took the file as a baseline: %s %s", name, r.stdout, r.stderr)
		}
	}
}
