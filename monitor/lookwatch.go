package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/base/metrics"
	"github.com/takedownhq/takedown/internal/base/netguard"
	"github.com/takedownhq/takedown/monitor/infra"
	"github.com/takedownhq/takedown/monitor/lookalike"
	"github.com/takedownhq/takedown/monitor/lookalike/risk"
	"github.com/takedownhq/takedown/monitor/probe/certprobe"
	"github.com/takedownhq/takedown/monitor/probe/dnsprobe"
	"github.com/takedownhq/takedown/monitor/probe/httpprobe"
	"github.com/takedownhq/takedown/monitor/probe/mxprobe"
	"github.com/takedownhq/takedown/monitor/probe/pagesim"
	"github.com/takedownhq/takedown/monitor/probe/screenshot"
	"github.com/takedownhq/takedown/store"
)

// The look-alike watch: found look-alikes are watched on a light schedule
// of their own and judged by what they serve.
//
// Each round (schedules.lookalike_watch) takes, per brand, at most
// monitor.lookalike_watch_max registered look-alikes, riskiest first
// (dismissed ones are left alone), and for each one:
//
//   - makes sure it has a domains row of kind lookalike, so its history
//     reads like a watched domain's (`takedown history NAME`) while the
//     probe schedule leaves it out;
//   - checks its DNS (NS, A, MX), its RDAP record once, and its page and
//     certificate when it resolves, through the monitor, so snapshots,
//     change events and the lifecycle verdict are recorded as for any
//     domain;
//   - reads the signals (page similarity to the brand's with TLSH and
//     ssdeep, login form, the brand's name, the brand's favicon, a
//     screenshot's perceptual hash, whether its MX takes any recipient,
//     parking name servers and pages) and records each as a snapshot of
//     its kind (page, screenshot, mx, risk), so history and diffs show it;
//   - judges its risk (monitor/lookalike/risk), stores it on the
//     look-alike row and writes one lookalike_escalated event per level
//     reached above registered, never twice for a level.
//
// Watched domains that are taken down get a screenshot too: the seizure
// banner as evidence.

const (
	// maxFavicon bounds a favicon fetch.
	maxFavicon = 256 << 10
	// maxTakenDownShots bounds the watched domains screenshot per round.
	maxTakenDownShots = 200
)

// brandBase is what a brand's look-alikes are compared with, taken once
// per round.
type brandBase struct {
	name    string // the brand's domain
	label   string // its display name for reasons: the registrable label
	page    *pagesim.Fingerprint
	favicon string // SHA-256, "" when none
	ahash   string // screenshot hash, "" when none
}

// WatchLookalikes runs one round of the look-alike watch.
func (d *Daemon) WatchLookalikes(ctx context.Context) error {
	if !d.watchMu.TryLock() {
		d.log.Warn("look-alike watch still running; skipping this tick")
		return nil
	}
	defer d.watchMu.Unlock()
	limit := d.cfg.Monitor.LookalikeWatchMax
	if limit <= 0 {
		return nil
	}
	enabled := true
	brands, _, err := d.st.Domains(ctx, store.DomainQuery{Kind: store.KindBrand, Enabled: &enabled})
	if err != nil {
		return fmt.Errorf("look-alike watch: brands: %w", err)
	}
	var errs []error
	for _, b := range brands {
		if ctx.Err() != nil {
			break
		}
		base := d.baseline(ctx, b)
		// Registered look-alikes, and those judged before whose name has
		// since gone (a takedown): the watch sees them come back.
		ls, _, err := d.st.Lookalikes(ctx, store.LookalikeQuery{Brand: b.Name, Sort: "risk", Limit: limit + 100})
		if err != nil {
			errs = append(errs, fmt.Errorf("look-alike watch %s: %w", b.Name, err))
			continue
		}
		n := 0
		for _, l := range ls {
			if n == limit || ctx.Err() != nil {
				break
			}
			if l.Status == store.StatusDismissed || (l.Registered != store.RegYes && l.Risk.Level == "") {
				continue
			}
			n++
			if err := d.watchOne(ctx, base, l); err != nil {
				errs = append(errs, err)
			}
		}
	}
	errs = append(errs, d.watchRelated(ctx))
	if ctx.Err() == nil {
		errs = append(errs, d.shootTakenDown(ctx))
	}
	return errors.Join(errs...)
}

