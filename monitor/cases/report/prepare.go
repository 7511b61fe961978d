package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// prepared is an Evidence whose every value is cleaned and bounded once,
// so that each encoder only has to apply its own format's quoting.
type prepared struct {
	Evidence
	now     time.Time
	png     []byte   // the screenshot, nil when absent or left out
	omitted []string // what was left out and why, for the reader
}

// prepare checks what every report needs (a host name and a known reason)
// and cleans the rest of ev.
func prepare(ev Evidence) (*prepared, error) {
	p := &prepared{Evidence: ev, now: generated(&ev)}
	c := &p.Case
	d := cleanHost(c.Domain)
	if d == "" {
		return nil, fmt.Errorf("case domain %q is not a host name", cleanLine(c.Domain, 80))
	}
	c.Domain = d
	if !slices.Contains(Reasons, c.Reason) {
		return nil, fmt.Errorf("case reason %q is not one of %v", cleanLine(c.Reason, 40), Reasons)
	}
	if c.DomainUnicode = cleanLine(c.DomainUnicode, 253); c.DomainUnicode == c.Domain {
		c.DomainUnicode = ""
	}
	c.Status = cleanLine(c.Status, 32)
	c.Note = cleanText(c.Note, maxText)
	if !c.Opened.IsZero() {
		c.Opened = c.Opened.UTC()
	}

	p.Reporter = cleanParty(ev.Reporter)
	p.Recipient = cleanContact(ev.Recipient)
	p.Contacts = nil
	for _, k := range ev.Contacts {
		if len(p.Contacts) == maxList {
			break
		}
		p.Contacts = append(p.Contacts, cleanContact(k))
	}

	p.Content = cleanContent(&ev)
	if p.png = screenshot(&ev); p.png == nil && len(ev.Screenshot) > 0 {
		p.omitted = append(p.omitted, screenshotOmitted(&ev))
	}
	p.Screenshot = p.png
	if !p.ScreenshotAt.IsZero() {
		p.ScreenshotAt = p.ScreenshotAt.UTC()
	}
	p.Registration = cleanRegistration(ev.Registration)
	p.DNS = cleanDNS(ev.DNS)
	if ev.Cert != nil {
		k := cleanCert(*ev.Cert)
		p.Cert = &k
	}
	var omitted []string
	p.Snapshots, omitted = cleanSnapshots(ev.Snapshots)
	p.omitted = append(p.omitted, omitted...)
	p.Risk = cleanRisk(ev.Risk)
	p.Timeline = cleanTimeline(ev.Timeline)
	// A Message-ID the caller chose is what keeps a resent report from
	// being doubled: a bad one is refused, never silently replaced.
	if p.MessageID = cleanMessageID(ev.MessageID); p.MessageID == "" && ev.MessageID != "" {
		return nil, fmt.Errorf("message id %q is not left@right made of atoms", cleanLine(ev.MessageID, 80))
	}
	return p, nil
}

// cleanEmail returns the bare address of s when it parses as one mailbox,
// else "".
func cleanEmail(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 254 || strings.ContainsAny(s, "\r\n<>\",;") {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return ""
	}
	return a.Address
}

func cleanParty(p Party) Party {
	return Party{Name: cleanLine(p.Name, 100), Email: cleanEmail(p.Email), Org: cleanLine(p.Org, 200)}
}

func cleanContact(k Contact) Contact {
	return Contact{
		Role: cleanLine(k.Role, 32), Name: cleanLine(k.Name, 200), Email: cleanEmail(k.Email),
		Phone: cleanLine(k.Phone, 40), FormURL: cleanURL(k.FormURL), Source: cleanLine(k.Source, 200),
	}
}

// cleanPercent keeps a similarity figure that is a number within 0..100;
// JSON cannot carry NaN or infinities.
func cleanPercent(f *float64) *float64 {
	if f == nil || math.IsNaN(*f) || math.IsInf(*f, 0) || *f < 0 || *f > 100 {
		return nil
	}
	v := math.Round(*f*10) / 10
	return &v
}

func cleanContent(ev *Evidence) Content {
	c := ev.Content
	return Content{
		URLs: reportURLs(ev), Title: cleanLine(c.Title, maxLine), FinalURL: cleanURL(c.FinalURL),
		LoginForm: c.LoginForm, FormAction: cleanURL(c.FormAction),
		PageSimilarity: cleanPercent(c.PageSimilarity), VisualSimilarity: cleanPercent(c.VisualSimilarity),
		FaviconMMH3: c.FaviconMMH3, Brand: cleanLine(c.Brand, maxLine), BrandURL: cleanURL(c.BrandURL),
	}
}

func cleanRegistration(r Registration) Registration {
	id := strings.TrimSpace(r.RegistrarIANAID)
	if id == "" || len(id) > 10 || strings.Trim(id, "0123456789") != "" {
		id = ""
	}
	out := Registration{Registrar: cleanLine(r.Registrar, maxLine), RegistrarIANAID: id, Statuses: cleanList(r.Statuses, maxList)}
	if !r.Created.IsZero() {
		out.Created = r.Created.UTC()
	}
	if !r.Expires.IsZero() {
		out.Expires = r.Expires.UTC()
	}
	return out
}

