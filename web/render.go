package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

type pageTemplate struct{ t *template.Template }

// loadTemplates parses every page with the shared layout and partials, one
// template set per page so each can define its own "content".
func loadTemplates(funcs template.FuncMap) (map[string]*pageTemplate, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*pageTemplate{}
	for _, f := range files {
		name := path.Base(f)
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(templateFS, f); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[strings.TrimSuffix(name, ".html")] = &pageTemplate{t}
	}
	return out, nil
}

// view is what every page template gets.
type view struct {
	Title     string
	Nav       string // highlighted menu entry
	CSRF      string
	Flash     *flash
	Auth      bool // a token is configured: show "log out"
	Version   string
	StaticVer string
	Path      string // this request's path and query, for "back" fields
	Search    string
	Data      any
}

type flash struct {
	Kind string // ok, error
	Msg  string
}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title, nav string, data any) {
	pt, ok := s.pages[name]
	if !ok {
		s.fail(w, r, http.StatusInternalServerError, "no template "+name)
		return
	}
	v := view{Title: title, Nav: nav, CSRF: s.csrfToken(w, r), Flash: s.takeFlash(w, r),
		Auth: s.opts.Token != "", Version: s.opts.Version, StaticVer: s.staticVer,
		Path: r.URL.RequestURI(), Search: r.URL.Query().Get("q"), Data: data}
	var buf bytes.Buffer
	if err := pt.t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("render", "page", name, "err", err)
		s.fail(w, r, http.StatusInternalServerError, "page rendering failed")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail answers an error as JSON on the API and as a page elsewhere.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "msg", msg)
	}
	if isAPI(r.URL.Path) || r.URL.Path == "/metrics" || !acceptsHTML(r) {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	pt := s.pages["error"]
	var buf bytes.Buffer
	v := view{Title: http.StatusText(status), Version: s.opts.Version, StaticVer: s.staticVer, Auth: s.opts.Token != "",
		Data: map[string]any{"Status": status, "Text": http.StatusText(status), "Msg": msg}}
	if pt == nil || pt.t.ExecuteTemplate(&buf, "layout", v) != nil {
		http.Error(w, msg, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func acceptsHTML(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return a == "" || strings.Contains(a, "text/html") || strings.Contains(a, "*/*")
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusNotFound, "no such page: "+r.URL.Path)
}

// storeFail maps a store error to a status: ErrNotFound is a 404.
func (s *Server) storeFail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, err.Error())
		return
	}
	s.log.Error("store", "path", r.URL.Path, "err", err)
	s.fail(w, r, http.StatusInternalServerError, "the store failed; see the server log")
}

// setFlash leaves a one-shot message for the page after a redirect.
func (s *Server) setFlash(w http.ResponseWriter, kind, msg string) {
	msg = clip(msg, 400)
	s.setCookie(w, flashCookie, base64.RawURLEncoding.EncodeToString([]byte(kind+"\x00"+msg)), 60)
}

func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	s.setCookie(w, flashCookie, "", -1)
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	kind, msg, ok := strings.Cut(string(b), "\x00")
	if !ok || (kind != "ok" && kind != "error") {
		return nil
	}
	return &flash{Kind: kind, Msg: msg}
}

// probeNames are the probe kinds' titles on the domain page.
var probeNames = map[event.Probe]string{
	event.ProbeDNS: "DNS", event.ProbeDelegation: "Delegation", event.ProbeRDAP: "RDAP", event.ProbeWHOIS: "WHOIS",
	event.ProbeCert: "Certificate", event.ProbeHTTP: "Web page", event.ProbePage: "Page signals", event.ProbeScreenshot: "Screenshot",
	event.ProbeMX: "Mail exchange", event.ProbeRisk: "Look-alike risk", event.ProbeCT: "Certificate transparency", event.ProbeZone: "Zone file",
}

// word is a template argument as text. Templates pass the vocabulary's
// types (a domain's State) and plain strings (a tab's status) alike, and a
// template func's parameter type admits only one of them.
func word(v any) string {
	switch w := v.(type) {
	case string:
		return w
	case fmt.Stringer:
		return w.String()
	}
	return ""
}

