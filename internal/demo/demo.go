// Package demo is `takedown demo`: simnet, the seed case's watchlist and a
// brand, the real daemon on a fast schedule, and a scripted takedown story
// unfolding in simnet while the daemon notices it.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/takedownhq/takedown/feeds"
	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/base/netguard"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/monitor/notify"
	"github.com/takedownhq/takedown/monitor/watchlist"
	"github.com/takedownhq/takedown/store"
)

// Brand is the company whose look-alikes the demo hunts.
const Brand = "acmebank.com"

// The story's cast.
const (
	Seized      = "thefoxcloud.com"
	Suspended   = "cloudfoxhub.com"
	Dropped     = "mycloudfox.com"
	LookAlike   = "acmebank-login.com"
	AlertsTo    = "soc@acmebank.example"
	demoChannel = "soc-mail"
)

// Options configure a demo run.
type Options struct {
	// Store is where the daemon writes; it should be empty.
	Store store.Store
	// Out receives the story and the events as the daemon detects them.
	Out io.Writer
	// Tick is every probe's interval. Default 2s.
	Tick time.Duration
	// StepTimeout bounds the wait for the daemon to notice one step. Default 60s.
	StepTimeout time.Duration
	// Serve, when set, is called once simnet and the store are ready, to
	// start the web UI; it returns the URL to print.
	Serve func(ctx context.Context) (string, error)
	Log   *slog.Logger
	// Cases, when set, are the store's takedown cases: the story then
	// plays the look-alike's takedown case (cases.go).
	Cases store.CaseStore
}

// Summary is what the story produced.
type Summary struct {
	Steps      []Step
	Events     map[string]int // by kind
	States     map[string]string
	MailsSent  int // arrived at simnet's SMTP server
	Took       time.Duration
	Failed     []string // steps the daemon did not notice in time
	EventsSeen []store.Event
	Lookalikes []store.Lookalike // the brand's registered look-alikes, riskiest first
	// Abuse are abuse contacts as the snapshots record them: a watched
	// domain's registrar's (RDAP) and the brand's hoster's (the RIR's
	// network), where a takedown request would go.
	Abuse []string
}

// Step is one scripted change and what the daemon made of it.
type Step struct {
	Title    string
	Domain   string
	Want     string // a state, or an event kind
	Detected bool
	After    time.Duration
}

// Run plays the story and returns its summary. The daemon keeps running
// until ctx ends when hold is true (the web UI stays up for browsing);
// otherwise Run returns once the story is over.
func Run(ctx context.Context, o Options, hold bool) (*Summary, error) {
	o = o.withDefaults()
	start := time.Now()
	ind := lifecycle.Default()
	net, err := simnet.StartNet(ctx, simnet.NetOptions{Logger: o.Log, Infrastructure: ind.WatchDomains()})
	if err != nil {
		return nil, err
	}
	defer net.Close()
	if err := seed(ctx, net, o.Store); err != nil {
		return nil, err
	}
	p := &printer{out: o.Out, start: start}
	var mu sync.Mutex
	sum := &Summary{Events: map[string]int{}, States: map[string]string{}}
	tick := fmt.Sprintf("@every %s", o.Tick)
	d, err := monitor.New(ctx, monitor.Config{Config: daemonConfig(net, o.Tick), Store: o.Store, Indicators: ind, Log: o.Log, Cases: o.Cases,
		Notify: notify.Options{PollInterval: 200 * time.Millisecond, BackoffBase: time.Second},
		OnEvent: func(ev store.Event) {
			mu.Lock()
			sum.Events[string(ev.Kind)]++
			sum.EventsSeen = append(sum.EventsSeen, ev)
			mu.Unlock()
			p.event(ev)
		}})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if err := introduce(ctx, p, o, len(ind.WatchDomains()), tick); err != nil {
		return nil, err
	}
	dctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(dctx) }()

	w := &waiter{st: o.Store, timeout: o.StepTimeout, sum: sum, mu: &mu, p: p, start: start}
	steps := append(story(net, w), storyStep{actorsNextTitle, actorsNextStep(ctx, net, o.Store, o.Log, func(ev store.Event) {
		mu.Lock()
		sum.Events[string(ev.Kind)]++
		mu.Unlock()
		p.event(ev)
	}), w.relatedFound(), NextDomain, string(event.RelatedFound)})
	storyErr := play(ctx, p, w, append(steps, caseStory(o, net, p)...), sum)
	// Let the alert sender deliver what the story produced.
	if storyErr == nil && ctx.Err() == nil {
		waitMail(ctx, net, o.Store, 15*time.Second)
	}
	summarize(ctx, net, o.Store, sum, start)
	for _, name := range []string{Suspended, Brand} {
		sum.Abuse = append(sum.Abuse, abuseContacts(context.WithoutCancel(ctx), o.Store, name)...)
	}
	p.summary(sum)
	if hold && storyErr == nil && ctx.Err() == nil {
		p.line("the daemon keeps running on simnet; browse the web UI, Ctrl-C to stop")
		<-ctx.Done()
	}
	stop()
	if err := <-done; err != nil && storyErr == nil {
		storyErr = err
	}
	if storyErr == nil && ctx.Err() != nil && !hold {
		storyErr = ctx.Err()
	}
	return sum, storyErr
}

