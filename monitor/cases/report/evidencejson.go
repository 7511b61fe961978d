package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// evidenceJSON is the evidence file an e-mail report attaches: the same
// facts as the other formats in one plain JSON document, version 1. The
// screenshot travels beside it as its own attachment and is only named
// here with its size.
type evidenceJSON struct {
	Version      int               `json:"version"`
	Generated    time.Time         `json:"generated"`
	Domain       string            `json:"domain"`
	DomainIDN    string            `json:"domain_unicode,omitempty"`
	Reason       string            `json:"reason"`
	Status       string            `json:"status,omitempty"`
	Opened       *time.Time        `json:"opened,omitempty"`
	Note         string            `json:"note,omitempty"`
	Reporter     *partyJSON        `json:"reporter,omitempty"`
	Contacts     []contactJSON     `json:"contacts,omitempty"`
	Content      contentJSON       `json:"content"`
	Screenshot   *fileJSON         `json:"screenshot,omitempty"`
	Registration *registrationJSON `json:"registration,omitempty"`
	DNS          *dnsJSON          `json:"dns,omitempty"`
	Cert         *certJSON         `json:"certificate,omitempty"`
	Snapshots    []snapshotJSON    `json:"snapshots,omitempty"`
	Risk         *riskJSON         `json:"risk,omitempty"`
	Timeline     []timelineJSON    `json:"timeline,omitempty"`
	Omitted      []string          `json:"omitted,omitempty"` // what was left out and why
}

type partyJSON struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Org   string `json:"org,omitempty"`
}

type contactJSON struct {
	Role    string `json:"role"`
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	FormURL string `json:"form_url,omitempty"`
	Source  string `json:"source,omitempty"`
}

type contentJSON struct {
	URLs             []string `json:"urls,omitempty"`
	Title            string   `json:"title,omitempty"`
	FinalURL         string   `json:"final_url,omitempty"`
	LoginForm        bool     `json:"login_form"`
	FormAction       string   `json:"form_action,omitempty"`
	PageSimilarity   *float64 `json:"page_similarity,omitempty"`
	VisualSimilarity *float64 `json:"visual_similarity,omitempty"`
	FaviconMMH3      *int32   `json:"favicon_mmh3,omitempty"`
	Brand            string   `json:"brand,omitempty"`
	BrandURL         string   `json:"brand_url,omitempty"`
}

type fileJSON struct {
	Name   string    `json:"name"`
	Type   string    `json:"content_type"`
	Size   int       `json:"size"`
	SHA256 string    `json:"sha256"`
	Taken  time.Time `json:"taken,omitzero"`
}

type registrationJSON struct {
	Registrar       string    `json:"registrar,omitempty"`
	RegistrarIANAID string    `json:"registrar_iana_id,omitempty"`
	Created         time.Time `json:"created,omitzero"`
	Expires         time.Time `json:"expires,omitzero"`
	Statuses        []string  `json:"statuses,omitempty"`
}

type dnsJSON struct {
	Addresses   []string `json:"addresses,omitempty"`
	NameServers []string `json:"name_servers,omitempty"`
	MX          []string `json:"mx,omitempty"`
}

type certJSON struct {
	Subject   string    `json:"subject,omitempty"`
	Issuer    string    `json:"issuer,omitempty"`
	Serial    string    `json:"serial,omitempty"`
	SANs      []string  `json:"sans,omitempty"`
	NotBefore time.Time `json:"not_before,omitzero"`
	NotAfter  time.Time `json:"not_after,omitzero"`
	SHA256    string    `json:"sha256,omitempty"`
}

type snapshotJSON struct {
	Kind      string          `json:"kind"`
	FirstSeen time.Time       `json:"first_seen,omitzero"`
	LastSeen  time.Time       `json:"last_seen,omitzero"`
	Data      json.RawMessage `json:"data"`
}

type riskJSON struct {
	Level   string   `json:"level,omitempty"`
	Score   int      `json:"score"`
	Reasons []string `json:"reasons,omitempty"`
}

type timelineJSON struct {
	Time    time.Time `json:"time"`
	Kind    string    `json:"kind"`
	Summary string    `json:"summary,omitempty"`
}