// probeOrder is the order of the domain page's observation cards: the
// order `check` prints the probes in.
var probeOrder = event.Probes

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"stateClass": func(v any) string {
			st := event.State(word(v))
			if st.Valid() {
				return "st-" + string(st)
			}
			return "st-other"
		},
		"sevClass": func(v any) string {
			sev := event.Severity(word(v))
			if sev.Valid() {
				return "sev-" + string(sev)
			}
			return "sev-info"
		},
		"riskClass": func(v any) string {
			level := event.RiskLevel(word(v))
			if level.Valid() {
				return "rl-" + string(level)
			}
			return "rl-other"
		},
		"human": func(v any) string { return strings.ReplaceAll(word(v), "_", " ") },
		"secs":  func(n *int64) string { return (time.Duration(*n) * time.Second).String() },
		"secsf": func(f *float64) string { return (time.Duration(*f) * time.Second).String() },
		"ts":    fmtTS,
		"tsISO": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		},
		"day": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("Mon 2 January 2006")
		},
		"ago":    func(t time.Time) string { return ago(s.opts.Now(), t) },
		"join":   strings.Join,
		"clip":   func(s string, n int) string { return visible(clip(s, n)) },
		"vis":    visible,
		"long":   func(v string) bool { return len(v) > 160 },
		"flat":   Flatten,
		"detail": func(b []byte) []Field { return Flatten("", b) },
		"probe": func(v any) string {
			p := event.Probe(word(v))
			if n, ok := probeNames[p]; ok {
				return n
			}
			return string(p)
		},
		"short": func(h string) string { return clip(h, 12) },
		"num":   func(n int) string { return groupDigits(n) },
		"add":   func(a, b int) int { return a + b },
		"pct": func(n, total int) int {
			if total == 0 {
				return 0
			}
			return (n*100 + total/2) / total
		},
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i
			}
			return out
		},
		"with1": func(u url.Values, kv ...string) string { return withQuery(u, kv...) },
		"sortLink": func(u url.Values, key string) string {
			cur := u.Get("sort")
			next := key
			if cur == key {
				next = "-" + key
			}
			return withQuery(u, "sort", next, "offset", "")
		},
		"sortMark": func(u url.Values, key string) string {
			switch u.Get("sort") {
			case key:
				return "▲"
			case "-" + key:
				return "▼"
			}
			return ""
		},
		"states": func() []event.State { return event.States },
		// severities and outboxStatuses feed the filters' choices, as
		// plain strings so the other funcs (with1, index) take them.
		"severities":     func() []string { return event.Strings(event.Severities) },
		"outboxStatuses": func() []string { return event.Strings(event.OutboxStatuses) },
		"list":           func(v ...string) []string { return v },
		"byDays":         byDay,
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				k, _ := kv[i].(string)
				m[k] = kv[i+1]
			}
			return m
		},
		"json": func(b []byte) string {
			var out bytes.Buffer
			if json.Indent(&out, b, "", "  ") != nil {
				return string(b)
			}
			return out.String()
		},
	}
}

// withQuery returns "?..." with keys set (empty value: removed).
func withQuery(u url.Values, kv ...string) string {
	q := url.Values{}
	for k, v := range u {
		q[k] = append([]string(nil), v...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return "?"
	}
	return "?" + q.Encode()
}

func fmtTS(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%d h", int(d/time.Hour))
	case d < 60*24*time.Hour:
		s = fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d < 2*365*24*time.Hour:
		s = fmt.Sprintf("%d months", int(d/(30*24*time.Hour)))
	default:
		s = fmt.Sprintf("%d years", int(d/(365*24*time.Hour)))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

func groupDigits(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// pager describes one page of a list for the templates and the API.
type pager struct {
	Total      int // -1 when unknown
	Limit      int
	Offset     int
	From, To   int // 1-based, for "41–60 of 300"
	PrevQuery  string
	NextQuery  string
	FirstQuery string
}

// newPager builds links for a page of n items at offset; total -1 means the
// store cannot count, and "next" is offered when the page came back full.
func newPager(q url.Values, offKey string, limit, offset, n, total int) pager {
	p := pager{Total: total, Limit: limit, Offset: offset}
	if n > 0 {
		p.From, p.To = offset+1, offset+n
	}
	if offset > 0 {
		p.PrevQuery = withQuery(q, offKey, strconv.Itoa(max(offset-limit, 0)))
		if offset-limit <= 0 {
			p.PrevQuery = withQuery(q, offKey, "")
		}
		p.FirstQuery = withQuery(q, offKey, "")
	}
	more := total >= 0 && offset+n < total || total < 0 && n == limit
	if more {
		p.NextQuery = withQuery(q, offKey, strconv.Itoa(offset+limit))
	}
	return p
}

// intParam reads a non-negative integer query parameter, clamped to max.
func intParam(q url.Values, key string, def, maxV int) int {
	v, err := strconv.Atoi(q.Get(key))
	if err != nil || v < 0 {
		return def
	}
	if maxV > 0 && v > maxV {
		return maxV
	}
	return v
}
