package hostingprobe

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/ratelimit"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor/regdata"
)

// labRegistry is a registry whose IP bootstrap sends everything to base.
func labRegistry(t *testing.T, base string) func(context.Context) (*regdata.Registry, error) {
	t.Helper()
	boot := func(file, key string) []byte {
		b, _ := json.Marshal(map[string]any{"services": [][][]string{{{key}, {base}}}})
		return b
	}
	set, err := regdata.SetFrom("test", map[string][]byte{
		regdata.FileDNS:  boot(regdata.FileDNS, "test"),
		regdata.FileIPv4: boot(regdata.FileIPv4, "0.0.0.0/0"),
		regdata.FileIPv6: boot(regdata.FileIPv6, "::/0"),
		regdata.FileASN:  boot(regdata.FileASN, "1-4199999999"),
	})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := regdata.New(regdata.Options{Set: set, NoEmbeddedOverrides: true})
	if err != nil {
		t.Fatal(err)
	}
	return func(context.Context) (*regdata.Registry, error) { return reg, nil }
}

func TestIPv4AndIPv6FromTheRIR(t *testing.T) {
	rir, err := simnet.StartRIR()
	if err != nil {
		t.Fatal(err)
	}
	defer rir.Close()
	p := New(labRegistry(t, rir.BaseURL()), nil, nil, Options{AnyAddress: true, Rate: 1000})
	snap, err := p.Addresses(context.Background(), []string{"::1", "127.0.0.9", "127.0.0.9", "junk"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(snap)
	want := `{"addresses":[` +
		`{"ip":"127.0.0.9","rir":"127.0.0.1","network":{"handle":"NET-127-0-0-0-1","name":"SIMNET-HOSTING","cidr":"127.0.0.0/24","country":"US"},"asn":64500,"as_name":"SIMNET-AS","abuse":[{"email":"abuse@hoster.example","phone":"+1-555-0100","source":"rir rdap entity role abuse"}]},` +
		`{"ip":"::1","rir":"127.0.0.1","network":{"handle":"NET6-SIMNET-1","name":"SIMNET-HOSTING-V6","cidr":"::1/128","country":"US"},"asn":64500,"as_name":"SIMNET-AS","abuse":[{"email":"abuse@hoster.example","phone":"+1-555-0100","source":"rir rdap entity role abuse"}]}],` +
		`"networks":["127.0.0.0/24 AS64500","::1/128 AS64500"]}`
	if string(b) != want {
		t.Fatalf("snapshot\n got %s\nwant %s", b, want)
	}
	// Cached per network: another address of the same network asks nothing.
	q := rir.Queries()
	if _, err := p.Addresses(context.Background(), []string{"127.0.0.200"}); err != nil || rir.Queries() != q {
		t.Fatalf("cached lookup sent %d queries (%v)", rir.Queries()-q, err)
	}
}

// Special-purpose addresses go to no RIR unless a lab's bootstrap says so,
// so a test or a parked name on 192.0.2.1 never reaches the internet.
func TestSpecialAddressesAskNobody(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer srv.Close()
	p := New(labRegistry(t, srv.URL+"/"), nil, nil, Options{})
	snap, err := p.Addresses(context.Background(), []string{"127.0.0.1", "10.1.2.3", "192.0.2.1", "::1"})
	if err != nil || hits.Load() != 0 || len(snap.Addresses) != 4 || snap.Addresses[0].RIR != "" {
		t.Fatalf("%+v %v, %d queries", snap, err, hits.Load())
	}
}

// An RIR that is down, too slow, oversized or not JSON leaves the address
// stale, never fails the probe, never waits past its budget, and is left
// alone for a while after (one query, not one per address).
func TestRIRFailuresAreStaleAndBackedOff(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"503", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }},
		{"html", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>maintenance</html>"))
		}},
		{"huge", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/rdap+json")
			w.Write([]byte(`{"objectClassName":"ip network","name":"`))
			w.Write([]byte(strings.Repeat("x", 2*MaxReply)))
		}},
		{"stall", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1); tc.handler(w, r) }))
			defer srv.Close()
			cache := NewMemCache(10)
			old := Entry{Prefix: netip.MustParsePrefix("198.51.100.0/24"), RIR: "x",
				Data:    Address{Network: &Network{CIDR: "198.51.100.0/24", Name: "OLD-NET"}, ASN: 64499},
				Fetched: time.Now().Add(-30 * 24 * time.Hour)}
			cache.Put(context.Background(), old)
			p := New(labRegistry(t, srv.URL+"/"), nil, cache, Options{AnyAddress: true, Timeout: 300 * time.Millisecond, Rate: 1000})
			start := time.Now()
			snap, err := p.Addresses(context.Background(), []string{"198.51.100.7"})
			if err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %s", took)
			}
			a := snap.Addresses[0]
			if a.IP != "198.51.100.7" || !a.Stale || a.Network == nil || a.Network.Name != "OLD-NET" ||
				strings.Join(snap.Networks, ",") != "198.51.100.0/24 AS64499" {
				t.Errorf("cached address: %+v %v", a, snap.Networks)
			}
			// An address never looked up cannot be recorded without its
			// network: the probe is deferred until the RIR's backoff ends,
			// asking nothing meanwhile.
			snap, err = p.Addresses(context.Background(), []string{"198.51.100.7", "203.0.113.9"})
			until, ok := ratelimit.DeferredUntil(err)
			if snap != nil || !errors.Is(err, ratelimit.ErrDeferred) || !ok || time.Until(until) < 30*time.Second {
				t.Errorf("uncached address: %+v %v", snap, err)
			}
			if hits.Load() != 1 {
				t.Errorf("%d queries: the RIR must be backed off after one failure", hits.Load())
			}
		})
	}
}

