package web

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/cases"
	"github.com/takedownhq/takedown/monitor/cases/report"
	"github.com/takedownhq/takedown/store"
)

// registerCaseRoutes adds the takedown cases' pages and API. Without
// Options.Cases they answer 404.
func (s *Server) registerCaseRoutes() {
	s.handle("GET /cases", s.casesPage)
	s.handle("POST /cases", s.openCase)
	s.handle("GET /cases/chart.svg", s.caseChart)
	s.handle("GET /cases/{name}", s.casePage)
	s.handle("POST /cases/{name}/send", s.sendCase)
	s.handle("POST /cases/{name}/reported", s.reportedCase)
	s.handle("GET /api/v1/cases", s.apiCases)
	s.handle("GET /api/v1/cases/stats", s.apiCaseStats)
	s.handle("GET /api/v1/cases/{name}", s.apiCase)
	s.handle("GET /api/v1/cases/{name}/report", s.apiCaseReport)
}

// caseStore is the store with its cases, or nil when the server has none.
func (s *Server) caseStore(w http.ResponseWriter, r *http.Request) cases.Store {
	if s.opts.Cases == nil {
		s.fail(w, r, http.StatusNotFound, "takedown cases are not available on this server")
		return nil
	}
	return monitor.CaseStore(s.st, s.opts.Cases)
}

// reporter is who the reports say they come from.
func (s *Server) reporter() report.Party {
	if s.opts.CaseReporter.Name == "" && s.opts.CaseReporter.Email == "" {
		return report.Party{Name: "takedown"}
	}
	return s.opts.CaseReporter
}

// caseRow is a case as the Cases page lists it.
type caseRow struct {
	store.Case
	Age  time.Duration
	Next string
}

func (s *Server) casesPage(w http.ResponseWriter, r *http.Request) {
	cs := s.caseStore(w, r)
	if cs == nil {
		return
	}
	ctx := r.Context()
	status := r.URL.Query().Get("status")
	if status == "" {
		status = "active"
	}
	if status != "all" && status != "active" && !slices.Contains(store.CaseStatuses, status) {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("status %q: want all, active or one of %s", status, strings.Join(store.CaseStatuses, ", ")))
		return
	}
	q := store.CaseQuery{Status: status, Limit: 500}
	if status == "all" {
		q.Status = ""
	}
	list, err := cs.Cases(ctx, q)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	now := s.opts.Now()
	rows := make([]caseRow, 0, len(list))
	for _, c := range list {
		cts, err := cs.CaseContacts(ctx, c.ID)
		if err != nil {
			s.storeFail(w, r, err)
			return
		}
		rows = append(rows, caseRow{Case: c, Age: cases.Age(c, now), Next: cases.NextStep(c, cts)})
	}
	all, err := cs.Cases(ctx, store.CaseQuery{})
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "cases", "Cases", "cases", map[string]any{
		"Rows": rows, "Status": status, "Statuses": store.CaseStatuses, "Stats": cases.Stats(all, ""),
		"Reasons": report.Reasons,
	})
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) {
	cs := s.caseStore(w, r)
	if cs == nil {
		return
	}
	name := r.PathValue("name")
	ev, det, err := cases.Evidence(r.Context(), cs, name, "", s.reporter(), monitor.Brander(s.st), s.opts.Now())
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, name+" has no case")
		return
	}
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	var md bytes.Buffer
	if err := report.Encode(&md, "md", ev); err != nil {
		md.Reset()
		md.WriteString("report: " + err.Error())
	}
	s.render(w, r, http.StatusOK, "case", "Case "+det.Domain, "cases", map[string]any{
		"Case": det, "Report": md.String(), "Evidence": ev, "Formats": report.Formats,
		"Screenshot": len(ev.Screenshot) > 0,
	})
}

// sendCase queues the report to one contact in the outbox, as `case
// send` does; the daemon's sender delivers it. The analyst's click is the
// only way the UI sends anything to a third party.
func (s *Server) sendCase(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r) {
		return
	}
	cs := s.caseStore(w, r)
	if cs == nil {
		return
	}
	name, role := r.PathValue("name"), r.PostFormValue("role")
	back := "/cases/" + url.PathEscape(name)
	ct, _, err := cases.Send(r.Context(), cs, name, role, s.opts.CaseSMTP, s.opts.Now())
	var ie *cases.InputError
	switch {
	case errors.As(err, &ie), errors.Is(err, cases.ErrNoSMTP), errors.Is(err, cases.ErrAlreadySent), errors.Is(err, cases.ErrNoCase):
		s.setFlash(w, "error", "not sent: "+err.Error())
	case err != nil:
		s.storeFail(w, r, err)
		return
	default:
		s.log.Info("case report queued", "domain", name, "role", role, "remote", r.RemoteAddr)
		s.setFlash(w, "ok", "report queued for "+ct.Email+"; the daemon's sender delivers it")
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// reportedCase records a report filed on a provider's web form.
func (s *Server) reportedCase(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r) {
		return
	}
	cs := s.caseStore(w, r)
	if cs == nil {
		return
	}
	name, role := r.PathValue("name"), r.PostFormValue("role")
	_, err := cases.Reported(r.Context(), cs, name, role, r.PostFormValue("ref"), s.opts.Now())
	var ie *cases.InputError
	switch {
	case errors.As(err, &ie), errors.Is(err, cases.ErrNoCase):
		s.setFlash(w, "error", "not recorded: "+err.Error())
	case err != nil:
		s.storeFail(w, r, err)
		return
	default:
		s.setFlash(w, "ok", "report to "+role+" recorded")
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(name), http.StatusSeeOther)
}

