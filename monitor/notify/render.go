package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// Bounds on what a message carries from the network: a WHOIS field or page
// title can be megabytes; a mail or webhook is not the place for it.
const (
	maxSubject     = 200
	maxShortValue  = 120  // values quoted in a subject or a summary line
	maxValue       = 2000 // one old/new value or detail in a body
	maxDetailKeys  = 30
	maxReasons     = 30
	maxGroupEvents = 500 // events in one digest message
)

// cleanLine makes s safe for a header or a one-line field: no control
// characters (so no CR/LF header injection), no bidirectional overrides
// (which can disguise a name), valid UTF-8, at most max runes.
func cleanLine(s string, max int) string {
	return clean(s, max, false)
}

// cleanText is cleanLine that keeps line breaks, for bodies.
func cleanText(s string, max int) string {
	return clean(s, max, true)
}

func clean(s string, max int, keepNewlines bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s {
		if n >= max {
			b.WriteString("…")
			break
		}
		switch {
		case r == '\n' && keepNewlines:
			b.WriteRune('\n')
			n++
			space = false
			continue
		case r == '\r' && keepNewlines:
			continue
		case unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Bidi_Control, r) ||
			r == '\u200b' || r == '\u2028' || r == '\u2029' || r == '\ufeff':
			// Collapse runs of blanks and controls into one space.
			if !space && b.Len() > 0 {
				b.WriteRune(' ')
				n++
			}
			space = true
			continue
		}
		b.WriteRune(r)
		n++
		space = false
	}
	return strings.TrimRight(b.String(), " ")
}

// view is an event prepared for display: every string cleaned and bounded.
type view struct {
	ID       int64
	Domain   string // ASCII
	Unicode  string // display form when it differs from Domain
	At       time.Time
	Kind     event.Kind
	Probe    event.Probe
	Field    string
	Old      string
	New      string
	Severity event.Severity
	Brand    string
	Score    string // a look-alike's risk score, from the detail
	Reasons  []string
	Details  []detailKV
	Tags     []string
	URL      string
	// raw detail for the webhook, as a JSON object
	detail json.RawMessage
}

type detailKV struct{ Key, Value string }

func newView(ev store.Event, baseURL string) view {
	v := view{
		ID:       ev.ID,
		Domain:   cleanLine(ev.Domain, 253),
		At:       ev.At.UTC(),
		Kind:     event.Kind(cleanLine(string(ev.Kind), 64)),
		Probe:    event.Probe(cleanLine(string(ev.Probe), 64)),
		Field:    cleanLine(ev.Field, 128),
		Old:      cleanText(ev.Old, maxValue),
		New:      cleanText(ev.New, maxValue),
		Severity: event.Severity(cleanLine(string(ev.Severity), 16)),
		detail:   json.RawMessage("{}"),
	}
	if u, err := idna.ToUnicode(ev.Domain); err == nil && u != ev.Domain {
		v.Unicode = cleanLine(u, 253)
	}
	for _, t := range ev.Tags {
		v.Tags = append(v.Tags, cleanLine(t, 64))
	}
	if baseURL != "" && ev.Domain != "" {
		v.URL = strings.TrimRight(baseURL, "/") + "/domains/" + url.PathEscape(ev.Domain)
	}
	var d map[string]any
	if len(ev.Detail) > 0 && json.Unmarshal(ev.Detail, &d) == nil && d != nil {
		v.detail = json.RawMessage(ev.Detail)
		if rs, ok := d["reasons"].([]any); ok {
			for i, r := range rs {
				if i == maxReasons {
					v.Reasons = append(v.Reasons, fmt.Sprintf("… %d more", len(rs)-i))
					break
				}
				v.Reasons = append(v.Reasons, cleanText(str(r), maxValue))
			}
		}
		if b, ok := d["brand"].(string); ok {
			v.Brand = cleanLine(b, 253)
		}
		if sc, ok := d["score"].(float64); ok {
			v.Score = fmt.Sprint(int(sc))
		}
		keys := make([]string, 0, len(d))
		for k := range d {
			if k != "reasons" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i == maxDetailKeys {
				v.Details = append(v.Details, detailKV{"…", fmt.Sprintf("%d more fields", len(keys)-i)})
				break
			}
			v.Details = append(v.Details, detailKV{cleanLine(k, 64), cleanText(str(d[k]), maxValue)})
		}
	}
	return v
}

// str renders a decoded JSON value: strings as they are, the rest as JSON.
func str(x any) string {
	if s, ok := x.(string); ok {
		return s
	}
	b, _ := json.Marshal(x)
	return string(b)
}