// baseline reads the brand's own page, favicon and screenshot. What
// cannot be read is left empty: its look-alikes are then judged without
// that comparison, never against nothing.
func (d *Daemon) baseline(ctx context.Context, b store.Domain) brandBase {
	base := brandBase{name: b.Name, label: brandLabel(b.Name)}
	snap, body, err := d.Probers.HTTP.Page(ctx, b.Name)
	if err != nil {
		d.log.Info("look-alike watch: brand page not read", "brand", b.Name, "err", err)
		return base
	}
	fp := pagesim.FingerprintOf(body)
	base.page = &fp
	sig := pagesim.Analyze(body, parseURL(snap.FinalURL), []string{base.label})
	if fav, ok := d.favicon(ctx, sig.FaviconURL); ok {
		base.favicon = fav.SHA256
	}
	if shot := d.shoot(ctx, b.ID, snap.FinalURL); shot != nil {
		base.ahash = shot.AHash
	}
	return base
}

// watchOne checks one look-alike, reads its signals and judges it.
func (d *Daemon) watchOne(ctx context.Context, base brandBase, l store.Lookalike) error {
	if _, err := d.st.AddDomains(ctx, []store.NewDomain{{Name: l.Name, Unicode: l.Unicode, Kind: store.KindLookalike,
		Tags: []string{"lookalike"}, Source: "lookalike-watch", Note: "look-alike of " + base.name}}); err != nil {
		return fmt.Errorf("look-alike watch %s: %w", l.Name, err)
	}
	dom, err := d.st.Domain(ctx, l.Name)
	if err != nil {
		return fmt.Errorf("look-alike watch %s: %w", l.Name, err)
	}
	if !dom.Enabled {
		return nil // the analyst removed it
	}
	sig := risk.Signals{Domain: l.Name, Registered: l.Registered == store.RegYes}
	dns := d.checkLight(ctx, dom)
	if dns != nil {
		sig.Resolves = len(dns.A) > 0 || len(dns.AAAA) > 0
		sig.MX = mxHosts(dns.MX)
		l = refreshed(l, dns)
		// The risk is judged on the registration answer just read, not
		// the one the hunt stored: a name that dropped is not "registered".
		sig.Registered = l.Registered == store.RegYes
	}
	rec := signalRecord{}
	if sig.Resolves {
		d.pageSignals(ctx, base, dom, &sig, &rec)
	}
	if dns != nil {
		ns, _ := d.indicators.Parking(dns.NS, "", "")
		sig.ParkingNS = ns
	}
	if len(sig.MX) > 0 {
		d.mxSignal(ctx, l.Name, &sig, &rec)
	}
	r := risk.Assess(sig, risk.Brand{Name: base.label, Domains: []string{base.name}}, risk.Thresholds{})
	rec.risk = r
	return d.recordRisk(ctx, base, dom, l, sig, rec)
}

// refreshed is l with its registration answer and DNS summary taken from
// the latest DNS snapshot, in the shape brand hunting stores.
func refreshed(l store.Lookalike, dns *dnsprobe.Snapshot) store.Lookalike {
	reg := lookalike.RegistrationFromDNS(l.Name, dns.Rcode, dns.NS, dns.A, dns.AAAA, dns.MX)
	b, err := json.Marshal(reg)
	if err != nil {
		return l
	}
	l.Registered, l.DNS = reg.Status, b
	return l
}

