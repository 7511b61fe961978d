package report

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// mdEscape makes s inert in Markdown and in the HTML a Markdown renderer
// passes through: &, < and > become entities, every other ASCII punctuation
// character is backslash-escaped (CommonMark allows escaping any of them),
// so no value can open a link, an image, emphasis, a code span, a table
// cell or a heading. s is already one cleaned line.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r < 0x80 && strings.ContainsRune("!\"#$%'()*+,-./:;=?@[\\]^_`{|}~", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// defang makes a URL or host name unclickable the way abuse desks expect
// (hxxp, [.]) before escaping it: a pasted summary must not turn the
// phishing site into a live link.
func defang(s string) string {
	s = strings.Replace(s, "http", "hxxp", 1)
	return strings.ReplaceAll(s, ".", "[.]")
}

func mdTime(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func encodeMD(w io.Writer, p *prepared) error {
	var d mdDoc
	d.header(p)
	d.why(p)
	d.serves(p)
	d.registration(p)
	d.contacts(p)
	d.tail(p)
	if _, err := io.WriteString(w, d.b.String()); err != nil {
		return err
	}
	return nil
}

// mdDoc is a Markdown report being written, a section at a time.
type mdDoc struct{ b bytes.Buffer }

func (d *mdDoc) line(format string, args ...any) { fmt.Fprintf(&d.b, format+"\n", args...) }

// section starts a "## title" section.
func (d *mdDoc) section(title string) {
	d.line("")
	d.line("## %s", title)
	d.line("")
}

// header is the title, the summary table and the analyst's note.
func (d *mdDoc) header(p *prepared) {
	first, last := firstLast(&p.Evidence, p.now)
	name := mdEscape(defang(p.Case.Domain))
	if p.Case.DomainUnicode != "" {
		name += " (" + mdEscape(defang(p.Case.DomainUnicode)) + ")"
	}
	d.line("# %s: %s", reasonLabel(p.Case.Reason), name)
	d.line("")
	d.line("| | |")
	d.line("|---|---|")
	d.line("| Reason | %s |", mdEscape(p.Case.Reason))
	if p.Case.Status != "" {
		d.line("| Status | %s |", mdEscape(p.Case.Status))
	}
	d.line("| Opened | %s |", mdTime(p.Case.Opened))
	d.line("| First seen | %s |", mdTime(first))
	d.line("| Last seen | %s |", mdTime(last))
	if p.Risk.Level != "" || p.Risk.Score != 0 {
		d.line("| Risk | %s, score %d |", mdEscape(firstNonEmpty(p.Risk.Level, "unknown")), p.Risk.Score)
	}
	if p.Content.Brand != "" {
		d.line("| Imitates | %s |", mdEscape(p.Content.Brand))
	}
	d.line("| Report generated | %s |", mdTime(p.now))
	if p.Case.Note != "" {
		d.section("Note")
		for _, l := range strings.Split(p.Case.Note, "\n") {
			d.line("> %s", mdEscape(strings.TrimSpace(cleanLine(l, maxText))))
		}
	}
}

func (d *mdDoc) why(p *prepared) {
	d.section("Why")
	for _, r := range p.Risk.Reasons {
		d.line("- %s", mdEscape(r))
	}
	if len(p.Risk.Reasons) == 0 {
		d.line("- no risk reasons recorded")
	}
}

func (d *mdDoc) serves(p *prepared) {
	d.section("What it serves")
	for _, u := range p.Content.URLs {
		d.line("- URL: %s", mdEscape(defang(u)))
	}
	if p.Content.Title != "" {
		d.line("- Page title: %s", mdEscape(p.Content.Title))
	}
	d.line("- Login form: %s", yesNo(p.Content.LoginForm))
	if p.Content.FormAction != "" {
		d.line("- Form posts to: %s", mdEscape(defang(p.Content.FormAction)))
	}
	if s := p.Content.PageSimilarity; s != nil {
		d.line("- Page similarity to the brand: %s%%", strconv.FormatFloat(*s, 'f', -1, 64))
	}
	if s := p.Content.VisualSimilarity; s != nil {
		d.line("- Visual similarity to the brand: %s%%", strconv.FormatFloat(*s, 'f', -1, 64))
	}
	if f := p.Content.FaviconMMH3; f != nil {
		d.line("- Favicon hash (mmh3): %d", *f)
	}
	if p.png != nil {
		d.line("- Screenshot: %s, %d bytes, SHA-256 %s, taken %s", mdEscape(screenshotName(defang(p.Case.Domain))), len(p.png), sha256hex(p.png), mdTime(p.ScreenshotAt))
	}
}

// registration is the registration and hosting section, written only
// when something is known.
func (d *mdDoc) registration(p *prepared) {
	main := d.b.Len()
	d.registrationItems(p)
	if d.b.Len() > main {
		body := d.b.String()[main:]
		d.b.Truncate(main)
		d.section("Registration and hosting")
		d.b.WriteString(body)
	}
}

func (d *mdDoc) registrationItems(p *prepared) {
	r := p.Registration
	if r.Registrar != "" {
		id := ""
		if r.RegistrarIANAID != "" {
			id = " (IANA ID " + r.RegistrarIANAID + ")"
		}
		d.line("- Registrar: %s%s", mdEscape(r.Registrar), id)
	}
	if !r.Created.IsZero() {
		d.line("- Created: %s", mdTime(r.Created))
	}
	if !r.Expires.IsZero() {
		d.line("- Expires: %s", mdTime(r.Expires))
	}
	d.list("Status", r.Statuses)
	d.list("Addresses", p.DNS.Addresses)
	d.list("Name servers", p.DNS.NameServers)
	d.list("MX", p.DNS.MX)
	if k := p.Cert; k != nil {
		d.line("- Certificate: subject %s, issuer %s, serial %s, valid %s to %s",
			mdEscape(firstNonEmpty(k.Subject, "?")), mdEscape(firstNonEmpty(k.Issuer, "?")), firstNonEmpty(k.Serial, "?"), mdTime(k.NotBefore), mdTime(k.NotAfter))
		if len(k.SANs) > 0 {
			d.line("  - names: %s", mdEscape(strings.Join(k.SANs, ", ")))
		}
		if k.SHA256 != "" {
			d.line("  - SHA-256: %s", k.SHA256)
		}
	}
	for _, s := range p.Snapshots {
		d.line("- %s snapshot: first seen %s, last seen %s, %d bytes", mdEscape(s.Kind), mdTime(s.FirstSeen), mdTime(s.LastSeen), len(s.JSON))
	}
}

// list is "- label: a, b", or nothing for no values.
func (d *mdDoc) list(label string, vals []string) {
	if len(vals) > 0 {
		d.line("- %s: %s", label, mdEscape(strings.Join(vals, ", ")))
	}
}

func (d *mdDoc) contacts(p *prepared) {
	if len(p.Contacts) == 0 {
		return
	}
	d.section("Contacts")
	d.line("| Role | Name | E-mail | Phone | Form | Source |")
	d.line("|---|---|---|---|---|---|")
	for _, k := range p.Contacts {
		d.line("| %s | %s | %s | %s | %s | %s |", mdEscape(k.Role), mdEscape(k.Name), mdEscape(k.Email), mdEscape(k.Phone), mdEscape(k.FormURL), mdEscape(k.Source))
	}
}

// tail is the timeline, what was left out, and who reports.
func (d *mdDoc) tail(p *prepared) {
	if len(p.Timeline) > 0 {
		d.section("Timeline")
		for _, t := range p.Timeline {
			d.line("- %s: %s: %s", mdTime(t.Time), mdEscape(t.Kind), mdEscape(t.Summary))
		}
	}
	if len(p.omitted) > 0 {
		d.section("Left out")
		for _, o := range p.omitted {
			d.line("- %s", mdEscape(o))
		}
	}
	if rep := firstNonEmpty(p.Reporter.Org, p.Reporter.Name); rep != "" {
		d.line("")
		d.line("Reported by %s %s", mdEscape(rep), mdEscape(p.Reporter.Email))
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
