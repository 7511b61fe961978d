package report

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"time"
)

func f64(v float64) *float64 { return &v }
func i32(v int32) *int32     { return &v }

// tinyPNG is a real 4x4 PNG, so a test can decode what a report carries.
func tinyPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

var t0 = time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC)

// sampleEvidence is a phishing look-alike as the cases package would fill
// it: every part present, nothing hostile.
func sampleEvidence() Evidence {
	return Evidence{
		Case: Case{
			Domain: "acmebank-login.com", DomainUnicode: "acmebank-login.com", Reason: ReasonPhishing,
			Opened: t0.Add(2 * time.Hour), Status: "open", Note: "Copy of the login page.\nReported by a customer.",
		},
		Reporter:  Party{Name: "Ana Analyst", Email: "cert@acmebank.example", Org: "Acme Bank CERT"},
		Recipient: Contact{Role: RoleRegistrar, Name: "Example Registrar", Email: "abuse@registrar.example", Phone: "+1.5550100", Source: "rdap entity role abuse"},
		Contacts: []Contact{
			{Role: RoleRegistrar, Name: "Example Registrar", Email: "abuse@registrar.example", Phone: "+1.5550100", Source: "rdap entity role abuse"},
			{Role: RoleHosting, Name: "EXAMPLE-NET", Email: "abuse@hosting.example", Source: "rir rdap entity role abuse"},
			{Role: RoleDNS, Name: "Example DNS", FormURL: "https://dns.example/abuse", Source: "reviewed provider table"},
		},
		Content: Content{
			URLs: []string{"https://acmebank-login.com/login", "http://acmebank-login.com/"}, Title: "Acme Bank – Sign in",
			FinalURL: "https://acmebank-login.com/login", LoginForm: true, FormAction: "https://acmebank-login.com/post.php",
			PageSimilarity: f64(87.5), VisualSimilarity: f64(93), FaviconMMH3: i32(-123456789), Brand: "Acme Bank", BrandURL: "https://www.acmebank.example/",
		},
		Screenshot: tinyPNG(), ScreenshotAt: t0.Add(3 * time.Hour),
		Registration: Registration{Registrar: "Example Registrar, Inc.", RegistrarIANAID: "9999", Created: t0.Add(-48 * time.Hour), Expires: t0.Add(365 * 24 * time.Hour), Statuses: []string{"clientTransferProhibited"}},
		DNS:          DNS{Addresses: []string{"192.0.2.10", "2001:db8::10"}, NameServers: []string{"ns1.dns.example", "ns2.dns.example."}, MX: []string{"10 mx.acmebank-login.com"}},
		Cert: &Cert{
			Subject: "CN=acmebank-login.com", Issuer: "CN=Example CA, O=Example", Serial: "04:a3:ff:10",
			SANs: []string{"acmebank-login.com", "*.acmebank-login.com"}, NotBefore: t0.Add(-24 * time.Hour), NotAfter: t0.Add(89 * 24 * time.Hour),
			SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		},
		Snapshots: []Snapshot{
			{Kind: "dns", FirstSeen: t0, LastSeen: t0.Add(5 * time.Hour), JSON: json.RawMessage(`{"a":["192.0.2.10"],"ns":["ns1.dns.example"]}`)},
			{Kind: "rdap", FirstSeen: t0.Add(time.Hour), LastSeen: t0.Add(5 * time.Hour), JSON: json.RawMessage(`{"registrar":"Example Registrar, Inc.","registrar_iana_id":"9999","registrar_abuse_email":"abuse@registrar.example"}`)},
		},
		Risk: Risk{Level: "high", Score: 85, Reasons: []string{"login form on a look-alike of acmebank.example", "page 87.5% similar to the brand's"}},
		Timeline: []TimelineEntry{
			{Time: t0, Kind: "lookalike_found", Summary: "found in the NRD feed"},
			{Time: t0.Add(2 * time.Hour), Kind: "case_opened", Summary: "case opened for phishing"},
		},
		Generated: t0.Add(6 * time.Hour),
	}
}
