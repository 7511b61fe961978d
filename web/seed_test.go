package web

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// The tests write history the way the daemon will: AddDomains, then in one
// transaction per check ObserveSnapshot with the probe's JSON, an event per
// changed field, SetState with reasons; look-alikes with UpsertLookalike;
// alerts through the Router into the outbox.

// The story happens in the days before the test runs, so the store's own
// timestamps (added_at, outbox created_at) and the story's agree.
var (
	tNow     = time.Now().UTC().Truncate(time.Minute)
	tSeized  = tNow.Add(-42 * time.Hour)
	tRecheck = tSeized.Add(-4 * 24 * time.Hour)
	tBefore  = tSeized.Add(-8 * 24 * time.Hour)
)

func openStore(t testing.TB) *sqlite.SQLite {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "takedown.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// Alerts for warnings and worse go to the SOC mailbox, as a configured
	// channel would route them.
	st.SetRouter(func(ev store.Event) []store.Delivery {
		if event.Rank(ev.Severity) < event.Rank(event.SevWarning) {
			return nil
		}
		return []store.Delivery{{Channel: "soc-mail", Recipient: "soc@example.org"}}
	})
	return st
}

// probeEvent names the event a changed field of a probe raises and its
// severity, as the daemon's change detection will.
func probeEvent(probe event.Probe, field string) (event.Kind, event.Severity) {
	switch {
	case probe == event.ProbeDelegation && field == "ns", probe == event.ProbeDNS && field == "ns":
		return event.NSChanged, event.SevWarning
	case probe == event.ProbeCert:
		return event.CertChanged, event.SevNotice
	}
	return event.Kind(probe + "_changed"), event.SevNotice
}