// openCase opens a case from the domain and look-alike pages.
func (s *Server) openCase(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r) {
		return
	}
	cs := s.caseStore(w, r)
	if cs == nil {
		return
	}
	n, err := domain.Normalize(r.PostFormValue("name"))
	if err != nil {
		s.setFlash(w, "error", "no case opened: "+err.Error())
		s.back(w, r, "/cases")
		return
	}
	c, err := cases.Open(r.Context(), cs, n.ASCII, n.Unicode, r.PostFormValue("reason"), r.PostFormValue("note"), s.opts.Now())
	var ie *cases.InputError
	switch {
	case errors.As(err, &ie):
		s.setFlash(w, "error", "no case opened: "+err.Error())
		s.back(w, r, "/cases")
		return
	case errors.Is(err, store.ErrCaseOpen):
		s.setFlash(w, "error", n.ASCII+" already has an open case")
	case err != nil:
		s.storeFail(w, r, err)
		return
	default:
		s.log.Info("case opened", "domain", c.Domain, "reason", c.Reason, "remote", r.RemoteAddr)
		s.setFlash(w, "ok", "case opened for "+c.Domain)
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(n.ASCII), http.StatusSeeOther)
}

func (s *Server) apiCases(w http.ResponseWriter, r *http.Request) {
	cs := s.caseStore(w, r)
	if cs == nil {
		return
	}
	status := r.URL.Query().Get("status")
	if status != "" && status != "active" && !slices.Contains(store.CaseStatuses, status) {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("status %q: want active or one of %s", status, strings.Join(store.CaseStatuses, ", ")))
		return
	}
	limit, _ := apiLimits(r.URL.Query())
	list, err := cs.Cases(r.Context(), store.CaseQuery{Status: status, Limit: limit})
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	if list == nil {
		list = []store.Case{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (s *Server) apiCase(w http.ResponseWriter, r *http.Request) {
	cs := s.caseStore(w, r)
	if cs == nil {
		return
	}
	det, err := cases.Show(r.Context(), cs, r.PathValue("name"))
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, r.PathValue("name")+" has no case")
		return
	}
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, det)
}

func (s *Server) apiCaseStats(w http.ResponseWriter, r *http.Request) {
	cs := s.caseStore(w, r)
	if cs == nil {
		return
	}
	by := r.URL.Query().Get("by")
	if by != "" && !slices.Contains(cases.StatsBy, by) {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("by %q: want one of %s", by, strings.Join(cases.StatsBy, ", ")))
		return
	}
	all, err := cs.Cases(r.Context(), store.CaseQuery{})
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": cases.Stats(all, by)})
}

func (s *Server) apiCaseReport(w http.ResponseWriter, r *http.Request) {
	cs := s.caseStore(w, r)
	if cs == nil {
		return
	}
	q := r.URL.Query()
	format, to := q.Get("format"), q.Get("to")
	if format == "" {
		format = "md"
	}
	if !slices.Contains(report.Formats, format) {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("format %q: want one of %s", format, strings.Join(report.Formats, ", ")))
		return
	}
	if to != "" {
		if err := cases.CheckRole(to); err != nil {
			s.fail(w, r, http.StatusBadRequest, err.Error())
			return
		}
	}
	name := r.PathValue("name")
	ev, _, err := cases.Evidence(r.Context(), cs, name, to, s.reporter(), monitor.Brander(s.st), s.opts.Now())
	var ie *cases.InputError
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, name+" has no case")
		return
	case errors.As(err, &ie):
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	case err != nil:
		s.storeFail(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := report.Encode(&b, format, ev); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "report: "+err.Error())
		return
	}
	ct := map[string]string{"eml": "message/rfc822", "md": "text/markdown; charset=utf-8"}[format]
	if ct == "" {
		ct = "application/json; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, strings.ReplaceAll(name, `"`, ""), format))
	w.Write(b.Bytes())
}

// Chart geometry, in SVG user units.
const (
	chartW, chartH = 720, 300
	chartBarH      = 16
	chartMaxBars   = 8
)

// tttBuckets are the distribution's bins of time to takedown.
var tttBuckets = []struct {
	label string
	upTo  time.Duration
}{
	{"< 1 h", time.Hour}, {"1–6 h", 6 * time.Hour}, {"6–24 h", 24 * time.Hour}, {"1–3 d", 72 * time.Hour},
	{"3–7 d", 7 * 24 * time.Hour}, {"> 7 d", 1 << 62},
}

// caseChart draws the time to takedown: its distribution over all cases,
// and the median per registrar and per hosting network (the slowest
// first, a few of each). Drawn on the server: no script, no inline style.
func (s *Server) caseChart(w http.ResponseWriter, r *http.Request) {
	cs := s.caseStore(w, r)
	if cs == nil {
		return
	}
	all, err := cs.Cases(r.Context(), store.CaseQuery{})
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(drawChart(all))
}

// drawChart is the chart's SVG. Every label is escaped: a registrar's
// name is the registry's text, not ours.
func drawChart(all []store.Case) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11" role="img">`,
		chartW, chartH, chartW, chartH)
	b.WriteString(`<title>Time to takedown</title>`)
	drawDistribution(&b, all)
	drawMedians(&b, all)
	b.WriteString(`</svg>`)
	return []byte(b.String())
}

