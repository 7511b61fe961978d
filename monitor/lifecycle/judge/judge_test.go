package judge

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/monitor/probe/dnsprobe"
	"github.com/takedownhq/takedown/monitor/probe/whoisprobe"
	"github.com/takedownhq/takedown/store"
)

func snap(t *testing.T, v any) *store.Snapshot {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return &store.Snapshot{Data: b, Hash: store.Hash(b)}
}

// RDAP is the registration of record; WHOIS is read only where RDAP has no
// answer. The delegation's glue becomes the name servers' addresses.
func TestEvidenceReadsSnapshots(t *testing.T) {
	at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	latest := map[event.Probe]*store.Snapshot{
		event.ProbeRDAP:       snap(t, whoisprobe.Record{Found: true, Registrar: "RDAP Registrar", RegistrarIANAID: 376}),
		event.ProbeWHOIS:      snap(t, whoisprobe.Record{Found: true, Registrar: "WHOIS Registrar"}),
		event.ProbeDelegation: snap(t, dnsprobe.Delegation{Rcode: "NOERROR", NS: []string{"ns1.fbi.seized.gov"}, Glue: []string{"ns1.fbi.seized.gov 192.0.2.53", "bad glue"}}),
		event.ProbeDNS:        snap(t, dnsprobe.Snapshot{Rcode: "NOERROR", A: []string{"192.0.2.1", "not-an-ip"}}),
	}
	ev := Evidence("thefoxcloud.com", latest, map[event.Probe]bool{event.ProbeHTTP: true}, at)
	if ev.Registry == nil || ev.Registry.Source != event.ProbeRDAP || ev.Registry.Registrar != "RDAP Registrar" || ev.Registry.RegistrarIANAID != "376" {
		t.Fatalf("registry = %+v, want the RDAP answer", ev.Registry)
	}
	if ev.Delegation == nil || ev.Delegation.NS[0] != "ns1.fbi.seized.gov" {
		t.Fatalf("delegation = %+v", ev.Delegation)
	}
	if ev.DNS == nil || len(ev.DNS.NSAddrs["ns1.fbi.seized.gov"]) != 1 || len(ev.DNS.Addrs) != 1 {
		t.Fatalf("dns = %+v: want one glue address and one A (the bad ones dropped)", ev.DNS)
	}
	if len(ev.Failed) != 1 || ev.Failed[0] != event.ProbeHTTP {
		t.Fatalf("failed = %v", ev.Failed)
	}
	delete(latest, event.ProbeRDAP)
	if ev := Evidence("thefoxcloud.com", latest, nil, at); ev.Registry == nil || ev.Registry.Source != event.ProbeWHOIS {
		t.Fatalf("without RDAP, registry = %+v, want the WHOIS answer", ev.Registry)
	}
}

// A registry record that disappears is one event led by "found", not one
// per emptied field.
func TestChangesGroupsARegistrationThatDisappears(t *testing.T) {
	at := time.Now()
	prev, _ := json.Marshal(whoisprobe.Record{Found: true, Registrar: "Example Registrar", Nameservers: []string{"ns1.example.net"}})
	cur, _ := json.Marshal(whoisprobe.Record{Found: false})
	evs := Lifecycle{Indicators: lifecycle.Default()}.Changes("thefoxcloud.com", event.ProbeRDAP, prev, cur, at)
	if len(evs) != 1 || evs[0].Old != "true" || evs[0].New != "false" {
		t.Fatalf("events = %+v, want one found true → false", evs)
	}
}
