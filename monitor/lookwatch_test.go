package monitor_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

const brand = "acmebank.com"

// loginPage is the brand's sign-in page; hosts vary between the brand's
// page and its clone, as a kit copied with its absolute URLs rewritten.
func loginPage(host string) simnet.Page {
	return simnet.Page{Server: "nginx", Body: fmt.Sprintf(`<!doctype html>
<html><head><meta charset="utf-8"><title>Acme Bank — Sign in</title>
<link rel="icon" href="/favicon.ico"><link rel="stylesheet" href="https://%[1]s/static/site.css?v=7">
</head><body><header><img src="https://%[1]s/static/logo.png" alt="Acme Bank"><nav><a href="/personal">Personal</a>
<a href="/business">Business</a><a href="/help">Help</a></nav></header>
<main><h1>Sign in to Acme Bank online banking</h1>
<form action="https://%[1]s/session" method="post"><label>User ID <input type="text" name="user"></label>
<label>Password <input type="password" name="password"></label><button>Sign in</button></form>
<p>Acme Bank will never ask for your password by e-mail or phone. If you receive such a message, report it.</p>
<p>Forgot your user ID or password? Reset it online with your card number and the code we text you.</p>
<p>New to online banking? Enrol in minutes: you need your account number and a phone we can text.</p>
</main><footer><p>Acme Bank N.A. Member FDIC. Equal Housing Lender. © 2026 Acme Bank.</p>
<p><a href="/privacy">Privacy</a> <a href="/security">Security</a> <a href="/accessibility">Accessibility</a></p></footer>
</body></html>
`, host)}
}

var favicon = simnet.Page{ContentType: "image/x-icon", Body: "\x00\x00\x01\x00acme-bank-icon-bytes-0123456789"}

// lookWorld is simnet with the brand and a daemon over a fresh store.
type lookWorld struct {
	net *simnet.Net
	st  *sqlite.SQLite
	d   *monitor.Daemon
	evs []store.Event
}