// checkLight runs the light probes through the monitor: DNS always, RDAP
// until it has an answer, the page and certificate when the name resolves.
// It returns the DNS answer (nil when there is none).
func (d *Daemon) checkLight(ctx context.Context, dom *store.Domain) *dnsprobe.Snapshot {
	kinds := []event.Probe{event.ProbeDNS}
	if s, err := d.st.LatestSnapshot(ctx, dom.ID, string(event.ProbeRDAP)); err == nil && s == nil {
		kinds = append(kinds, event.ProbeRDAP)
	}
	if _, err := d.Monitor.Check(ctx, dom.Name, kinds); err != nil {
		d.log.Info("look-alike watch: check", "domain", dom.Name, "err", err)
	}
	var dns dnsprobe.Snapshot
	if !d.latest(ctx, dom.ID, event.ProbeDNS, &dns) {
		return nil
	}
	if len(dns.A) > 0 || len(dns.AAAA) > 0 {
		if _, err := d.Monitor.Check(ctx, dom.Name, []event.Probe{event.ProbeHTTP, event.ProbeCert}); err != nil {
			d.log.Info("look-alike watch: check", "domain", dom.Name, "err", err)
		}
	}
	return &dns
}

// latest decodes the latest snapshot of a probe into v; false if none.
func (d *Daemon) latest(ctx context.Context, id int64, probe event.Probe, v any) bool {
	s, err := d.st.LatestSnapshot(ctx, id, string(probe))
	if err != nil || s == nil {
		return false
	}
	return json.Unmarshal(s.Data, v) == nil
}

// signalRecord is what one look-alike's signals record as snapshots.
type signalRecord struct {
	page *pageSignal
	shot *shotSignal
	png  []byte
	mx   *mxprobe.Result
	risk risk.Risk
}

type pageSignal struct {
	FinalURL    string               `json:"final_url"`
	Status      int                  `json:"status"`
	Similarity  pagesim.Similarity   `json:"similarity"`
	Fingerprint pagesim.Fingerprint  `json:"fingerprint"`
	Signals     pagesim.PageSignals  `json:"signals"`
	Favicon     *pagesim.Favicon     `json:"favicon,omitempty"`
	FaviconSame bool                 `json:"favicon_same"`
	BrandPage   *pagesim.Fingerprint `json:"brand_page,omitempty"`
}

type shotSignal struct {
	URL    string `json:"url"`
	AHash  string `json:"ahash"`
	SHA256 string `json:"sha256"`
	Visual *int   `json:"visual,omitempty"`
	// Forced: the page was still loading at the deadline and shot as it was.
	Forced bool `json:"forced,omitempty"`
}

// pageSignals fetches the page and reads what it shows.
func (d *Daemon) pageSignals(ctx context.Context, base brandBase, dom *store.Domain, sig *risk.Signals, rec *signalRecord) {
	var cert certprobe.Snapshot
	sig.Certificate = d.latest(ctx, dom.ID, event.ProbeCert, &cert) && cert.SHA256 != ""
	snap, body, err := d.Probers.HTTP.Page(ctx, dom.Name)
	if err != nil {
		return
	}
	sig.HTTPStatus, sig.FinalURL = snap.Status, snap.FinalURL
	_, sig.ParkingPage = d.indicators.Parking(nil, snap.Title, snap.Text)
	ps := pageSignal{FinalURL: snap.FinalURL, Status: snap.Status, Fingerprint: pagesim.FingerprintOf(body), BrandPage: base.page}
	ps.Signals = pagesim.Analyze(body, parseURL(snap.FinalURL), []string{base.label})
	sig.PasswordField, sig.LoginForm = ps.Signals.PasswordField, ps.Signals.LoginForm
	sig.BrandInTitle, sig.BrandInText = ps.Signals.BrandInTitle, ps.Signals.BrandInText
	if base.page != nil {
		ps.Similarity, _ = pagesim.Compare(*base.page, ps.Fingerprint) // our own digests parse
		sig.PageTLSH, sig.PageSsdeep = ps.Similarity.TLSH, ps.Similarity.Ssdeep
	}
	if fav, ok := d.favicon(ctx, ps.Signals.FaviconURL); ok {
		ps.Favicon = &fav
		ps.FaviconSame = base.favicon != "" && fav.SHA256 == base.favicon
		sig.FaviconSame = ps.FaviconSame
	}
	rec.page = &ps
	if shot := d.shot(ctx, snap.FinalURL); shot != nil {
		ss := shotSignal{URL: shot.URL, AHash: shot.AHash, SHA256: store.Hash(shot.PNG), Forced: shot.Forced}
		if base.ahash != "" {
			if v, err := screenshot.Similarity(base.ahash, shot.AHash); err == nil {
				ss.Visual = &v
				sig.Visual = &v
			}
		}
		rec.shot, rec.png = &ss, shot.PNG
	}
}