// buildEvidenceJSON gathers the prepared evidence in its JSON shape.
func buildEvidenceJSON(p *prepared) evidenceJSON {
	out := evidenceJSON{
		Version: 1, Generated: p.now, Domain: p.Case.Domain, DomainIDN: p.Case.DomainUnicode,
		Reason: p.Case.Reason, Status: p.Case.Status, Note: p.Case.Note, Omitted: p.omitted,
	}
	if !p.Case.Opened.IsZero() {
		t := p.Case.Opened
		out.Opened = &t
	}
	if p.Reporter != (Party{}) {
		out.Reporter = &partyJSON{Name: p.Reporter.Name, Email: p.Reporter.Email, Org: p.Reporter.Org}
	}
	for _, c := range p.Contacts {
		out.Contacts = append(out.Contacts, contactJSON(c))
	}
	out.Content = contentJSON(p.Content)
	if p.png != nil {
		out.Screenshot = &fileJSON{Name: screenshotName(p.Case.Domain), Type: "image/png", Size: len(p.png), SHA256: sha256hex(p.png), Taken: p.ScreenshotAt}
	}
	if r := p.Registration; r.Registrar != "" || r.RegistrarIANAID != "" || !r.Created.IsZero() || !r.Expires.IsZero() || len(r.Statuses) > 0 {
		out.Registration = &registrationJSON{Registrar: r.Registrar, RegistrarIANAID: r.RegistrarIANAID, Created: r.Created, Expires: r.Expires, Statuses: r.Statuses}
	}
	if d := p.DNS; len(d.Addresses)+len(d.NameServers)+len(d.MX) > 0 {
		out.DNS = &dnsJSON{Addresses: d.Addresses, NameServers: d.NameServers, MX: d.MX}
	}
	if k := p.Cert; k != nil {
		out.Cert = &certJSON{Subject: k.Subject, Issuer: k.Issuer, Serial: k.Serial, SANs: k.SANs, NotBefore: k.NotBefore, NotAfter: k.NotAfter, SHA256: k.SHA256}
	}
	for _, s := range p.Snapshots {
		out.Snapshots = append(out.Snapshots, snapshotJSON{Kind: s.Kind, FirstSeen: s.FirstSeen, LastSeen: s.LastSeen, Data: s.JSON})
	}
	if r := p.Risk; r.Level != "" || r.Score != 0 || len(r.Reasons) > 0 {
		out.Risk = &riskJSON{Level: r.Level, Score: r.Score, Reasons: r.Reasons}
	}
	for _, t := range p.Timeline {
		out.Timeline = append(out.Timeline, timelineJSON(t))
	}
	return out
}

// writeEvidenceJSON writes the evidence file, shrinking it until it fits
// MaxAttachment. Each field is bounded, but text full of escaped
// characters can grow several times over in JSON, so the size is measured,
// not assumed; what is dropped is named in "omitted".
func writeEvidenceJSON(w io.Writer, p *prepared) error {
	doc := buildEvidenceJSON(p)
	for step := 0; ; step++ {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
		if buf.Len() <= MaxAttachment {
			_, err := w.Write(buf.Bytes())
			return err
		}
		if !shrinkEvidence(&doc, step) {
			return fmt.Errorf("evidence JSON is %d bytes, over the %d-byte cap", buf.Len(), MaxAttachment)
		}
	}
}

// shrinkEvidence drops the next-least-needed part of doc; false when
// nothing is left to drop.
func shrinkEvidence(doc *evidenceJSON, step int) bool {
	const keep = 10
	switch step {
	case 0:
		if len(doc.Snapshots) > 0 {
			doc.Omitted = append(doc.Omitted, fmt.Sprintf("%d raw snapshots: the evidence file would pass %d bytes", len(doc.Snapshots), MaxAttachment))
			doc.Snapshots = nil
		}
	case 1:
		if n := len(doc.Timeline); n > keep {
			doc.Omitted = append(doc.Omitted, fmt.Sprintf("the %d oldest timeline entries: the evidence file would pass %d bytes", n-keep, MaxAttachment))
			doc.Timeline = doc.Timeline[n-keep:]
		}
	case 2:
		if n := len(doc.Contacts); n > keep {
			doc.Omitted = append(doc.Omitted, fmt.Sprintf("%d contacts: the evidence file would pass %d bytes", n-keep, MaxAttachment))
			doc.Contacts = doc.Contacts[:keep]
		}
	case 3:
		if doc.Risk != nil && len(doc.Risk.Reasons) > keep {
			doc.Risk.Reasons = doc.Risk.Reasons[:keep]
		}
		if doc.Cert != nil && len(doc.Cert.SANs) > keep {
			doc.Cert.SANs = doc.Cert.SANs[:keep]
		}
		if doc.Registration != nil && len(doc.Registration.Statuses) > keep {
			doc.Registration.Statuses = doc.Registration.Statuses[:keep]
		}
		doc.Omitted = append(doc.Omitted, fmt.Sprintf("risk reasons, certificate names and statuses past the first %d", keep))
	default:
		return false
	}
	return true
}
