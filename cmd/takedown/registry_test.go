package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/takedownhq/takedown/internal/simnet"
)

// `takedown registry` says where data comes from without sending anything:
// the embedded IANA bootstrap, the override table, the WHOIS table, and
// the RIR of an address. The expected JSON is the wire contract.
func TestRegistryWhereFrom(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct{ arg, want string }{
		{"Example.COM", `{"name":"example.com","rdap":{"base_url":"https://rdap.verisign.com/com/v1/","source":"iana","date":"2025-11-06T23:00:01Z"},"whois":{"server":"whois.verisign-grs.com:43","source":"table"}}`},
		{"example.io", `{"name":"example.io","rdap":{"base_url":"https://rdap.identitydigital.services/rdap/","source":"override","date":"2024-04-30"},"whois":{"server":"whois.nic.io:43","source":"table"}}`},
		{"example.de", `{"name":"example.de","rdap":{"base_url":"https://rdap.denic.de/","source":"override","date":"2021-11-30"},"whois":{"server":"whois.denic.de:43","source":"table"}}`},
		// .africa: in IANA's file, not in the old 90-TLD subset.
		{"example.africa", `{"name":"example.africa","rdap":{"base_url":"https://rdap.nic.africa/rdap/","source":"iana","date":"2025-11-06T23:00:01Z"},"whois":{"server":"whois.nic.africa:43","source":"table"}}`},
		// .at: no RDAP anywhere; WHOIS from the table.
		{"example.at", `{"name":"example.at","rdap":null,"whois":{"server":"whois.nic.at:43","source":"table"}}`},
		{"8.8.8.8", `{"name":"8.8.8.8","rdap":{"base_url":"https://rdap.arin.net/registry/","source":"iana","date":"unknown (mirror of 2026-08-01)"},"whois":{"server":"whois.arin.net:43","source":"rir"}}`},
		{"2a00:1450:4001::1", `{"name":"2a00:1450:4001::1","rdap":{"base_url":"https://rdap.db.ripe.net/","source":"iana","date":"unknown (mirror of 2026-08-01)"},"whois":{"server":"whois.ripe.net:43","source":"rir"}}`},
	} {
		out := c.ok("registry", tc.arg, "--json")
		var got, want any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%s: %v\n%s", tc.arg, err, out)
		}
		_ = json.Unmarshal([]byte(tc.want), &want)
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("registry %s:\n got %s\nwant %s", tc.arg, g, w)
		}
	}
	text := c.ok("registry", "example.io")
	for _, want := range []string{"override of 2024-04-30 for .io: Identity Digital", "whois.nic.io:43"} {
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks %q:\n%s", want, text)
		}
	}
	if text := c.ok("registry", "193.0.6.139"); !strings.Contains(text, "RIR ripe") {
		t.Errorf("address text: %s", text)
	}
}

// Bad input exits 2 and names the value: a name, a configured override's
// TLD or URL, a bootstrap file.
func TestRegistryBadInputExits2(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "dns.json")
	if err := os.WriteFile(bad, []byte(`{"description":"no services"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfgTLD := filepath.Join(dir, "tld.yaml")
	os.WriteFile(cfgTLD, []byte("network:\n  rdap_overrides:\n    - tld: \"i_o\"\n      rdap_url: https://rdap.example/\n"), 0o644)
	cfgURL := filepath.Join(dir, "url.yaml")
	os.WriteFile(cfgURL, []byte("network:\n  rdap_overrides:\n    - tld: io\n      rdap_url: \"ftp://rdap.example/\"\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"registry", "not a name!"}, `"not a name!"`},
		{[]string{"--rdap-bootstrap", bad, "registry", "example.com"}, bad + ": rdap bootstrap dns.json: no services array"},
		{[]string{"--rdap-bootstrap", bad, "check", "example.com"}, bad},
		{[]string{"--rdap-bootstrap", filepath.Join(dir, "missing"), "registry", "example.com"}, "missing"},
		{[]string{"--config", cfgTLD, "registry", "example.io"}, `tld "i_o"`},
		{[]string{"--config", cfgURL, "registry", "example.io"}, `rdap_url "ftp://rdap.example/"`},
	} {
		r := c.run(tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming %s", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// With --ask the command queries: over simnet, the registrar's abuse
// contact from its RDAP entity and the address's network from the RIR
// that simnet's own IP bootstrap names. Without --ask a bootstrap URL is
// not even fetched.
func TestRegistryAskOverSimnet(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := simnet.StartNet(ctx, simnet.NetOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.AddSite(simnet.Site{Domain: "thefoxcloud.com"}); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t)
	boot := n.RDAP.Queries()
	r := c.run(append(n.Flags(), "registry", "thefoxcloud.com")...)
	if r.code != 0 || !strings.Contains(r.stdout, "not fetched without --ask") || n.RDAP.Queries() != boot {
		t.Fatalf("without --ask: %+v", r)
	}
	var dom struct {
		RDAP struct {
			BaseURL string `json:"base_url"`
			Source  string `json:"source"`
		} `json:"rdap"`
		Registration map[string]any `json:"registration"`
	}
	out := c.ok(append(n.Flags(), "registry", "thefoxcloud.com", "--ask", "--json")...)
	if err := json.Unmarshal([]byte(out), &dom); err != nil {
		t.Fatal(err)
	}
	if dom.RDAP.BaseURL != n.RDAP.BaseURL() || dom.RDAP.Source != "config" || dom.Registration["registrar_abuse_email"] != "abuse@namecheap.com" ||
		dom.Registration["registrar_abuse_source"] != "rdap entity role abuse" {
		t.Fatalf("domain ask: %s", out)
	}
	var addr struct {
		RDAP struct {
			BaseURL string `json:"base_url"`
		} `json:"rdap"`
		Hosting struct {
			Addresses []struct {
				Network struct{ CIDR string }
				Abuse   []struct{ Email, Source string }
			}
		} `json:"hosting"`
	}
	out = c.ok(append(n.Flags(), "registry", "127.0.0.1", "--ask", "--json")...)
	if err := json.Unmarshal([]byte(out), &addr); err != nil {
		t.Fatal(err)
	}
	if addr.RDAP.BaseURL != n.RIR.BaseURL() || len(addr.Hosting.Addresses) != 1 || addr.Hosting.Addresses[0].Network.CIDR != "127.0.0.0/24" ||
		addr.Hosting.Addresses[0].Abuse[0].Email != "abuse@hoster.example" {
		t.Fatalf("address ask: %s", out)
	}
}

// check --probes hosting prints the hosting snapshot.
func TestCheckHostingProbe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := simnet.StartNet(ctx, simnet.NetOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.AddSite(simnet.Site{Domain: "thefoxcloud.com"}); err != nil {
		t.Fatal(err)
	}
	out := newCLI(t).ok(append(n.Flags(), "check", "thefoxcloud.com", "--probes", "dns,hosting", "--json")...)
	var res []struct {
		Hosting struct {
			Networks []string `json:"networks"`
		} `json:"hosting"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 1 || strings.Join(res[0].Hosting.Networks, ",") != "127.0.0.0/24 AS64500" {
		t.Fatalf("check --probes hosting: %v\n%s", err, out)
	}
}