// mxSignal asks the mail exchange about a random recipient.
func (d *Daemon) mxSignal(ctx context.Context, name string, sig *risk.Signals, rec *signalRecord) {
	res, err := d.mx.Probe(ctx, name)
	if err != nil {
		return
	}
	// The recipient is random on every run: left out, so an unchanged
	// answer keeps its snapshot.
	res.Recipient, res.Message = "", ""
	rec.mx = &res
	sig.MXAccepts, sig.MXCode = string(res.Accept), res.Code
	if len(res.MX) > 0 {
		sig.MX = res.MX
	}
}

// favicon fetches and hashes an icon.
func (d *Daemon) favicon(ctx context.Context, rawURL string) (pagesim.Favicon, bool) {
	if rawURL == "" {
		return pagesim.Favicon{}, false
	}
	b, err := d.Probers.HTTP.Get(ctx, rawURL, maxFavicon)
	if err != nil || len(b) == 0 {
		return pagesim.Favicon{}, false
	}
	return pagesim.HashFavicon(b), true
}

// recordRisk writes the signals, the risk and its escalation in one
// transaction.
func (d *Daemon) recordRisk(ctx context.Context, base brandBase, dom *store.Domain, l store.Lookalike, sig risk.Signals, rec signalRecord) error {
	now := time.Now()
	r := rec.risk
	var escalated *store.Event
	err := d.st.Update(ctx, func(tx store.Tx) error {
		for _, s := range []struct {
			probe event.Probe
			v     any
			ok    bool
		}{{event.ProbePage, rec.page, rec.page != nil}, {event.ProbeScreenshot, rec.shot, rec.shot != nil},
			{event.ProbeMX, rec.mx, rec.mx != nil}, {event.ProbeRisk, r, true}} {
			if !s.ok {
				continue
			}
			b, err := json.Marshal(s.v)
			if err != nil {
				return err
			}
			_, _, changed, err := tx.ObserveSnapshot(dom.ID, string(s.probe), now, b)
			if err != nil {
				return err
			}
			if keys := infra.Extract(s.probe, b); changed && len(keys) > 0 {
				if _, err := tx.ObserveKeys(dom.ID, now, keys); err != nil {
					return err
				}
			}
		}
		if rec.png != nil {
			if err := tx.PutScreenshot(store.Screenshot{DomainID: dom.ID, URL: rec.shot.URL, TakenAt: now, PNG: rec.png, AHash: rec.shot.AHash}); err != nil {
				return err
			}
		}
		if l.DNS != nil {
			// The look-alike's row shows what its DNS says now, not what it
			// said when it was found.
			if _, _, err := tx.UpsertLookalike(store.Lookalike{Brand: l.Brand, Name: l.Name, Registered: l.Registered,
				DNS: l.DNS, LastChecked: now}); err != nil {
				return err
			}
		}
		prev, err := tx.SetLookalikeRisk(l.Brand, l.Name, store.LookalikeRisk{Level: r.Level, Score: r.Score, Reasons: r.Reasons, At: now})
		if err != nil {
			return err
		}
		ev, err := escalation(tx, base, dom, prev, r, sig, now)
		escalated = ev
		return err
	})
	if err != nil {
		return fmt.Errorf("look-alike watch %s: record: %w", l.Name, err)
	}
	if escalated != nil {
		metrics.ObserveEvent(escalated.Kind)
		if d.onEvent != nil {
			d.onEvent(*escalated)
		}
	}
	return nil
}

