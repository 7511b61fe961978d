package report

import (
	"bytes"
	"testing"

	gomail "github.com/wneessen/go-mail"
)

// The sender (monitor/notify) reads the eml back with go-mail before it
// sends it; the report must survive that with its attachments, hostile
// values included.
func TestEMLReadsBackWithGoMail(t *testing.T) {
	for name, v := range map[string]string{"sample": "", "hostile": hostileValues["header injection"] + hostileValues["mail specials"]} {
		ev := sampleEvidence()
		if v != "" {
			ev = hostile(v)
		}
		ev.MessageID = "ev12-0123456789abcdef@acmebank.example"
		var b bytes.Buffer
		if err := Encode(&b, "eml", ev); err != nil {
			t.Fatal(err)
		}
		msg, err := gomail.EMLToMsgFromReader(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatalf("%s: go-mail cannot read the report: %v", name, err)
		}
		if got := msg.GetMessageID(); got != "<ev12-0123456789abcdef@acmebank.example>" {
			t.Errorf("%s: Message-ID %q", name, got)
		}
		if n := len(msg.GetAttachments()); n != 2 {
			t.Errorf("%s: %d attachments, want the screenshot and the evidence", name, n)
		}
		var out bytes.Buffer
		if _, err := msg.WriteTo(&out); err != nil {
			t.Fatalf("%s: go-mail cannot write it again: %v", name, err)
		}
		_, parts := parseEML(t, out.Bytes())
		if len(parts) != 3 || !bytes.Equal(parts[1].body, ev.Screenshot) {
			t.Errorf("%s: after go-mail, %d parts", name, len(parts))
		}
	}
}
