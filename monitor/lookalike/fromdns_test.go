package lookalike

import (
	"testing"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

func TestRegistrationFromDNS(t *testing.T) {
	for _, tc := range []struct {
		name        string
		rcode       string
		ns, a, aaaa []string
		want        event.Registration
	}{
		{"dropped", "NXDOMAIN", nil, nil, nil, store.RegNo},
		{"delegated", "NOERROR", []string{"ns1.sedoparking.com"}, nil, nil, store.RegYes},
		{"v6 only", "NOERROR", nil, nil, []string{"2001:db8::1"}, store.RegYes},
		{"empty answer", "NOERROR", nil, nil, nil, store.RegUnknown},
		{"resolver failed", "SERVFAIL", nil, nil, nil, store.RegUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := RegistrationFromDNS("examp1e.com", tc.rcode, tc.ns, tc.a, tc.aaaa, nil)
			if got.Status != tc.want || got.Rcode != tc.rcode || got.Name != "examp1e.com" {
				t.Errorf("got %+v, want status %s", got, tc.want)
			}
		})
	}
}