// tttCounts is how many cases fall in each of tttBuckets, and the largest
// count (at least 1, the chart's scale).
func tttCounts(all []store.Case) (counts []int, maxN int) {
	counts = make([]int, len(tttBuckets))
	maxN = 1
	for _, c := range all {
		if c.TimeToTakedown == nil {
			continue
		}
		d := time.Duration(*c.TimeToTakedown) * time.Second
		for i, b := range tttBuckets {
			if d < b.upTo {
				counts[i]++
				maxN = max(maxN, counts[i])
				break
			}
		}
	}
	return counts, maxN
}

// drawDistribution is the chart's left half: the cases per time bucket.
func drawDistribution(b *strings.Builder, all []store.Case) {
	counts, maxN := tttCounts(all)
	b.WriteString(`<text x="10" y="16" font-size="13" font-weight="bold">Time to takedown</text>`)
	const baseY, plotH, colW = 260, 210, 40
	for i, n := range counts {
		x := 20 + i*(colW+10)
		h := n * plotH / maxN
		fmt.Fprintf(b, `<rect class="bucket" x="%d" y="%d" width="%d" height="%d" fill="#3b6ea5"><title>%s: %d</title></rect>`,
			x, baseY-h, colW, h, html.EscapeString(tttBuckets[i].label), n)
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">%d</text>`, x+colW/2, baseY-h-4, n)
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`, x+colW/2, baseY+14, html.EscapeString(tttBuckets[i].label))
	}
}

// medianBar is one provider's median time to takedown, in seconds.
type medianBar struct {
	group, label string
	med          float64
}

// medianBars are the providers with a median, slowest first, up to half
// of chartMaxBars per group, and the largest median (at least 1).
func medianBars(all []store.Case) (bars []medianBar, maxMed float64) {
	maxMed = 1.0
	for _, by := range []string{"registrar", "hosting"} {
		gs := cases.Stats(all, by)
		slices.SortFunc(gs, func(a, b cases.Group) int {
			switch {
			case a.Median == nil || b.Median == nil:
				return boolCmp(a.Median == nil, b.Median == nil)
			case *a.Median > *b.Median:
				return -1
			case *a.Median < *b.Median:
				return 1
			}
			return strings.Compare(a.Group, b.Group)
		})
		n := 0
		for _, g := range gs {
			if g.Median == nil || n == chartMaxBars/2 || g.Group == "unknown" {
				continue
			}
			n++
			bars = append(bars, medianBar{by, g.Group, *g.Median})
			maxMed = max(maxMed, *g.Median)
		}
	}
	return bars, maxMed
}

// drawMedians is the chart's right half: the median per provider.
func drawMedians(b *strings.Builder, all []store.Case) {
	bars, maxMed := medianBars(all)
	const left, barMax = 340, 250
	y := 16
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="13" font-weight="bold">Median by provider</text>`, left, y)
	y += 12
	last := ""
	for _, br := range bars {
		if br.group != last {
			y += 14
			fmt.Fprintf(b, `<text x="%d" y="%d" fill="#555">%s</text>`, left, y, br.group)
			y += 4
			last = br.group
		}
		wd := int(br.med / maxMed * barMax)
		label := br.label
		if len(label) > 28 {
			label = label[:28] + "…"
		}
		fmt.Fprintf(b, `<rect class="provider" x="%d" y="%d" width="%d" height="%d" fill="#c0504d"><title>%s %s: median %s</title></rect>`,
			left+100, y, max(wd, 1), chartBarH-4, br.group, html.EscapeString(br.label), time.Duration(br.med)*time.Second)
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, left+96, y+chartBarH-6, html.EscapeString(label))
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`, left+104+max(wd, 1), y+chartBarH-6, time.Duration(br.med)*time.Second)
		y += chartBarH
	}
	if len(bars) == 0 {
		fmt.Fprintf(b, `<text x="%d" y="%d" fill="#555">no takedown confirmed yet</text>`, left, y+14)
	}
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