// Name is how the domain is shown: ASCII, with the Unicode form beside it,
// so a homograph is visible for what it is.
func (v view) Name() string {
	if v.Unicode != "" {
		return v.Domain + " (" + v.Unicode + ")"
	}
	return v.Domain
}

// Level is the risk level a look-alike event reports: the level reached
// by an escalation, "registered" for a registration; "" for other events.
func (v view) Level() event.RiskLevel {
	switch v.Kind {
	case event.LookalikeEscalated:
		return event.RiskLevel(v.New)
	case event.LookalikeRegistered:
		return event.RiskRegistered
	}
	return ""
}

// Headline says what happened in one line, without the "[takedown]" tag.
func (v view) Headline() string {
	short := func(s string) string { return cleanLine(s, maxShortValue) }
	d := v.Domain
	switch v.Kind {
	case event.StateChanged:
		return fmt.Sprintf("%s: %s → %s", d, short(orDash(v.Old)), short(orDash(v.New)))
	case event.LookalikeRegistered:
		if v.Brand != "" {
			return fmt.Sprintf("new look-alike of %s: %s", v.Brand, d)
		}
		return "new look-alike: " + d
	case event.LookalikeEscalated:
		of := ""
		if v.Brand != "" {
			of = " of " + v.Brand
		}
		h := fmt.Sprintf("look-alike%s %s: %s → %s", of, d, short(orDash(v.Old)), short(orDash(v.New)))
		if v.Score != "" {
			h += " (score " + v.Score + ")"
		}
		return h
	case event.NSChanged:
		return d + ": name servers changed"
	case event.CertChanged:
		return d + ": certificate changed"
	case event.CertIssued:
		return d + ": new certificate issued"
	case event.ExpiringSoon:
		if v.New != "" {
			return fmt.Sprintf("%s: expires %s", d, short(v.New))
		}
		return d + ": expires soon"
	case event.Unreachable:
		return d + ": unreachable"
	case event.Reachable:
		return d + ": reachable again"
	case event.Test:
		return "test message"
	}
	what := strings.ReplaceAll(string(v.Kind), "_", " ")
	if v.Field != "" {
		what = v.Field + " changed"
	}
	if v.New != "" && utf8.RuneCountInString(v.New) <= 60 && !strings.Contains(v.New, "\n") {
		return fmt.Sprintf("%s: %s → %s", d, what, short(v.New))
	}
	return d + ": " + what
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func subjectOf(vs []view) string {
	return cleanLine("[takedown] "+summary(vs), maxSubject)
}

// summary is a digest's one-line title: "40 new look-alikes of example.com".
func summary(vs []view) string {
	if len(vs) == 1 {
		return vs[0].Headline()
	}
	counts := map[event.Kind]int{}
	var kinds []event.Kind
	brands := map[string]bool{}
	for _, v := range vs {
		if counts[v.Kind] == 0 {
			kinds = append(kinds, v.Kind)
		}
		counts[v.Kind]++
		if v.Kind == event.LookalikeRegistered {
			brands[v.Brand] = true
		}
	}
	phrase := func(kind event.Kind, n int) string {
		switch kind {
		case event.LookalikeRegistered:
			s := fmt.Sprintf("%d new look-alikes", n)
			if n == 1 {
				s = "1 new look-alike"
			}
			if len(brands) == 1 {
				for b := range brands {
					if b != "" {
						s += " of " + b
					}
				}
			}
			return s
		case event.StateChanged:
			if n == 1 {
				return "1 state change"
			}
			return fmt.Sprintf("%d state changes", n)
		case event.LookalikeEscalated:
			if n == 1 {
				return "1 look-alike escalated"
			}
			return fmt.Sprintf("%d look-alikes escalated", n)
		}
		return fmt.Sprintf("%d × %s", n, strings.ReplaceAll(string(kind), "_", " "))
	}
	if len(kinds) == 1 {
		return phrase(kinds[0], len(vs))
	}
	sort.SliceStable(kinds, func(i, j int) bool { return counts[kinds[i]] > counts[kinds[j]] })
	var parts []string
	for _, k := range kinds {
		parts = append(parts, phrase(k, counts[k]))
	}
	return fmt.Sprintf("%d events: %s", len(vs), strings.Join(parts, ", "))
}

// byLevel orders a digest's events: look-alikes first, grouped by the risk
// level their event reports, highest first; the other events after them.
// The order within a group is kept.
func byLevel(vs []view) []view {
	out := slices.Clone(vs)
	slices.SortStableFunc(out, func(a, b view) int { return levelRank(b) - levelRank(a) })
	return out
}

// levelRank ranks a view for byLevel: a look-alike's level rank plus one
// (so "none" still comes before other events), 0 for other events.
func levelRank(v view) int {
	if l := v.Level(); l != "" {
		return l.Rank() + 1
	}
	return 0
}

// levelCounts is a digest's look-alikes per level, highest first:
// "phishing_like 1, registered 3"; "" when it holds none.
func levelCounts(vs []view) string {
	var parts []string
	for i := 0; i < len(vs); {
		l := vs[i].Level()
		if l == "" {
			break
		}
		j := i
		for j < len(vs) && vs[j].Level() == l {
			j++
		}
		parts = append(parts, fmt.Sprintf("%s %d", l, j-i))
		i = j
	}
	return strings.Join(parts, ", ")
}

// section is the heading a digest shows before vs[i] when it starts a new
// risk level (or the events after the look-alikes); "" otherwise.
func section(vs []view, i int) string {
	if len(vs) < 2 || levelRank(vs[0]) == 0 {
		return "" // one event, or no look-alike: no sections
	}
	l := vs[i].Level()
	if i > 0 && vs[i-1].Level() == l {
		return ""
	}
	if l == "" {
		return "Other events"
	}
	n := 0
	for _, v := range vs[i:] {
		if v.Level() != l {
			break
		}
		n++
	}
	return fmt.Sprintf("Risk level %s (%d)", l, n)
}

// message is everything one delivery carries, rendered once.
type message struct {
	channel string
	key     string // idempotency key: Message-ID / X-Takedown-Delivery
	subject string
	text    string
	html    string
	views   []view
	test    bool
	baseURL string
}

func render(channel, key, baseURL string, vs []view, test bool) (message, error) {
	if len(vs) > 1 {
		vs = byLevel(vs)
	}
	m := message{channel: channel, key: key, subject: subjectOf(vs), views: vs, test: test, baseURL: baseURL}
	if test {
		m.subject = "[takedown] test message from channel " + cleanLine(channel, 64)
	}
	m.text = renderText(m)
	var b bytes.Buffer
	if err := htmlTmpl.Execute(&b, m); err != nil {
		return m, fmt.Errorf("render html: %w", err)
	}
	m.html = b.String()
	return m, nil
}

func indent(s, pre string) string {
	return strings.ReplaceAll(s, "\n", "\n"+pre)
}

func renderText(m message) string {
	var b strings.Builder
	if m.test {
		fmt.Fprintf(&b, "This is a test message from takedown through channel %q.\nIf you read it, alerts reach you.\n\n", cleanLine(m.channel, 64))
	} else if len(m.views) > 1 {
		fmt.Fprintf(&b, "%s\n", summary(m.views))
		if lc := levelCounts(m.views); lc != "" {
			fmt.Fprintf(&b, "Look-alikes by risk level: %s\n", lc)
		}
		b.WriteString("\n")
	}
	for i, v := range m.views {
		sec := section(m.views, i)
		switch {
		case sec != "":
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "== %s ==\n\n", sec)
		case i > 0:
			b.WriteString("\n----\n\n")
		}
		if !m.test {
			fmt.Fprintf(&b, "%s\n\n", v.Headline())
		}
		fmt.Fprintf(&b, "Domain:   %s\n", v.Name())
		fmt.Fprintf(&b, "When:     %s\n", v.At.Format("2006-01-02 15:04:05 UTC"))
		fmt.Fprintf(&b, "Event:    %s (%s)\n", v.Kind, v.Severity)
		if v.Probe != "" {
			fmt.Fprintf(&b, "Probe:    %s\n", v.Probe)
		}
		if v.Field != "" {
			fmt.Fprintf(&b, "Field:    %s\n", v.Field)
		}
		if v.Old != "" {
			fmt.Fprintf(&b, "Old:      %s\n", indent(v.Old, "          "))
		}
		if v.New != "" {
			fmt.Fprintf(&b, "New:      %s\n", indent(v.New, "          "))
		}
		if len(v.Tags) > 0 {
			fmt.Fprintf(&b, "Tags:     %s\n", strings.Join(v.Tags, ", "))
		}
		if len(v.Reasons) > 0 {
			b.WriteString("Evidence:\n")
			for _, r := range v.Reasons {
				fmt.Fprintf(&b, "  - %s\n", indent(r, "    "))
			}
		}
		if len(v.Details) > 0 {
			b.WriteString("Details:\n")
			for _, d := range v.Details {
				fmt.Fprintf(&b, "  %s: %s\n", d.Key, indent(d.Value, "    "))
			}
		}
		if v.URL != "" {
			fmt.Fprintf(&b, "Open:     %s\n", v.URL)
		}
	}
	fmt.Fprintf(&b, "\n-- \ntakedown, channel %s, delivery %s\n", cleanLine(m.channel, 64), m.key)
	return b.String()
}

