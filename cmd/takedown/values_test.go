package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadValuesExit2 : every value below is refused with exit 2 and named
// in the message (issue 12, items 7 and 8).
func TestBadValuesExit2(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	conf := func(name, yaml string) string {
		p := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--whois-server", "com=host:notaport", "config", "show"}, "notaport"},
		{[]string{"--whois-server", "com=host:99999", "config", "show"}, "99999"},
		{[]string{"--whois-server", "com=[::1", "config", "show"}, "[::1"},
		{[]string{"--whois-server", "co m=1.2.3.4:43", "config", "show"}, "co m"},
		{[]string{"--whois-server", "com=http://x:43", "config", "show"}, "http://x:43"},
		{[]string{"--resolver", "127.0.0.1", "config", "show"}, `"127.0.0.1"`},
		{[]string{"--resolver", "127.0.0.1:0", "config", "show"}, `"127.0.0.1:0"`},
		{[]string{"--config", conf("ua", "monitor: {unreachable_after: -3}\n"), "config", "show"}, "unreachable_after: -3"},
		{[]string{"--config", conf("workers", "monitor: {workers: 100000000}\n"), "config", "show"}, "workers: 100000000"},
		{[]string{"--config", conf("rate", "network: {dns_rate: 1e12}\n"), "config", "show"}, "dns_rate"},
		{[]string{"--config", conf("timeout", "network: {timeout: 100h}\n"), "config", "show"}, "network.timeout"},
		{[]string{"--config", conf("attempts", "alerts: {max_attempts: 99999999}\n"), "config", "show"}, "max_attempts"},
		{[]string{"--config", conf("wsrv", "network: {whois_servers: {com: 'x:notaport'}}\n"), "config", "show"}, "notaport"},
		{[]string{"--config", conf("email", "alerts:\n  smtp: {addr: '127.0.0.1:25'}\n  channels:\n    - {name: team, email: ['not an address']}\n"), "config", "show"}, "not an address"},
		{[]string{"--config", conf("kind", "alerts:\n  channels:\n    - {name: hook, webhook: 'https://example.org/h', events: [lookalike_registred]}\n"), "config", "show"}, "lookalike_registred"},
	} {
		r := c.run(tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming %s", tc.args, r.code, r.stderr, tc.want)
		}
	}
	// The same kinds of values, well formed, pass.
	ok := conf("good", "monitor: {workers: 64, unreachable_after: 5}\nnetwork: {resolver: '127.0.0.1:53', whois_servers: {com: 'whois.example.org:43', 'co.uk': '[::1]:4343'}}\n"+
		"alerts:\n  smtp: {addr: '127.0.0.1:25'}\n  channels:\n    - {name: team, email: ['Team <team@example.org>'], events: [state_changed, nrd_listed, suspected_parked]}\n")
	c.ok("--config", ok, "config", "show")
}
