package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Turning one switch off from the file or the environment leaves every
// other setting as config.Default() has it.
func TestEachSwitchAlone(t *testing.T) {
	for _, s := range Switches {
		want := Default()
		want.SetSwitch(s.Key, false)
		section, key, _ := strings.Cut(s.Key, ".")
		t.Run("file/"+s.Key, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(section+":\n  "+key+": false\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: false in the file:\n got %s\nwant %s", s.Key, show(t, got), show(t, want))
			}
		})
		t.Run("env/"+s.Key, func(t *testing.T) {
			got := Default()
			err := got.Env(func(k string) (string, bool) {
				if k == s.Env {
					return "false", true
				}
				return "", false
			})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s=false:\n got %s\nwant %s", s.Env, show(t, got), show(t, want))
			}
		})
	}
	bad := Default()
	if err := bad.Env(func(k string) (string, bool) { return "maybe", k == "TAKEDOWN_SCREENSHOTS" }); err == nil || !strings.Contains(err.Error(), `"maybe"`) {
		t.Errorf("TAKEDOWN_SCREENSHOTS=maybe: %v, want an error naming the value", err)
	}
}

func show(t *testing.T, c *Config) string {
	b, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