func cleanHosts(list []string) []string {
	var out []string
	for _, h := range list {
		// An MX may come with its preference, "10 mx.example.org".
		if f := strings.Fields(h); len(f) == 2 && strings.Trim(f[0], "0123456789") == "" {
			h = f[1]
		}
		if h = cleanHost(h); h != "" && !slices.Contains(out, h) && len(out) < maxList {
			out = append(out, h)
		}
	}
	return out
}

func cleanDNS(d DNS) DNS {
	var out DNS
	for _, a := range cleanAddrs(d.Addresses, maxList) {
		if s := a.String(); !slices.Contains(out.Addresses, s) {
			out.Addresses = append(out.Addresses, s)
		}
	}
	out.NameServers = cleanHosts(d.NameServers)
	out.MX = cleanHosts(d.MX)
	return out
}

// cleanHex returns s as lower-case hex without separators, or "" when it
// is not hex or longer than max digits.
func cleanHex(s string, max int) string {
	s = strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(strings.TrimSpace(s)))
	if s == "" || len(s) > max || strings.Trim(s, "0123456789abcdef") != "" {
		return ""
	}
	return s
}

func cleanCert(k Cert) Cert {
	out := Cert{Subject: cleanLine(k.Subject, maxLine), Issuer: cleanLine(k.Issuer, maxLine), Serial: cleanHex(k.Serial, 64), SANs: cleanList(k.SANs, maxList)}
	if out.SHA256 = cleanHex(k.SHA256, 64); len(out.SHA256) != 64 {
		out.SHA256 = ""
	}
	if !k.NotBefore.IsZero() {
		out.NotBefore = k.NotBefore.UTC()
	}
	if !k.NotAfter.IsZero() {
		out.NotAfter = k.NotAfter.UTC()
	}
	return out
}

// maxSnapshotsTotal bounds the raw snapshots of one report together, so
// that the evidence JSON that carries them stays under MaxAttachment with
// room for the rest of the evidence (every other part is bounded by the
// per-field and per-list limits).
const maxSnapshotsTotal = MaxAttachment / 2

// cleanSnapshots keeps the snapshots whose JSON is valid and within
// MaxRawSnapshot, at most maxList and maxSnapshotsTotal bytes in all, and
// says what it left out.
func cleanSnapshots(list []Snapshot) ([]Snapshot, []string) {
	var out []Snapshot
	var omitted []string
	total := 0
	for _, s := range list {
		kind := cleanLine(s.Kind, 32)
		switch {
		case len(out) == maxList:
			omitted = append(omitted, fmt.Sprintf("%s snapshot: more than %d snapshots", kind, maxList))
			continue
		case len(s.JSON) > MaxRawSnapshot:
			omitted = append(omitted, fmt.Sprintf("%s snapshot: %d bytes, over the %d-byte cap", kind, len(s.JSON), MaxRawSnapshot))
			continue
		case total+len(s.JSON) > maxSnapshotsTotal:
			omitted = append(omitted, fmt.Sprintf("%s snapshot: %d bytes, over the %d bytes all snapshots may take", kind, len(s.JSON), maxSnapshotsTotal))
			continue
		case !json.Valid(s.JSON):
			omitted = append(omitted, fmt.Sprintf("%s snapshot: not valid JSON", kind))
			continue
		}
		total += len(s.JSON)
		s.Kind = kind
		if !s.FirstSeen.IsZero() {
			s.FirstSeen = s.FirstSeen.UTC()
		}
		if !s.LastSeen.IsZero() {
			s.LastSeen = s.LastSeen.UTC()
		}
		out = append(out, s)
	}
	return out, omitted
}

func cleanRisk(r Risk) Risk {
	return Risk{Level: cleanLine(r.Level, 32), Score: r.Score, Reasons: cleanList(r.Reasons, maxList)}
}

// cleanTimeline keeps the newest MaxTimeline entries, oldest first.
func cleanTimeline(list []TimelineEntry) []TimelineEntry {
	if len(list) > MaxTimeline {
		list = list[len(list)-MaxTimeline:]
	}
	out := make([]TimelineEntry, 0, len(list))
	for _, t := range list {
		out = append(out, TimelineEntry{Time: t.Time.UTC(), Kind: cleanLine(t.Kind, 64), Summary: cleanLine(t.Summary, maxLine)})
	}
	return out
}

// cleanMessageID keeps id when it is a dot-atom "left@right", the only
// Message-ID form that cannot break the header; else "".
func cleanMessageID(id string) string {
	left, right, ok := strings.Cut(id, "@")
	if !ok || left == "" || right == "" || len(id) > 200 {
		return ""
	}
	for _, part := range []string{left, right} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-/=?^_`{|}~.", c) >= 0) {
				return ""
			}
		}
	}
	return id
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func screenshotName(domain string) string {
	return domain + "-screenshot.png"
}

func screenshotOmitted(ev *Evidence) string {
	if len(ev.Screenshot) > MaxAttachment {
		return fmt.Sprintf("screenshot: %d bytes, over the %d-byte cap", len(ev.Screenshot), MaxAttachment)
	}
	return "screenshot: not a PNG"
}