// htmlTmpl is html/template, so every value is escaped for its context: a
// WHOIS field holding <script> arrives as text, and a hostile link is
// neutralised.
var htmlTmpl = template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: sans-serif; font-size: 14px; color: #222">
{{if .Test}}<p>This is a test message from takedown through channel <b>{{.Channel}}</b>. If you read it, alerts reach you.</p>
{{else if gt (len .Views) 1}}<h2>{{.Summary}}</h2>
{{with .LevelCounts}}<p>Look-alikes by risk level: {{.}}</p>{{end}}
{{end}}{{range $i, $v := .Views}}{{with $.Section $i}}<h2 style="margin: 16px 0 4px">{{.}}</h2>{{end}}{{with $v}}
<div style="border-top: 1px solid #ccc; padding: 8px 0">
{{if not $.Test}}<h3 style="margin: 4px 0">{{.Headline}}</h3>{{end}}
<table style="border-collapse: collapse">
<tr><th align="left">Domain</th><td>{{if .URL}}<a href="{{.URL}}">{{.Name}}</a>{{else}}{{.Name}}{{end}}</td></tr>
<tr><th align="left">When</th><td>{{.At.Format "2006-01-02 15:04:05 UTC"}}</td></tr>
<tr><th align="left">Event</th><td>{{.Kind}} ({{.Severity}})</td></tr>
{{if .Probe}}<tr><th align="left">Probe</th><td>{{.Probe}}</td></tr>{{end}}
{{if .Field}}<tr><th align="left">Field</th><td>{{.Field}}</td></tr>{{end}}
{{if .Old}}<tr><th align="left">Old</th><td><pre style="margin: 0">{{.Old}}</pre></td></tr>{{end}}
{{if .New}}<tr><th align="left">New</th><td><pre style="margin: 0">{{.New}}</pre></td></tr>{{end}}
{{if .Tags}}<tr><th align="left">Tags</th><td>{{range $i, $t := .Tags}}{{if $i}}, {{end}}{{$t}}{{end}}</td></tr>{{end}}
</table>
{{if .Reasons}}<p>Evidence:</p><ul>{{range .Reasons}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Details}}<p>Details:</p><table>{{range .Details}}<tr><th align="left">{{.Key}}</th><td><pre style="margin: 0">{{.Value}}</pre></td></tr>{{end}}</table>{{end}}
</div>{{end}}{{end}}
<p style="color: #888; font-size: 12px">takedown, channel {{.Channel}}, delivery {{.Key}}</p>
</body></html>
`))

// Template accessors: html/template reads exported names.

func (m message) Subject() string { return m.subject }
func (m message) Channel() string { return m.channel }
func (m message) Key() string     { return m.key }
func (m message) Test() bool      { return m.test }
func (m message) Views() []view   { return m.views }
func (m message) Summary() string { return summary(m.views) }

// LevelCounts is the digest's look-alikes per risk level, highest first.
func (m message) LevelCounts() string { return levelCounts(m.views) }

// Section is the heading before the i-th event of a digest, or "".
func (m message) Section(i int) string { return section(m.views, i) }

// slackEscape escapes what Slack's mrkdwn treats as markup, so a hostile
// value cannot make a link or mention.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slackText is the webhook's "text": a Slack/Mattermost message.
func slackText(m message) string {
	var b strings.Builder
	if m.test {
		fmt.Fprintf(&b, "*[takedown]* test message from channel %s", slackEscape(cleanLine(m.channel, 64)))
		return b.String()
	}
	fmt.Fprintf(&b, "*[takedown]* %s", slackEscape(summary(m.views)))
	if len(m.views) == 1 {
		v := m.views[0]
		fmt.Fprintf(&b, " (%s)", slackEscape(string(v.Severity)))
		for _, r := range v.Reasons {
			fmt.Fprintf(&b, "\n• %s", slackEscape(cleanLine(r, maxShortValue*2)))
		}
		if v.URL != "" {
			fmt.Fprintf(&b, "\n<%s|open in takedown>", slackEscape(v.URL))
		}
		return b.String()
	}
	for i, v := range m.views {
		if i == 20 {
			fmt.Fprintf(&b, "\n… and %d more", len(m.views)-i)
			break
		}
		if sec := section(m.views, i); sec != "" {
			fmt.Fprintf(&b, "\n*%s*", slackEscape(sec))
		}
		fmt.Fprintf(&b, "\n• %s (%s)", slackEscape(v.Headline()), slackEscape(string(v.Severity)))
	}
	return b.String()
}
