package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

type emlPart struct {
	contentType string
	params      map[string]string
	disposition string
	filename    string
	body        []byte
}

// parseEML reads a message back with net/mail and mime/multipart, the
// way a receiving mail system would, decoding each part's transfer
// encoding.
func parseEML(t testing.TB, raw []byte) (*mail.Message, []emlPart) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail: %v\n%s", err, raw)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	var parts []emlPart
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		var part emlPart
		part.contentType, part.params, err = mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("part Content-Type %q: %v", p.Header.Get("Content-Type"), err)
		}
		if cd := p.Header.Get("Content-Disposition"); cd != "" {
			var dp map[string]string
			part.disposition, dp, err = mime.ParseMediaType(cd)
			if err != nil {
				t.Fatalf("Content-Disposition %q: %v", cd, err)
			}
			part.filename = dp["filename"]
		}
		var r io.Reader = p
		switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, p)
		case "quoted-printable":
			r = quotedprintable.NewReader(p)
		}
		if part.body, err = io.ReadAll(r); err != nil {
			t.Fatalf("part %s: %v", part.contentType, err)
		}
		parts = append(parts, part)
	}
	return msg, parts
}

func TestEMLReadsBack(t *testing.T) {
	ev := sampleEvidence()
	ev.MessageID = "case-7-1@acmebank.example"
	var b bytes.Buffer
	if err := Encode(&b, "eml", ev); err != nil {
		t.Fatal(err)
	}
	msg, parts := parseEML(t, b.Bytes())
	h := msg.Header
	from, err := mail.ParseAddress(h.Get("From"))
	if err != nil || from.Address != "cert@acmebank.example" || from.Name != "Ana Analyst" {
		t.Errorf("From %q: %v", h.Get("From"), err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "abuse@registrar.example" {
		t.Errorf("To %q: %v", h.Get("To"), err)
	}
	if got := strings.Join(strings.Fields(h.Get("Message-ID")), ""); got != "<case-7-1@acmebank.example>" {
		t.Errorf("Message-ID %q", got)
	}
	if d, err := h.Date(); err != nil || !d.Equal(ev.Generated) {
		t.Errorf("Date %q: %v", h.Get("Date"), err)
	}
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil || !strings.Contains(subj, "acmebank-login.com") || !strings.Contains(subj, "phishing") {
		t.Errorf("Subject %q: %v", subj, err)
	}
	if len(parts) != 3 {
		t.Fatalf("%d parts, want body, screenshot and evidence", len(parts))
	}
	body := parts[0]
	if body.contentType != "text/plain" || body.disposition == "attachment" || !strings.Contains(string(body.body), "https://acmebank-login.com/login") {
		t.Errorf("body %s %q", body.contentType, body.body)
	}
	shot := parts[1]
	if shot.contentType != "image/png" || shot.disposition != "attachment" || shot.filename != "acmebank-login.com-screenshot.png" || !bytes.Equal(shot.body, ev.Screenshot) {
		t.Errorf("screenshot part %s %s %q, %d bytes", shot.contentType, shot.disposition, shot.filename, len(shot.body))
	}
	js := parts[2]
	var got map[string]any
	if js.contentType != "application/json" || js.disposition != "attachment" || json.Unmarshal(js.body, &got) != nil {
		t.Fatalf("evidence part %s %s: %q", js.contentType, js.disposition, js.body)
	}
	if got["domain"] != "acmebank-login.com" || got["reason"] != "phishing" || len(got["snapshots"].([]any)) != 2 || len(got["timeline"].([]any)) != 2 {
		t.Errorf("evidence JSON %v", got)
	}
	if snap := got["snapshots"].([]any)[1].(map[string]any); snap["data"].(map[string]any)["registrar_abuse_email"] != "abuse@registrar.example" || snap["first_seen"] != ev.Snapshots[1].FirstSeen.Format(time.RFC3339) {
		t.Errorf("rdap snapshot %v", snap)
	}
}

// A report to a web-form contact has no To; one without a reporter
// address cannot be sent and says so.
func TestEMLWithoutAddresses(t *testing.T) {
	ev := sampleEvidence()
	ev.Recipient = Contact{Role: RoleDNS, FormURL: "https://dns.example/abuse"}
	var b bytes.Buffer
	if err := Encode(&b, "eml", ev); err != nil {
		t.Fatal(err)
	}
	msg, _ := parseEML(t, b.Bytes())
	if msg.Header.Get("To") != "" || msg.Header.Get("Message-ID") == "" {
		t.Errorf("To %q Message-ID %q", msg.Header.Get("To"), msg.Header.Get("Message-ID"))
	}
	ev.Reporter.Email = ""
	b.Reset()
	if err := Encode(&b, "eml", ev); err == nil || !strings.Contains(err.Error(), "reporter's e-mail") || b.Len() != 0 {
		t.Errorf("no reporter address: %v, wrote %d bytes", err, b.Len())
	}
}
