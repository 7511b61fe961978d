package monitor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/pgtest"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/cases"
	"github.com/takedownhq/takedown/monitor/notify"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/postgres"
	"github.com/takedownhq/takedown/store/sqlite"
)

// caseDB is a driver with its cases.
type caseDB interface {
	store.Store
	store.CaseStore
}

// onDrivers runs fn on a fresh SQLite file and a fresh PostgreSQL database.
func onDrivers(t *testing.T, fn func(t *testing.T, st caseDB)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "takedown.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), pgtest.DB(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
}

// caseWorld is simnet with the brand, a daemon that keeps cases and
// mails through simnet's SMTP server, and the case events it wrote.
type caseWorld struct {
	net *simnet.Net
	st  caseDB
	cs  cases.Store
	d   *monitor.Daemon
}

func newCaseWorld(t *testing.T, st caseDB) *caseWorld {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n, err := simnet.StartNet(ctx, simnet.NetOptions{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	page := loginPage(brand)
	must(t, n.AddSite(simnet.Site{Domain: brand, Page: &page}))
	n.Web.SetPage(brand+"/favicon.ico", favicon)
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: brand, Kind: store.KindBrand}}); err != nil {
		t.Fatal(err)
	}
	off := false
	cfg := config.Default()
	cfg.Network = n.Network(cfg.Network)
	cfg.Network.Timeout = 2 * time.Second
	cfg.Monitor.Screenshots = &off
	cfg.Monitor.WatchInfrastructure = &off
	cfg.Alerts.SMTP = n.SMTPConfig()
	// The team's channel takes the case events like any other alert.
	cfg.Alerts.Channels = []config.Channel{{Name: "ops", Email: []string{"ops@simnet.test"},
		Events: []event.Kind{event.TakedownConfirmed, event.TakedownReverted, event.CaseStalled}}}
	w := &caseWorld{net: n, st: st, cs: monitor.CaseStore(st, st)}
	// A short backoff, so a retried report goes out within the test.
	w.d, err = monitor.New(ctx, monitor.Config{Config: cfg, Store: st, Log: log, Cases: st,
		Notify: notify.Options{BackoffBase: 5 * time.Millisecond, BackoffMax: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.d.Close() })
	return w
}

// caseEvents are the events of the case kinds about name, from the store.
func (w *caseWorld) caseEvents(t *testing.T, name string) []store.Event {
	t.Helper()
	evs, err := w.st.Events(context.Background(), store.EventQuery{Domain: name, Kinds: []event.Kind{event.CaseOpened,
		event.CaseReported, event.TakedownConfirmed, event.TakedownReverted, event.CaseStalled, event.CaseClosed}})
	if err != nil {
		t.Fatal(err)
	}
	// Oldest first reads like the story.
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
	return evs
}

func kinds(evs []store.Event) string {
	var ks []string
	for _, e := range evs {
		ks = append(ks, string(e.Kind))
	}
	return strings.Join(ks, ",")
}

// phishing puts up a copy of the brand's login page at name, has brand
// hunting find it and the look-alike watch judge it phishing_like.
func (w *caseWorld) phishing(t *testing.T, name string) {
	t.Helper()
	clone := loginPage(name)
	must(t, w.net.AddSite(simnet.Site{Domain: name, Page: &clone}))
	w.net.Web.SetPage(name+"/favicon.ico", favicon)
	must(t, w.st.Update(context.Background(), func(tx store.Tx) error {
		_, _, err := tx.UpsertLookalike(store.Lookalike{Brand: brand, Name: name, Registered: store.RegYes, LastChecked: time.Now()})
		return err
	}))
	w.watch(t, name, "phishing_like")
}

// watch runs a look-alike watch round and checks name's risk level.
func (w *caseWorld) watch(t *testing.T, name, level string) {
	t.Helper()
	must(t, w.d.WatchLookalikes(context.Background()))
	ls, _, err := w.st.Lookalikes(context.Background(), store.LookalikeQuery{Brand: brand, Search: name})
	if err != nil || len(ls) == 0 || string(ls[0].Risk.Level) != level {
		t.Fatalf("%s: risk %+v (%v), want %s", name, ls, err, level)
	}
}

