package report

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// xarfVersion is the XARF v4 schema version the reports follow
// (xarf/xarf-spec schemas/v4).
const xarfVersion = "4.2.0"

// xarfDomain is content-base.json's pattern for "domain"; an IDN's
// "xn--" labels do not match it, so such a domain is named only in
// source_identifier and url.
var xarfDomain = regexp.MustCompile(`^([a-z0-9]+(-[a-z0-9]+)*\.)+[a-z]{2,}$`)

type xarfContact struct {
	Org     string `json:"org"`
	Contact string `json:"contact"`
	Domain  string `json:"domain"`
}

type xarfEvidence struct {
	ContentType string `json:"content_type"`
	Description string `json:"description,omitempty"`
	Payload     string `json:"payload"`
	Hash        string `json:"hash,omitempty"`
	Size        int    `json:"size"`
}

type xarfCert struct {
	Issuer      string `json:"issuer,omitempty"`
	Subject     string `json:"subject,omitempty"`
	ValidFrom   string `json:"valid_from,omitempty"`
	ValidTo     string `json:"valid_to,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
}

type xarfWhois struct {
	Created       string `json:"created_date,omitempty"`
	Expires       string `json:"expiry_date,omitempty"`
	RegistrarMail string `json:"registrar_abuse_contact,omitempty"`
}

type xarfDNS struct {
	A    []string `json:"a,omitempty"`
	AAAA []string `json:"aaaa,omitempty"`
	MX   []string `json:"mx,omitempty"`
}

// xarfReport is a content-category XARF v4 report. The type-specific
// fields of each reason's schema are in it; the ones a type does not
// define stay empty and are omitted.
type xarfReport struct {
	Version          string         `json:"xarf_version"`
	ReportID         string         `json:"report_id"`
	Timestamp        string         `json:"timestamp"`
	Reporter         xarfContact    `json:"reporter"`
	Sender           xarfContact    `json:"sender"`
	SourceIdentifier string         `json:"source_identifier"`
	Category         string         `json:"category"`
	Type             string         `json:"type"`
	EvidenceSource   string         `json:"evidence_source"`
	Evidence         []xarfEvidence `json:"evidence,omitempty"`
	Confidence       *float64       `json:"confidence,omitempty"`
	Description      string         `json:"description,omitempty"`
	Tags             []string       `json:"tags,omitempty"`

	URL                string     `json:"url"`
	Domain             string     `json:"domain,omitempty"`
	Registrar          string     `json:"registrar,omitempty"`
	Nameservers        []string   `json:"nameservers,omitempty"`
	DNSRecords         *xarfDNS   `json:"dns_records,omitempty"`
	VerifiedAt         string     `json:"verified_at,omitempty"`
	VerificationMethod string     `json:"verification_method"`
	AttackVector       string     `json:"attack_vector"`
	TargetBrand        string     `json:"target_brand,omitempty"`
	HostingProvider    string     `json:"hosting_provider,omitempty"`
	SSLCertificate     *xarfCert  `json:"ssl_certificate,omitempty"`
	Whois              *xarfWhois `json:"whois,omitempty"`

	// phishing
	CredentialFields []string `json:"credential_fields,omitempty"`
	SubmissionURL    string   `json:"submission_url,omitempty"`
	ClonedSite       string   `json:"cloned_site,omitempty"`
	// brand_infringement
	InfringementType string   `json:"infringement_type,omitempty"`
	LegitimateSite   string   `json:"legitimate_site,omitempty"`
	SimilarityScore  *float64 `json:"similarity_score,omitempty"`
	// fraud
	FraudType string `json:"fraud_type,omitempty"`
}

// xarfType maps a case reason to the content type whose schema fits it.
var xarfType = map[string]string{
	ReasonPhishing: "phishing",
	ReasonMalware:  "malware",
	ReasonBrand:    "brand_infringement",
	ReasonFraud:    "fraud",
}

func xarfTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// xarfParty is the reporter as XARF's contact_info, which requires an
// organisation, an e-mail and a domain.
func xarfParty(p Party) (xarfContact, error) {
	if p.Email == "" {
		return xarfContact{}, fmt.Errorf("needs the reporter's e-mail address")
	}
	dom := cleanHost(p.Email[strings.LastIndexByte(p.Email, '@')+1:])
	if dom == "" {
		return xarfContact{}, fmt.Errorf("needs the reporter's e-mail domain to be a host name")
	}
	org := p.Org
	if org == "" {
		org = p.Name
	}
	if org == "" {
		org = dom
	}
	return xarfContact{Org: cut(org, 200), Contact: p.Email, Domain: dom}, nil
}

// cut shortens s to at most n runes.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func encodeXARF(w io.Writer, p *prepared) error {
	party, err := xarfParty(p.Reporter)
	if err != nil {
		return err
	}
	first, last := firstLast(&p.Evidence, p.now)
	typ := xarfType[p.Case.Reason]
	r := xarfReport{
		Version: xarfVersion, ReportID: uuid4(), Timestamp: xarfTime(first),
		Reporter: party, Sender: party, SourceIdentifier: p.Case.Domain,
		Category: "content", Type: typ, EvidenceSource: "automated_scan",
		Description:        cut(xarfDescription(p), 1000),
		URL:                "http://" + p.Case.Domain + "/",
		Registrar:          p.Registration.Registrar,
		Nameservers:        p.DNS.NameServers,
		VerifiedAt:         xarfTime(last),
		VerificationMethod: "automated_crawler",
		AttackVector:       typ,
		TargetBrand:        p.Content.Brand,
		Tags:               []string{"reason:" + p.Case.Reason, "tool:takedown"},
	}
	if urls := p.Content.URLs; len(urls) > 0 {
		r.URL = urls[0]
	}
	if xarfDomain.MatchString(p.Case.Domain) {
		r.Domain = p.Case.Domain
	}
	if p.Risk.Score > 0 {
		c := float64(min(max(p.Risk.Score, 0), 100)) / 100
		r.Confidence = &c
	}
	r.DNSRecords = xarfDNSRecords(p.DNS)
	r.SSLCertificate = xarfCertOf(p.Cert)
	r.Whois = xarfWhoisOf(p)
	for _, k := range p.Contacts {
		if k.Role == RoleHosting && k.Name != "" {
			r.HostingProvider = k.Name
			break
		}
	}
	if err := xarfTypeFields(&r, p, typ); err != nil {
		return err
	}
	if err := xarfAddEvidence(&r, p); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return err
	}
	return nil
}

func xarfCertOf(k *Cert) *xarfCert {
	if k == nil {
		return nil
	}
	c := &xarfCert{Issuer: k.Issuer, Subject: k.Subject, Fingerprint: k.SHA256}
	if !k.NotBefore.IsZero() {
		c.ValidFrom = xarfTime(k.NotBefore)
	}
	if !k.NotAfter.IsZero() {
		c.ValidTo = xarfTime(k.NotAfter)
	}
	return c
}

// xarfTypeFields fills the fields the schema asks of the report's type.
func xarfTypeFields(r *xarfReport, p *prepared, typ string) error {
	switch typ {
	case "phishing":
		if p.Content.LoginForm {
			r.CredentialFields = []string{"username", "password"}
		}
		r.SubmissionURL = p.Content.FormAction
		r.ClonedSite = p.Content.BrandURL
	case "brand_infringement":
		if p.Content.BrandURL == "" {
			return fmt.Errorf("brand_infringement needs the brand's own site (legitimate_site)")
		}
		r.InfringementType = "lookalike"
		r.LegitimateSite = p.Content.BrandURL
		if s := p.Content.PageSimilarity; s != nil {
			v := *s / 100
			r.SimilarityScore = &v
		}
	case "fraud":
		r.FraudType = "other"
	}
	return nil
}

// xarfAddEvidence attaches the screenshot, and the evidence JSON when it
// fits one evidence item.
func xarfAddEvidence(r *xarfReport, p *prepared) error {
	if p.png != nil {
		r.Evidence = append(r.Evidence, xarfEvidence{
			ContentType: "image/png", Description: "Screenshot of " + p.Case.Domain + " taken " + xarfTime(p.ScreenshotAt),
			Payload: base64.StdEncoding.EncodeToString(p.png), Hash: "sha256:" + sha256hex(p.png), Size: len(p.png),
		})
	}
	var ej strings.Builder
	if err := writeEvidenceJSON(&ej, p); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	if ej.Len() <= min(xarfMaxEvidence, MaxAttachment) {
		r.Evidence = append(r.Evidence, xarfEvidence{
			ContentType: "application/json", Description: "DNS, registration, certificate and page evidence with the times they were seen",
			Payload: base64.StdEncoding.EncodeToString([]byte(ej.String())), Hash: "sha256:" + sha256hex([]byte(ej.String())), Size: ej.Len(),
		})
	}
	return nil
}

// xarfMaxEvidence is xarf-core.json's cap on one evidence item (5 MB).
const xarfMaxEvidence = 5 << 20

func xarfDescription(p *prepared) string {
	s := reasonLabel(p.Case.Reason) + " on " + p.Case.Domain
	if p.Content.Brand != "" {
		s += ", imitating " + p.Content.Brand
	}
	if len(p.Risk.Reasons) > 0 {
		s += ": " + strings.Join(p.Risk.Reasons, "; ")
	}
	return s
}

func xarfDNSRecords(d DNS) *xarfDNS {
	var out xarfDNS
	for _, a := range cleanAddrs(d.Addresses, maxList) {
		if a.Is4() {
			out.A = append(out.A, a.String())
		} else {
			out.AAAA = append(out.AAAA, a.String())
		}
	}
	out.MX = d.MX
	if len(out.A)+len(out.AAAA)+len(out.MX) == 0 {
		return nil
	}
	return &out
}

func xarfWhoisOf(p *prepared) *xarfWhois {
	var w xarfWhois
	if !p.Registration.Created.IsZero() {
		w.Created = xarfTime(p.Registration.Created)
	}
	if !p.Registration.Expires.IsZero() {
		w.Expires = xarfTime(p.Registration.Expires)
	}
	for _, k := range p.Contacts {
		if k.Role == RoleRegistrar && k.Email != "" {
			w.RegistrarMail = k.Email
			break
		}
	}
	if w == (xarfWhois{}) {
		return nil
	}
	return &w
}