// withDefaults fills the options left zero.
func (o Options) withDefaults() Options {
	if o.Tick <= 0 {
		o.Tick = 2 * time.Second
	}
	if o.StepTimeout <= 0 {
		o.StepTimeout = 60 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

// seed puts the seed case's domains and the brand on simnet, live, and on
// the watchlist.
func seed(ctx context.Context, net *simnet.Net, st store.Store) error {
	seeds, err := watchlist.Parse(strings.NewReader(feeds.ExampleWatchlist), watchlist.FormatTxt)
	if err != nil {
		return err
	}
	var watch []store.NewDomain
	for _, e := range seeds {
		if err := net.AddSite(simnet.Site{Domain: e.Name.ASCII, NS: siteNS(e.Name.ASCII)}); err != nil {
			return err
		}
		watch = append(watch, store.NewDomain{Name: e.Name.ASCII, Unicode: e.Name.Unicode, Tags: []string{"doj-2023-10"}, Source: "demo"})
	}
	page := loginPage(Brand)
	net.Web.SetPage(Brand+"/favicon.ico", favicon)
	if err := net.AddSite(simnet.Site{Domain: Brand, Registrar: "MarkMonitor Inc.", RegistrarIANAID: 292,
		RegistrantOrg: "Acme Bank N.A.", RegistrantCountry: "US", Page: &page,
		Statuses: []string{"clientDeleteProhibited", "clientTransferProhibited", "clientUpdateProhibited",
			"serverDeleteProhibited", "serverTransferProhibited", "serverUpdateProhibited"}}); err != nil {
		return err
	}
	watch = append(watch, store.NewDomain{Name: Brand, Kind: store.KindBrand, Tags: []string{"brand"}, Source: "demo"})
	_, err = st.AddDomains(ctx, watch)
	return err
}

// daemonConfig is the daemon's configuration on simnet: every probe and
// the look-alike watch each tick, alerts by mail to simnet's SMTP server.
func daemonConfig(net *simnet.Net, every time.Duration) *config.Config {
	tick := fmt.Sprintf("@every %s", every)
	off := false
	cfg := config.Default()
	cfg.Network = net.Network(cfg.Network)
	cfg.Network.Timeout = 2 * time.Second
	cfg.Schedules = config.Schedules{DNS: tick, Cert: tick, HTTP: tick, RDAP: tick, WHOIS: tick,
		Lookalikes: fmt.Sprintf("@every %s", 3*every), Spread: cfg.Schedules.Spread}
	cfg.Monitor.Workers = 16
	cfg.Monitor.Poll = every
	cfg.Monitor.ProbeTimeout = 10 * time.Second
	cfg.Monitor.HuntSeized = &off
	// One process and fifty domains: the in-process queue, which runs a
	// domain's probes of one tick as one check, so each step of the story
	// reads as one verdict (the shared queue runs DNS in its own lane).
	cfg.Monitor.SharedQueue = &off
	// The look-alike watch runs every tick. Screenshots are taken when a
	// Chromium is installed: the browser reaches simnet's names through
	// the guarded proxy, which resolves with simnet's resolver.
	cfg.Schedules.LookalikeWatch = tick
	cfg.Schedules.Cases = tick
	cfg.Schedules.Hosting = tick
	cfg.Alerts.SMTP = net.SMTPConfig()
	cfg.Alerts.Channels = []config.Channel{{Name: demoChannel, Email: []string{AlertsTo},
		Events: []event.Kind{event.StateChanged, event.LookalikeRegistered, event.LookalikeEscalated, event.Reregistered, event.CertChanged}, MinSeverity: event.SevInfo}}
	return cfg
}

// introduce prints what is running, and starts the web UI when asked.
func introduce(ctx context.Context, p *printer, o Options, infra int, tick string) error {
	p.line("simnet is up: DNS root, registries, WHOIS, RDAP, HTTPS and SMTP on loopback")
	p.line("watching the 17 domains the US seized in October 2023 (here still live), the brand %s,", Brand)
	p.line("and %d seizure/sinkhole infrastructure domains; every probe runs %s", infra, tick)
	if o.Serve != nil {
		url, err := o.Serve(ctx)
		if err != nil {
			return err
		}
		p.line("web UI: %s", url)
	}
	return nil
}

// storyStep is one scripted change in simnet and how the daemon's
// noticing it shows in the store.
type storyStep struct {
	title string
	act   func() error
	check func(ctx context.Context) (bool, error)
	dom   string
	want  string
}

// story is the script: a seizure, a suspension, a lapse through to a
// re-registration, a new certificate on a seized domain, and a look-alike
// of the brand that goes from parked to phishing.
func story(net *simnet.Net, w *waiter) []storyStep {
	return []storyStep{
		{"baseline: the daemon takes its first snapshots", func() error { return nil },
			w.allState(Seized, Suspended, Dropped, Brand), Seized, string(event.StateActive)},
		{"the FBI seizes " + Seized + ": delegation to ns1/ns2.fbi.seized.gov, server locks, a banner",
			func() error { return net.Seize(Seized) }, w.state(Seized, event.StateSeized), Seized, string(event.StateSeized)},
		{"the registry suspends " + Suspended + " (serverHold)",
			func() error { return net.Suspend(Suspended) }, w.state(Suspended, event.StateSuspended), Suspended, string(event.StateSuspended)},
		{Dropped + " expires and its registrar puts it on hold",
			func() error { return net.Expire(Dropped) }, w.state(Dropped, event.StateExpired), Dropped, string(event.StateExpired)},
		{Dropped + " enters redemption",
			func() error { return net.Redeem(Dropped) }, w.state(Dropped, event.StateRedemption), Dropped, string(event.StateRedemption)},
		{Dropped + " is pending delete",
			func() error { return net.PendingDelete(Dropped) }, w.state(Dropped, event.StatePendingDelete), Dropped, string(event.StatePendingDelete)},
		{Dropped + " drops: the registry deletes it",
			func() error { net.Drop(Dropped); return nil }, w.state(Dropped, event.StateDeleted), Dropped, string(event.StateDeleted)},
		{"someone else registers " + Dropped + " again",
			func() error {
				page := simnet.SitePage("MyCloudFox — cloud hosting", "Fast cloud servers.")
				return net.Reregister(simnet.Site{Domain: Dropped, Registrar: "Dynadot Inc", RegistrarIANAID: 472,
					RegistrantOrg: "Shenyang Yuanhai Trading", RegistrantCountry: "CN", NS: []string{"ns1.dyna-ns.net", "ns2.dyna-ns.net"}, Page: &page})
			}, w.state(Dropped, event.StateReregistered), Dropped, string(event.StateReregistered)},
		{"the seized " + Seized + " starts serving a new certificate",
			func() error { return net.NewCertificate(Seized, "Unknown Hosting LLC") },
			w.event(Seized, event.CertChanged), Seized, string(event.CertChanged)},
		{"a look-alike of the brand registers, parked: " + LookAlike + " on Sedo's name servers, for sale",
			func() error { return net.AddSite(lookalikeSite(parked)) }, w.lookalike(Brand, LookAlike), LookAlike, string(event.LookalikeRegistered)},
		{"the look-alike watch checks " + LookAlike + ": parking name servers, a for-sale page",
			func() error { return nil }, w.escalated(LookAlike, event.RiskParked), LookAlike, string(event.RiskParked)},
		{LookAlike + " serves a copy of the brand's login page with its favicon; its MX takes any recipient",
			func() error {
				if err := net.AddSite(lookalikeSite(phishing)); err != nil {
					return err
				}
				net.Web.SetPage(LookAlike+"/favicon.ico", favicon)
				return nil
			}, w.escalated(LookAlike, event.RiskPhishingLike), LookAlike, string(event.RiskPhishingLike)},
	}
}

// play acts each step and waits for the daemon to notice it; a step not
// noticed in time is recorded as failed and the story goes on.
func play(ctx context.Context, p *printer, w *waiter, steps []storyStep, sum *Summary) error {
	for i, s := range steps {
		p.step(i, s.title)
		if err := s.act(); err != nil {
			return fmt.Errorf("step %q: %w", s.title, err)
		}
		t0 := time.Now()
		ok, err := w.wait(ctx, s.check)
		if err != nil {
			return err
		}
		sum.Steps = append(sum.Steps, Step{Title: s.title, Domain: s.dom, Want: s.want, Detected: ok, After: time.Since(t0)})
		if !ok {
			sum.Failed = append(sum.Failed, s.title)
			p.line("   ✗ not detected within %s", w.timeout)
		}
	}
	return nil
}

// summarize fills the summary's totals once the story is over.
func summarize(ctx context.Context, net *simnet.Net, st store.Store, sum *Summary, start time.Time) {
	sum.MailsSent = net.SMTP.Count()
	sum.Took = time.Since(start)
	ctx = context.WithoutCancel(ctx)
	sum.Lookalikes, _, _ = st.Lookalikes(ctx, store.LookalikeQuery{Brand: Brand, Sort: "risk", Limit: 5})
	states, _, _ := st.Domains(ctx, store.DomainQuery{})
	for _, d := range states {
		sum.States[d.Name] = string(d.State)
	}
}

// waitMail waits until the outbox has nothing pending, or the timeout.
func waitMail(ctx context.Context, net *simnet.Net, st store.Store, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		depth, err := st.OutboxDepth(ctx)
		if err == nil && depth[string(store.OutboxPending)] == 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type waiter struct {
	st      store.Store
	timeout time.Duration
	sum     *Summary
	mu      *sync.Mutex
	p       *printer
	start   time.Time
}

func (w *waiter) wait(ctx context.Context, check func(context.Context) (bool, error)) (bool, error) {
	deadline := time.Now().Add(w.timeout)
	for {
		ok, err := check(ctx)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
		if ok {
			return true, nil
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (w *waiter) state(name string, want event.State) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		d, err := w.st.Domain(ctx, name)
		if err != nil {
			return false, err
		}
		return d.State == want, nil
	}
}

func (w *waiter) allState(names ...string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		for _, n := range names {
			d, err := w.st.Domain(ctx, n)
			if err != nil {
				return false, err
			}
			if d.State != event.StateActive {
				return false, nil
			}
		}
		return true, nil
	}
}

func (w *waiter) event(name string, kind event.Kind) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		evs, err := w.st.Events(ctx, store.EventQuery{Domain: name, Kinds: []event.Kind{kind}, Limit: 1})
		return len(evs) > 0, err
	}
}

// escalated waits for the lookalike_escalated event of a level.
func (w *waiter) escalated(name string, level event.RiskLevel) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		evs, err := w.st.Events(ctx, store.EventQuery{Domain: name, Kinds: []event.Kind{event.LookalikeEscalated}})
		for _, ev := range evs {
			if event.RiskLevel(ev.New) == level {
				return true, err
			}
		}
		return false, err
	}
}

