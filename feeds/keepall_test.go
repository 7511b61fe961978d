package feeds

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor/lookalike"
	"github.com/takedownhq/takedown/store"
)

// everyKind plants, for bankofamerica.com and paypal.com, one look-alike
// of every fuzzer the engine has (the first candidate in sorted order not
// otherwise in the list), the addition and bitsquatting names, and
// the brand used as a label of a longer name. It maps name → brand.
func everyKind(t testing.TB) map[string]string {
	out := map[string]string{
		// Issue 13: dropped by the old cut.
		"bankofamerica9.com": "bankofamerica.com", "bankofamericak.com": "bankofamerica.com",
		"bankofamericap.com": "bankofamerica.com", "bancofamerica.com": "bankofamerica.com",
		"bankofaoerica.com": "bankofamerica.com",
		// The brand as a label: never matched before.
		"paypal.com.secure-login.top": "paypal.com", "login-paypal.verify-account.xyz": "paypal.com",
		"bankofamerica.com.alerts-review.info": "bankofamerica.com", "secure-bankofamerica.account-check.online": "bankofamerica.com",
		"paypal.billing-update.site": "paypal.com",
	}
	for _, brand := range []string{"bankofamerica.com", "paypal.com"} {
		cands, err := lookalike.Generate(brand, lookalike.Options{Dictionary: []string{"secure", "login"}})
		if err != nil {
			t.Fatal(err)
		}
		first := map[string]string{}
		for _, c := range cands {
			if prev, ok := first[c.Fuzzer]; !ok || c.Name < prev {
				if _, taken := out[c.Name]; !taken {
					first[c.Fuzzer] = c.Name
				}
			}
		}
		for _, f := range lookalike.Fuzzers {
			if name, ok := first[f]; ok {
				out[name] = brand
			} else {
				t.Logf("%s: the engine makes no %s candidate", brand, f)
			}
		}
	}
	return out
}

// TestFeedKeepsEveryKind: 100,000 names over HTTP on loopback with a
// look-alike of every fuzzer kind planted. All must be stored, for the
// right brand, with their score; the matches above the alert threshold
// that were not planted are counted.
func TestFeedKeepsEveryKind(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	addDomains(t, st, store.KindWatch, seized...)
	addDomains(t, st, store.KindBrand, brands...)
	plant := everyKind(t)
	ff := startFiles(t)
	names := nrdList(t, 5, 100_000, slices.Sorted(maps.Keys(plant)))
	zipped, err := simnet.NRDZip("domain-names.txt", names)
	if err != nil {
		t.Fatal(err)
	}
	ff.Put("/nrd/latest.zip", zipped)
	f := addFeed(t, st, "nrd", KindNRD, ff.URL("/nrd/latest.zip"), "")
	r := &Runner{Store: st, Dir: t.TempDir(), Log: testLogger(t)}
	stats, err := r.Run(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	found := lookalikesOf(t, st, "feed:nrd")
	evs := events(t, st, event.LookalikeRegistered)
	var lines []string
	stored := map[string]bool{} // registrable names of the planted ones
	for _, name := range slices.Sorted(maps.Keys(plant)) {
		// What is stored is the registrable domain (secure-login.top for
		// paypal.com.secure-login.top, ankofamerica.com for the subdomain
		// fuzzer's b.ankofamerica.com); the name as seen goes with the event.
		n, err := domain.Normalize(name)
		if err != nil {
			t.Fatal(err)
		}
		stored[n.ASCII] = true
		l, ok := found[n.ASCII]
		switch {
		case !ok:
			t.Errorf("planted %s (%s) not stored", name, plant[name])
		case l.Brand != plant[name]:
			t.Errorf("%s stored for %s, want %s", name, l.Brand, plant[name])
		default:
			line := name + " " + l.Fuzzer + " " + ftoa(l.Score)
			if n.ASCII != name {
				line += " (stored as " + n.ASCII + ")"
				_, alsoPlanted := plant[n.ASCII] // then the event is that name's
				if ev := findEvent(evs, n.ASCII); ev != nil && !alsoPlanted && !strings.Contains(string(ev.Detail), `"host":"`+name+`"`) {
					t.Errorf("event for %s lacks the host %s: %s", n.ASCII, name, ev.Detail)
				}
			}
			lines = append(lines, line)
		}
	}
	others, othersAlert := 0, 0
	for name, l := range found {
		if stored[name] {
			continue
		}
		others++
		if announces(l) {
			othersAlert++
		}
	}
	t.Logf("%d names, %d planted, %d stored: %d planted found; %d others stored, %d of them announced (score >= 0.75, bitsquatting quiet); %d events",
		stats.Names, len(plant), len(found), len(lines), others, othersAlert, stats.Matches)
	for _, l := range lines {
		t.Logf("  %s", l)
	}
}

func ftoa(f float64) string {
	s := []byte{byte('0' + int(f)), '.'}
	frac := int(f*100+0.5) % 100
	return string(append(s, byte('0'+frac/10), byte('0'+frac%10)))
}