// LACNIC's pace (about 10 a minute) holds: a burst of lookups beyond it is
// marked stale for later rather than waited for.
func TestPacedPerRIR(t *testing.T) {
	rir, err := simnet.StartRIR(simnet.RIRNetwork{Prefix: netip.MustParsePrefix("127.0.0.0/8"), Handle: "N", Name: "N", Country: "BR"})
	if err != nil {
		t.Fatal(err)
	}
	defer rir.Close()
	p := New(labRegistry(t, rir.BaseURL()), nil, NewMemCache(1), Options{AnyAddress: true, MaxWait: 10 * time.Millisecond})
	if got := rirRate("lacnic"); got > 0.2 {
		t.Fatalf("lacnic pace %v a second", got)
	}
	deferred := 0
	for i := range 6 {
		// A one-entry cache holding another network: every lookup asks.
		p.cache.Put(context.Background(), Entry{Prefix: netip.MustParsePrefix("10.0.0.0/8")})
		_, err := p.Addresses(context.Background(), []string{netip.AddrFrom4([4]byte{127, 0, 0, byte(i + 1)}).String()})
		if until, ok := ratelimit.DeferredUntil(err); ok && time.Until(until) < 2*time.Second {
			deferred++
		}
	}
	// One a second with a burst of two: the third query within the same
	// instant is put off, for about a second.
	if deferred < 3 || rir.Queries() > 3 {
		t.Fatalf("%d deferred, %d queries", deferred, rir.Queries())
	}
}

// Past the budget no RIR is asked: a domain with many addresses on a slow
// RIR still finishes its check on time.
func TestBudgetBoundsTheProbe(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		time.Sleep(150 * time.Millisecond) // slow, but in time
		ip := strings.TrimPrefix(r.URL.Path, "/ip/")
		w.Header().Set("Content-Type", "application/rdap+json")
		w.Write([]byte(`{"objectClassName":"ip network","startAddress":"` + ip + `","endAddress":"` + ip + `"}`))
	}))
	defer srv.Close()
	p := New(labRegistry(t, srv.URL+"/"), nil, nil, Options{AnyAddress: true, Rate: 1000, Budget: 200 * time.Millisecond})
	var addrs []string
	for i := range 10 {
		addrs = append(addrs, netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}).String())
	}
	start := time.Now()
	_, err := p.Addresses(context.Background(), addrs)
	if took := time.Since(start); took > time.Second || hits.Load() > 3 || !errors.Is(err, ratelimit.ErrDeferred) {
		t.Fatalf("took %s, %d queries, %v", took, hits.Load(), err)
	}
	// The next check goes on where this one stopped.
	q := hits.Load()
	p.Addresses(context.Background(), addrs)
	if hits.Load() <= q {
		t.Fatal("the next check asked nothing")
	}
}