func (w *waiter) lookalike(brand, name string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		ls, _, err := w.st.Lookalikes(ctx, store.LookalikeQuery{Brand: brand, Search: name, Registered: store.RegYes})
		for _, l := range ls {
			if l.Name == name {
				return true, err
			}
		}
		return false, err
	}
}

// printer writes the story as it happens.
type printer struct {
	mu    sync.Mutex
	out   io.Writer
	start time.Time
}

func (p *printer) stamp() string { return fmt.Sprintf("[%5.1fs]", time.Since(p.start).Seconds()) }

func (p *printer) line(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.out, "%s %s\n", p.stamp(), fmt.Sprintf(format, args...))
}

func (p *printer) step(i int, title string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.out, "\n%s step %d: %s\n", p.stamp(), i, title)
}

// boring events are not printed: the baseline's first snapshots are not news.
func boring(ev store.Event) bool {
	return engine.Baseline(ev)
}

func (p *printer) event(ev store.Event) {
	if boring(ev) {
		return
	}
	// Values come from the network: cleaned and bounded on rune boundaries.
	change := netguard.Clean(ev.New, 60)
	if ev.Old != "" {
		change = netguard.Clean(ev.Old, 60) + " → " + change
	}
	field := fieldList(string(ev.Probe), ev.Field)
	if ev.Kind == event.CertChanged {
		// A fingerprint says nothing to an analyst: the subject and serial do.
		if lines := certChanges(ev.Detail); len(lines) > 0 {
			p.line("   %-8s %-22s %s%s", ev.Severity, ev.Domain, ev.Kind, field)
			for _, l := range lines {
				p.line("            · %s", l)
			}
			return
		}
	}
	p.line("   %-8s %-22s %s%s: %s", ev.Severity, ev.Domain, ev.Kind, field, change)
	if ev.Kind == event.LookalikeEscalated {
		p.figures(ev.Detail)
	}
}

