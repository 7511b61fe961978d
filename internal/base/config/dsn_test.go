package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRedactDSN(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"takedown.db", "takedown.db"},
		{"/var/lib/takedown/td.db", "/var/lib/takedown/td.db"},
		{"postgres://u@db.example.org/td", "postgres://u@db.example.org/td"},
		{"postgres://u:hunter2@db.example.org/td", "postgres://u:********@db.example.org/td"},
		{"postgresql://u@db/td?password=hunter2&sslmode=verify-full", "postgresql://u@db/td?password=********&sslmode=verify-full"},
		{"postgres://u@db/td?sslpassword=hunter2&sslkey=/k.pem", "postgres://u@db/td?sslkey=%2Fk.pem&sslpassword=********"},
		{"postgres://u:hunter2@db:99999999/td%zz?sslpassword=hunter2", UnparsableDSN},
		{"postgres://u:hunter2@[::1/td", UnparsableDSN},
		{"postgres://u@db/td?x=%zz&password=hunter2", UnparsableDSN},
		{"host=db user=u password='hun ter2' sslpassword=hunter2 dbname=td", "host=db user=u password=******** sslpassword=******** dbname=td"},
	} {
		got := RedactDSN(tc.in)
		if got != tc.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(got, "hunter2") || strings.Contains(got, "hun ter2") {
			t.Errorf("RedactDSN(%q) = %q shows the secret", tc.in, got)
		}
	}
}

// config show, through YAML, redacts sslpassword and unparsable URLs too.
func TestYAMLRedactsEveryDSNSecret(t *testing.T) {
	for _, db := range []string{
		"postgres://u:hunter2@db/td?sslpassword=s3cret&password=p4ss",
		"postgres://u:hunter2@db:99999999/td%zz?sslpassword=s3cret",
	} {
		c := Default()
		c.DB = db
		b, err := c.YAML()
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"hunter2", "s3cret", "p4ss"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("db %q: config shows %q:\n%s", db, secret, b)
			}
		}
	}
}

func TestFeedStateDir(t *testing.T) {
	env := func(kv ...string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1], true
				}
			}
			return "", false
		}
	}
	for _, tc := range []struct {
		db, stateDir string
		env          func(string) (string, bool)
		want         string
	}{
		{"/data/td.db", "", env(), "/data/td.db.feeds"},
		{"postgres://u:pw@db/td", "", env("XDG_STATE_HOME", "/st", "HOME", "/home/u"), "/st/takedown/feeds"},
		{"postgres://u:pw@db/td", "", env("HOME", "/home/u"), "/home/u/.local/state/takedown/feeds"},
		{"postgres://u:pw@db/td", "/srv/feeds", env("HOME", "/home/u"), "/srv/feeds"},
	} {
		c := Default()
		c.DB, c.FeedsStateDir = tc.db, tc.stateDir
		got, err := c.FeedStateDir(tc.env)
		if err != nil || got != tc.want {
			t.Errorf("%s, state_dir %q: %q, %v; want %q", tc.db, tc.stateDir, got, err, tc.want)
		}
	}
	// feeds.state_dir from a file, as a mapping beside the list.
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("feeds:\n  state_dir: /srv/feeds\n  list:\n    - {name: z, kind: zone, url: /z.zone}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.FeedsStateDir != "/srv/feeds" || len(c.Feeds) != 1 || c.Feeds[0].Name != "z" {
		t.Errorf("feeds mapping: state_dir %q, feeds %+v", c.FeedsStateDir, c.Feeds)
	}
	if err := os.WriteFile(path, []byte("feeds:\n  state_dri: /srv/feeds\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "state_dri") {
		t.Errorf("typo in feeds mapping: %v", err)
	}
}
