package lifecycle

import (
	"strings"
	"testing"

	"github.com/takedownhq/takedown/internal/base/event"
)

// benchEvidence is a typical active domain: a delegation, addresses, an
// RDAP registration and a page of sizeKB of visible text.
func benchEvidence(sizeKB int) (Evidence, Previous) {
	text := strings.Repeat("Cloud software and IT services for US companies. Contact our team today. ", sizeKB*1024/50+1)
	ev := Evidence{
		Now:        now,
		Delegation: deleg(normalNS...),
		DNS:        dnsA("192.0.2.10", "2001:db8::10"),
		Registry:   reg("client transfer prohibited", "client delete prohibited"),
		HTTP:       &Page{Title: "Fox Cloud — IT services", Text: text[:sizeKB*1024], Assets: []string{"/logo.png", "/app.js"}},
	}
	return ev, Previous{State: event.StateActive, Registry: reg("client transfer prohibited", "client delete prohibited")}
}

// BenchmarkJudge measures one verdict with the embedded indicators; the
// daemon judges every domain whenever one of its snapshots changes.
func BenchmarkJudge(b *testing.B) {
	for _, c := range []struct {
		name string
		kb   int
	}{{"no-page", 0}, {"page-4KiB", 4}, {"page-64KiB", 64}} {
		kb := c.kb
		b.Run(c.name, func(b *testing.B) {
			ev, prev := benchEvidence(kb)
			if kb == 0 {
				ev.HTTP = nil
			}
			ind := Default()
			b.ReportAllocs()
			for b.Loop() {
				ind.Judge(ev, prev)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verdicts/s")
		})
	}
}