func show(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = show(it)
		}
		return strings.Join(parts, ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// observe stores one probe answer and writes an event per changed
// top-level field.
func observe(t testing.TB, tx store.Tx, d *store.Domain, probe event.Probe, at time.Time, snap map[string]any) {
	t.Helper()
	data, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	_, prev, changed, err := tx.ObserveSnapshot(d.ID, string(probe), at, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.SetProbeStatus(store.ProbeStatus{DomainID: d.ID, Probe: probe, LastRun: at, LastOK: at}); err != nil {
		t.Fatal(err)
	}
	if err := tx.MarkChecked(d.ID, at); err != nil {
		t.Fatal(err)
	}
	if !changed || prev == nil {
		return
	}
	var old map[string]any
	if err := json.Unmarshal(prev.Data, &old); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range snap {
		keys = append(keys, k)
	}
	for k := range old {
		if _, ok := snap[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		// Compare as decoded JSON: snap holds Go values, old holds JSON ones.
		var nv any
		b, _ := json.Marshal(snap[k])
		json.Unmarshal(b, &nv)
		if reflect.DeepEqual(old[k], nv) {
			continue
		}
		kind, sev := probeEvent(probe, k)
		if _, err := tx.AddEvent(store.Event{DomainID: d.ID, Domain: d.Name, At: at, Kind: kind, Probe: probe,
			Field: k, Old: show(old[k]), New: show(nv), Severity: sev}); err != nil {
			t.Fatal(err)
		}
	}
}

func update(t testing.TB, st store.Store, fn func(tx store.Tx)) {
	t.Helper()
	if err := st.Update(context.Background(), func(tx store.Tx) error { fn(tx); return nil }); err != nil {
		t.Fatal(err)
	}
}

func txDomain(t testing.TB, tx store.Tx, name string) *store.Domain {
	t.Helper()
	d, err := tx.Domain(name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func setState(t testing.TB, tx store.Tx, d *store.Domain, at time.Time, state event.State, sev event.Severity, reasons ...string) {
	t.Helper()
	if _, err := engine.RecordVerdict(tx, d, at, state, reasons, sev); err != nil {
		t.Fatal(err)
	}
}

var seizureReasons = []string{
	"NS ns1.fbi.seized.gov matches signature us-seizure-ns",
	"RDAP statuses serverDeleteProhibited, serverTransferProhibited, serverUpdateProhibited: registry lock",
	`page title "THIS DOMAIN HAS BEEN SEIZED" matches signature seizure-banner`,
}

// seedSeizure writes the October 2023 story: thefoxcloud.com resolves and
// serves its staffing site, then the FBI's name servers take over, the
// registry locks it and the page turns into the seizure banner.
func seedSeizure(t testing.TB, st store.Store) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.AddDomains(ctx, []store.NewDomain{
		{Name: "thefoxcloud.com", Tags: []string{"doj-2023-10", "dprk"}, Note: "DOJ press release 2023-10-18", Source: "cli"},
		{Name: "cloudfoxhub.com", Tags: []string{"doj-2023-10", "dprk"}, Source: "cli"},
		{Name: "jinyang.asia", Tags: []string{"doj-2023-10"}, Source: "cli"},
		{Name: "example.org", Kind: store.KindBrand, Tags: []string{"own"}, Source: "cli"},
	}); err != nil {
		t.Fatal(err)
	}
	oldNS := []string{"ns1.foxdns.example", "ns2.foxdns.example"}
	fbiNS := []string{"ns1.fbi.seized.gov", "ns2.fbi.seized.gov"}
	before := map[event.Probe]map[string]any{
		"dns": {"rcode": "NOERROR", "a": []string{"192.0.2.10"}, "aaaa": []string{}, "ns": oldNS,
			"mx": []string{"10 mail.thefoxcloud.com"}, "txt": []string{"v=spf1 include:_spf.example -all"},
			"soa": map[string]any{"mname": "ns1.foxdns.example", "rname": "hostmaster.thefoxcloud.com", "serial": 2023090101}},
		"delegation": {"rcode": "NOERROR", "ns": oldNS, "glue": []string{}, "ds": []string{}, "servers": []string{"a.gtld-servers.net"}},
		"rdap": {"found": true, "registrar": "NameCheap, Inc.", "registrar_iana_id": "1068", "registry_domain_id": "2606718421_DOMAIN_COM-VRSN",
			"statuses": []string{"clientTransferProhibited"}, "nameservers": oldNS, "created": "2021-03-02T11:20:00Z",
			"updated": "2023-03-01T09:00:00Z", "expires": "2024-03-02T11:20:00Z", "registrant_org": "Privacy service provided by Withheld for Privacy ehf",
			"registrant_country": "IS", "source": "rdap"},
		"cert": {"subject": "CN=thefoxcloud.com", "sans": []string{"thefoxcloud.com", "www.thefoxcloud.com"},
			"issuer": "CN=R3,O=Let's Encrypt,C=US", "serial": "03a1f4c2e9", "not_before": "2023-09-01T00:00:00Z",
			"not_after": "2023-11-30T00:00:00Z", "key_type": "ECDSA-P256", "sha256": "6b1f0a7e9c2d", "verify_error": ""},
		"http": {"status": 200, "final_url": "https://thefoxcloud.com/", "title": "The Fox Cloud | Remote IT staffing",
			"server": "nginx", "text_hash": "9f1c2a", "redirects": []string{},
			"text": "Hire vetted remote developers in days. Our engineers work in your time zone."},
	}
	after := map[event.Probe]map[string]any{
		"dns": {"rcode": "NOERROR", "a": []string{"192.0.2.200"}, "aaaa": []string{}, "ns": fbiNS,
			"mx": []string{}, "txt": []string{},
			"soa": map[string]any{"mname": "ns1.fbi.seized.gov", "rname": "hostmaster.fbi.seized.gov", "serial": 2023101801}},
		"delegation": {"rcode": "NOERROR", "ns": fbiNS, "glue": []string{}, "ds": []string{}, "servers": []string{"a.gtld-servers.net"}},
		"rdap": {"found": true, "registrar": "NameCheap, Inc.", "registrar_iana_id": "1068", "registry_domain_id": "2606718421_DOMAIN_COM-VRSN",
			"statuses":    []string{"clientTransferProhibited", "serverDeleteProhibited", "serverTransferProhibited", "serverUpdateProhibited"},
			"nameservers": fbiNS, "created": "2021-03-02T11:20:00Z", "updated": "2023-10-18T13:55:00Z", "expires": "2024-03-02T11:20:00Z",
			"registrant_org": "Privacy service provided by Withheld for Privacy ehf", "registrant_country": "IS", "source": "rdap"},
		"http": {"status": 200, "final_url": "http://thefoxcloud.com/", "title": "THIS DOMAIN HAS BEEN SEIZED",
			"server": "Apache", "text_hash": "51e0d4", "redirects": []string{"https://thefoxcloud.com/ -> http://thefoxcloud.com/"},
			"text": "This domain has been seized by the Federal Bureau of Investigation pursuant to a seizure warrant issued by the United States District Court for the Eastern District of Missouri."},
	}
	probes := []event.Probe{event.ProbeDNS, event.ProbeDelegation, event.ProbeRDAP, event.ProbeCert, event.ProbeHTTP}
	update(t, st, func(tx store.Tx) {
		fox := txDomain(t, tx, "thefoxcloud.com")
		for _, p := range probes {
			observe(t, tx, fox, p, tBefore, before[p])
		}
		setState(t, tx, fox, tBefore, event.StateActive, event.SevInfo, "resolves to 192.0.2.10", "serves a page: The Fox Cloud | Remote IT staffing")
		for _, p := range probes { // same answers: only last_seen moves
			observe(t, tx, fox, p, tRecheck, before[p])
		}
	})
	update(t, st, func(tx store.Tx) {
		fox := txDomain(t, tx, "thefoxcloud.com")
		for _, p := range []event.Probe{event.ProbeDNS, event.ProbeDelegation, event.ProbeRDAP, event.ProbeHTTP} {
			observe(t, tx, fox, p, tSeized, after[p])
		}
		// The seizure page has no TLS: a failure, not "certificate removed".
		if _, err := tx.ObserveError(fox.ID, "cert", tSeized, "dial tcp 192.0.2.200:443: connect: connection refused"); err != nil {
			t.Fatal(err)
		}
		setState(t, tx, fox, tSeized, "seized", event.SevCritical, seizureReasons...)
	})
	update(t, st, func(tx store.Tx) {
		hub := txDomain(t, tx, "cloudfoxhub.com")
		observe(t, tx, hub, "delegation", tBefore, map[string]any{"rcode": "NOERROR", "ns": []string{"dns1.registrar-servers.com", "dns2.registrar-servers.com"}})
		setState(t, tx, hub, tBefore, "active", event.SevInfo, "resolves")
		observe(t, tx, hub, "delegation", tSeized.Add(time.Hour), map[string]any{"rcode": "NOERROR", "ns": fbiNS})
		setState(t, tx, hub, tSeized.Add(time.Hour), "seized", event.SevCritical, seizureReasons[0])

		jin := txDomain(t, tx, "jinyang.asia")
		observe(t, tx, jin, "dns", tBefore, map[string]any{"rcode": "NOERROR", "a": []string{"198.51.100.7"}})
		setState(t, tx, jin, tBefore, "active", event.SevInfo, "resolves to 198.51.100.7")
		for i := range 3 {
			if _, err := tx.ObserveError(jin.ID, "whois", tSeized.Add(time.Duration(i)*time.Hour), "whois.nic.asia:43: i/o timeout"); err != nil {
				t.Fatal(err)
			}
		}
		ex := txDomain(t, tx, "example.org")
		setState(t, tx, ex, tBefore, "active", event.SevInfo, "resolves")

		for _, l := range []store.Lookalike{
			{Brand: "thefoxcloud.com", Name: "thefoxcloud.net", Fuzzer: "tld-swap", Source: "permutation", Score: 0.92,
				Registered: store.RegYes, LastChecked: tSeized.Add(48 * time.Hour), FirstSeen: tSeized.Add(48 * time.Hour),
				Created: tSeized.Add(40 * time.Hour), DNS: []byte(`{"a":["192.0.2.77"],"ns":["ns1.foxdns.example"]}`)},
			{Brand: "thefoxcloud.com", Name: "thef0xcloud.com", Fuzzer: "homoglyph", Source: "permutation", Score: 0.88,
				Registered: store.RegYes, LastChecked: tSeized.Add(30 * time.Hour), FirstSeen: tSeized.Add(30 * time.Hour)},
			{Brand: "thefoxcloud.com", Name: "thefoxcloud-hub.com", Fuzzer: "addition", Source: "feed:nrd", Score: 0.61,
				Registered: store.RegNo, FirstSeen: tSeized.Add(24 * time.Hour)},
			{Brand: "example.org", Name: "examp1e.org", Fuzzer: "homoglyph", Source: "permutation", Score: 0.9,
				Registered: store.RegYes, FirstSeen: tBefore, LastChecked: tBefore},
		} {
			stored, newly, err := tx.UpsertLookalike(l)
			if err != nil {
				t.Fatal(err)
			}
			if newly {
				if _, err := tx.AddEvent(store.Event{Domain: stored.Name, At: l.FirstSeen, Kind: "lookalike_registered",
					Severity: event.SevWarning, Detail: fmt.Appendf(nil, `{"brand":%q,"fuzzer":%q}`, l.Brand, l.Fuzzer)}); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
	// The notifier delivered the oldest alert and gave up on one.
	items, err := st.Outbox(ctx, store.OutboxQuery{})
	if err != nil || len(items) < 3 {
		t.Fatalf("outbox after seeding: %d rows, %v", len(items), err)
	}
	update(t, st, func(tx store.Tx) {
		last := items[len(items)-1]
		if err := tx.MarkSent(last.ID, tSeized.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := tx.MarkFailed(items[len(items)-2].ID, 8, "smtp 192.0.2.25:25: 550 5.1.1 mailbox unavailable"); err != nil {
			t.Fatal(err)
		}
	})
}

// Payloads an attacker can plant in what the probes read: WHOIS and RDAP
// records, certificate subjects, page titles and text, TXT records, error
// messages from servers. Each would set window.__xss or open a dialog if a
// page let it through as markup.
const (
	xssScript = `<script>window.__xss="script"</script>`
	xssImg    = `<img src=x onerror="window.__xss='img'">`
	xssSVG    = `"><svg/onload=window.__xss='svg'>`
	xssTitle  = `</title><script>alert(document.domain)</script>`
	xssIframe = `<iframe src="javascript:top.__xss='iframe'"></iframe>`
	xssAttr   = `' onmouseover='window.__xss=1' x='`
	xssStyle  = `<style>body{display:none}</style>`
)

const hostile = "evil-registrar.com"

func seedHostile(t testing.TB, st store.Store) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: hostile, Tags: []string{"xss"}, Note: xssImg, Source: "cli"}}); err != nil {
		t.Fatal(err)
	}
	update(t, st, func(tx store.Tx) {
		d := txDomain(t, tx, hostile)
		at := tBefore
		observe(t, tx, d, "dns", at, map[string]any{"rcode": "NOERROR", "a": []string{"192.0.2.66"}, "txt": []string{xssAttr, xssImg}})
		observe(t, tx, d, "rdap", at, map[string]any{"found": true, "registrar": xssScript, "statuses": []string{xssSVG}})
		observe(t, tx, d, "whois", at, map[string]any{"found": true, "registrar": xssImg, "registrant_org": xssIframe})
		observe(t, tx, d, "cert", at, map[string]any{"subject": xssSVG, "sans": []string{hostile, xssIframe}, "issuer": xssScript})
		observe(t, tx, d, "http", at, map[string]any{"status": 200, "title": "Welcome", "final_url": "javascript:alert(1)", "text": xssStyle})
		setState(t, tx, d, at, "active", event.SevInfo, "resolves")
		// The page changes to the payload: an http_changed event carries it
		// as old/new, and the diff shows it on both sides.
		observe(t, tx, d, "http", tSeized, map[string]any{"status": 200, "title": xssTitle, "final_url": "javascript:alert(1)", "text": xssStyle + xssScript})
		setState(t, tx, d, tSeized, "parked", event.SevWarning, `page title "`+xssTitle+`" matches signature parking`)
		if _, err := tx.AddEvent(store.Event{DomainID: d.ID, Domain: hostile, At: tSeized, Kind: "whois_changed", Probe: "whois",
			Field: "registrar", Old: xssImg, New: xssScript, Severity: event.SevWarning,
			Detail: []byte(`{"` + `<img src=x onerror=alert(1)>` + `":"` + `<svg onload=alert(2)>` + `"}`)}); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ObserveError(d.ID, "cert", tSeized, "tls: "+xssImg); err != nil {
			t.Fatal(err)
		}
		if _, _, err := tx.UpsertLookalike(store.Lookalike{Brand: hostile, Name: "evil-registrar.net", Fuzzer: xssSVG,
			Source: xssImg, Registered: store.RegYes, DNS: []byte(`{"txt":["` + `<img src=x onerror=alert(3)>` + `"]}`)}); err != nil {
			t.Fatal(err)
		}
	})
	items, err := st.Outbox(ctx, store.OutboxQuery{})
	if err != nil || len(items) == 0 {
		t.Fatalf("outbox: %d rows, %v", len(items), err)
	}
	update(t, st, func(tx store.Tx) {
		// An SMTP server's answer is network text too.
		if err := tx.MarkRetry(items[0].ID, 1, tNow.Add(time.Hour), "smtp: 451 "+xssScript); err != nil {
			t.Fatal(err)
		}
	})
}
