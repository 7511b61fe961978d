package monitor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/takedownhq/takedown/feeds"
	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/monitor/infra"
	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/monitor/lifecycle/judge"
	"github.com/takedownhq/takedown/monitor/probe/dnsprobe"
	"github.com/takedownhq/takedown/store"
)

// originZone serves an IP-to-ASN TXT zone on 127.0.0.1 and returns its
// address.
func originZone(t *testing.T, answers map[string]string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			m := new(dns.Msg)
			m.SetReply(r)
			if txt, ok := answers[r.Question[0].Name]; ok {
				m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeTXT,
					Class: dns.ClassINET, Ttl: 60}, Txt: []string{txt}})
			} else {
				m.Rcode = dns.RcodeNameError
			}
			w.WriteMsg(m)
		})}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// zoneFile is a .com zone delegating each name to its name servers.
func zoneFile(serial int, delegations map[string][]string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN com.\n$TTL 172800\n@ SOA a.gtld-servers.net. nstld.verisign-grs.com. %d 1800 900 604800 86400\n", serial)
	names := make([]string, 0, len(delegations))
	for n := range delegations {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		for _, ns := range delegations[n] {
			fmt.Fprintf(&b, "%s NS %s.\n", strings.TrimSuffix(n, ".com"), ns)
		}
	}
	return []byte(b.String())
}

