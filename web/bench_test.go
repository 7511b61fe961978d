package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// seedBusyDomain gives one domain the history of years of 15-minute checks:
// n events of mixed kinds, a few state transitions, snapshots of each probe.
func seedBusyDomain(b *testing.B, st store.Store, name string, n int) {
	b.Helper()
	if _, err := st.AddDomains(context.Background(), []store.NewDomain{{Name: name, Tags: []string{"bench"}}}); err != nil {
		b.Fatal(err)
	}
	start := time.Now().Add(-time.Duration(n) * 15 * time.Minute)
	kinds := []struct {
		kind  event.Kind
		probe event.Probe
		field string
	}{
		{"dns_changed", "dns", "a"}, {"dns_changed", "dns", "txt"}, {"http_changed", "http", "text_hash"},
		{"cert_changed", "cert", "sha256"}, {"rdap_changed", "rdap", "updated"}, {"unreachable", "http", ""},
		{"reachable", "http", ""}, {"ns_changed", "delegation", "ns"},
	}
	update(b, st, func(tx store.Tx) {
		d := txDomain(b, tx, name)
		for p, probe := range []event.Probe{event.ProbeDNS, event.ProbeDelegation, event.ProbeRDAP, event.ProbeWHOIS, event.ProbeCert, event.ProbeHTTP} {
			for v := range 5 {
				observe(b, tx, d, probe, start.Add(time.Duration(p*5+v)*time.Hour), map[string]any{
					"rcode": "NOERROR", "a": []string{fmt.Sprintf("192.0.2.%d", v)}, "ns": []string{"ns1.example.net", "ns2.example.net"},
					"title": fmt.Sprintf("version %d", v), "statuses": []string{"clientTransferProhibited"}})
			}
		}
		states := []event.State{event.StateActive, event.StateParked, event.StateActive, event.StateSuspended, event.StateSeized}
		for i := range n {
			at := start.Add(time.Duration(i) * 15 * time.Minute)
			if i%(n/len(states)) == 0 {
				setState(b, tx, d, at, states[i/(n/len(states))%len(states)], event.SevWarning, "reason one", "reason two")
				continue
			}
			k := kinds[i%len(kinds)]
			if _, err := tx.AddEvent(store.Event{DomainID: d.ID, Domain: name, At: at, Kind: k.kind, Probe: k.probe,
				Field: k.field, Old: fmt.Sprintf("192.0.2.%d, 198.51.100.%d", i%250, i%200),
				New: fmt.Sprintf("192.0.2.%d, 198.51.100.%d", (i+1)%250, (i+1)%200), Severity: event.SevNotice}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDomainPage measures the domain page of a domain with 10,000
// events through the real handler and HTTP on loopback: the newest page of
// the timeline, the oldest page, a kind filter, and the API's history.
func BenchmarkDomainPage(b *testing.B) {
	const name = "busy.example"
	st := openStore(b)
	seedBusyDomain(b, st, name, 10000)
	if n, _ := st.CountEvents(context.Background(), store.EventQuery{Domain: name}); n < 10000 {
		b.Fatalf("seeded %d events", n)
	}
	hs := serveStore(b, st, Options{})
	c := &http.Client{}
	for _, bc := range []struct{ name, path string }{
		{"10k-events/newest", "/domains/" + name},
		{"10k-events/oldest", "/domains/" + name + "?tl=9950"},
		{"10k-events/kind", "/domains/" + name + "?kind=cert_changed"},
		{"10k-events/api-history", "/api/v1/domains/" + name + "/history?limit=100"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var bytes int64
			for b.Loop() {
				resp, err := c.Get(hs.URL + bc.path)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
				bytes = n
			}
			b.ReportMetric(float64(b.Elapsed())/float64(b.N)/1e6, "ms/page")
			b.ReportMetric(float64(bytes)/1024, "KiB/page")
		})
	}
}
