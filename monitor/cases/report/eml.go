package report

import (
	"bytes"
	"fmt"
	"io"
	"net/mail"
	"strconv"
	"strings"
	"unicode"

	gomail "github.com/wneessen/go-mail"
)

// encodeEML writes an RFC 5322 message: a text/plain summary, the
// screenshot PNG and the evidence JSON as attachments. Header values come
// only from cleaned one-line text, and go-mail encodes them (RFC 2047), so
// a hostile title or name cannot add a header or a recipient.
func encodeEML(w io.Writer, p *prepared) error {
	if p.Reporter.Email == "" {
		return fmt.Errorf("needs the reporter's e-mail address (From)")
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	// mail.Address values, not "name <addr>" strings: net/mail quotes or
	// RFC 2047-encodes the name itself, where go-mail's *Format helpers
	// would quote it naively and then fail to parse a name with quotes.
	msg.FromMailAddress(&mail.Address{Name: emlName(firstNonEmpty(p.Reporter.Name, p.Reporter.Org)), Address: p.Reporter.Email})
	if p.Recipient.Email != "" {
		msg.AddToMailAddress(&mail.Address{Name: emlName(p.Recipient.Name), Address: p.Recipient.Email})
	}
	msg.Subject(emlSubject(p))
	id := p.MessageID
	if id == "" {
		id = "takedown-" + uuid4() + "@" + p.Reporter.Email[strings.LastIndexByte(p.Reporter.Email, '@')+1:]
	}
	msg.SetMessageIDWithValue(id)
	msg.SetDateWithValue(p.now)
	msg.SetBodyString(gomail.TypeTextPlain, emlBody(p))
	if p.png != nil {
		if err := msg.AttachReader(screenshotName(p.Case.Domain), bytes.NewReader(p.png), gomail.WithFileContentType("image/png")); err != nil {
			return fmt.Errorf("screenshot: %w", err)
		}
	}
	var ej bytes.Buffer
	if err := writeEvidenceJSON(&ej, p); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	if ej.Len() > MaxAttachment {
		// Unreachable while prepare's bounds hold; a report never carries a
		// file over the cap.
		return fmt.Errorf("evidence JSON is %d bytes, over the %d-byte cap", ej.Len(), MaxAttachment)
	}
	if err := msg.AttachReader(p.Case.Domain+"-evidence.json", &ej, gomail.WithFileContentType("application/json")); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	if _, err := msg.WriteTo(w); err != nil {
		return err
	}
	return nil
}

// emlName keeps a display name to letters, digits, spaces and a few
// harmless marks. net/mail writes other names as RFC 2047 words, but it
// leaves ASCII specials such as a backslash or a quote in them unencoded,
// and then cannot parse its own header back; a receiving system might not
// either.
func emlName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || strings.ContainsRune(".-'&+/", r) {
			return r
		}
		return ' '
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func emlSubject(p *prepared) string {
	s := "Abuse report: " + strings.ToLower(reasonLabel(p.Case.Reason)) + " on " + p.Case.Domain
	if p.Content.Brand != "" {
		s += " imitating " + p.Content.Brand
	}
	return cut(s, 200)
}

// emlBody is the summary an abuse desk reads first: what to act on, why,
// and where the evidence is.
func emlBody(p *prepared) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	first, last := firstLast(&p.Evidence, p.now)
	line("Hello %s,", firstNonEmpty(p.Recipient.Name, "abuse team"))
	line("")
	name := p.Case.Domain
	if p.Case.DomainUnicode != "" {
		name += " (" + p.Case.DomainUnicode + ")"
	}
	line("We report %s on %s, seen from %s to %s.", strings.ToLower(reasonLabel(p.Case.Reason)), name, mdTime(first), mdTime(last))
	if p.Content.Brand != "" {
		line("It imitates %s.", p.Content.Brand)
	}
	line("Please suspend the domain or remove the content.")
	line("")
	if len(p.Content.URLs) > 0 {
		line("URLs:")
		for _, u := range p.Content.URLs {
			line("  %s", u)
		}
		line("")
	}
	emlWhy(line, p)
	line("")
	emlRegistration(line, p)
	line("Attached: %s", emlAttachments(p))
	for _, o := range p.omitted {
		line("Left out: %s", o)
	}
	line("")
	line("Regards,")
	line("%s", firstNonEmpty(p.Reporter.Name, p.Reporter.Org, p.Reporter.Email))
	if p.Reporter.Org != "" && p.Reporter.Name != "" {
		line("%s", p.Reporter.Org)
	}
	line("%s", p.Reporter.Email)
	return b.String()
}

// emlWhy is the reasons to act, from the risk and the page.
func emlWhy(line func(format string, args ...any), p *prepared) {
	line("Why:")
	for _, r := range p.Risk.Reasons {
		line("  - %s", r)
	}
	if len(p.Risk.Reasons) == 0 {
		line("  - %s", strings.ToLower(reasonLabel(p.Case.Reason)))
	}
	if p.Content.Title != "" {
		line("  - page title: %s", p.Content.Title)
	}
	if p.Content.LoginForm {
		s := "  - the page has a login form"
		if p.Content.FormAction != "" {
			s += " posting to " + p.Content.FormAction
		}
		line("%s", s)
	}
	if s := p.Content.PageSimilarity; s != nil {
		line("  - page similarity to the brand's page: %s%%", strconv.FormatFloat(*s, 'f', -1, 64))
	}
	if s := p.Content.VisualSimilarity; s != nil {
		line("  - visual similarity to the brand's page: %s%%", strconv.FormatFloat(*s, 'f', -1, 64))
	}
}

// emlRegistration is the registration and hosting paragraph, when any of
// it is known.
func emlRegistration(line func(format string, args ...any), p *prepared) {
	r := p.Registration
	if r.Registrar != "" || len(p.DNS.Addresses) > 0 || len(p.DNS.NameServers) > 0 {
		line("Registration and hosting:")
		if r.Registrar != "" {
			id := ""
			if r.RegistrarIANAID != "" {
				id = " (IANA ID " + r.RegistrarIANAID + ")"
			}
			line("  registrar: %s%s", r.Registrar, id)
		}
		if !r.Created.IsZero() {
			line("  created: %s", mdTime(r.Created))
		}
		if len(r.Statuses) > 0 {
			line("  status: %s", strings.Join(r.Statuses, ", "))
		}
		if len(p.DNS.Addresses) > 0 {
			line("  addresses: %s", strings.Join(p.DNS.Addresses, ", "))
		}
		if len(p.DNS.NameServers) > 0 {
			line("  name servers: %s", strings.Join(p.DNS.NameServers, ", "))
		}
		if k := p.Cert; k != nil && k.SHA256 != "" {
			line("  certificate SHA-256: %s (issuer %s)", k.SHA256, firstNonEmpty(k.Issuer, "unknown"))
		}
		line("")
	}
}

func emlAttachments(p *prepared) string {
	s := "the evidence as JSON (DNS, registration and certificate snapshots with the times they were seen, and the timeline)"
	if p.png != nil {
		s = "a screenshot of the page (" + mdTime(p.ScreenshotAt) + ") and " + s
	}
	return s
}
