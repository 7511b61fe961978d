package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A misspelled key names its path, its line and the key meant, not a Go type.
func TestUnknownKeyNamesPathAndSuggestion(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"monitor:\n  screenshot: false\n", "line 2: unknown key monitor.screenshot (did you mean screenshots?)"},
		{"alerts:\n  channels:\n    - name: x\n      emial: [a@b.example]\n", "line 4: unknown key alerts.channels[0].emial (did you mean email?)"},
		{"zzz: 1\n", "unknown key zzz (known keys: "},
	} {
		p := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(p, []byte(tc.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "config.Monitor") {
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