// fieldList names an event's fields whole, never cut inside a name: a
// few of them, then how many more.
func fieldList(probe, fields string) string {
	if fields == "" {
		return ""
	}
	names := strings.Split(netguard.Clean(fields, 160), ",")
	if len(names) == 1 {
		return " " + strings.Trim(probe+"."+names[0], ".")
	}
	const show = 3
	list := strings.Join(names[:min(show, len(names))], ", ")
	if len(names) > show {
		list += fmt.Sprintf(" and %d more", len(names)-show)
	}
	if probe != "" {
		return " " + probe + " (" + list + ")"
	}
	return " " + list
}

// certChanges picks the subject, issuer and serial changes of a
// cert_changed event's detail.
func certChanges(detail []byte) []string {
	var d struct {
		Changes []string `json:"changes"`
	}
	if json.Unmarshal(detail, &d) != nil {
		return nil
	}
	var out []string
	for _, c := range d.Changes {
		for _, f := range []string{"subject:", "issuer:", "serial:"} {
			if strings.HasPrefix(c, f) {
				out = append(out, netguard.Clean(c, 160))
			}
		}
	}
	return out
}

// figures prints an escalation's score and reasons, the figures behind it.
func (p *printer) figures(detail []byte) {
	var d struct {
		Score   int      `json:"score"`
		Reasons []string `json:"reasons"`
	}
	if json.Unmarshal(detail, &d) != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.out, "            score %d\n", d.Score)
	for _, r := range d.Reasons {
		fmt.Fprintf(p.out, "            · %s\n", netguard.Clean(r, 160))
	}
}