func newLookWorld(t *testing.T) *lookWorld {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n, err := simnet.StartNet(ctx, simnet.NetOptions{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	page := loginPage(brand)
	if err := n.AddSite(simnet.Site{Domain: brand, Page: &page}); err != nil {
		t.Fatal(err)
	}
	n.Web.SetPage(brand+"/favicon.ico", favicon)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "takedown.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: brand, Kind: store.KindBrand}}); err != nil {
		t.Fatal(err)
	}
	off := false
	cfg := config.Default()
	cfg.Network = n.Network(cfg.Network)
	cfg.Network.Timeout = 2 * time.Second
	cfg.Monitor.Screenshots = &off // the browser test covers screenshots
	cfg.Monitor.WatchInfrastructure = &off
	w := &lookWorld{net: n, st: st}
	w.d, err = monitor.New(ctx, monitor.Config{Config: cfg, Store: st, Log: log, OnEvent: func(ev store.Event) {
		if ev.Kind == event.LookalikeEscalated && ev.Domain == "acmebank-login.com" {
			w.evs = append(w.evs, ev)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.d.Close() })
	return w
}

// found records a look-alike as brand hunting would.
func (w *lookWorld) found(t *testing.T, names ...string) {
	t.Helper()
	err := w.st.Update(context.Background(), func(tx store.Tx) error {
		for _, name := range names {
			if _, _, err := tx.UpsertLookalike(store.Lookalike{Brand: brand, Name: name, Registered: store.RegYes, LastChecked: time.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (w *lookWorld) round(t *testing.T) map[string]store.Lookalike {
	t.Helper()
	if err := w.d.WatchLookalikes(context.Background()); err != nil {
		t.Fatal(err)
	}
	ls, _, err := w.st.Lookalikes(context.Background(), store.LookalikeQuery{Brand: brand})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Lookalike{}
	for _, l := range ls {
		out[l.Name] = l
	}
	return out
}

// TestLookalikeEscalatesOncePerLevel plays the story: a look-alike
// registers parked (parking name servers, a for-sale page, no mail), then
// serves a copy of the brand's login page with the brand's favicon and an
// MX that takes any recipient. Each level reached is one event with its
// figures; a round that finds nothing new writes none. Beside it, an
// unrelated site, a parked page and a defensive redirect to the brand
// never reach phishing_like, and an unrelated site whose MX rejects
// unknown recipients never reaches mail_capable.
func TestLookalikeEscalatesOncePerLevel(t *testing.T) {
	w := newLookWorld(t)
	const evil = "acmebank-login.com"
	parking := simnet.ParkingPage(evil)
	must(t, w.net.AddSite(simnet.Site{Domain: evil, NS: []string{"ns1.sedoparking.com", "ns2.sedoparking.com"},
		Records: []string{"@ A 127.0.0.1", "www A 127.0.0.1"}, Page: &parking}))
	unrelated := simnet.SitePage("Acre Bakery — fresh bread daily", "Sourdough, rye and pastries, baked every morning in Portland.")
	must(t, w.net.AddSite(simnet.Site{Domain: "acrebank.com", Page: &unrelated}))
	parked := simnet.ParkingPage("acmebanc.com")
	must(t, w.net.AddSite(simnet.Site{Domain: "acmebanc.com", Page: &parked}))
	redirect := simnet.RedirectPage(301, "https://"+brand+"/")
	must(t, w.net.AddSite(simnet.Site{Domain: "acmebank.net", Page: &redirect}))
	// The same bakery with real mailboxes: its MX refuses a random
	// recipient, so it is a live site and never mail_capable.
	must(t, w.net.AddSite(simnet.Site{Domain: "acrebank.net", Page: &unrelated, Mailboxes: []string{"orders", "postmaster"}}))
	w.found(t, evil, "acrebank.com", "acmebanc.com", "acmebank.net", "acrebank.net")

	ls := w.round(t)
	if r := ls[evil].Risk; r.Level != "parked" || !strings.Contains(strings.Join(r.Reasons, "\n"), "parking-ns-sedo") {
		t.Fatalf("registered parked: risk %+v", r)
	}
	if len(w.evs) != 1 || w.evs[0].Old != "none" || w.evs[0].New != "parked" || w.evs[0].Domain != evil {
		t.Fatalf("escalations after round 1: %+v", w.evs)
	}

	// The kit goes up: the brand's page, its favicon, mail for anyone.
	clone := loginPage(evil)
	must(t, w.net.Reregister(simnet.Site{Domain: evil, Page: &clone}))
	w.net.Web.SetPage(evil+"/favicon.ico", favicon)
	ls = w.round(t)
	r := ls[evil].Risk
	if r.Level != "phishing_like" || r.Score < 80 {
		t.Fatalf("clone: risk %+v", r)
	}
	// The row shows the DNS of now: the kit moved off the parking servers.
	if dns := string(ls[evil].DNS); strings.Contains(dns, "sedoparking") || !strings.Contains(dns, `"ns"`) {
		t.Errorf("look-alike row's DNS after the move: %s", dns)
	}
	reasons := strings.Join(r.Reasons, "\n")
	for _, want := range []string{"page similar to acmebank's: TLSH", "accepts mail for a random recipient", "login form with the brand's name", "own favicon"} {
		if !strings.Contains(reasons, want) {
			t.Errorf("reasons lack %q:\n%s", want, reasons)
		}
	}
	if len(w.evs) != 2 || w.evs[1].Old != "parked" || w.evs[1].New != "phishing_like" || w.evs[1].Severity != event.SevCritical ||
		!strings.Contains(string(w.evs[1].Detail), `"score":`) {
		t.Fatalf("escalations after round 2: %+v", w.evs)
	}
	// simnet's sites take mail for anyone unless given mailboxes: the
	// controls are mail_capable, never phishing_like, and the one whose MX
	// rejects unknown recipients stays live.
	for name, want := range map[string]event.RiskLevel{"acrebank.com": event.RiskMailCapable, "acmebanc.com": event.RiskMailCapable, "acmebank.net": event.RiskMailCapable, "acrebank.net": event.RiskLive} {
		if got := ls[name].Risk.Level; got != want {
			t.Errorf("%s: level %s, want %s (reasons %q)", name, got, want, ls[name].Risk.Reasons)
		}
	}
	if rs := strings.Join(ls["acrebank.net"].Risk.Reasons, "\n"); !strings.Contains(rs, "rejects unknown recipients (RCPT TO 550)") {
		t.Errorf("acrebank.net: reasons do not say its MX rejects:\n%s", rs)
	}

	// Nothing new: no event. History reads like a watched domain's.
	before := len(w.evs)
	w.round(t)
	if n := len(w.evs) - before; n != 0 {
		t.Errorf("a round with nothing new escalated %s again: %+v", evil, w.evs[before:])
	}
	evs, err := w.st.Events(context.Background(), store.EventQuery{Domain: evil, Kinds: []event.Kind{event.LookalikeEscalated}})
	if err != nil || len(evs) != 2 {
		t.Errorf("stored escalations of %s: %d, %v", evil, len(evs), err)
	}
	d, err := w.st.Domain(context.Background(), evil)
	if err != nil || d.Kind != store.KindLookalike {
		t.Fatalf("domain row: %+v, %v", d, err)
	}
	for _, probe := range []event.Probe{event.ProbeDNS, event.ProbeHTTP, event.ProbePage, event.ProbeMX, event.ProbeRisk} {
		if s, err := w.st.LatestSnapshot(context.Background(), d.ID, string(probe)); err != nil || s == nil {
			t.Errorf("no %s snapshot of %s: %v", probe, evil, err)
		}
	}
	if snaps, _ := w.st.Snapshots(context.Background(), d.ID, string(event.ProbeRisk), 0); len(snaps) != 2 {
		t.Errorf("risk history of %s: %d snapshots, want parked then phishing_like", evil, len(snaps))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A look-alike the hunt saw registered whose DNS now answers NXDOMAIN is
// judged on that answer: not registered, never "registered, no address
// records".
func TestLookalikeThatDoesNotExistHasNoRegisteredRisk(t *testing.T) {
	w := newLookWorld(t)
	const gone = "acmebank-secure.net"
	w.found(t, gone) // stored as registered by a hunt; simnet has no such name
	ls := w.round(t)
	l := ls[gone]
	if l.Registered != store.RegNo {
		t.Fatalf("registered %q, want no (NXDOMAIN)", l.Registered)
	}
	if l.Risk.Level != "none" || strings.Contains(strings.Join(l.Risk.Reasons, "\n"), "registered,") {
		t.Fatalf("risk of a name that does not exist: %+v", l.Risk)
	}
}
