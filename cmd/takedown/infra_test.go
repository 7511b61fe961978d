package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/monitor/infra"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

func infraWatches(t *testing.T, c *cli) []store.InfraWatch {
	t.Helper()
	st, err := sqlite.Open(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ws, err := st.InfraWatches(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func TestWatchInfraBadValuesExit2(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct{ kind, value string }{
		{"ip", "10.0.0.0/8"}, {"ip", "2001:db8::/24"}, {"ip", "300.1.1.1"}, {"asn", "AS0"}, {"asn", "AS23456"},
		{"asn", "AS65535"}, {"asn", "ASfoo"}, {"ns", "not a host"}, {"mx", "mail.example.com"},
	} {
		r := c.run("watch", "add", "--kind", tc.kind, "203.0.113.0/24", tc.value)
		if r.code != 2 || !strings.Contains(r.stderr, tc.value) {
			t.Errorf("--kind %s %s: exit %d, stderr %q", tc.kind, tc.value, r.code, r.stderr)
		}
	}
	if ws := infraWatches(t, c); len(ws) != 0 {
		t.Errorf("a bad value still added %v", ws)
	}
	out := c.ok("watch", "add", "--kind", "ns", "NS1.Bulletproof-DNS.net.")
	if !strings.Contains(out, "watching ns ns1.bulletproof-dns.net") || !strings.Contains(out, "watching bulletproof-dns.net") {
		t.Errorf("watch add --kind ns said %q", out)
	}
	// The name server's own domain is watched like any domain.
	if ds := listJSON(t, c); len(ds) != 1 || ds[0].Name != "bulletproof-dns.net" {
		t.Errorf("watchlist: %+v", ds)
	}
}

func TestWatchImportInfraAllOrNothing(t *testing.T) {
	c := newCLI(t)
	path := filepath.Join(t.TempDir(), "iocs.csv")
	bad := "domain,kind,note\nevil.example.com,,\nns1.bad-dns.net,ns,\n203.0.113.0/24,ip,hoster\nAS4294967295,asn,\n"
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.run("watch", "import", path)
	if r.code != 2 || !strings.Contains(r.stderr, "line 5") || !strings.Contains(r.stderr, "AS4294967295") {
		t.Fatalf("bad import: exit %d, stderr %q", r.code, r.stderr)
	}
	if ws := infraWatches(t, c); len(ws) != 0 {
		t.Fatalf("bad import added %v", ws)
	}
	good := strings.Replace(bad, "AS4294967295", "AS64500", 1)
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("watch", "import", path)
	ws := infraWatches(t, c)
	var got []string
	for _, w := range ws {
		got = append(got, w.Kind+" "+w.Value)
	}
	if strings.Join(got, ",") != "asn AS64500,ip 203.0.113.0/24,ns ns1.bad-dns.net" || ws[1].Note != "hoster" {
		t.Errorf("watches: %+v", ws)
	}
	if ds := listJSON(t, c); len(ds) != 2 {
		t.Errorf("domains: %+v", ds)
	}
	out := c.ok("watch", "list", "--kind", "infra")
	if !strings.Contains(out, "ip    203.0.113.0/24") || !strings.Contains(out, "hoster") {
		t.Errorf("watch list --kind infra:\n%s", out)
	}
	if out := c.ok("watch", "rm", "--kind", "ip", "203.0.113.7/24"); !strings.Contains(out, "removed ip 203.0.113.0/24") {
		t.Errorf("watch rm --kind ip: %q", out)
	}
	var wire []map[string]any
	if err := unmarshalItems([]byte(c.ok("watch", "list", "--kind", "infra", "--json")), &wire); err != nil || len(wire) != 2 {
		t.Errorf("watch list --kind infra --json: %v %v", wire, err)
	}
}

// seedKeys writes keys straight into the store: two domains on a
// dedicated name server and one certificate key, and 150 on a crowded one.
func seedKeys(t *testing.T, db string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	names := []store.NewDomain{{Name: "seized-one.com"}, {Name: "sibling-two.com", Source: "feed:zone"}, {Name: "twin-three.com"}}
	for i := range 150 {
		names = append(names, store.NewDomain{Name: fmt.Sprintf("crowd%03d.com", i)})
	}
	if _, err := st.AddDomains(ctx, names); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	crowded := store.InfraKey{Kind: infra.KindNS, Value: "ns1.crowded.example"}
	err = st.Update(ctx, func(tx store.Tx) error {
		for _, d := range names {
			sd, err := tx.Domain(d.Name)
			if err != nil {
				return err
			}
			keys := []store.InfraKey{crowded}
			switch d.Name {
			case "seized-one.com":
				keys = append(keys, store.InfraKey{Kind: infra.KindNS, Value: "ns1.dedicated.example"},
					store.InfraKey{Kind: infra.KindCertKey, Value: "abcd"})
			case "sibling-two.com":
				keys = append(keys, store.InfraKey{Kind: infra.KindNS, Value: "ns1.dedicated.example"})
			case "twin-three.com":
				keys = append(keys, store.InfraKey{Kind: infra.KindCertKey, Value: "abcd"}, store.InfraKey{Kind: infra.KindTracker, Value: "=HYPERLINK(\"x\")"})
			}
			if _, err := tx.ObserveKeys(sd.ID, at, keys); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRelatedAndInfra(t *testing.T) {
	c := newCLI(t)
	seedKeys(t, c.db)
	var rep struct {
		Domain string `json:"domain"`
		Keys   []struct {
			Kind   string `json:"kind"`
			Value  string `json:"value"`
			Count  int    `json:"count"`
			Common bool   `json:"common"`
		} `json:"keys"`
		Related []struct {
			Domain string `json:"domain"`
			Score  int    `json:"score"`
			Shares []struct {
				Kind  string `json:"kind"`
				Value string `json:"value"`
				Count int    `json:"count"`
			} `json:"shares"`
			Reasons   []string  `json:"reasons"`
			Source    string    `json:"source"`
			FirstSeen time.Time `json:"first_seen"`
		} `json:"related"`
	}
	out := c.ok("related", "seized-one.com", "--json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Domain != "seized-one.com" || len(rep.Keys) != 3 || len(rep.Related) != 2 {
		t.Fatalf("report: %s", out)
	}
	for _, k := range rep.Keys {
		if (k.Value == "ns1.crowded.example") != k.Common || (k.Common && k.Count != 153) {
			t.Errorf("key %+v", k)
		}
	}
	// The certificate key is the stronger link: twin first.
	if r := rep.Related[0]; r.Domain != "twin-three.com" || r.Shares[0].Kind != "cert_key" || r.Score <= rep.Related[1].Score || len(r.Reasons) == 0 {
		t.Errorf("first related: %+v", r)
	}
	if r := rep.Related[1]; r.Domain != "sibling-two.com" || r.Source != "feed:zone" || r.FirstSeen.IsZero() {
		t.Errorf("second related: %+v", r)
	}
	// A crowd member shares only the common name server: nothing related.
	out = c.ok("related", "crowd007.com")
	if !strings.Contains(out, "no related domain") || !strings.Contains(out, "common: shared by 153 domains") {
		t.Errorf("crowd member:\n%s", out)
	}
	text := c.ok("related", "seized-one.com")
	if !strings.Contains(text, "twin-three.com") || !strings.Contains(text, "shares ns ns1.dedicated.example (1 other domain)") {
		t.Errorf("text:\n%s", text)
	}
	csvOut := c.ok("related", "twin-three.com", "--format", "csv")
	if !strings.HasPrefix(csvOut, "domain,related,score") || !strings.Contains(csvOut, "seized-one.com") {
		t.Errorf("csv:\n%s", csvOut)
	}
	var kr infra.KeyReport
	out = c.ok("infra", "ns", "NS1.Dedicated.Example.", "--json")
	if err := json.Unmarshal([]byte(out), &kr); err != nil || kr.Count != 2 || len(kr.Domains) != 2 || kr.Common || kr.Domains[0].FirstSeen.IsZero() {
		t.Errorf("infra --json: %v %s", err, out)
	}
	if out := c.ok("infra", "ns", "ns1.crowded.example"); !strings.Contains(out, "153 domains, common") {
		t.Errorf("infra text: %s", out)
	}
	if r := c.run("infra", "ip", "not-an-ip"); r.code != 2 || !strings.Contains(r.stderr, "not-an-ip") {
		t.Errorf("bad key: exit %d %q", r.code, r.stderr)
	}
	if r := c.run("related", "unknown-four.com"); r.code != 1 {
		t.Errorf("unknown domain: exit %d %q", r.code, r.stderr)
	}
}
