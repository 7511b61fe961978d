package regdata

import (
	"net/netip"
	"testing"
)

// FuzzParseBootstrap: any bytes either parse into a set the registry can
// answer from without panicking, or are refused.
func FuzzParseBootstrap(f *testing.F) {
	for _, name := range Files {
		b, _ := embedded.ReadFile("data/" + name)
		f.Add(name, b[:min(len(b), 600)])
	}
	f.Add(FileDNS, []byte(`{"services":[[["com"],["https://x/"]]]}`))
	f.Add(FileIPv4, []byte(`{"services":[[["10.0.0.0/8"],["https://x/"]]]}`))
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		bs, err := ParseBootstrap(name, b)
		if err != nil {
			return
		}
		s := *Embedded()
		s.put(bs)
		r, err := New(Options{Set: &s})
		if err != nil {
			t.Fatalf("parsed file refused by New: %v", err)
		}
		r.RDAP("a.example.com")
		r.IP(netip.MustParseAddr("10.1.2.3"))
		r.ASN(65000)
	})
}
