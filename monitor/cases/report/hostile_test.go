package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"mime"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

var hostileValues = map[string]string{
	"header injection": "Sign in\r\nBcc: victim@evil.example\r\n\r\n<script>alert(1)</script>",
	"bare LF":          "a\nTo: victim@evil.example",
	"bidi override":    "\u202egnp.exe \u2066x\u2069",
	"markdown":         "[click](javascript:alert(1)) ![x](http://evil.example/x.png) `code` | pipe | \n# heading\n---\n> quote *em* _u_ ~~s~~",
	"html":             `<img src=x onerror="alert(1)">&amp;</td></tr>`,
	"controls":         "\x00\x1b[31mred\x7f\u0085\u2028line\u2029",
	"invalid utf-8":    "\xff\xfe\xc3",
	"encoded word":     "=?utf-8?b?QmNjOiB2aWN0aW1AZXZpbC5leGFtcGxl?=",
	"json breaker":     "\"}],\"type\":\"spam\",\"x\":[{\"a\":\"",
	"stix pattern":     "'] OR [file:name = 'x",
	"mail specials":    `Ana "\" (x) <y@z> ; , : \u`,
	"huge":             strings.Repeat("A<b>&|\r\n", 50_000),
}

// hostile puts v into every free-text field of the sample evidence; the
// fields the formats must parse (domain, addresses, URLs) get hostile
// forms of their own.
func hostile(v string) Evidence {
	ev := sampleEvidence()
	ev.Case.DomainUnicode = v
	ev.Case.Note = v
	ev.Case.Status = v
	ev.Reporter.Name, ev.Reporter.Org = v, v
	ev.Recipient.Name, ev.Recipient.Phone, ev.Recipient.Source = v, v, v
	for i := range ev.Contacts {
		c := &ev.Contacts[i]
		c.Name, c.Phone, c.Source, c.Role = v, v, v, v
	}
	ev.Contacts = append(ev.Contacts, Contact{Role: RoleHosting, Email: "x@y.example\r\nBcc: victim@evil.example", FormURL: "javascript:alert(1)"})
	ev.Content.Title, ev.Content.Brand = v, v
	ev.Content.URLs = append(ev.Content.URLs, "javascript:alert(1)", "https://evil.example/'] OR [x:y = '", "https://evil.example/\r\nBcc: x", "http://u:p@evil.example/")
	ev.Content.FormAction = "https://evil.example/\"><script>"
	ev.Registration.Registrar = v
	ev.Registration.RegistrarIANAID = v
	ev.Registration.Statuses = []string{v, "ok"}
	ev.DNS.Addresses = append(ev.DNS.Addresses, v, "192.0.2.300")
	ev.DNS.NameServers = append(ev.DNS.NameServers, v)
	ev.DNS.MX = append(ev.DNS.MX, v)
	ev.Cert.Subject, ev.Cert.Issuer = v, v
	ev.Cert.Serial = v
	ev.Cert.SANs = append(ev.Cert.SANs, v)
	ev.Snapshots = append(ev.Snapshots, Snapshot{Kind: v, JSON: json.RawMessage(`{"title":` + string(mustJSON(v)) + `}`)})
	ev.Risk.Level = v
	ev.Risk.Reasons = append(ev.Risk.Reasons, v)
	ev.Timeline = append(ev.Timeline, TimelineEntry{Time: t0, Kind: v, Summary: v})
	return ev
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// checkInert checks what every format must hold whatever the evidence:
// valid UTF-8, no bidi control, no control character but line breaks and
// tabs, a bounded size, and each format's own structure.
func checkInert(t testing.TB, format string, out []byte) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Errorf("%s: output is not UTF-8", format)
	}
	for _, r := range string(out) {
		if unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029' || (unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t') {
			t.Errorf("%s: output carries %U", format, r)
			break
		}
	}
	if len(out) > 4*MaxAttachment {
		t.Errorf("%s: %d bytes", format, len(out))
	}
	switch format {
	case "xarf", "stix", "misp":
		if !json.Valid(out) {
			t.Fatalf("%s: not valid JSON", format)
		}
	}
	switch format {
	case "xarf":
		if err := validateJSON(t, xarfValidator(t), out); err != nil {
			t.Errorf("xarf: %v", err)
		}
	case "stix":
		if err := validateSTIX(t, out); err != nil {
			t.Errorf("stix: %v", err)
		}
	case "misp":
		checkMISPEvent(t, out)
	case "md":
		checkMarkdownInert(t, string(out))
	case "eml":
		checkEMLInert(t, out)
	}
}

var mdHeadings = map[string]bool{"## Note": true, "## Why": true, "## What it serves": true, "## Registration and hosting": true, "## Contacts": true, "## Timeline": true, "## Left out": true}

