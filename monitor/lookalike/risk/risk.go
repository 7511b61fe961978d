// Package risk turns what was recorded about a look-alike domain into a
// risk level with a score and the reasons behind it, the way lifecycle
// verdicts carry theirs. It is a pure function over recorded values: the
// probes (dnsprobe, httpprobe, pagesim, screenshot, mxprobe, certprobe,
// lifecycle's parking signatures) fill a Signals, Assess reads it. The
// caller stores Signals and Risk as JSON and escalates when the level
// rises. The levels themselves are the vocabulary's (event.RiskLevels, in
// increasing order), so the store, the API and the UI share one list.
package risk

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/takedownhq/takedown/internal/base/event"
)

// Signals is what was recorded about one look-alike. A nil pointer means
// "not measured", which never counts as evidence either way. It is the
// storage and wire shape of the signals (JSON).
type Signals struct {
	Domain string `json:"domain"`
	// Registered: the registry knows the name (RDAP/WHOIS found, or the
	// zone delegates it).
	Registered bool `json:"registered"`
	// Resolves: it has A or AAAA records.
	Resolves bool `json:"resolves"`
	// ParkingNS lists the parking signatures its name servers match
	// (lifecycle ids such as parking-ns-sedo).
	ParkingNS []string `json:"parking_ns,omitempty"`
	// ParkingPage lists the parking signatures its page matches.
	ParkingPage []string `json:"parking_page,omitempty"`
	// HTTPStatus is the final status of the page fetch (0: no page).
	HTTPStatus int `json:"http_status,omitempty"`
	// FinalURL is where the page fetch ended, redirects followed.
	FinalURL string `json:"final_url,omitempty"`
	// Certificate: a certificate was issued for the name (served on 443
	// or seen in CT).
	Certificate bool `json:"certificate,omitempty"`
	// PageTLSH and PageSsdeep are page similarity to the brand's own page,
	// 0–100 as dnstwist reports them (pagesim).
	PageTLSH   *int `json:"page_tlsh,omitempty"`
	PageSsdeep *int `json:"page_ssdeep,omitempty"`
	// Visual is screenshot similarity to the brand's, 0–100 (screenshot).
	Visual *int `json:"visual,omitempty"`
	// FaviconSame: its favicon's SHA-256 equals the brand's.
	FaviconSame bool `json:"favicon_same,omitempty"`
	// PasswordField, LoginForm, BrandInTitle, BrandInText: page signals
	// (pagesim.PageSignals).
	PasswordField bool `json:"password_field,omitempty"`
	LoginForm     bool `json:"login_form,omitempty"`
	BrandInTitle  bool `json:"brand_in_title,omitempty"`
	BrandInText   bool `json:"brand_in_text,omitempty"`
	// MX lists its mail exchanges; MXAccepts is the answer to RCPT TO for
	// a random recipient: "accepts", "rejects" or "unknown" (mxprobe).
	MX        []string `json:"mx,omitempty"`
	MXAccepts string   `json:"mx_accepts,omitempty"`
	MXCode    int      `json:"mx_code,omitempty"`
}

// Brand is what the look-alike is compared with.
type Brand struct {
	// Name is the brand's display name, used in reasons.
	Name string `json:"name"`
	// Domains are the brand's own registrable domains: a look-alike whose
	// page ends on one of them is a defensive redirect.
	Domains []string `json:"domains"`
}

// Thresholds are the similarity figures at or above which a page or a
// screenshot counts as the brand's. Zero values take the defaults.
type Thresholds struct {
	// Page applies to the higher of TLSH and ssdeep. Default 70.
	Page int `json:"page"`
	// Visual applies to the screenshot similarity. Default 80.
	Visual int `json:"visual"`
}

func (t Thresholds) withDefaults() Thresholds {
	if t.Page <= 0 {
		t.Page = 70
	}
	if t.Visual <= 0 {
		t.Visual = 80
	}
	return t
}

// Risk is the judgement: the wire shape is
// {"level": "...", "score": N, "reasons": [...]}.
type Risk struct {
	Level   event.RiskLevel `json:"level"`
	Score   int             `json:"score"`
	Reasons []string        `json:"reasons"`
}

// base is the score a level starts from; the extras (certificate, MX,
// similarity figures…) add up to band-1 within it, so a score never leaves
// its level's band: registered 15–29, parked 30–44, live 45–59,
// mail_capable 60–74, phishing_like 80–100.
var base = map[event.RiskLevel]int{event.RiskNone: 0, event.RiskRegistered: 15, event.RiskParked: 30, event.RiskLive: 45, event.RiskMailCapable: 60, event.RiskPhishingLike: 80}

func band(l event.RiskLevel) int {
	if l == event.RiskPhishingLike {
		return 21
	}
	return 15
}

// Assess judges s against the brand. The level is the highest one whose
// conditions hold, with two guards: a page that ends on the brand's own
// domain (a defensive registration redirecting home) and a parking page
// are never phishing_like, whatever their similarity.
func Assess(s Signals, b Brand, t Thresholds) Risk {
	t = t.withDefaults()
	a := assessment{level: event.RiskNone}
	if !s.Registered && !s.Resolves {
		a.because(event.RiskNone, 0, "not registered")
		return a.risk()
	}
	a.registered(s)
	defensive := a.redirect(s, b)
	parkedPage := a.parked(s)
	a.live(s, defensive, parkedPage)
	a.mail(s)
	if !defensive && !parkedPage {
		a.phishing(s, b, t)
	}
	return a.risk()
}

type assessment struct {
	level   event.RiskLevel
	extra   int
	reasons []string
}

func (a *assessment) because(l event.RiskLevel, extra int, format string, args ...any) {
	if l.Rank() > a.level.Rank() {
		a.level = l
	}
	a.extra += extra
	a.reasons = append(a.reasons, fmt.Sprintf(format, args...))
}

