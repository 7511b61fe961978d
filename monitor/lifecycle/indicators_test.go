package lifecycle

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The embedded file must load, every signature must compile to a matcher,
// and it must agree with the shared reference file it was copied from (a
// copy of which sits in testdata, so a clean checkout runs the comparison).
func TestDefaultIndicatorsLoad(t *testing.T) {
	ind, err := LoadIndicators(strings.NewReader(string(DefaultYAML())))
	if err != nil {
		t.Fatalf("embedded indicators: %v", err)
	}
	if len(ind.Signatures) < 40 {
		t.Fatalf("only %d signatures", len(ind.Signatures))
	}
	for _, s := range ind.Signatures {
		var n int
		switch s.Kind {
		case KindNSSuffix:
			n = len(s.suffixes) + len(s.regexes)
		case KindNSPair:
			n = len(s.hosts)
		case KindIP, KindCIDR:
			n = len(s.prefixes)
		case KindEPPStatus:
			n = len(s.statuses)
		case KindHTTPTitle, KindHTTPBody, KindWhoisRegistrar, KindWhoisRegistrant:
			n = len(s.regexes)
		case KindHTTPAsset:
			n = len(s.assets)
		}
		if n == 0 || n < len(s.Match) {
			t.Errorf("%s (line %d): %d of %d match values compiled", s.ID, s.Line, n, len(s.Match))
		}
	}
	for _, id := range []string{"us-fbi-seized-ns", "registry-lock-set", "banner-domain-has-been-seized", "epp-serverhold", "sinkhole-ip-other"} {
		if ind.Signature(id) == nil {
			t.Errorf("signature %s missing", id)
		}
	}
	if got := ind.Signature("us-fbi-cirfu-ns-historical").ValidUntil.Format("2006-01-02"); got != "2015-04-01" {
		t.Errorf("cirfu valid_until = %s", got)
	}
	if len(ind.Rules) != 4 || ind.Rules[0].ID != RuleReregistered {
		t.Errorf("rules = %+v", ind.Rules)
	}
	if Default() == nil {
		t.Fatal("Default is nil")
	}

	ref, err := os.Open(filepath.Join("testdata", "takedown-indicators.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	refInd, err := LoadIndicators(ref)
	if err != nil {
		t.Fatalf("reference file: %v", err)
	}
	// The embedded copy adds the parking signatures (parking-*) at the end.
	researched := ind.Signatures
	for len(researched) > 0 && strings.HasPrefix(researched[len(researched)-1].ID, "parking-") {
		researched = researched[:len(researched)-1]
	}
	if len(refInd.Signatures) != len(researched) {
		t.Fatalf("embedded copy has %d researched signatures, the reference %d", len(researched), len(refInd.Signatures))
	}
	for i, s := range refInd.Signatures {
		e := researched[i]
		if s.ID != e.ID || s.Kind != e.Kind || s.State != e.State || s.Strength != e.Strength || !reflect.DeepEqual(s.Match, e.Match) {
			t.Errorf("embedded %s differs from the reference %s", e.ID, s.ID)
		}
	}
}

func TestSignatureMatchers(t *testing.T) {
	ind := Default()
	host := func(id, h string) bool { _, ok := ind.Signature(id).matchHost(h); return ok }
	for _, c := range []struct {
		id, host string
		want     bool
	}{
		{"us-fbi-seized-ns", "ns1.fbi.seized.gov", true},
		{"us-fbi-seized-ns", "fbi.seized.gov", true},
		{"us-fbi-seized-ns", "ns1.notfbi.seized.gov", false},
		{"us-fbi-seized-ns", "fbi.seized.gov.example.com", false},
		{"sinkhole-shadowserver-ns", "sc-a.sinkhole.shadowserver.org", true},
		{"expiry-ns-tool-code", "expirens3.hichina.com", true},
		{"expiry-ns-tool-code", "dns1.expirens12.hichina.com", true},
		{"expiry-ns-tool-code", "dns1.hichina.com", false},
		{"expiry-ns-tool-code", "ns2.domain-expired.myhostadmin.net", true},
	} {
		t.Run(c.id+"/"+c.host, func(t *testing.T) {
			if got := host(c.id, c.host); got != c.want {
				t.Errorf("%s matches %s = %v, want %v", c.id, c.host, got, c.want)
			}
		})
	}
	addr := func(id, a string) bool { _, ok := ind.Signature(id).matchAddr(netip.MustParseAddr(a)); return ok }
	if !addr("sinkhole-ip-other", "195.22.26.200") || addr("sinkhole-ip-other", "195.22.26.100") {
		t.Error("cidr 195.22.26.192/26")
	}
	if !addr("sinkhole-ip-microsoft", "199.2.137.9") || !addr("resolver-block-opendns", "146.112.61.106") {
		t.Error("ip and cidr matching")
	}
	if op := func() string {
		p, _ := ind.Signature("sinkhole-ip-other").matchAddr(netip.MustParseAddr("148.81.111.111"))
		return p.operator
	}(); op != "CERT Polska" {
		t.Errorf("per-entry operator = %q", op)
	}
	if ind.Signature("le-cloudflare-pair-hint").matchPair([]string{"jocelyn.ns.cloudflare.com"}) {
		t.Error("a pair needs both hosts")
	}
	re := ind.Signature("banner-domain-has-been-seized")
	for title, want := range map[string]bool{
		"This domain has been seized": true, "Domain Seized": true, "THIS DOMAIN NAME WAS SEIZED": true,
		"Seized goods auction": false, "domain seizedx": false,
	} {
		t.Run(title, func(t *testing.T) {
			if got := re.matchText(title); got != want {
				t.Errorf("banner title %q = %v, want %v", title, got, want)
			}
		})
	}
}

func TestWatchDomains(t *testing.T) {
	got := Default().WatchDomains()
	for _, want := range []string{"seized.gov", "seizedservers.com", "cirfu.net", "microsoftinternetsafety.net", "shadowserver.org", "abuse.ch", "usssdomainseizure.com", "conficker-sinkhole.com", "sl-reverse.com"} {
		if !contains(got, want) {
			t.Errorf("WatchDomains lacks %s: %v", want, got)
		}
	}
	for _, not := range []string{"cloudflare.com", "renewyourdomain.net", "namecheap.com", "fbi.seized.gov", "susp-nded.domain"} {
		if contains(got, not) {
			t.Errorf("WatchDomains has %s", not)
		}
	}
	for i := 1; i < len(got); i++ {
		if got[i-1] >= got[i] {
			t.Fatalf("not sorted and unique at %d: %v", i, got)
		}
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func TestLoadIndicatorsErrors(t *testing.T) {
	const head = "version: 0\nsignatures:\n"
	for _, c := range []struct {
		name, yaml string
		want       []string // substrings of the error
	}{
		{"unknown kind", head + "  - id: x1\n    kind: dns_txt\n    match: a\n    state: seized\n    strength: strong\n",
			[]string{"line 4", `signature "x1"`, `unknown kind "dns_txt"`}},
		{"bad regex", head + "  - id: banner\n    kind: http_title\n    match: '(?i)seized('\n    state: seized\n    strength: corroborating\n",
			[]string{"line 5", `signature "banner"`, "regex"}},
		{"bad ip", head + "  - id: ipx\n    kind: ip\n    match: [1.2.3.4, 1.2.3.999]\n    state: sinkholed\n    strength: weak\n",
			[]string{"line 5", `"1.2.3.999" is not an IP address`}},
		{"network under ip", head + "  - id: ipn\n    kind: ip\n    match: [10.0.0.0/8]\n    state: sinkholed\n    strength: weak\n",
			[]string{"kind cidr"}},
		{"unknown key", head + "  - id: k\n    kind: ns_suffix\n    match: a.example\n    state: seized\n    strength: strong\n    stregnth: weak\n",
			[]string{"line 8", `unknown key "stregnth"`}},
		{"unknown state", head + "  - id: s\n    kind: ns_suffix\n    match: a.example\n    state: gone\n    strength: strong\n",
			[]string{"line 6", `unknown state "gone"`}},
		{"bad strength", head + "  - id: s\n    kind: ns_suffix\n    match: a.example\n    state: seized\n    strength: mighty\n",
			[]string{"line 7", `strength "mighty"`}},
		{"duplicate id", head + "  - id: d\n    kind: ns_suffix\n    match: a.example\n    state: seized\n    strength: strong\n" +
			"  - id: d\n    kind: ns_suffix\n    match: b.example\n    state: seized\n    strength: strong\n",
			[]string{"line 8", "duplicate id (first at line 3)"}},
		{"rdap without epp", head + "  - id: st\n    kind: epp_status\n    match: [serverHold]\n    rdap: [client hold]\n    state: suspended\n    strength: strong\n",
			[]string{`rdap name "client hold" has no EPP code`}},
		{"no match", head + "  - id: m\n    kind: ns_suffix\n    state: seized\n    strength: strong\n", []string{"no match values"}},
		{"bad valid_until", head + "  - id: v\n    kind: ns_suffix\n    match: a.example\n    state: seized\n    strength: weak\n    valid_until: April 2015\n",
			[]string{"line 8", "YYYY-MM-DD"}},
		{"not a list", "signatures: 3\n", []string{"signatures must be a list"}},
		{"no signatures", "version: 0\n", []string{"no signatures"}},
		{"unknown top key", "version: 0\nsignature: []\n", []string{`unknown key "signature"`}},
		{"bad version", "version: 7\nsignatures: []\n", []string{"version"}},
		{"yaml syntax", "signatures: [\n", []string{"yaml"}},
		{"two problems", head + "  - id: a\n    kind: nope\n    match: x\n    state: seized\n    strength: strong\n" +
			"  - id: b\n    kind: ns_suffix\n    match: 'bad host!'\n    state: seized\n    strength: strong\n",
			[]string{`signature "a"`, `signature "b"`, "is not a host name"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadIndicators(strings.NewReader(c.yaml))
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			var le *Error
			if !errors.As(err, &le) {
				t.Errorf("error %T is not an *Error", err)
			}
		})
	}
}

func TestLoadFile(t *testing.T) {
	ind, err := Load("")
	if err != nil || ind != Default() {
		t.Fatalf("Load(\"\") = %v, %v", ind, err)
	}
	path := filepath.Join(t.TempDir(), "ind.yaml")
	if err := os.WriteFile(path, []byte("signatures:\n  - id: park\n    kind: ns_suffix\n    match: parking.example\n    state: parked\n    strength: strong\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ind, err = Load(path)
	if err != nil || len(ind.Signatures) != 1 {
		t.Fatalf("Load(%s) = %v, %v", path, ind, err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Fatal("missing file loaded")
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("signatures:\n  - id: x\n    kind: zz\n"), 0o600)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("Load(bad) = %v; want the path and the line", err)
	}
}

func TestNormalizeStatus(t *testing.T) {
	for in, want := range map[string]string{
		"serverHold":  "serverHold",
		"server hold": "serverHold",
		"SERVER-HOLD": "serverHold",
		"clientTransferProhibited https://icann.org/epp#clientTransferProhibited":     "clientTransferProhibited",
		"client transfer prohibited (https://icann.org/epp#clientTransferProhibited)": "clientTransferProhibited",
		"active":            "ok",
		"OK":                "ok",
		"associated":        "linked",
		"redemption period": "redemptionPeriod",
		"auto renew period": "autoRenewPeriod",
		"Registered":        "registered",
		"":                  "",
	} {
		t.Run(in, func(t *testing.T) {
			if got := NormalizeStatus(in); got != want {
				t.Errorf("NormalizeStatus(%q) = %q, want %q", in, got, want)
			}
		})
	}
	if got := NormalizeStatuses([]string{"server hold", "serverHold", "", "ok"}); !reflect.DeepEqual(got, []string{"serverHold", "ok"}) {
		t.Errorf("NormalizeStatuses = %v", got)
	}
}