// registrationData records the abuse contacts the RDAP and hosting probes
// record (the shared contract's snapshot shapes), as after their checks.
func (w *caseWorld) registrationData(t *testing.T, name string) {
	t.Helper()
	d, err := w.st.Domain(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	rdap := `{"registrar":"NameCheap, Inc.","registrar_iana_id":1068,"registrar_abuse_email":"abuse@namecheap.example",` +
		`"registrar_abuse_phone":"+1.6613102107","registrar_abuse_source":"rdap entity role abuse","found":true,"source":"simnet"}`
	hosting := `{"addresses":[{"ip":"127.0.0.1","rir":"arin","network":{"handle":"NET-127-0-0-0-1","name":"LOOPBACK-NET",` +
		`"cidr":"127.0.0.0/8","country":"US"},"asn":64500,"as_name":"EXAMPLE-AS","abuse":[{"email":"abuse@example-as.example",` +
		`"phone":"+1-555-0100","source":"rir rdap entity role abuse"}],"stale":false}]}`
	must(t, w.st.Update(context.Background(), func(tx store.Tx) error {
		if _, _, _, err := tx.ObserveSnapshot(d.ID, string(event.ProbeRDAP), time.Now(), []byte(rdap)); err != nil {
			return err
		}
		_, _, _, err := tx.ObserveSnapshot(d.ID, "hosting", time.Now(), []byte(hosting))
		return err
	}))
}

func (w *caseWorld) review(t *testing.T, now time.Time) cases.Outcome {
	t.Helper()
	out, err := w.d.ReviewCases(context.Background(), w.st, now)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCaseLife plays a case on a phishing look-alike from opening to its
// return, on both drivers: opened with the registrar's and the hosting
// network's abuse contacts and their sources; reported by case send, the
// mail received once with its evidence attached; suspended by the
// registry and confirmed with its time to takedown; brought back and
// reverted. Each step is exactly one event, and a review with nothing
// new writes none.
func TestCaseLife(t *testing.T) {
	onDrivers(t, func(t *testing.T, st caseDB) {
		ctx := context.Background()
		w := newCaseWorld(t, st)
		const evil = "acmebank-login.com"
		w.phishing(t, evil)
		w.registrationData(t, evil)

		opened := time.Now().Add(-2 * time.Hour)
		c, err := cases.Open(ctx, w.cs, evil, evil, "phishing", "kit seen in a spam run", opened)
		if err != nil || c.Status != store.CaseOpen || c.Reason != "phishing" {
			t.Fatal(c, err)
		}
		det, err := cases.Show(ctx, w.cs, evil)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"registrar": "abuse@namecheap.example rdap entity role abuse",
			"hosting":   "abuse@example-as.example rir rdap entity role abuse",
			"dns":       "abuse@registrar-servers.com name servers' domain, RFC 2142 abuse mailbox",
		}
		for _, ct := range det.Contacts {
			if got := store.ContactAddress(ct) + " " + ct.Source; want[ct.Role] != got {
				t.Errorf("%s contact: %q, want %q", ct.Role, got, want[ct.Role])
			}
			delete(want, ct.Role)
		}
		if len(want) > 0 || det.Registrar != "NameCheap, Inc." || det.Hosting != "EXAMPLE-AS" {
			t.Fatalf("contacts %+v lack %v (registrar %q, hosting %q)", det.Contacts, want, det.Registrar, det.Hosting)
		}
		if got := kinds(w.caseEvents(t, evil)); got != string(event.CaseOpened) {
			t.Fatalf("after opening: events %s", got)
		}
		if out := w.review(t, opened.Add(time.Minute)); out.Confirmed+out.Reverted+out.Stalled != 0 {
			t.Fatalf("a live phishing site: review %+v", out)
		}

		// Reported: one mail to the registrar's abuse address, with the
		// screenshot-less evidence attached, sent once however often the
		// sender runs.
		// Reported an hour and a half ago, as far as the case knows.
		reported := time.Now().Add(-90 * time.Minute)
		ct, outboxID, err := cases.Send(ctx, w.cs, evil, "registrar", true, reported)
		if err != nil || ct.Email != "abuse@namecheap.example" || outboxID == 0 {
			t.Fatalf("send: %+v %d %v", ct, outboxID, err)
		}
		if _, _, err := cases.Send(ctx, w.cs, evil, "registrar", true, reported); err == nil {
			t.Fatal("a second send to the same contact went through")
		}
		for range 2 {
			if _, err := w.d.Notifier.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
		msgs := w.net.SMTP.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%d messages received, want 1", len(msgs))
		}
		checkReportMail(t, msgs[0], evil, "abuse@namecheap.example")
		if got := kinds(w.caseEvents(t, evil)); got != "case_opened,case_reported" {
			t.Fatalf("after send: events %s", got)
		}

		// Suspended by the registry: the check that sees the delegation
		// gone confirms the takedown at once, timed from the report.
		must(t, w.net.Suspend(evil))
		if _, err := w.d.Monitor.Check(ctx, evil, []event.Probe{event.ProbeDNS, event.ProbeDelegation}); err != nil {
			t.Fatal(err)
		}
		confirmedAt := time.Now()
		c, err = w.st.Case(ctx, evil)
		if err != nil || c.Status != store.CaseTakenDown || c.TimeToTakedown == nil ||
			*c.TimeToTakedown < 5400 || *c.TimeToTakedown > 5400+60 {
			t.Fatalf("after suspension: case %+v (ttt %v), %v", c, c.TimeToTakedown, err)
		}
		evs := w.caseEvents(t, evil)
		if got := kinds(evs); got != "case_opened,case_reported,takedown_confirmed" {
			t.Fatalf("after suspension: events %s", got)
		}
		var detail struct {
			TTT     int64    `json:"time_to_takedown_seconds"`
			Reasons []string `json:"reasons"`
		}
		if err := json.Unmarshal(evs[2].Detail, &detail); err != nil || detail.TTT != *c.TimeToTakedown ||
			!strings.Contains(strings.Join(detail.Reasons, ";"), "NXDOMAIN") {
			t.Errorf("takedown_confirmed detail %s (%v)", evs[2].Detail, err)
		}
		if out := w.review(t, confirmedAt.Add(time.Hour)); out.Confirmed+out.Reverted+out.Stalled != 0 {
			t.Fatalf("a review with nothing new: %+v", out)
		}

		// Back: registered again with the kit; the cases job's cheap
		// check sees it and the case reverts, critical.
		clone := loginPage(evil)
		must(t, w.net.Reregister(simnet.Site{Domain: evil, Page: &clone}))
		if out := w.review(t, confirmedAt.Add(2*time.Hour)); countReverted(t, w, evil) != 1 {
			d, _ := w.st.Domain(ctx, evil)
			t.Fatalf("after the return: review %+v (state %s %v)", out, d.State, d.StateReasons)
		}
		evs = w.caseEvents(t, evil)
		if got := kinds(evs); got != "case_opened,case_reported,takedown_confirmed,takedown_reverted" {
			t.Fatalf("after the return: events %s", got)
		}
		if evs[3].Severity != event.SevCritical {
			t.Errorf("takedown_reverted severity %s, want critical", evs[3].Severity)
		}
		if c2, _ := w.st.Case(ctx, evil); c2.Status != store.CaseReverted || *c2.TimeToTakedown != *c.TimeToTakedown {
			t.Errorf("after the return: case %+v", c)
		}
		// The alert rules route the case events like any other: the team
		// gets the confirmation and the return, once each.
		if _, err := w.d.Notifier.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		var team []string
		for _, m := range w.net.SMTP.Messages()[1:] {
			h, _ := m.Header()
			if !strings.Contains(h.Get("To"), "ops@simnet.test") {
				t.Errorf("alert to %q", h.Get("To"))
			}
			subj, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
			team = append(team, subj)
		}
		if len(team) != 2 || !strings.Contains(team[0], "taken_down") || !strings.Contains(team[1], "reverted") {
			t.Errorf("team alerts: %q", team)
		}
	})
}

// countReverted counts the takedown_reverted events of name.
func countReverted(t *testing.T, w *caseWorld, name string) int {
	t.Helper()
	n := 0
	for _, e := range w.caseEvents(t, name) {
		if e.Kind == event.TakedownReverted {
			n++
		}
	}
	return n
}

// checkReportMail reads the report mail as its recipient's client would:
// the addressee, one Message-ID, and the evidence JSON among its parts.
func checkReportMail(t *testing.T, m simnet.SMTPMessage, domain, to string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get("To"); !strings.Contains(got, to) {
		t.Errorf("To: %q, want %s", got, to)
	}
	if m.MessageID() == "" || !strings.Contains(msg.Header.Get("Subject"), "acmebank-login") {
		t.Errorf("Message-ID %q, Subject %q", m.MessageID(), msg.Header.Get("Subject"))
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	var files []string
	var walk func(r io.Reader, boundary string)
	walk = func(r io.Reader, boundary string) {
		mr := multipart.NewReader(r, boundary)
		for {
			p, err := mr.NextPart()
			if err != nil {
				return
			}
			pt, pp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			if strings.HasPrefix(pt, "multipart/") {
				walk(p, pp["boundary"])
				continue
			}
			if fn := p.FileName(); fn != "" {
				files = append(files, fn+" "+pt)
			}
		}
	}
	walk(msg.Body, params["boundary"])
	if !strings.Contains(strings.Join(files, ";"), "json") {
		t.Errorf("attachments %v: want the evidence JSON", files)
	}
}

// TestCasePageOnlyTakedown: the registrar replaces the kit with its
// suspension page but the name still resolves. One look-alike watch round
// without the phishing signals is not a takedown; the second in a row is.
// A review between rounds counts nothing twice.
func TestCasePageOnlyTakedown(t *testing.T) {
	onDrivers(t, func(t *testing.T, st caseDB) {
		ctx := context.Background()
		w := newCaseWorld(t, st)
		const evil = "acmebank-verify.com"
		w.phishing(t, evil)
		start := time.Now()
		if _, err := cases.Open(ctx, w.cs, evil, evil, "phishing", "", start); err != nil {
			t.Fatal(err)
		}
		suspended := simnet.SitePage("Account suspended", "This domain has been suspended by the registrar for abuse.")
		w.net.Web.SetPage(evil, suspended)
		w.net.Web.SetPage("www."+evil, suspended)
		w.watch(t, evil, "mail_capable")
		if out := w.review(t, start.Add(time.Hour)); out.Confirmed != 0 {
			t.Fatalf("after one check without the kit: %+v", out)
		}
		if out := w.review(t, start.Add(2*time.Hour)); out.Confirmed != 0 {
			t.Fatalf("the same check judged twice: %+v", out)
		}
		w.watch(t, evil, "mail_capable")
		if out := w.review(t, start.Add(3*time.Hour)); out.Confirmed != 1 {
			t.Fatalf("after two checks without the kit: %+v", out)
		}
		c, err := w.st.Case(ctx, evil)
		if err != nil || c.Status != store.CaseTakenDown || c.TimeToTakedown == nil || *c.TimeToTakedown != 3*3600 {
			t.Fatalf("case %+v, %v", c, err)
		}
		if got := kinds(w.caseEvents(t, evil)); got != "case_opened,takedown_confirmed" {
			t.Fatalf("events %s", got)
		}
		// Still resolving and active is not a return; the kit back is.
		if out := w.review(t, start.Add(4*time.Hour)); out.Reverted != 0 {
			t.Fatalf("an active domain without the kit reverted: %+v", out)
		}
		clone := loginPage(evil)
		w.net.Web.SetPage(evil, clone)
		w.net.Web.SetPage("www."+evil, clone)
		w.watch(t, evil, "phishing_like")
		if out := w.review(t, start.Add(5*time.Hour)); out.Reverted != 1 {
			t.Fatalf("the kit back: %+v", out)
		}
	})
}

// TestCaseStalledOnce: a case without news for cases.escalate_after raises
// case_stalled once, naming the next contact in the chain.
func TestCaseStalledOnce(t *testing.T) {
	onDrivers(t, func(t *testing.T, st caseDB) {
		ctx := context.Background()
		w := newCaseWorld(t, st)
		const evil = "acmebank-secure.com"
		w.phishing(t, evil)
		w.registrationData(t, evil)
		start := time.Now()
		if _, err := cases.Open(ctx, w.cs, evil, evil, "phishing", "", start); err != nil {
			t.Fatal(err)
		}
		if out := w.review(t, start.Add(47*time.Hour)); out.Stalled != 0 {
			t.Fatalf("after 47h: %+v", out)
		}
		for _, h := range []time.Duration{49, 50, 200} {
			w.review(t, start.Add(h*time.Hour))
		}
		evs := w.caseEvents(t, evil)
		if got := kinds(evs); got != "case_opened,case_stalled" {
			t.Fatalf("events %s", got)
		}
		var d struct {
			Role string `json:"next_role"`
			To   string `json:"next_contact"`
		}
		if err := json.Unmarshal(evs[1].Detail, &d); err != nil || d.Role != "hosting" || d.To != "abuse@example-as.example" {
			t.Errorf("case_stalled detail %s", evs[1].Detail)
		}
	})
}

// A report the abuse desk's server refuses for now is sent again with the
// same Message-ID, and delivered once; the contact stays reported.
func TestCaseReportRetriesWithOneMessageID(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "takedown.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w := newCaseWorld(t, st)
	const evil = "acmebank-pay.com"
	w.phishing(t, evil)
	w.registrationData(t, evil)
	if _, err := cases.Open(ctx, w.cs, evil, evil, "phishing", "", time.Now()); err != nil {
		t.Fatal(err)
	}
	w.net.SMTP.Fail(451, "greylisted, try again later", 1)
	if _, _, err := cases.Send(ctx, w.cs, evil, "registrar", true, time.Now()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50 && len(w.net.SMTP.Messages()) == 0; i++ {
		if _, err := w.d.Notifier.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for range 3 {
		w.d.Notifier.Flush(ctx)
	}
	rej, got := w.net.SMTP.Rejected(), w.net.SMTP.Messages()
	if len(rej) != 1 || len(got) != 1 {
		t.Fatalf("%d refused, %d delivered; want 1 and 1", len(rej), len(got))
	}
	if rej[0].MessageID() == "" || rej[0].MessageID() != got[0].MessageID() {
		t.Errorf("Message-IDs %q then %q: want one", rej[0].MessageID(), got[0].MessageID())
	}
	if got := kinds(w.caseEvents(t, evil)); got != "case_opened,case_reported" {
		t.Errorf("events %s", got)
	}
}