func (a *assessment) risk() Risk {
	return Risk{Level: a.level, Score: base[a.level] + min(a.extra, band(a.level)-1), Reasons: a.reasons}
}

func (a *assessment) registered(s Signals) {
	switch {
	case s.Registered && s.Resolves:
		a.because(event.RiskRegistered, 0, "registered and resolves")
	case s.Registered:
		a.because(event.RiskRegistered, 0, "registered, no address records")
	default:
		a.because(event.RiskRegistered, 0, "resolves (registration not seen)")
	}
	if s.Certificate {
		a.because(event.RiskRegistered, 3, "a certificate was issued for it")
	}
}

// redirect reports a page that ends on the brand's own domain.
func (a *assessment) redirect(s Signals, b Brand) bool {
	if s.FinalURL == "" {
		return false
	}
	u, err := url.Parse(s.FinalURL)
	if err != nil {
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	for _, d := range b.Domains {
		d = strings.TrimSuffix(strings.ToLower(d), ".")
		if d != "" && (host == d || strings.HasSuffix(host, "."+d)) {
			a.reasons = append(a.reasons, fmt.Sprintf("redirects to the brand's own %s (defensive registration): its page is the brand's, not compared", host))
			return true
		}
	}
	return false
}

func (a *assessment) parked(s Signals) bool {
	if len(s.ParkingNS) > 0 {
		a.because(event.RiskParked, 0, "parking name servers (%s)", strings.Join(s.ParkingNS, ", "))
	}
	if len(s.ParkingPage) > 0 {
		a.because(event.RiskParked, 0, "parking page (%s)", strings.Join(s.ParkingPage, ", "))
		return true
	}
	return false
}

func (a *assessment) live(s Signals, defensive, parkedPage bool) {
	if s.HTTPStatus < 200 || s.HTTPStatus >= 400 || defensive || parkedPage {
		return
	}
	if len(s.ParkingNS) > 0 {
		return // a page served from parking name servers is the parking service's
	}
	a.because(event.RiskLive, 5, "serves a page of its own (HTTP %d)", s.HTTPStatus)
}

func (a *assessment) mail(s Signals) {
	if len(s.MX) == 0 {
		return
	}
	switch s.MXAccepts {
	case "accepts":
		a.because(event.RiskMailCapable, 5, "MX %s accepts mail for a random recipient (RCPT TO %d)", s.MX[0], s.MXCode)
	case "rejects":
		a.because(event.RiskRegistered, 3, "MX %s rejects unknown recipients (RCPT TO %d)", s.MX[0], s.MXCode)
	default:
		a.because(event.RiskRegistered, 3, "has MX %s (whether it takes any recipient is unknown)", s.MX[0])
	}
}

func (a *assessment) phishing(s Signals, b Brand, t Thresholds) {
	if page, ok := maxScore(s.PageTLSH, s.PageSsdeep); ok {
		figures := fmt.Sprintf("TLSH %s, ssdeep %s", show(s.PageTLSH), show(s.PageSsdeep))
		if page >= t.Page {
			a.because(event.RiskPhishingLike, page/10, "page similar to %s's: %s (threshold %d)", b.Name, figures, t.Page)
		} else if page >= t.Page/2 {
			a.reasons = append(a.reasons, fmt.Sprintf("page somewhat similar to %s's: %s (threshold %d)", b.Name, figures, t.Page))
		}
	}
	if s.Visual != nil && *s.Visual >= t.Visual {
		a.because(event.RiskPhishingLike, *s.Visual/10, "screenshot similar to %s's: %d (threshold %d)", b.Name, *s.Visual, t.Visual)
	}
	brandNamed := s.BrandInTitle || s.BrandInText
	where := "text"
	if s.BrandInTitle {
		where = "title"
	}
	switch {
	case (s.LoginForm || s.PasswordField) && brandNamed:
		a.because(event.RiskPhishingLike, 5, "login form with the brand's name %q in its %s", b.Name, where)
	case s.LoginForm || s.PasswordField:
		a.because(event.RiskRegistered, 3, "login form, without the brand's name")
	}
	if s.FaviconSame {
		if a.level == event.RiskPhishingLike || s.LoginForm || s.PasswordField {
			a.because(event.RiskPhishingLike, 3, "serves %s's own favicon", b.Name)
		} else {
			a.because(event.RiskRegistered, 3, "serves %s's own favicon", b.Name)
		}
	}
}

func maxScore(a, b *int) (int, bool) {
	switch {
	case a != nil && b != nil:
		return max(*a, *b), true
	case a != nil:
		return *a, true
	case b != nil:
		return *b, true
	}
	return 0, false
}

func show(p *int) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprint(*p)
}

// Escalation says whether reaching cur from prev deserves a
// lookalike_escalated event, and from which level: only levels above
// registered (a registration has its own event), and only a rise. prev is
// the level stored before ("" when the look-alike was never judged). The
// caller still makes sure a level is never announced twice.
func Escalation(prev, cur event.RiskLevel) (from event.RiskLevel, ok bool) {
	from = prev
	if from == "" {
		from = event.RiskNone
	}
	if cur.Rank() <= event.RiskRegistered.Rank() || cur.Rank() <= from.Rank() {
		return from, false
	}
	return from, true
}

// Severity is how urgent reaching the level is, as the escalation event's
// severity: a look-alike that looks like phishing is critical, one that
// takes the brand's mail a warning.
func Severity(l event.RiskLevel) event.Severity {
	switch l {
	case event.RiskPhishingLike:
		return event.SevCritical
	case event.RiskMailCapable:
		return event.SevWarning
	case event.RiskLive:
		return event.SevNotice
	}
	return event.SevInfo
}