// escalation writes the lookalike_escalated event of a level reached for
// the first time (risk.Escalation decides which rises count), never twice
// for one level.
func escalation(tx store.Tx, base brandBase, dom *store.Domain, prev store.LookalikeRisk, r risk.Risk, sig risk.Signals, at time.Time) (*store.Event, error) {
	old, ok := risk.Escalation(event.RiskLevel(prev.Level), r.Level)
	if !ok {
		return nil, nil
	}
	if seen, err := tx.HasEvent(dom.ID, event.LookalikeEscalated, string(r.Level)); err != nil || seen {
		return nil, err
	}
	detail, err := json.Marshal(map[string]any{"brand": base.name, "score": r.Score, "reasons": r.Reasons, "signals": sig})
	if err != nil {
		return nil, err
	}
	ev := store.Event{DomainID: dom.ID, Domain: dom.Name, At: at, Kind: event.LookalikeEscalated, Probe: event.ProbeRisk,
		Field: "level", Old: string(old), New: string(r.Level), Severity: risk.Severity(r.Level), Detail: detail}
	id, err := tx.AddEvent(ev)
	ev.ID = id
	return &ev, err
}

// shootTakenDown screenshots watched domains that are taken down: the
// seizure banner or suspension page, kept as evidence.
func (d *Daemon) shootTakenDown(ctx context.Context) error {
	if !d.screenshots() {
		return nil
	}
	// Only the taken-down domains, and at most maxTakenDownShots of them:
	// the watchlist may hold millions of names.
	enabled := true
	var ds []store.Domain
	for _, st := range []event.State{event.StateSeized, event.StateSinkholed, event.StateSuspended} {
		page, _, err := d.st.Domains(ctx, store.DomainQuery{Enabled: &enabled, State: st, Limit: maxTakenDownShots})
		if err != nil {
			return fmt.Errorf("look-alike watch: watched domains: %w", err)
		}
		ds = append(ds, page...)
	}
	n := 0
	for _, dom := range ds {
		if n == maxTakenDownShots || ctx.Err() != nil {
			break
		}
		n++
		var page httpprobe.Snapshot
		target := "https://" + dom.Name + "/"
		if d.latest(ctx, dom.ID, event.ProbeHTTP, &page) && page.FinalURL != "" {
			target = page.FinalURL
		}
		d.shoot(ctx, dom.ID, target)
	}
	return nil
}

// shoot screenshots a URL and keeps it as the domain's screenshot, with
// its hash as a snapshot. Nil when screenshots are off or it failed.
func (d *Daemon) shoot(ctx context.Context, domainID int64, rawURL string) *screenshot.Shot {
	shot := d.shot(ctx, rawURL)
	if shot == nil {
		return nil
	}
	now := time.Now()
	err := d.st.Update(ctx, func(tx store.Tx) error {
		b, err := json.Marshal(shotSignal{URL: shot.URL, AHash: shot.AHash, SHA256: store.Hash(shot.PNG), Forced: shot.Forced})
		if err != nil {
			return err
		}
		if _, _, _, err := tx.ObserveSnapshot(domainID, string(event.ProbeScreenshot), now, b); err != nil {
			return err
		}
		return tx.PutScreenshot(store.Screenshot{DomainID: domainID, URL: shot.URL, TakenAt: now, PNG: shot.PNG, AHash: shot.AHash})
	})
	if err != nil {
		d.log.Warn("screenshot not stored", "url", rawURL, "err", err)
	}
	return shot
}

