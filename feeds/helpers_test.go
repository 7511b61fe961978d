package feeds

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// seized are the domains of the seed case (watch kind): their actors'
// next domains are look-alikes too.
var seized = []string{
	"silverstarchina.com", "edenprogram.com", "xinlusoft.com", "foxvsun.com", "foxysunstudio.com", "foxysunstudios.com",
	"cloudbluefox.com", "cloudfoxhub.com", "mycloudfox.com", "thefoxcloud.com", "thefoxesgroup.com", "babyboxtech.com",
	"cloudfox.cloud", "danielliu.info", "jinyang.asia", "jinyang.services", "ktsolution.tech", "inditechlab.com",
	"tonywangtech.com", "wkjllc.com", "hopanatech.com",
}

// brands are well-known phishing targets (brand kind).
var brands = []string{
	"paypal.com", "google.com", "microsoft.com", "apple.com", "amazon.com", "netflix.com", "facebook.com",
	"instagram.com", "linkedin.com", "dropbox.com", "chase.com", "wellsfargo.com", "bankofamerica.com", "coinbase.com",
	"binance.com", "github.com", "outlook.com", "adobe.com", "docusign.com", "dhl.com", "fedex.com", "ups.com",
	"usps.com", "walmart.com", "ebay.com", "spotify.com", "whatsapp.com", "telegram.org", "americanexpress.com",
	"steamcommunity.com",
}

// planted are look-alikes of the brands above, one per line of attack,
// with the brand (or the brands, "|" between) each imitates.
var planted = map[string]string{
	"thefoxcloud.net":          "thefoxcloud.com",
	"cloudfox-hub.com":         "cloudfoxhub.com|cloudfox.cloud", // cloudfox + hub: both fit
	"thef0xcloud.com":          "thefoxcloud.com",
	"foxysunstudio.net":        "foxysunstudio.com",
	"silverstarchina.net":      "silverstarchina.com",
	"jinyang.com":              "jinyang.asia|jinyang.services",
	"edenprogram.org":          "edenprogram.com",
	"xinlusoft.net":            "xinlusoft.com",
	"mycloudfox.net":           "mycloudfox.com",
	"cloudbluefox-careers.com": "cloudbluefox.com",
	"hopanatech.net":           "hopanatech.com",
	"inditech-lab.com":         "inditechlab.com",
	"paypa1.com":               "paypal.com",
	"paypal-secure-login.com":  "paypal.com",
	"micros0ft-support.com":    "microsoft.com",
	"g00gle.com":               "google.com",
	"amaz0n-billing.com":       "amazon.com",
	"netfliix.com":             "netflix.com",
	"apple-id-verify.com":      "apple.com",
	"xn--pple-43d.com":         "apple.com",
	"linkedln.com":             "linkedin.com",
	"dropbox-login.net":        "dropbox.com",
	"coinbase-wallet.com":      "coinbase.com",
	"binance-support.com":      "binance.com",
	"githubb.com":              "github.com",
	"outlook-webmail.com":      "outlook.com",
	"docusign-invoice.com":     "docusign.com",
	"wellsfargo-alert.com":     "wellsfargo.com",
	"faceboook.com":            "facebook.com",
	"walmrat.com":              "walmart.com",
}

func newStore(t testing.TB) *sqlite.SQLite {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "takedown.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func addDomains(t testing.TB, st store.Store, kind event.DomainKind, names ...string) {
	t.Helper()
	var ds []store.NewDomain
	for _, n := range names {
		ds = append(ds, store.NewDomain{Name: n, Unicode: n, Kind: kind, Source: "test"})
	}
	if _, err := st.AddDomains(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
}

func setState(t testing.TB, st store.Store, name string, state event.State) {
	t.Helper()
	ctx := context.Background()
	d, err := st.Domain(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, func(tx store.Tx) error {
		_, _, err := tx.SetState(d.ID, time.Now(), state, []string{"test"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func addFeed(t testing.TB, st store.Store, name string, kind event.FeedKind, url, cursor string) store.Feed {
	t.Helper()
	ctx := context.Background()
	if err := st.AddFeed(ctx, store.Feed{Name: name, Kind: kind, URL: url}); err != nil {
		t.Fatal(err)
	}
	f, err := st.Feed(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if cursor != "" {
		f.Cursor = cursor
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.SaveFeed(*f) }); err != nil {
			t.Fatal(err)
		}
	}
	return *f
}

// testLogger sends the runner's log to the test's log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func events(t testing.TB, st store.Store, kind event.Kind) []store.Event {
	t.Helper()
	evs, err := st.Events(context.Background(), store.EventQuery{Kinds: []event.Kind{kind}})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func loadWords(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "words.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, strings.Fields(l)...)
	}
	return out
}

var innocentTLDs = []string{"com", "com", "com", "com", "com", "net", "org", "xyz", "online", "shop", "store", "info",
	"site", "top", "io", "co", "app", "dev", "de", "co.uk", "nl", "fr", "club", "live", "tech", "store", "space"}

var syllables = strings.Fields(`ba be bi bo bu ca co cu da de di do fa fe fi fo ga go gu ha he hi ho ka ke ki ko la le
li lo lu ma me mi mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo za ze zo
tra tro pla pro bra cre dra fla gre sta ste sto qua xen zyn lux rex tex vox nex`)

// innocentName makes a name like the bulk of a day's registrations:
// dictionary-word pairs and triples, brandable inventions, names with
// numbers or a place, and the odd random string.
func innocentName(r *rand.Rand, words []string) string {
	w := func() string { return words[r.IntN(len(words))] }
	var label string
	switch k := r.IntN(100); {
	case k < 40:
		label = w() + w()
	case k < 55:
		label = w() + "-" + w()
	case k < 65:
		label = w() + w() + w()
	case k < 75:
		n := 2 + r.IntN(3)
		var b strings.Builder
		for range n {
			b.WriteString(syllables[r.IntN(len(syllables))])
		}
		label = b.String()
	case k < 85:
		label = w() + fmt.Sprint(r.IntN(1000))
	case k < 92:
		label = w()
	default:
		const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
		b := make([]byte, 6+r.IntN(10))
		for i := range b {
			b[i] = alnum[r.IntN(len(alnum))]
		}
		b[0] = alnum[r.IntN(26)]
		label = string(b)
	}
	return label + "." + innocentTLDs[r.IntN(len(innocentTLDs))]
}

// nrdList makes n innocent names with the planted ones at random places.
func nrdList(t testing.TB, seed uint64, n int, plant []string) []string {
	r := rand.New(rand.NewPCG(seed, 7))
	words := loadWords(t)
	out := make([]string, 0, n)
	for len(out) < n-len(plant) {
		out = append(out, innocentName(r, words))
	}
	for _, p := range plant {
		i := r.IntN(len(out) + 1)
		out = append(out, "")
		copy(out[i+1:], out[i:])
		out[i] = p
	}
	return out
}