func (p *printer) summary(s *Summary) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.out, "\nsummary after %.0fs:\n", s.Took.Seconds())
	for _, st := range s.Steps {
		mark := "✓"
		if !st.Detected {
			mark = "✗"
		}
		fmt.Fprintf(p.out, "  %s %-70s %s (%.1fs)\n", mark, st.Title, st.Want, st.After.Seconds())
	}
	kinds := make([]string, 0, len(s.Events))
	for k := range s.Events {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d", k, s.Events[k]))
	}
	fmt.Fprintf(p.out, "  events: %s\n", strings.Join(parts, ", "))
	fmt.Fprintf(p.out, "  states: %s %s, %s %s, %s %s\n", Seized, s.States[Seized], Suspended, s.States[Suspended], Dropped, s.States[Dropped])
	for _, l := range s.Lookalikes {
		level := l.Risk.Level
		if level == "" {
			level = "not judged yet"
		}
		fmt.Fprintf(p.out, "  look-alike of %s: %s %s (risk score %d)\n", Brand, l.Name, level, l.Risk.Score)
	}
	for _, a := range s.Abuse {
		fmt.Fprintf(p.out, "  abuse contact of %s\n", netguard.Clean(a, 200))
	}
	fmt.Fprintf(p.out, "  alerts: %d e-mails arrived at simnet's SMTP server for %s\n", s.MailsSent, AlertsTo)
}