// shot takes a screenshot, starting the browser on first use.
func (d *Daemon) shot(ctx context.Context, rawURL string) *screenshot.Shot {
	sh := d.shooter(ctx)
	if sh == nil || rawURL == "" {
		return nil
	}
	shot, err := sh.Shot(ctx, rawURL)
	if err != nil {
		// A page that fails is the page's doing; a browser that is down or
		// killed is the monitor's, and costs every shot until it is back.
		level := slog.LevelInfo
		if errors.Is(err, screenshot.ErrBrowserDown) || errors.Is(err, screenshot.ErrMemory) {
			level = slog.LevelWarn
		}
		d.log.Log(ctx, level, "screenshot failed", "url", rawURL, "err", err)
		return nil
	}
	return shot
}

func (d *Daemon) screenshots() bool { return config.On(d.cfg.Monitor.Screenshots) }

// shooter starts Chromium when a screenshot is first wanted; without a
// browser installed there are no screenshots and the visual signal stays
// unmeasured. A browser that fails to start is tried again after a
// doubling pause (at most 5 minutes); once started, the Shooter restarts
// a browser that dies by itself.
func (d *Daemon) shooter(ctx context.Context) *screenshot.Shooter {
	if !d.screenshots() {
		return nil
	}
	d.shotMu.Lock()
	defer d.shotMu.Unlock()
	if d.shooterV != nil || d.shotOff || time.Now().Before(d.shotNext) {
		return d.shooterV
	}
	// The browser resolves and dials through the same guard as the
	// probes: the configured resolver, internal addresses refused.
	n := d.cfg.Network
	sh, err := screenshot.New(ctx, screenshot.Options{Guard: netguard.New(n), HTTPSPort: n.HTTPSPort, HTTPPort: n.HTTPPort,
		MaxPNG: store.MaxScreenshot, Tabs: 2, MaxMiB: d.cfg.Monitor.ScreenshotMaxMiB, Logger: d.log})
	switch {
	case errors.Is(err, screenshot.ErrNoBrowser):
		d.shotOff = true
		d.log.Warn("screenshots off: no browser", "err", err)
	case err != nil:
		d.shotFails++
		wait := min(time.Second<<min(d.shotFails, 9), 5*time.Minute)
		d.shotNext = time.Now().Add(wait)
		d.log.Warn("screenshot browser did not start", "err", err, "retry_in", wait)
	default:
		d.shotFails, d.shooterV = 0, sh
	}
	return d.shooterV
}

// shotState holds the lazily started browser.
type shotState struct {
	shotMu    sync.Mutex
	shooterV  *screenshot.Shooter
	shotOff   bool      // no browser installed, or the daemon closed
	shotFails int       // failed starts in a row
	shotNext  time.Time // no start before this
}

func (s *shotState) closeShooter() {
	s.shotMu.Lock()
	defer s.shotMu.Unlock()
	s.shotOff = true // a closing daemon starts no browser again
	if s.shooterV != nil {
		_ = s.shooterV.Close()
		s.shooterV = nil
	}
}

// brandLabel is the brand's name as pages write it: its registrable label
// ("example-bank" of example-bank.com). pagesim compares names ignoring
// case, spaces and hyphens, so "Example Bank" matches it.
func brandLabel(domain string) string {
	label, _, _ := strings.Cut(domain, ".")
	return label
}

// mxHosts turns "10 mail.example.net" answers into host names.
func mxHosts(mx []string) []string {
	var out []string
	for _, m := range mx {
		f := strings.Fields(m)
		if len(f) > 0 {
			out = append(out, strings.TrimSuffix(f[len(f)-1], "."))
		}
	}
	return out
}

func parseURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		return nil
	}
	return u
}