// A watched domain, seized after takedown saw it on dedicated name
// servers and its own address, leads to its siblings through what they
// share: one delegated to the same name servers (zone), one resolving to
// the same address (NRD), one named in the same certificate (CT). Each
// raises one related_found, critical since the domain is seized; a new
// domain on a name server 150 others share in the zone is not related,
// nor is a registered name elsewhere. Over simnet's DNS, feed file server
// and CT log, on both drivers.
func TestRelatedFoundThroughSharedInfrastructure(t *testing.T) {
	drivers(t, func(t *testing.T, st countedStore) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		n, err := simnet.StartNet(ctx, simnet.NetOptions{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		dedicated := []string{"ns1.foxdns.net", "ns2.foxdns.net"}
		for _, s := range []simnet.Site{
			{Domain: "thefoxcloud.com", NS: dedicated, Records: []string{"@ A 127.0.5.9", "www A 127.0.5.9"}},
			{Domain: "cloudfoxhub.com", NS: []string{"ns1.bighost.net"}, Records: []string{"@ A 127.0.6.1"}},
			{Domain: "quietharbor.com", Records: []string{"@ A 127.0.5.9"}},    // the NRD sibling
			{Domain: "innocentbakery.com", Records: []string{"@ A 127.0.7.7"}}, // registered, elsewhere
		} {
			if err := n.AddSite(s); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: "thefoxcloud.com"}, {Name: "cloudfoxhub.com"}}); err != nil {
			t.Fatal(err)
		}
		// The address block is on an infrastructure watchlist (an IOC list).
		// So is the crowded name server.
		if _, err := st.AddInfraWatches(ctx, []store.InfraWatch{{Kind: infra.WatchIP, Value: "127.0.5.0/24"},
			{Kind: infra.WatchNS, Value: "ns1.bighost.net"}}); err != nil {
			t.Fatal(err)
		}
		cfg := n.Network(config.Default().Network)
		cfg.Timeout = 500 * time.Millisecond
		ps, err := monitor.NewProbers(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer ps.Close()
		list, _ := ps.List()
		// Origin ASes come from a DNS IP-to-ASN zone (infra.asn_dns_zone).
		asn := originZone(t, map[string]string{"9.5.0.127.origin.asn.test.": "64500 | 127.0.5.0/24 | US | arin | 2000-01-01"})
		m := engine.New(st, list, judge.Lifecycle{Indicators: lifecycle.Default()}, engine.Options{Workers: 4, ProbeTimeout: 5 * time.Second,
			OriginASN: dnsprobe.NewOriginASN("origin.asn.test", asn, time.Second).Lookup})
		if err := m.RunOnce(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if err := n.Seize("thefoxcloud.com"); err != nil {
			t.Fatal(err)
		}
		n.DNS.FlushCache()
		if err := m.RunOnce(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if d, _ := st.Domain(ctx, "thefoxcloud.com"); d.State != event.StateSeized {
			t.Fatalf("thefoxcloud.com is %s, want seized", d.State)
		}
		// First seen on the watched block: one infrastructure_seen (the
		// check after the seizure brings no new key in it); the seizure
		// moved the name servers to another operator.
		seen, err := st.Events(ctx, store.EventQuery{Domain: "thefoxcloud.com", Kinds: []event.Kind{event.InfrastructureSeen, event.NSOperatorChanged}})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, ev := range seen {
			kinds[string(ev.Kind)]++
			if ev.Kind == event.InfrastructureSeen && (ev.Field != infra.KindIP || ev.New != "127.0.5.9") {
				t.Errorf("infrastructure_seen: %+v", ev)
			}
			if ev.Kind == event.NSOperatorChanged && (ev.Old != "foxdns.net" || ev.New != "seized.gov") {
				t.Errorf("ns_operator_changed: %+v", ev)
			}
		}
		if kinds[string(event.InfrastructureSeen)] != 1 || kinds[string(event.NSOperatorChanged)] != 1 {
			t.Errorf("events: %v, want one infrastructure_seen and one ns_operator_changed", kinds)
		}
		if evs, _ := st.Events(ctx, store.EventQuery{Domain: "cloudfoxhub.com", Kinds: []event.Kind{event.InfrastructureSeen}}); len(evs) != 1 || evs[0].New != "ns1.bighost.net" {
			t.Errorf("cloudfoxhub.com is on the watched name server, not the block: %+v", evs)
		}
		// Keys are history: the dedicated name servers and the address
		// are still its keys after the seizure moved it.
		keys, err := st.DomainKeys(ctx, "thefoxcloud.com")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []store.InfraKey{{Kind: infra.KindNS, Value: "ns1.foxdns.net"}, {Kind: infra.KindIP, Value: "127.0.5.9"},
			{Kind: infra.KindNS, Value: "ns1.fbi.seized.gov"}, {Kind: infra.KindASN, Value: "AS64500"}} {
			if !slices.ContainsFunc(keys, func(k store.DomainKey) bool { return k.InfraKey == want }) {
				t.Errorf("keys of thefoxcloud.com lack %v: %+v", want, keys)
			}
		}

		files, err := simnet.StartFeedFiles()
		if err != nil {
			t.Fatal(err)
		}
		defer files.Close()
		ctlog, err := simnet.StartCTLog(simnet.CTLogOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer ctlog.Close()
		r := &feeds.Runner{Store: st, Dir: t.TempDir(), Related: feeds.RelatedOptions{ResolveRate: 200,
			Resolve: feeds.DNSResolver(n.DNS.ResolverAddr(), time.Second)}}

		// Zone: the baseline holds 150 domains on bighost; the next file adds
		// a sibling on the dedicated name servers and one more on bighost.
		zone := map[string][]string{"thefoxcloud.com": dedicated, "cloudfoxhub.com": {"ns1.bighost.net"}}
		for i := range 150 {
			zone[fmt.Sprintf("tenant%03d.com", i)] = []string{"ns1.bighost.net"}
		}
		files.Put("/com.zone", zoneFile(1, zone))
		if err := st.AddFeed(ctx, store.Feed{Name: "com", Kind: feeds.KindZone, URL: files.URL("/com.zone")}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.RunNamed(ctx, "com"); err != nil {
			t.Fatal(err)
		}
		zone["foxsibling.com"] = dedicated
		zone["tenant150.com"] = []string{"ns1.bighost.net"}
		files.Put("/com.zone", zoneFile(2, zone))
		if _, err := r.RunNamed(ctx, "com"); err != nil {
			t.Fatal(err)
		}

		// NRD: one new name on the seized domain's old address, one
		// elsewhere, one not registered.
		files.Put("/nrd.txt", []byte("quietharbor.com\ninnocentbakery.com\nnever-registered-xyz.com\n"))
		if err := st.AddFeed(ctx, store.Feed{Name: "nrd", Kind: feeds.KindNRD, URL: files.URL("/nrd.txt")}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.RunNamed(ctx, "nrd"); err != nil {
			t.Fatal(err)
		}

		// CT: a certificate naming the seized domain and a third name.
		if _, err := ctlog.Issue("thefoxcloud.com", "www.thefoxcloud.com", "foxcloud-billing.com"); err != nil {
			t.Fatal(err)
		}
		if err := st.AddFeed(ctx, store.Feed{Name: "ct", Kind: feeds.KindCT, URL: feeds.LogFeedURL(ctlog.URL(), ctlog.PublicKeyDER()),
			Cursor: feeds.CTCursor(0)}); err != nil {
			t.Fatal(err)
		}
		f, _ := st.Feed(ctx, "ct")
		f.Cursor = feeds.CTCursor(0)
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.SaveFeed(*f) }); err != nil {
			t.Fatal(err)
		}
		if _, err := r.RunNamed(ctx, "ct"); err != nil {
			t.Fatal(err)
		}
		// Running every feed again announces nothing twice.
		for _, name := range []string{"com", "nrd", "ct"} {
			if _, err := r.RunNamed(ctx, name); err != nil {
				t.Fatal(err)
			}
		}

		evs, err := st.Events(ctx, store.EventQuery{Kinds: []event.Kind{event.RelatedFound}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"foxsibling.com": infra.KindNS, "quietharbor.com": infra.KindIP, "foxcloud-billing.com": infra.KindCert}
		got := map[string]int{}
		for _, ev := range evs {
			got[ev.Domain]++
			var detail struct {
				RelatedTo []string `json:"related_to"`
				Shares    []struct {
					Kind  string `json:"kind"`
					Value string `json:"value"`
				} `json:"shares"`
			}
			if err := json.Unmarshal(ev.Detail, &detail); err != nil {
				t.Fatal(err)
			}
			kind, ok := want[ev.Domain]
			if !ok {
				t.Errorf("unexpected related_found for %s: %s", ev.Domain, ev.Detail)
				continue
			}
			if !slices.ContainsFunc(detail.Shares, func(s struct {
				Kind  string `json:"kind"`
				Value string `json:"value"`
			}) bool {
				return s.Kind == kind
			}) || !slices.Equal(detail.RelatedTo, []string{"thefoxcloud.com"}) {
				t.Errorf("%s: detail %s, want a %s share with thefoxcloud.com", ev.Domain, ev.Detail, kind)
			}
			if ev.Severity != event.SevCritical {
				t.Errorf("%s: severity %s, want critical (related to a seized domain)", ev.Domain, ev.Severity)
			}
		}
		for name := range want {
			if got[name] != 1 {
				t.Errorf("%s: %d related_found events, want 1", name, got[name])
			}
			d, err := st.Domain(ctx, name)
			if err != nil || d.Kind != store.KindRelated {
				t.Errorf("%s: %+v %v, want a related row", name, d, err)
			}
		}
		// A feed's domain first seen on watched infrastructure: the new
		// tenant of the watched (crowded) name server, related to nothing,
		// and the NRD sibling on the watched block; once each.
		for name, key := range map[string]string{"tenant150.com": "ns1.bighost.net", "quietharbor.com": "127.0.5.9"} {
			evs, err := st.Events(ctx, store.EventQuery{Domain: name, Kinds: []event.Kind{event.InfrastructureSeen}})
			if err != nil || len(evs) != 1 || evs[0].New != key || evs[0].Severity != event.SevWarning {
				t.Errorf("%s: infrastructure_seen %+v %v, want one on %s", name, evs, err, key)
			}
		}
		if d, err := st.Domain(ctx, "tenant150.com"); err != nil || d.Kind != store.KindRelated {
			t.Errorf("tenant150.com: %+v %v", d, err)
		}
		// `related` agrees: the siblings, not the tenants.
		rep, err := infra.NewCommonness(0).Report(ctx, st, "thefoxcloud.com")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range rep.Related {
			names = append(names, r.Domain)
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"foxcloud-billing.com", "foxsibling.com", "quietharbor.com"}) {
			t.Errorf("related thefoxcloud.com: %v", names)
		}
	})
}
