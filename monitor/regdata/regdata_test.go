package regdata

import (
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmbeddedCoverage reads the embedded files themselves (not a copy) and
// checks the counts the README promises and a sample of entries.
func TestEmbeddedCoverage(t *testing.T) {
	raw, err := os.ReadFile("data/dns.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services [][][]string `json:"services"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	iana := map[string]bool{}
	for _, s := range doc.Services {
		for _, k := range s[0] {
			iana[k] = true
		}
	}
	if len(iana) != 1192 || len(doc.Services) != 597 {
		t.Fatalf("IANA dns.json: %d TLDs in %d services, want 1192 in 597", len(iana), len(doc.Services))
	}
	ov := EmbeddedOverrides()
	extra := 0
	for _, o := range ov {
		if !iana[o.TLD] {
			extra++
		}
		if o.Operator == "" || o.Date == "" || o.Source == "" {
			t.Errorf("override %s lacks operator, date or source: %+v", o.TLD, o)
		}
	}
	if len(ov) != 16 || extra != 16 {
		t.Fatalf("overrides: %d (%d outside IANA), want 16", len(ov), extra)
	}
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.DNSCount(), len(iana)+extra; got != want {
		t.Fatalf("embedded TLDs %d, want IANA's %d + %d overrides", got, len(iana), extra)
	}
	s := Embedded()
	if s.DNS.Publication != "2025-11-06T23:00:01Z" || s.DNS.Services() != 597 {
		t.Errorf("dns.json: %q %d", s.DNS.Publication, s.DNS.Services())
	}
	for f, n := range map[*Bootstrap]int{s.IPv4: 221, s.IPv6: 34, s.ASN: 159} {
		if f.Entries() != n || f.Services() != 5 {
			t.Errorf("%s: %d entries in %d services, want %d in 5", f.Name, f.Entries(), f.Services(), n)
		}
	}
	if WHOISTableSize() != 921 {
		t.Errorf("whois table: %d TLDs, want 921", WHOISTableSize())
	}

	for _, c := range []struct{ name, base, source string }{
		{"example.com", "https://rdap.verisign.com/com/v1/", SourceIANA},
		{"example.africa", "https://rdap.nic.africa/rdap/", SourceIANA}, // not in the old 90-TLD subset
		{"example.io", "https://rdap.identitydigital.services/rdap/", SourceOverride},
		{"example.de", "https://rdap.denic.de/", SourceOverride},
		{"example.co", "https://rdap.registry.co/co/", SourceOverride},
	} {
		w := r.RDAP(c.name)
		if w == nil || w.BaseURL != c.base || w.Source != c.source {
			t.Errorf("RDAP(%s) = %+v, want %s from %s", c.name, w, c.base, c.source)
		}
	}
	if w := r.RDAP("example.at"); w != nil {
		t.Errorf(".at has no RDAP: %+v", w)
	}
	if w := r.WHOIS("example.at"); w.Server != "whois.nic.at:43" || w.Source != WHOISTableSrc {
		t.Errorf("WHOIS(.at) = %+v", w)
	}
	for _, c := range []struct{ ip, rir string }{
		{"8.8.8.8", "arin"}, {"193.0.6.139", "ripe"}, {"1.1.1.1", "apnic"}, {"200.3.14.10", "lacnic"},
		{"196.216.2.1", "afrinic"}, {"fe80::1", ""}, {"2001:200::1", "apnic"}, {"2a00:1450::1", "ripe"}, {"2600::1", "arin"},
	} {
		w := r.IP(netip.MustParseAddr(c.ip))
		got := ""
		if w != nil {
			got = w.RIR
		}
		if got != c.rir {
			t.Errorf("IP(%s) RIR %q, want %q", c.ip, got, c.rir)
		}
	}
	if w := r.ASN(3333); w == nil || w.RIR != "ripe" {
		t.Errorf("ASN(3333) = %+v, want ripe", w)
	}
}

func TestOverridePrecedence(t *testing.T) {
	r, err := New(Options{Overrides: []Override{
		{TLD: "com", URL: "https://example.net/rdap"},         // IANA wins
		{TLD: "co.gl", URL: "https://rdap.example.gl/co.gl/"}, // longer key wins
		{TLD: "io", URL: "https://rdap.example.io/", Date: "2026-12-01"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if w := r.RDAP("a.com"); w.Source != SourceIANA {
		t.Errorf(".com: %+v", w)
	}
	if w := r.RDAP("x.co.gl"); w.BaseURL != "https://rdap.example.gl/co.gl/" || w.Source != SourceOverride || w.Reference != "configuration" {
		t.Errorf("co.gl: %+v", w)
	}
	if w := r.RDAP("x.gl"); w.BaseURL != "https://rdap.centralnic.com/gl/" {
		t.Errorf("gl: %+v", w)
	}
	if w := r.RDAP("x.io"); w.BaseURL != "https://rdap.example.io/" || w.Date != "2026-12-01" {
		t.Errorf("io: %+v", w)
	}
	c, _ := New(Options{RDAPURL: "http://127.0.0.1:1/rdap"})
	if w := c.RDAP("x.com"); w.Source != SourceConfig || w.BaseURL != "http://127.0.0.1:1/rdap/" {
		t.Errorf("config: %+v", w)
	}
	lab, _ := New(Options{NoEmbeddedOverrides: true, WhoisReferral: "127.0.0.1:4343"})
	if w := lab.RDAP("x.io"); w != nil {
		t.Errorf("lab .io: %+v", w)
	}
	if w := lab.WHOIS("x.com"); w.Server != "127.0.0.1:4343" || w.Source != WHOISReferral {
		t.Errorf("lab whois: %+v", w)
	}
}

func TestBadInputNamesTheValue(t *testing.T) {
	for _, c := range []struct {
		o    Override
		want string
	}{
		{Override{TLD: "i_o", URL: "https://x/"}, `"i_o"`},
		{Override{TLD: "io", URL: "ftp://x/"}, `"ftp://x/"`},
		{Override{TLD: "io", URL: "https://user:pw@x/"}, `base URL`},
		{Override{TLD: "", URL: "https://x/"}, `TLD ""`},
	} {
		_, err := New(Options{Overrides: []Override{c.o}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want it to name %s", c.o, err, c.want)
		}
	}
	for _, c := range []struct{ file, body, want string }{
		{FileDNS, `{"services": 3}`, "dns.json: not an RFC 9224 file"},
		{FileDNS, `{"publication": "x"}`, "dns.json: no services array"},
		{FileDNS, `<html>`, "dns.json: not an RFC 9224 file"},
		{FileIPv4, `{"services": [[["2001:db8::/32"], ["https://x/"]]]}`, `"2001:db8::/32": not an ipv4 prefix`},
		{FileASN, `{"services": [[["9-1"], ["https://x/"]]]}`, `"9-1"`},
		{FileDNS, `{"services": [[["com"], ["javascript:x"]]]}`, `"javascript:x"`},
	} {
		if _, err := ParseBootstrap(c.file, []byte(c.body)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v, want %q", c.file, c.body, err, c.want)
		}
	}
}

func TestLoadDirectoryAndBetter(t *testing.T) {
	dir := t.TempDir()
	for _, f := range Files {
		b, _ := os.ReadFile(filepath.Join("data", f))
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Load(dir)
	if err != nil || s.DNS.Services() != 597 {
		t.Fatalf("load: %v", err)
	}
	small, err := ParseBootstrap(FileDNS, []byte(`{"publication":"2026-12-01T00:00:00Z","services":[[["com"],["https://x/"]]]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := Better(s.DNS, small); !errors.Is(err, ErrWorse) {
		t.Fatalf("shrunken file: %v, want ErrWorse", err)
	}
	if err := Better(small, s.DNS); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, FileASN))
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "asn.json") {
		t.Fatalf("missing asn.json: %v", err)
	}
}
