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
	var b bytes.Buffer
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	first, last := firstLast(&p.Evidence, p.now)
	name := mdEscape(defang(p.Case.Domain))
	if p.Case.DomainUnicode != "" {
		name += " (" + mdEscape(defang(p.Case.DomainUnicode)) + ")"
	}
	line("# %s: %s", reasonLabel(p.Case.Reason), name)
	line("")
	line("| | |")
	line("|---|---|")
	line("| Reason | %s |", mdEscape(p.Case.Reason))
	if p.Case.Status != "" {
		line("| Status | %s |", mdEscape(p.Case.Status))
	}
	line("| Opened | %s |", mdTime(p.Case.Opened))
	line("| First seen | %s |", mdTime(first))
	line("| Last seen | %s |", mdTime(last))
	if p.Risk.Level != "" || p.Risk.Score != 0 {
		line("| Risk | %s, score %d |", mdEscape(firstNonEmpty(p.Risk.Level, "unknown")), p.Risk.Score)
	}
	if p.Content.Brand != "" {
		line("| Imitates | %s |", mdEscape(p.Content.Brand))
	}
	line("| Report generated | %s |", mdTime(p.now))
	if p.Case.Note != "" {
		line("")
		line("## Note")
		line("")
		for _, l := range strings.Split(p.Case.Note, "\n") {
			line("> %s", mdEscape(strings.TrimSpace(cleanLine(l, maxText))))
		}
	}

	line("")
	line("## Why")
	line("")
	for _, r := range p.Risk.Reasons {
		line("- %s", mdEscape(r))
	}
	if len(p.Risk.Reasons) == 0 {
		line("- no risk reasons recorded")
	}

	line("")
	line("## What it serves")
	line("")
	for _, u := range p.Content.URLs {
		line("- URL: %s", mdEscape(defang(u)))
	}
	if p.Content.Title != "" {
		line("- Page title: %s", mdEscape(p.Content.Title))
	}
	line("- Login form: %s", yesNo(p.Content.LoginForm))
	if p.Content.FormAction != "" {
		line("- Form posts to: %s", mdEscape(defang(p.Content.FormAction)))
	}
	if s := p.Content.PageSimilarity; s != nil {
		line("- Page similarity to the brand: %s%%", strconv.FormatFloat(*s, 'f', -1, 64))
	}
	if s := p.Content.VisualSimilarity; s != nil {
		line("- Visual similarity to the brand: %s%%", strconv.FormatFloat(*s, 'f', -1, 64))
	}
	if f := p.Content.FaviconMMH3; f != nil {
		line("- Favicon hash (mmh3): %d", *f)
	}
	if p.png != nil {
		line("- Screenshot: %s, %d bytes, SHA-256 %s, taken %s", mdEscape(screenshotName(defang(p.Case.Domain))), len(p.png), sha256hex(p.png), mdTime(p.ScreenshotAt))
	}

	// Registration and hosting, a section only when something is known.
	main := b.Len()
	r := p.Registration
	if r.Registrar != "" {
		id := ""
		if r.RegistrarIANAID != "" {
			id = " (IANA ID " + r.RegistrarIANAID + ")"
		}
		line("- Registrar: %s%s", mdEscape(r.Registrar), id)
	}
	if !r.Created.IsZero() {
		line("- Created: %s", mdTime(r.Created))
	}
	if !r.Expires.IsZero() {
		line("- Expires: %s", mdTime(r.Expires))
	}
	if len(r.Statuses) > 0 {
		line("- Status: %s", mdEscape(strings.Join(r.Statuses, ", ")))
	}
	if len(p.DNS.Addresses) > 0 {
		line("- Addresses: %s", mdEscape(strings.Join(p.DNS.Addresses, ", ")))
	}
	if len(p.DNS.NameServers) > 0 {
		line("- Name servers: %s", mdEscape(strings.Join(p.DNS.NameServers, ", ")))
	}
	if len(p.DNS.MX) > 0 {
		line("- MX: %s", mdEscape(strings.Join(p.DNS.MX, ", ")))
	}
	if k := p.Cert; k != nil {
		line("- Certificate: subject %s, issuer %s, serial %s, valid %s to %s",
			mdEscape(firstNonEmpty(k.Subject, "?")), mdEscape(firstNonEmpty(k.Issuer, "?")), firstNonEmpty(k.Serial, "?"), mdTime(k.NotBefore), mdTime(k.NotAfter))
		if len(k.SANs) > 0 {
			line("  - names: %s", mdEscape(strings.Join(k.SANs, ", ")))
		}
		if k.SHA256 != "" {
			line("  - SHA-256: %s", k.SHA256)
		}
	}
	for _, s := range p.Snapshots {
		line("- %s snapshot: first seen %s, last seen %s, %d bytes", mdEscape(s.Kind), mdTime(s.FirstSeen), mdTime(s.LastSeen), len(s.JSON))
	}

	if b.Len() > main {
		body := b.String()[main:]
		b.Truncate(main)
		line("")
		line("## Registration and hosting")
		line("")
		b.WriteString(body)
	}

	if len(p.Contacts) > 0 {
		line("")
		line("## Contacts")
		line("")
		line("| Role | Name | E-mail | Phone | Form | Source |")
		line("|---|---|---|---|---|---|")
		for _, k := range p.Contacts {
			line("| %s | %s | %s | %s | %s | %s |", mdEscape(k.Role), mdEscape(k.Name), mdEscape(k.Email), mdEscape(k.Phone), mdEscape(k.FormURL), mdEscape(k.Source))
		}
	}

	if len(p.Timeline) > 0 {
		line("")
		line("## Timeline")
		line("")
		for _, t := range p.Timeline {
			line("- %s: %s: %s", mdTime(t.Time), mdEscape(t.Kind), mdEscape(t.Summary))
		}
	}
	if len(p.omitted) > 0 {
		line("")
		line("## Left out")
		line("")
		for _, o := range p.omitted {
			line("- %s", mdEscape(o))
		}
	}
	if rep := firstNonEmpty(p.Reporter.Org, p.Reporter.Name); rep != "" {
		line("")
		line("Reported by %s %s", mdEscape(rep), mdEscape(p.Reporter.Email))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