// abuseContacts reads name's registrar abuse contact from its latest rdap
// snapshot and its networks' from its latest hosting snapshot.
func abuseContacts(ctx context.Context, st store.Store, name string) []string {
	d, err := st.Domain(ctx, name)
	if err != nil {
		return nil
	}
	var out []string
	if sn, err := st.LatestSnapshot(ctx, d.ID, string(event.ProbeRDAP)); err == nil && sn != nil {
		var r struct {
			Email  string `json:"registrar_abuse_email"`
			Source string `json:"registrar_abuse_source"`
		}
		if json.Unmarshal(sn.Data, &r) == nil && r.Email != "" {
			out = append(out, fmt.Sprintf("%s: registrar %s (%s)", name, r.Email, r.Source))
		}
	}
	if sn, err := st.LatestSnapshot(ctx, d.ID, string(event.ProbeHosting)); err == nil && sn != nil {
		var h struct {
			Addresses []struct {
				Network struct {
					CIDR string `json:"cidr"`
				} `json:"network"`
				ASN   uint32 `json:"asn"`
				Abuse []struct {
					Email  string `json:"email"`
					Source string `json:"source"`
				} `json:"abuse"`
			} `json:"addresses"`
		}
		if json.Unmarshal(sn.Data, &h) == nil {
			for _, a := range h.Addresses {
				for _, c := range a.Abuse {
					out = append(out, fmt.Sprintf("%s: network %s AS%d %s (%s)", name, a.Network.CIDR, a.ASN, c.Email, c.Source))
				}
			}
		}
	}
	return out
}

// The look-alike's two faces: parked at registration, then the phishing kit.
const (
	parked = iota
	phishing
)

// lookalikeSite is the look-alike as its registrant sets it up. It stays
// one registration (the same registry handle and creation date) while it
// moves from the parking service to a hoster.
func lookalikeSite(stage int) simnet.Site {
	s := simnet.Site{Domain: LookAlike, Registrar: "NiceNIC International Group Co., Limited", RegistrarIANAID: 3765,
		Created: created, RegistryDomainID: "2936610142_DOMAIN_COM-VRSN"}
	switch stage {
	case parked:
		page := simnet.ParkingPage(LookAlike)
		s.Page, s.NS = &page, []string{"ns1.sedoparking.com", "ns2.sedoparking.com"}
		s.Records = []string{"@ A 127.0.0.1", "www A 127.0.0.1"} // no mail yet
	case phishing:
		page := loginPage(LookAlike)
		s.Page = &page // default name servers and records: a mail exchanger that takes anyone
	}
	return s
}

// created is the look-alike's registration date: when the demo started.
var created = time.Now().UTC().Truncate(time.Second)

// loginPage is the brand's sign-in page; a kit copies it with its absolute
// URLs pointed at its own host.
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

// favicon is the brand's icon, which the kit copies.
var favicon = simnet.Page{ContentType: "image/x-icon", Body: "\x00\x00\x01\x00acme-bank-icon-bytes-0123456789"}
