package monitor_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/monitor/lifecycle/judge"
	"github.com/takedownhq/takedown/store"
)

// Over real wires (simnet's DNS, registry RDAP and RIR RDAP): the
// registration snapshot carries the registrar's abuse contact from its RDAP
// entity with role abuse, the hosting snapshot the network's abuse-c from
// the RIR, each with its source; a move to another network raises
// hosting_changed once; an RIR outage marks the address stale without an
// event and without holding up the domain's own probes.
func TestAbuseContactsAndHostingMove(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	n := w.cfg
	n.IPRDAPTTL = time.Millisecond // every check asks the RIR again
	ps, err := monitor.NewProbers(n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	kinds := []event.Probe{event.ProbeDNS, event.ProbeRDAP, event.ProbeHosting}
	list, err := ps.List(kinds...)
	if err != nil {
		t.Fatal(err)
	}
	m := engine.New(w.st, list, judge.Lifecycle{Indicators: lifecycle.Default()}, engine.Options{Workers: 2, ProbeTimeout: 5 * time.Second})
	const name = "thefoxcloud.com"
	check := func() {
		t.Helper()
		if _, err := m.Check(ctx, name, kinds); err != nil {
			t.Fatal(err)
		}
	}
	check()
	d := w.state(t, name)
	type hosting struct {
		Addresses []struct {
			IP      string `json:"ip"`
			RIR     string `json:"rir"`
			Network struct {
				Handle, Name, CIDR, Country string
			} `json:"network"`
			ASN    uint32 `json:"asn"`
			ASName string `json:"as_name"`
			Abuse  []struct {
				Email, Phone, Source string
			} `json:"abuse"`
			Stale bool `json:"stale"`
		} `json:"addresses"`
	}
	latest := func(kind string, v any) {
		t.Helper()
		if h, ok := v.(*hosting); ok {
			*h = hosting{} // Unmarshal reuses a slice's elements
		}
		sn, err := w.st.LatestSnapshot(ctx, d.ID, kind)
		if err != nil || sn == nil {
			t.Fatalf("%s snapshot: %v", kind, err)
		}
		if err := json.Unmarshal(sn.Data, v); err != nil {
			t.Fatal(err)
		}
	}
	var reg map[string]any
	latest(string(event.ProbeRDAP), &reg)
	if reg["registrar_abuse_email"] != "abuse@namecheap.com" || reg["registrar_abuse_phone"] != "+1.6613102107" ||
		reg["registrar_abuse_source"] != "rdap entity role abuse" || reg["registrar_iana_id"] != float64(1068) {
		t.Fatalf("registration snapshot: %v", reg)
	}
	var h hosting
	latest(string(event.ProbeHosting), &h)
	if len(h.Addresses) != 1 {
		t.Fatalf("hosting: %+v", h)
	}
	a := h.Addresses[0]
	if a.IP != "127.0.0.1" || a.Network.CIDR != "127.0.0.0/24" || a.Network.Handle != "NET-127-0-0-0-1" || a.Network.Country != "US" ||
		a.ASN != 64500 || a.ASName != "SIMNET-AS" || len(a.Abuse) != 1 || a.Abuse[0].Email != "abuse@hoster.example" ||
		a.Abuse[0].Phone != "+1-555-0100" || a.Abuse[0].Source != "rir rdap entity role abuse" || a.Stale {
		t.Fatalf("hosting address: %+v", a)
	}
	hostingEvents := func() int {
		return len(w.events(t, store.EventQuery{Domain: name, Kinds: []event.Kind{event.HostingChanged}}))
	}
	if n := hostingEvents(); n != 0 {
		t.Fatalf("%d hosting_changed on the first look", n)
	}

	// The site moves to another hoster.
	w.net.RIR.SetNetwork(simnet.RIRNetwork{Prefix: netip.MustParsePrefix("127.0.1.0/24"), Handle: "NET-127-0-1-0-1",
		Name: "OTHER-HOSTING", Country: "NL", ASN: 64501, ASName: "OTHER-AS", AbuseEmail: "abuse@other.example"})
	if err := w.net.DNS.SetZone(name, "@ A 127.0.1.5", "www A 127.0.1.5"); err != nil {
		t.Fatal(err)
	}
	check()
	check() // unchanged: no second event
	latest(string(event.ProbeHosting), &h)
	if a := h.Addresses[0]; a.IP != "127.0.1.5" || a.Network.CIDR != "127.0.1.0/24" || a.ASN != 64501 || a.Abuse[0].Email != "abuse@other.example" {
		t.Fatalf("after the move: %+v", a)
	}
	evs := w.events(t, store.EventQuery{Domain: name, Kinds: []event.Kind{event.HostingChanged}})
	if len(evs) != 1 || evs[0].Severity != event.SevWarning {
		t.Fatalf("hosting_changed after the move: %+v", evs)
	}

	// The RIR goes down: the address keeps its network, marked stale, and
	// no hosting_changed follows.
	w.net.RIR.SetDown(http.StatusServiceUnavailable)
	if err := w.net.DNS.SetZone(name, "@ A 127.0.1.6", "www A 127.0.1.6"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	check()
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("a check with the RIR down took %s", took)
	}
	latest(string(event.ProbeHosting), &h)
	if a := h.Addresses[0]; a.IP != "127.0.1.6" || a.Network.CIDR != "127.0.1.0/24" || !a.Stale {
		t.Fatalf("stale address: %+v", a)
	}
	if n := hostingEvents(); n != 1 {
		t.Fatalf("%d hosting_changed after the RIR outage, want still 1", n)
	}

	// It moves again, to a network never looked up, while the RIR is still
	// down: nothing is recorded (the hosting probe is deferred), so no
	// half-known snapshot reads as a move.
	w.net.RIR.SetNetwork(simnet.RIRNetwork{Prefix: netip.MustParsePrefix("127.0.2.0/24"), Handle: "NET-127-0-2-0-1",
		Name: "THIRD-HOSTING", Country: "DE", ASN: 64502, ASName: "THIRD-AS", AbuseEmail: "abuse@third.example"})
	if err := w.net.DNS.SetZone(name, "@ A 127.0.2.9", "www A 127.0.2.9"); err != nil {
		t.Fatal(err)
	}
	res, err := m.Check(ctx, name, kinds)
	if err != nil || len(res.Deferred) != 1 || res.Deferred[0] != event.ProbeHosting {
		t.Fatalf("check with the RIR down and a new network: %+v %v", res, err)
	}
	latest(string(event.ProbeHosting), &h)
	if h.Addresses[0].IP != "127.0.1.6" || hostingEvents() != 1 {
		t.Fatalf("a deferred hosting probe recorded %+v", h)
	}
	// The RIR is back (and, as for a daemon after the backoff, asked
	// again): one hosting_changed for the move.
	w.net.RIR.SetDown(0)
	ps2, err := monitor.NewProbers(n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps2.Close() })
	list2, _ := ps2.List(kinds...)
	m = engine.New(w.st, list2, judge.Lifecycle{Indicators: lifecycle.Default()}, engine.Options{Workers: 2, ProbeTimeout: 5 * time.Second})
	check()
	latest(string(event.ProbeHosting), &h)
	if a := h.Addresses[0]; a.Network.CIDR != "127.0.2.0/24" || a.Stale || hostingEvents() != 2 {
		t.Fatalf("after the RIR came back: %+v, %d hosting_changed", a, hostingEvents())
	}
}