func checkMarkdownInert(t testing.TB, out string) {
	t.Helper()
	// What is left once every backslash escape is taken out must hold no
	// HTML, code span, link or image syntax, nor a live scheme.
	bare := regexp.MustCompile(`\\[!-/:-@\[-`+"`"+`{-~]`).ReplaceAllString(out, "")
	if strings.ContainsAny(bare, "<`[]") || strings.Contains(bare, "javascript:") {
		t.Errorf("md: raw HTML, code or link syntax in %q:\n%s", bare, out)
	}
	for i, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "#") && i > 0 && !mdHeadings[line]:
			t.Errorf("md line %d: a heading the encoder did not write: %q", i+1, line)
		case strings.HasPrefix(line, "|") && !strings.HasPrefix(line, "|---"):
			if n := strings.Count(line, "|") - strings.Count(line, `\|`); n != 3 && n != 7 {
				t.Errorf("md line %d: %d cell separators: %q", i+1, n, line)
			}
		case strings.HasPrefix(line, "---") || strings.HasPrefix(line, "==="):
			t.Errorf("md line %d: a rule or setext heading: %q", i+1, line)
		}
	}
}

func checkEMLInert(t testing.TB, out []byte) {
	t.Helper()
	msg, parts := parseEML(t, out)
	allowed := map[string]bool{"Date": true, "Mime-Version": true, "Message-Id": true, "Subject": true, "From": true, "To": true, "Content-Type": true}
	for k := range msg.Header {
		if !allowed[k] {
			t.Errorf("eml: header %s", k)
		}
	}
	if to, err := msg.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "abuse@registrar.example" {
		t.Errorf("eml: To %q: %v", msg.Header.Get("To"), err)
	}
	if from, err := mail.ParseAddress(msg.Header.Get("From")); err != nil || from.Address != "cert@acmebank.example" {
		t.Errorf("eml: From %q: %v", msg.Header.Get("From"), err)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || strings.ContainsAny(subj, "\r\n") {
		t.Errorf("eml: Subject %q: %v", subj, err)
	}
	if len(parts) < 2 || parts[0].contentType != "text/plain" || parts[len(parts)-1].contentType != "application/json" || !json.Valid(parts[len(parts)-1].body) {
		t.Errorf("eml: %d parts", len(parts))
	}
}

func TestHostileValuesStayInert(t *testing.T) {
	for name, v := range hostileValues {
		t.Run(name, func(t *testing.T) {
			ev := hostile(v)
			for _, format := range Formats {
				var b bytes.Buffer
				if err := Encode(&b, format, ev); err != nil {
					t.Fatalf("%s: %v", format, err)
				}
				checkInert(t, format, b.Bytes())
			}
		})
	}
}

// The inert checks must be able to fail.
func TestInertChecksFail(t *testing.T) {
	for format, out := range map[string]string{
		"md":   "# x\n\n- [click](javascript:alert(1))\n",
		"xarf": `{"xarf_version":"4.2.0"`,
		"stix": "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":[{\"type\":\"x\u202e\"}]}",
		"eml":  "From: a@b.example\r\nBcc: c@d.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x--\r\n",
	} {
		rec := &recorder{TB: t}
		done := make(chan struct{})
		go func() { defer close(done); checkInert(rec, format, []byte(out)) }()
		<-done
		if !rec.failed {
			t.Errorf("%s check passes %q", format, out)
		}
	}
}

// A screenshot over the cap, or bytes that are no PNG, never travel; one
// at the cap does. Figures JSON cannot hold and snapshots that are not
// JSON are left out, and the report says so.
func TestReportLimits(t *testing.T) {
	big := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, MaxAttachment-7)...)
	atCap := big[:MaxAttachment]
	for _, tc := range []struct {
		name   string
		png    []byte
		attach bool
	}{{"over the cap", big, false}, {"at the cap", atCap, true}, {"not a PNG", []byte("GIF89a...."), false}} {
		t.Run(tc.name, func(t *testing.T) {
			ev := sampleEvidence()
			ev.Screenshot = tc.png
			ev.Content.PageSimilarity = new(float64)
			*ev.Content.PageSimilarity = math.NaN()
			ev.Snapshots = append(ev.Snapshots, Snapshot{Kind: "cert", JSON: json.RawMessage(`{"broken":`)})
			for _, format := range Formats {
				var b bytes.Buffer
				if err := Encode(&b, format, ev); err != nil {
					t.Fatalf("%s: %v", format, err)
				}
				out := b.Bytes()
				checkInert(t, format, out)
				var carried bool
				switch format {
				case "eml":
					_, parts := parseEML(t, out)
					carried = len(parts) == 3 && bytes.Equal(parts[1].body, tc.png)
					if !bytes.Contains(parts[len(parts)-1].body, []byte("cert snapshot: not valid JSON")) {
						t.Errorf("eml evidence does not say the cert snapshot was left out")
					}
				case "xarf":
					carried = bytes.Contains(out, []byte(`"content_type": "image/png"`))
				case "misp":
					carried = bytes.Contains(out, []byte(`"type": "attachment"`))
				case "md":
					carried = bytes.Contains(out, []byte("- Screenshot:"))
					if !tc.attach && !bytes.Contains(out, []byte("## Left out")) {
						t.Errorf("md does not say what it left out")
					}
				case "stix":
					carried = tc.attach // STIX carries no files
				}
				if carried != tc.attach {
					t.Errorf("%s: screenshot carried %v, want %v", format, carried, tc.attach)
				}
			}
		})
	}
}

func TestBadInputIsRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		format string
		edit   func(*Evidence)
		want   string
	}{
		"unknown format":        {"pdf", func(*Evidence) {}, "unknown report format"},
		"domain not a host":     {"md", func(e *Evidence) { e.Case.Domain = "evil.example\r\nBcc: x" }, "not a host name"},
		"empty domain":          {"stix", func(e *Evidence) { e.Case.Domain = "" }, "not a host name"},
		"unknown reason":        {"misp", func(e *Evidence) { e.Case.Reason = "spam" }, `reason "spam"`},
		"xarf without reporter": {"xarf", func(e *Evidence) { e.Reporter.Email = "" }, "reporter's e-mail"},
		"hostile reporter mail": {"eml", func(e *Evidence) { e.Reporter.Email = "a@b.example\r\nBcc: c@d.example" }, "reporter's e-mail"},
		"bad message id":        {"eml", func(e *Evidence) { e.MessageID = "x>\r\nBcc: a@b.example" }, "message id"},
		"brand without site": {"xarf", func(e *Evidence) {
			e.Case.Reason, e.Content.BrandURL = ReasonBrand, ""
		}, "legitimate_site"},
	} {
		t.Run(name, func(t *testing.T) {
			ev := sampleEvidence()
			tc.edit(&ev)
			var b bytes.Buffer
			err := Encode(&b, tc.format, ev)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one naming %q", err, tc.want)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", b.Len())
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error carries a line break: %q", err)
			}
		})
	}
	if err := Encode(new(bytes.Buffer), "pdf", sampleEvidence()); !errors.Is(err, ErrFormat) {
		t.Errorf("unknown format: %v is not ErrFormat", err)
	}
}

