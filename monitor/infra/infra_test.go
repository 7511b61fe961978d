package infra

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

func TestExtract(t *testing.T) {
	for _, tc := range []struct {
		probe, data string
		want        []string
	}{
		{string(event.ProbeDNS), `{"a":["192.0.2.10"],"aaaa":["2001:db8:1:2::5"],"ns":["NS1.Dedicated.Example.","ns2.dedicated.example"],
			"mx":["10 mail.example.net.","0 ."],"soa":["ns1.dedicated.example. hostmaster.dedicated.example. 1 2 3 4 5"]}`,
			[]string{"ns ns1.dedicated.example", "ns_domain dedicated.example", "ns ns2.dedicated.example",
				"ip 192.0.2.10", "prefix 192.0.2.0/24", "ip 2001:db8:1:2::5", "prefix 2001:db8:1::/48",
				"mx mail.example.net", "soa_rname hostmaster.dedicated.example"}},
		{string(event.ProbeDelegation), `{"ns":["ns1.co.uk.example"]}`, []string{"ns ns1.co.uk.example", "ns_domain uk.example"}},
		{string(event.ProbeCert), `{"sha256":"AB01","spki_sha256":"cd02","sans":["x"]}`, []string{"cert ab01", "cert_key cd02"}},
		{string(event.ProbeCert), `{"sha256":"<script>"}`, nil},
		{string(event.ProbeHTTP), `{"trackers":["UA-1234-1","GTM-ABCD"]}`, []string{"tracker UA-1234-1", "tracker GTM-ABCD"}},
		{string(event.ProbePage), `{"fingerprint":{"tlsh":"T1ABC"},"favicon":{"mmh3":-1234}}`, []string{"page T1ABC", "favicon -1234"}},
		{string(event.ProbeRDAP), `{"nameservers":["ns1.x.example"],"registrant_org":"Yanbian Silverstar"}`,
			[]string{"ns ns1.x.example", "ns_domain x.example", "registrant yanbian silverstar"}},
		{string(event.ProbeWHOIS), `{"registrant_org":"REDACTED FOR PRIVACY"}`, nil},
		{string(event.ProbeWHOIS), `{"registrant_org":"Domains By Proxy, LLC"}`, nil},
		{ProbeHosting, `{"addresses":[{"ip":"192.0.2.1","asn":64500},{"ip":"192.0.2.2","asn":64500}]}`, []string{"asn AS64500"}},
		{string(event.ProbeDNS), `not json`, nil},
	} {
		t.Run(tc.probe, func(t *testing.T) {
			var got []string
			for _, k := range Extract(event.Probe(tc.probe), []byte(tc.data)) {
				got = append(got, k.Kind+" "+k.Value)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("keys = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestProvidersListHasSources(t *testing.T) {
	ps, err := Providers(providersYAML)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) < 10 {
		t.Errorf("%d providers", len(ps))
	}
	if _, err := Providers([]byte("providers:\n  - name: X\n    ns_domains: [x.com]\n")); err == nil {
		t.Error("a provider without a source was accepted")
	}
}

func TestCommon(t *testing.T) {
	c := NewCommonness(0)
	for _, tc := range []struct {
		kind, value string
		count       int
		want        bool
	}{
		{KindNS, "ns1.dedicated.example", 3, false},
		{KindNS, "ns1.dedicated.example", 101, true},
		{KindNS, "ns1.dedicated.example", 100, false},
		{KindNS, "kai.ns.cloudflare.com", 1, true},
		{KindNSDomain, "awsdns-12.org", 1, true},
		{KindNS, "ns-1.awsdns-01.co.uk", 1, true},
		{KindNS, "ns01.domaincontrol.com", 1, true},
		{KindNS, "ns1.sedoparking.com", 1, true},
		{KindMX, "aspmx.l.google.com", 1, true},
		{KindASN, "AS13335", 1, true},
		{KindASN, "AS64500", 1, false},
		{KindIP, "104.16.1.1", 1, true},
		{KindPrefix, "104.16.1.0/24", 1, true},
		{KindIP, "192.0.2.1", 1, false},
		{KindSOARName, "dns.cloudflare.com", 1, true},
		{KindCertKey, "ab", 1, false},
	} {
		t.Run(tc.kind+" "+tc.value, func(t *testing.T) {
			if got, why := c.Common(store.InfraKey{Kind: tc.kind, Value: tc.value}, tc.count); got != tc.want {
				t.Errorf("Common = %v (%s), want %v", got, why, tc.want)
			}
		})
	}
}

// A key shared with 150 others relates nothing; a rare key does, and the
// rarer and stronger the keys, the higher the score.
func TestRelate(t *testing.T) {
	c := NewCommonness(100)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	crowded := store.InfraKey{Kind: KindNS, Value: "ns1.crowded.example"}
	ns := store.InfraKey{Kind: KindNS, Value: "ns1.dedicated.example"}
	key := store.InfraKey{Kind: KindCertKey, Value: "ab"}
	keys := []store.DomainKey{{InfraKey: crowded, Count: 151}, {InfraKey: ns, Count: 3}, {InfraKey: key, Count: 2}}
	var shares []store.Share
	for i := range 150 {
		shares = append(shares, store.Share{KeyDomain: store.KeyDomain{Domain: fmt.Sprintf("crowd%d.example", i)}, Key: crowded, Count: 151})
	}
	shares = append(shares,
		store.Share{KeyDomain: store.KeyDomain{Domain: "sib.example", Kind: "related", FirstSeen: t0}, Key: ns, Count: 3},
		store.Share{KeyDomain: store.KeyDomain{Domain: "twin.example", State: string(event.StateSeized), FirstSeen: t0.Add(time.Hour)}, Source: "watchlist", Key: ns, Count: 3},
		store.Share{KeyDomain: store.KeyDomain{Domain: "twin.example", FirstSeen: t0}, Source: "watchlist", Key: key, Count: 2})
	r := c.Relate("a.example", keys, shares)
	if len(r.Keys) != 3 || !r.Keys[0].Common || r.Keys[1].Common {
		t.Errorf("keys: %+v", r.Keys)
	}
	if len(r.Related) != 2 {
		t.Fatalf("related: %+v", r.Related)
	}
	twin, sib := r.Related[0], r.Related[1]
	if twin.Domain != "twin.example" || sib.Domain != "sib.example" || twin.Score <= sib.Score || twin.Score > 100 || sib.Score <= 0 {
		t.Errorf("order or scores: %+v", r.Related)
	}
	if len(twin.Shares) != 2 || twin.Shares[0].Kind != KindCertKey || !twin.FirstSeen.Equal(t0) || twin.Source != "watchlist" {
		t.Errorf("twin: %+v", twin)
	}
	if !slices.Contains(twin.Reasons, "is seized") || sib.Source != "related" {
		t.Errorf("reasons/source: %+v %+v", twin, sib)
	}
}

func TestParseWatch(t *testing.T) {
	for _, tc := range []struct {
		kind, value, want string
	}{
		{WatchNS, "NS1.Example.NET.", "ns1.example.net"},
		{WatchIP, "203.0.113.7", "203.0.113.7"},
		{WatchIP, "203.0.113.9/24", "203.0.113.0/24"},
		{WatchIP, "10.1.0.0/16", "10.1.0.0/16"},
		{WatchIP, "10.0.0.0/15", ""},
		{WatchIP, "2001:db8::/32", "2001:db8::/32"},
		{WatchIP, "2001:db8::/31", ""},
		{WatchIP, "203.0.113.300", ""},
		{WatchIP, "::ffff:192.0.2.1", "192.0.2.1"},
		{WatchASN, "AS64500", "AS64500"},
		{WatchASN, "as13335", "AS13335"},
		{WatchASN, "64500", "AS64500"},
		{WatchASN, "AS0", ""},
		{WatchASN, "AS23456", ""},
		{WatchASN, "AS65535", ""},
		{WatchASN, "AS70000", ""},
		{WatchASN, "AS4294967296", ""},
		{WatchASN, "ASX", ""},
		{"mx", "mail.example", ""},
	} {
		t.Run(tc.kind+" "+tc.value, func(t *testing.T) {
			w, err := ParseWatch(tc.kind, tc.value)
			if tc.want == "" {
				if err == nil || !strings.Contains(err.Error(), tc.value) {
					t.Errorf("ParseWatch = %v, %v; want an error naming the value", w, err)
				}
				return
			}
			if err != nil || w.Value != tc.want {
				t.Errorf("ParseWatch = %v, %v; want %s", w, err, tc.want)
			}
		})
	}
}

func TestWatched(t *testing.T) {
	ws := []store.InfraWatch{{Kind: WatchNS, Value: "ns1.bad.example"}, {Kind: WatchIP, Value: "203.0.113.0/24"},
		{Kind: WatchIP, Value: "2001:db8::5"}, {Kind: WatchASN, Value: "AS64500"}}
	for _, tc := range []struct {
		kind, value string
		want        bool
	}{
		{KindNS, "ns1.bad.example", true},
		{KindNS, "ns2.bad.example", false},
		{KindIP, "203.0.113.200", true},
		{KindIP, "203.0.114.1", false},
		{KindIP, "2001:db8::5", true},
		{KindASN, "AS64500", true},
		{KindPrefix, "203.0.113.0/24", false},
	} {
		if _, got := Watched(ws, store.InfraKey{Kind: tc.kind, Value: tc.value}); got != tc.want {
			t.Errorf("Watched(%s %s) = %v", tc.kind, tc.value, got)
		}
	}
}

// The takedown operators' own name servers relate none of the domains
// they hold: every seized domain shares them.
func TestSeizureInfrastructureIsCommon(t *testing.T) {
	c := NewCommonness(100)
	for _, k := range []store.InfraKey{{Kind: KindNS, Value: "ns1.fbi.seized.gov"}, {Kind: KindNSDomain, Value: "seized.gov"},
		{Kind: KindNS, Value: "ns2.cirfu.net"}, {Kind: KindNS, Value: "ns1.sedoparking.com"}} {
		if common, why := c.Common(k, 2); !common {
			t.Errorf("%v is not common", k)
		} else if !strings.Contains(why, "(") && !strings.Contains(why, "run by") {
			t.Errorf("%v: reason %q", k, why)
		}
	}
	if common, _ := c.Common(store.InfraKey{Kind: KindNS, Value: "ns1.notseized.gov.example"}, 2); common {
		t.Error("an ordinary name server is common")
	}
}
