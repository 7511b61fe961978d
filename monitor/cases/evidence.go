package cases

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/cases/report"
	"github.com/takedownhq/takedown/store"
)

// evidenceProbes are the snapshots a report carries, in this order.
var evidenceProbes = []event.Probe{event.ProbeDNS, event.ProbeDelegation, event.ProbeRDAP, event.ProbeWHOIS, event.ProbeCert,
	event.ProbeHTTP, hostingProbe, event.ProbePage, event.ProbeScreenshot, event.ProbeRisk}

// Brander finds the brand a name imitates; nil or "" when it is no
// look-alike.
type Brander func(ctx context.Context, name string) string

// Evidence fills a report's evidence for name's case from the store,
// addressed to the contact of role ("" for none). from is who reports.
func Evidence(ctx context.Context, st Store, name, role string, from report.Party, brand Brander, now time.Time) (report.Evidence, *Detail, error) {
	det, err := Show(ctx, st, name)
	if err != nil {
		return report.Evidence{}, nil, err
	}
	d, err := st.Domain(ctx, name)
	if err != nil {
		return report.Evidence{}, nil, err
	}
	ev := report.Evidence{Reporter: from, Generated: now,
		Case: report.Case{Domain: d.Name, Reason: det.Reason, Opened: det.OpenedAt, Status: det.Status, Note: det.Note}}
	if d.Unicode != d.Name {
		ev.Case.DomainUnicode = d.Unicode
	}
	for _, r := range Roles {
		for _, ct := range det.Contacts {
			if ct.Role == r {
				ev.Contacts = append(ev.Contacts, reportContact(ct))
			}
		}
	}
	if role != "" {
		ct, ok := contactFor(det.Contacts, role)
		if !ok {
			return report.Evidence{}, nil, inputf("case %s has no %s contact (add one with case contact)", name, role)
		}
		ev.Recipient = reportContact(ct)
	}
	evidenceContent(ctx, st, d, brand, &ev)
	evidenceRegistration(ctx, st, d, &ev)
	evidenceRisk(ctx, st, d, &ev)
	if err := evidenceTimeline(ctx, st, d, &ev); err != nil {
		return report.Evidence{}, nil, fmt.Errorf("case %s evidence: %w", name, err)
	}
	return ev, det, nil
}

// evidenceContent is what the page serves, how close it is to the
// brand's, and its screenshot.
func evidenceContent(ctx context.Context, st Store, d *store.Domain, brand Brander, ev *report.Evidence) {
	var page struct {
		FinalURL   string `json:"final_url"`
		Similarity struct {
			TLSH   *int `json:"tlsh"`
			Ssdeep *int `json:"ssdeep"`
		} `json:"similarity"`
		Signals struct {
			Title     string `json:"title"`
			LoginForm bool   `json:"login_form"`
		} `json:"signals"`
		Favicon *struct {
			MMH3 int32 `json:"mmh3"`
		} `json:"favicon"`
	}
	if latest(ctx, st, d.ID, event.ProbePage, &page) {
		ev.Content.FinalURL, ev.Content.Title, ev.Content.LoginForm = page.FinalURL, page.Signals.Title, page.Signals.LoginForm
		if s := maxPtr(page.Similarity.TLSH, page.Similarity.Ssdeep); s != nil {
			f := float64(*s)
			ev.Content.PageSimilarity = &f
		}
		if page.Favicon != nil {
			m := page.Favicon.MMH3
			ev.Content.FaviconMMH3 = &m
		}
	} else {
		var http struct {
			FinalURL string `json:"final_url"`
			Title    string `json:"title"`
		}
		if latest(ctx, st, d.ID, event.ProbeHTTP, &http) {
			ev.Content.FinalURL, ev.Content.Title = http.FinalURL, http.Title
		}
	}
	ev.Content.URLs = []string{"https://" + d.Name + "/"}
	if u := ev.Content.FinalURL; u != "" && !slices.Contains(ev.Content.URLs, u) {
		ev.Content.URLs = append(ev.Content.URLs, u)
	}
	var shot struct {
		Visual *int `json:"visual"`
	}
	if latest(ctx, st, d.ID, event.ProbeScreenshot, &shot) && shot.Visual != nil {
		f := float64(*shot.Visual)
		ev.Content.VisualSimilarity = &f
	}
	if brand != nil {
		if b := brand(ctx, d.Name); b != "" {
			ev.Content.Brand, ev.Content.BrandURL = b, "https://"+b+"/"
		}
	}
	if s, err := st.Screenshot(ctx, d.Name); err == nil && len(s.PNG) <= report.MaxAttachment {
		ev.Screenshot, ev.ScreenshotAt = s.PNG, s.TakenAt
	}
}