func FuzzEncode(f *testing.F) {
	for _, v := range hostileValues {
		if len(v) < 1000 {
			f.Add(v, "https://x.example/"+v)
		}
	}
	f.Fuzz(func(t *testing.T, v, u string) {
		ev := hostile(v)
		ev.Content.URLs = append(ev.Content.URLs, u)
		ev.Content.FinalURL = u
		for _, format := range Formats {
			var b bytes.Buffer
			if err := Encode(&b, format, ev); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			checkInert(t, format, b.Bytes())
		}
	})
}

// The worst evidence the bounds allow, every text field full of the
// characters that grow most when escaped, still gives an evidence file
// under the cap in every format that carries one.
func TestEvidenceFileStaysUnderTheCap(t *testing.T) {
	worst := strings.Repeat("\u202e<", 5000)
	ev := hostile(worst)
	for i := 0; i < 300; i++ {
		ev.Timeline = append(ev.Timeline, TimelineEntry{Time: t0, Kind: worst, Summary: worst})
		ev.Contacts = append(ev.Contacts, Contact{Role: worst, Name: worst, Phone: worst, Source: worst})
		ev.Risk.Reasons = append(ev.Risk.Reasons, worst)
		ev.Cert.SANs = append(ev.Cert.SANs, worst)
	}
	ev.Case.Note = strings.Repeat("\u202e<", 50_000)
	for i := 0; i < 10; i++ {
		ev.Snapshots = append(ev.Snapshots, Snapshot{Kind: "http", JSON: json.RawMessage(`"` + strings.Repeat("a", MaxRawSnapshot-2) + `"`)})
	}
	var b bytes.Buffer
	if err := Encode(&b, "eml", ev); err != nil {
		t.Fatal(err)
	}
	_, parts := parseEML(t, b.Bytes())
	js := parts[len(parts)-1].body
	if len(js) > MaxAttachment || !json.Valid(js) {
		t.Fatalf("evidence file %d bytes, valid %v", len(js), json.Valid(js))
	}
	if !bytes.Contains(js, []byte("over the 524288 bytes all snapshots may take")) {
		t.Errorf("the evidence file does not say which snapshots it left out")
	}
	if !bytes.Contains(js, []byte("the evidence file would pass")) {
		t.Errorf("the evidence file fits without shrinking: the test does not reach the cap")
	}
	b.Reset()
	if err := Encode(&b, "xarf", ev); err != nil {
		t.Fatal(err)
	}
	var x struct {
		Evidence []struct {
			ContentType string `json:"content_type"`
			Size        int    `json:"size"`
		} `json:"evidence"`
	}
	if err := json.Unmarshal(b.Bytes(), &x); err != nil {
		t.Fatal(err)
	}
	for _, e := range x.Evidence {
		if e.Size > MaxAttachment {
			t.Errorf("xarf evidence %s: %d bytes", e.ContentType, e.Size)
		}
	}
}
