package storetest

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/takedownhq/takedown/store"
)

// RunRegistration is the conformance suite of store.RegistrationStore: the
// bootstrap files' last good copy and the IP network cache.
func RunRegistration(t *testing.T, open func(t *testing.T) store.RegistrationStore) {
	t.Run("BootstrapFilesRoundTrip", func(t *testing.T) { bootstrapFilesRoundTrip(t, open(t)) })
	t.Run("IPNetworkMostSpecific", func(t *testing.T) { ipNetworkMostSpecific(t, open(t)) })
}

func bootstrapFilesRoundTrip(t *testing.T, s store.RegistrationStore) {
	ctx := context.Background()
	if fs, err := s.BootstrapFiles(ctx); err != nil || len(fs) != 0 {
		t.Fatalf("empty store: %v %v", fs, err)
	}
	if err := s.TouchBootstrapFile(ctx, "dns.json", time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("touch missing: %v", err)
	}
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f := store.BootstrapFile{Name: "dns.json", Body: []byte(`{"services":[]}`), ETag: `"abc"`, LastModified: "Mon, 01 Dec 2026 09:00:00 GMT",
		Publication: "2026-12-01T00:00:00Z", Services: 597, Source: "https://data.iana.org/rdap/dns.json", Fetched: t0, Checked: t0}
	if err := s.PutBootstrapFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBootstrapFile(ctx, store.BootstrapFile{Name: "asn.json", Body: []byte(`{}`), Services: 5, Fetched: t0, Checked: t0}); err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(24 * time.Hour)
	if err := s.TouchBootstrapFile(ctx, "dns.json", t1); err != nil {
		t.Fatal(err)
	}
	fs, err := s.BootstrapFiles(ctx)
	if err != nil || len(fs) != 2 || fs[0].Name != "asn.json" {
		t.Fatalf("files: %+v %v", fs, err)
	}
	g := fs[1]
	if string(g.Body) != string(f.Body) || g.ETag != f.ETag || g.LastModified != f.LastModified || g.Services != 597 ||
		g.Publication != f.Publication || g.Source != f.Source || !g.Fetched.Equal(t0) || !g.Checked.Equal(t1) {
		t.Fatalf("round trip: %+v", g)
	}
	f.Services, f.Body = 600, []byte(`{"services":[1]}`)
	if err := s.PutBootstrapFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	fs, _ = s.BootstrapFiles(ctx)
	if len(fs) != 2 || fs[1].Services != 600 || string(fs[1].Body) != `{"services":[1]}` {
		t.Fatalf("replace: %+v", fs)
	}
	if err := s.PutBootstrapFile(ctx, store.BootstrapFile{Name: "big", Body: make([]byte, store.MaxBootstrapBytes+1)}); err == nil {
		t.Fatal("an oversized file was stored")
	}
}

func ipNetworkMostSpecific(t *testing.T, s store.RegistrationStore) {
	ctx := context.Background()
	ip := netip.MustParseAddr("192.0.2.77")
	if n, err := s.IPNetwork(ctx, ip); err != nil || n != nil {
		t.Fatalf("empty: %v %v", n, err)
	}
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, n := range []store.IPNetwork{
		{Prefix: netip.MustParsePrefix("192.0.0.0/16"), RIR: "arin", Data: []byte(`{"n":16}`), Fetched: t0},
		{Prefix: netip.MustParsePrefix("192.0.2.0/24"), RIR: "arin", Data: []byte(`{"n":24}`), Fetched: t0},
		{Prefix: netip.MustParsePrefix("2001:db8::/32"), RIR: "apnic", Data: []byte(`{"n":32}`), Fetched: t0},
		{Prefix: netip.MustParsePrefix("0.0.0.0/0"), RIR: "x", Data: []byte(`{"n":0}`), Fetched: t0},
	} {
		if err := s.PutIPNetwork(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ ip, want string }{
		{"192.0.2.77", "192.0.2.0/24"}, {"192.0.3.1", "192.0.0.0/16"}, {"192.1.0.1", "0.0.0.0/0"},
		{"2001:db8::1", "2001:db8::/32"}, {"2001:db9::1", ""},
	} {
		n, err := s.IPNetwork(ctx, netip.MustParseAddr(c.ip))
		got := ""
		if n != nil {
			got = n.Prefix.String()
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %q %v, want %q", c.ip, got, err, c.want)
		}
	}
	t1 := t0.Add(time.Hour)
	if err := s.PutIPNetwork(ctx, store.IPNetwork{Prefix: netip.MustParsePrefix("192.0.2.0/24"), RIR: "ripe", Data: []byte(`{"n":"moved"}`), Fetched: t1}); err != nil {
		t.Fatal(err)
	}
	n, err := s.IPNetwork(ctx, ip)
	if err != nil || n.RIR != "ripe" || !n.Fetched.Equal(t1) || string(n.Data) != `{"n":"moved"}` {
		t.Fatalf("replace: %+v %v", n, err)
	}
}