// evidenceRegistration is the registration, DNS and certificate.
func evidenceRegistration(ctx context.Context, st Store, d *store.Domain, ev *report.Evidence) {
	var reg struct {
		Registrar string    `json:"registrar"`
		IANAID    int       `json:"registrar_iana_id"`
		Created   time.Time `json:"created"`
		Expires   time.Time `json:"expires"`
		Statuses  []string  `json:"statuses"`
	}
	if latest(ctx, st, d.ID, event.ProbeRDAP, &reg) || latest(ctx, st, d.ID, event.ProbeWHOIS, &reg) {
		ev.Registration = report.Registration{Registrar: reg.Registrar, Created: reg.Created, Expires: reg.Expires, Statuses: reg.Statuses}
		if reg.IANAID != 0 {
			ev.Registration.RegistrarIANAID = strconv.Itoa(reg.IANAID)
		}
	}
	var dns struct {
		A, AAAA, NS, MX []string
	}
	if latest(ctx, st, d.ID, event.ProbeDNS, &dns) {
		ev.DNS = report.DNS{Addresses: append(append([]string{}, dns.A...), dns.AAAA...), NameServers: dns.NS, MX: dns.MX}
	}
	var cert struct {
		SHA256, Subject, Issuer, Serial string
		NotBefore                       time.Time `json:"not_before"`
		NotAfter                        time.Time `json:"not_after"`
		SANs                            []string  `json:"sans"`
	}
	if latest(ctx, st, d.ID, event.ProbeCert, &cert) && cert.SHA256 != "" {
		ev.Cert = &report.Cert{Subject: cert.Subject, Issuer: cert.Issuer, Serial: cert.Serial, SANs: cert.SANs,
			NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, SHA256: cert.SHA256}
	}
}

// evidenceRisk is the risk (else the state's reasons) and the raw
// snapshots.
func evidenceRisk(ctx context.Context, st Store, d *store.Domain, ev *report.Evidence) {
	var rk struct {
		Level   string   `json:"level"`
		Score   int      `json:"score"`
		Reasons []string `json:"reasons"`
	}
	if latest(ctx, st, d.ID, event.ProbeRisk, &rk) {
		ev.Risk = report.Risk{Level: rk.Level, Score: rk.Score, Reasons: rk.Reasons}
	} else if len(d.StateReasons) > 0 {
		ev.Risk = report.Risk{Level: string(d.State), Reasons: d.StateReasons}
	}
	for _, p := range evidenceProbes {
		s, err := st.LatestSnapshot(ctx, d.ID, string(p))
		if err != nil || s == nil || len(s.Data) > report.MaxRawSnapshot {
			continue
		}
		ev.Snapshots = append(ev.Snapshots, report.Snapshot{Kind: string(p), FirstSeen: s.FirstSeen, LastSeen: s.LastSeen, JSON: s.Data})
	}
}

// evidenceTimeline is the timeline since first seen: the domain's events,
// oldest first.
func evidenceTimeline(ctx context.Context, st Store, d *store.Domain, ev *report.Evidence) error {
	evs, err := st.Events(ctx, store.EventQuery{Domain: d.Name, Limit: report.MaxTimeline})
	if err != nil {
		return err
	}
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		ev.Timeline = append(ev.Timeline, report.TimelineEntry{Time: e.At, Kind: string(e.Kind), Summary: summary(e)})
	}
	return nil
}

func reportContact(ct store.CaseContact) report.Contact {
	return report.Contact{Role: ct.Role, Name: ct.Name, Email: ct.Email, Phone: ct.Phone, FormURL: ct.FormURL, Source: ct.Source}
}

func maxPtr(a, b *int) *int {
	switch {
	case a == nil:
		return b
	case b == nil || *a >= *b:
		return a
	}
	return b
}

// summary is an event on one line.
func summary(e store.Event) string {
	s := string(e.Kind)
	if e.Field != "" {
		s += " " + e.Field
	}
	switch {
	case e.Old != "" && e.New != "":
		s += ": " + e.Old + " → " + e.New
	case e.New != "":
		s += ": " + e.New
	}
	return clean(s)
}
