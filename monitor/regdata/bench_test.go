package regdata

import (
	"fmt"
	"net/netip"
	"testing"
)

// BenchmarkRDAPLookup answers where a name's RDAP lives, across TLDs from
// IANA's file and the overrides (the probe asks once per check).
func BenchmarkRDAPLookup(b *testing.B) {
	r, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	names := []string{"www.example.com", "a.b.example.io", "example.de", "x.example.africa", "example.at", "shop.example.co.uk"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.RDAP(names[i%len(names)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkIPLookup finds the RIR of an address (longest prefix of 255).
func BenchmarkIPLookup(b *testing.B) {
	r, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	var ips []netip.Addr
	for i := range 64 {
		ips = append(ips, netip.MustParseAddr(fmt.Sprintf("%d.%d.0.1", 1+i*3, i)), netip.MustParseAddr(fmt.Sprintf("2a00:%x::1", i)))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.IP(ips[i%len(ips)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkParseEmbedded parses the four embedded files and builds a
// registry: the start-up cost.
func BenchmarkParseEmbedded(b *testing.B) {
	files := map[string][]byte{}
	for _, f := range Files {
		files[f], _ = embedded.ReadFile("data/" + f)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := SetFrom("bench", files)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := New(Options{Set: s}); err != nil {
			b.Fatal(err)
		}
	}
}
