package report

import (
	"encoding/json"
	"time"
)

// MaxAttachment bounds any file a report carries, in bytes. It equals the
// store's screenshot cap (store.MaxScreenshot, checked by a test): a report
// never carries more than the store would keep, and a larger screenshot is
// left out with a line saying so rather than truncated into a broken PNG.
const MaxAttachment = 1 << 20

// MaxRawSnapshot bounds one raw snapshot JSON a report carries, in bytes; a
// larger one is left out with a line saying so.
const MaxRawSnapshot = 256 << 10

// MaxTimeline bounds the timeline entries a report carries; the newest are
// kept.
const MaxTimeline = 200

// Evidence is everything a takedown report says about one case, as plain
// data. The caller (the cases package) fills it from the store; the encoders
// only read it. Every string may hold hostile text (a page title, a WHOIS
// field): the encoders keep it inert. Zero values mean "not known" and are
// left out of the reports.
type Evidence struct {
	Case      Case
	Reporter  Party     // who sends the report, from the configuration
	Recipient Contact   // whom this report is addressed to (may be zero)
	Contacts  []Contact // every contact known for the case, in escalation order
	Content   Content
	// Screenshot is the page's PNG; one larger than MaxAttachment is left out.
	Screenshot   []byte
	ScreenshotAt time.Time
	Registration Registration
	DNS          DNS
	Cert         *Cert // nil when no certificate was seen
	// Snapshots are the raw probe answers (dns, rdap, whois, cert, …) with
	// the times they were first and last seen.
	Snapshots []Snapshot
	Risk      Risk
	Timeline  []TimelineEntry // oldest first
	Generated time.Time       // when the report was made; zero means now
	// MessageID is the eml report's Message-ID without the angle brackets,
	// e.g. "case-42-1@example.org"; the sender keeps it stable across
	// retries so a report is never doubled. Empty makes a random one.
	MessageID string
}

// Case is the takedown case the report is about.
type Case struct {
	Domain        string // ASCII (A-label) form, e.g. "xn--acmebnk-9za.com"
	DomainUnicode string // U-label form; equal to Domain or empty when ASCII
	Reason        string // one of Reasons
	Opened        time.Time
	Status        string // open, reported, taken_down, reverted, closed
	Note          string
}

// Reasons a case can be opened for.
const (
	ReasonPhishing = "phishing"
	ReasonMalware  = "malware"
	ReasonBrand    = "brand"
	ReasonFraud    = "fraud"
)

// Reasons lists the valid case reasons.
var Reasons = []string{ReasonPhishing, ReasonMalware, ReasonBrand, ReasonFraud}

// Party is the reporter: a person or team.
type Party struct {
	Name  string
	Email string
	Org   string
}

// Contact roles, in the order a takedown escalates.
const (
	RoleRegistrar = "registrar"
	RoleHosting   = "hosting"
	RoleDNS       = "dns"
	RoleRegistry  = "registry"
)

// Roles lists the contact roles.
var Roles = []string{RoleRegistrar, RoleHosting, RoleDNS, RoleRegistry}

// Contact is one party that can act on the report.
type Contact struct {
	Role    string // one of Roles
	Name    string // e.g. the registrar's or network's name
	Email   string
	Phone   string
	FormURL string // a web form, for providers that take no e-mail
	Source  string // where it came from, e.g. "rdap entity role abuse"
}

// Content is what the domain serves.
type Content struct {
	URLs             []string // the URLs seen serving the content
	Title            string
	FinalURL         string // after redirects
	LoginForm        bool
	FormAction       string
	PageSimilarity   *float64 // 0..100, nil when not measured
	VisualSimilarity *float64 // 0..100, nil when not measured
	FaviconMMH3      *int32   // Shodan-style favicon hash, nil when none
	Brand            string   // the brand the content imitates
	BrandURL         string   // the brand's legitimate site, e.g. "https://acmebank.example/"
}

// Registration is the domain's registration data.
type Registration struct {
	Registrar       string
	RegistrarIANAID string
	Created         time.Time
	Expires         time.Time
	Statuses        []string // EPP status codes
}

// DNS is the domain's DNS as last seen.
type DNS struct {
	Addresses   []string // A and AAAA
	NameServers []string
	MX          []string
}

// Cert is the TLS certificate the domain served.
type Cert struct {
	Subject   string
	Issuer    string
	Serial    string // hex
	SANs      []string
	NotBefore time.Time
	NotAfter  time.Time
	SHA256    string // hex of the DER certificate's SHA-256
}

// Snapshot is one raw probe answer.
type Snapshot struct {
	Kind      string // the probe kind: dns, rdap, whois, cert, http, …
	FirstSeen time.Time
	LastSeen  time.Time
	JSON      json.RawMessage // larger than MaxRawSnapshot is left out
}

// Risk is the judged risk of the domain.
type Risk struct {
	Level   string // e.g. low, medium, high, critical
	Score   int
	Reasons []string
}

// TimelineEntry is one thing that happened to the domain.
type TimelineEntry struct {
	Time    time.Time
	Kind    string // the event kind
	Summary string
}
