package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/takedownhq/takedown/internal/base/config"
)

// Each default-true switch, set false alone from the file, the
// environment or a flag, changes only itself in `config show`.
func TestSwitchAloneInConfigShow(t *testing.T) {
	for _, s := range config.Switches {
		c := newCLI(t)
		want := config.Default()
		want.DB = c.db
		want.SetSwitch(s.Key, false)
		wantYAML, err := want.YAML()
		if err != nil {
			t.Fatal(err)
		}
		section, key, _ := strings.Cut(s.Key, ".")
		file := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(file, []byte(section+":\n  "+key+": false\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for how, args := range map[string][]string{
			"file": {"--config", file, "config", "show"},
			"env":  {"config", "show"},
			"flag": {"--" + s.Flag + "=false", "config", "show"},
		} {
			c.env = map[string]string{}
			if how == "env" {
				c.env[s.Env] = "false"
			}
			if got := c.ok(args...); got != string(wantYAML) {
				t.Errorf("%s false by %s: config show\n%s\nwant\n%s", s.Key, how, got, wantYAML)
			}
		}
	}
}
