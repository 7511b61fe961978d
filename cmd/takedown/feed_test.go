package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/store"
)

func TestFeedAddRejectsBadValues(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"feed", "add", "x", "--kind", "rss", "--url", "/tmp/x"}, `"rss"`},
		{[]string{"feed", "add", "x", "--kind", "nrd", "--url", "/tmp/x", "--schedule", "every day"}, `"every day"`},
		{[]string{"feed", "add", "x", "--kind", "nrd", "--url", "/tmp/x", "--schedule", "61 * * * *"}, `"61 * * * *"`},
		{[]string{"feed", "add", "x", "--kind", "nrd", "--url", "ftp://example.org/x"}, `"ftp"`},
		{[]string{"feed", "add", "x", "--kind", "ct", "--url", "https:///no-host"}, "no host"},
		{[]string{"feed", "add", "Bad Name", "--kind", "nrd", "--url", "/tmp/x"}, `"Bad Name"`},
		{[]string{"feed", "add", "x", "--kind", "nrd", "--url", "/tmp/x", "--start", "0"}, "start 0"},
		{[]string{"feed", "add", "x", "--kind", "ct", "--url", filepath.Join(t.TempDir(), "none.json")}, "none.json"},
		{[]string{"feed", "add", "x", "--kind", "nrd"}, "url"},
		{[]string{"feed", "run", "nosuch"}, `"nosuch"`},
		{[]string{"feed", "rm", "nosuch"}, `"nosuch"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := c.run(tc.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("%v: exit %d, stderr %q; want 2 naming %s", tc.args, r.code, r.stderr, tc.want)
			}
		})
	}
	if out := c.ok("feed", "list"); strings.Count(out, "\n") != 1 {
		t.Errorf("bad values added feeds:\n%s", out)
	}
}

func TestFeedCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("watch", "add", "--brand", "paypal.com", "thefoxcloud.com")
	dir := t.TempDir()
	list := filepath.Join(dir, "nrd.txt")
	if err := os.WriteFile(list, simnet.NRDText([]string{"gardenparty.com", "paypa1.com", "thefoxcloud.net", "bad name"}), 0o644); err != nil {
		t.Fatal(err)
	}
	out := c.ok("feed", "add", "daily", "--kind", "nrd", "--url", list, "--schedule", "@daily")
	if !strings.Contains(out, "feed daily added: nrd") {
		t.Errorf("add: %s", out)
	}
	out = c.ok("feed", "run", "daily")
	if !strings.Contains(out, "3 names") || !strings.Contains(out, "2 new look-alikes") || !strings.Contains(out, "1 skipped") {
		t.Errorf("run: %s", out)
	}
	out = c.ok("found", "--json")
	var ls []store.Lookalike
	if err := unmarshalItems([]byte(out), &ls); err != nil || len(ls) != 2 || ls[0].Source != "feed:daily" {
		t.Errorf("found: %s", out)
	}
	out = c.ok("feed", "run") // no name: every feed
	if !strings.Contains(out, "feed daily: ok: nothing new") {
		t.Errorf("second run, every feed: %s", out)
	}

	// CT logs from a log list, read from the start.
	l, err := simnet.StartCTLog(simnet.CTLogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, n := range []string{"example.org", "paypal-secure-login.com", "www.example.net"} {
		if _, _, err := l.IssueWithPrecert(n); err != nil {
			t.Fatal(err)
		}
	}
	ll := filepath.Join(dir, "log_list.json")
	if err := os.WriteFile(ll, l.LogListJSON("Simnet", "Simnet Loopback log"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The simnet log is on loopback: only --allow-private lets the feed reach it.
	out = c.ok("--allow-private", "feed", "add", "ct", "--kind", "ct", "--url", ll, "--start", "0")
	if !strings.Contains(out, "feed ct-simnet-loopback-log added: ct") || !strings.Contains(out, "#key=…") {
		t.Errorf("add from log list: %s", out)
	}
	out = c.ok("--allow-private", "feed", "run", "ct-simnet-loopback-log", "--json")
	var stats []struct {
		Entries int64 `json:"entries"`
		Matches int   `json:"matches"`
	}
	if err := json.Unmarshal([]byte(out), &stats); err != nil || len(stats) != 1 || stats[0].Entries != 6 || stats[0].Matches != 1 {
		t.Errorf("ct run: %s", out)
	}
	out = c.ok("feed", "list")
	for _, want := range []string{"daily", "ct-simnet-loopback-log", "next 6 of 6", "@every 5m", "@daily"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	c.ok("feed", "rm", "daily")
	if out := c.ok("feed", "list", "--json"); strings.Contains(out, `"daily"`) {
		t.Errorf("removed feed still listed: %s", out)
	}
}

func TestFeedsFromConfig(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	list := filepath.Join(dir, "nrd.txt")
	os.WriteFile(list, []byte("thefoxcloud-careers.com\nunrelated.org\n"), 0o644)
	cfg := filepath.Join(dir, "takedown.yaml")
	write := func(feedsYAML string) {
		os.WriteFile(cfg, []byte("monitor: {watch_infrastructure: false, hunt_seized: false}\nfeeds:\n"+feedsYAML), 0o644)
	}
	write("  - {name: nrd-daily, kind: nrd, url: " + list + "}\n")
	c.ok("watch", "add", "thefoxcloud.com")
	// Every probe fails (dead resolver): the run says nothing could be
	// checked (exit 1), but the feeds ran.
	if r := c.run("--config", cfg, "--resolver", "127.0.0.1:1", "--rdap-url", "http://127.0.0.1:1/", "--whois-referral", "127.0.0.1:1", "run", "--once"); r.code != exitRuntime || !strings.Contains(r.stderr, "nothing could be checked") {
		t.Fatalf("run --once with a dead resolver: exit %d, %s", r.code, r.stderr)
	}
	if out := c.ok("feed", "list"); !strings.Contains(out, "nrd-daily") {
		t.Fatalf("the configured feed was not declared:\n%s", out)
	}
	if out := c.ok("found"); !strings.Contains(out, "thefoxcloud-careers.com") || strings.Contains(out, "unrelated.org") {
		t.Fatalf("the configured feed did not run:\n%s", out)
	}
	write("  - {name: bad, kind: rss, url: " + list + "}\n")
	if r := c.run("--config", cfg, "run", "--once"); r.code != exitUsage || !strings.Contains(r.stderr, `"rss"`) {
		t.Fatalf("a bad configured feed: exit %d, %s", r.code, r.stderr)
	}
}
