package netguard

import (
	"testing"

	"github.com/takedownhq/takedown/internal/simnet"
)

// startDNS runs a resolver on 127.0.0.1 answering A/AAAA queries from records.
func startDNS(t testing.TB, records map[string]string) *simnet.HostsDNS {
	t.Helper()
	d, err := simnet.StartHostsDNS(records)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
