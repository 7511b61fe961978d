package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The cases' settings: defaults, a file, and a bad value named.
func TestCasesSettings(t *testing.T) {
	d := Default()
	if d.Cases.EscalateAfter != 48*time.Hour || d.Schedules.Cases != "@every 30m" {
		t.Fatalf("defaults: %s %q", d.Cases.EscalateAfter, d.Schedules.Cases)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("cases:\n  escalate_after: 72h\nschedules:\n  cases: \"@every 10m\"\n"), 0o600)
	c, err := Load(good)
	if err != nil || c.Cases.EscalateAfter != 72*time.Hour || c.Schedules.Cases != "@every 10m" || c.Validate() != nil {
		t.Fatalf("file: %+v %v", c.Cases, err)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"cases:\n  escalate_after: -1h\n", "cases.escalate_after"},
		{"schedules:\n  cases: \"every tuesday\"\n", "schedules.cases"},
	} {
		p := filepath.Join(dir, "bad.yaml")
		os.WriteFile(p, []byte(tc.yaml), 0o600)
		c, err := Load(p)
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error naming %s", tc.yaml, err, tc.want)
		}
	}
}
