package notify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/store"
)

func TestCleanLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain.example", "plain.example"},
		{"a\r\nBcc: x@example.net", "a Bcc: x@example.net"},
		{"tab\there  and\x00nul\x1b[31mred", "tab here and nul [31mred"},
		{"evil\u202Emoc.example", "evil moc.example"}, // right-to-left override
		{"zero\u200bwidth", "zero width"},
		{"bad \xff\xfe utf8", "bad \uFFFD utf8"},
		{"line\u2028sep", "line sep"},
		{"trailing\r\n", "trailing"},
		{strings.Repeat("x", 10), "xxxxx…"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			max := 100
			if strings.HasPrefix(tc.in, "xxx") {
				max = 5
			}
			if got := cleanLine(tc.in, max); got != tc.want {
				t.Errorf("cleanLine(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if got := cleanText("a\r\nb\nc\x07", 100); got != "a\nb\nc" {
		t.Errorf("cleanText kept %q", got)
	}
}

func FuzzCleanLine(f *testing.F) {
	for _, s := range []string{"a\r\nb", "\u202Ex", "\xff", "<script>", strings.Repeat("é", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, keep := range []bool{false, true} {
			out := clean(s, 50, keep)
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 %q", out)
			}
			if n := utf8.RuneCountInString(out); n > 51 {
				t.Fatalf("%d runes", n)
			}
			for _, r := range out {
				if r == '\n' && keep {
					continue
				}
				if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029' {
					t.Fatalf("kept %U in %q", r, out)
				}
			}
		}
	})
}

// A homograph shows its ASCII form first, with the Unicode beside it, so
// the mail does not itself present the imitation as the real name.
func TestHomographShownAsASCII(t *testing.T) {
	v := newView(store.Event{Domain: "xn--exmple-cua.com", Kind: event.LookalikeRegistered, Detail: []byte(`{"brand":"example.com"}`)}, "https://t.example")
	if v.Name() != "xn--exmple-cua.com (exämple.com)" {
		t.Errorf("name %q", v.Name())
	}
	if h := v.Headline(); h != "new look-alike of example.com: xn--exmple-cua.com" {
		t.Errorf("headline %q", h)
	}
	if v.URL != "https://t.example/domains/xn--exmple-cua.com" {
		t.Errorf("url %q", v.URL)
	}
}

func TestSummaries(t *testing.T) {
	ev := func(kind event.Kind, dom string) view {
		return newView(store.Event{Domain: dom, Kind: kind, Detail: []byte(`{"brand":"example.com"}`)}, "")
	}
	vs := []view{ev(event.LookalikeRegistered, "a.com"), ev(event.LookalikeRegistered, "b.com"), ev(event.StateChanged, "c.com")}
	if got := summary(vs); got != "3 events: 2 new look-alikes of example.com, 1 state change" {
		t.Errorf("summary %q", got)
	}
	if got := summary(vs[:1]); got != "new look-alike of example.com: a.com" {
		t.Errorf("summary of one %q", got)
	}
}

// Run delivers soon after the router sees an event, without waiting for
// the poll interval, and stops cleanly.
func TestRunDeliversOnKickAndStops(t *testing.T) {
	srv := startSMTP(t, simnet.SMTPOptions{})
	st := openStore(t, t.TempDir())
	opts := fastOpts(&clock{})
	opts.PollInterval = time.Hour
	n := newNotifier(t, mailCfg(srv, config.Channel{Name: "soc", Email: []string{"soc@example.org"}}), st, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	start := time.Now()
	addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Old: "active", New: "seized"})
	wait(t, srv, 1)
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("delivered after %s", el)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v on cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
	if rows := outbox(t, st, store.OutboxSent); len(rows) != 1 {
		t.Errorf("sent rows %+v", rows)
	}
}

// TestDigestGroupsLookalikesByLevel: a digest lists its look-alikes by the
// risk level their event reports, highest first, other events after, and
// an escalation shows its level change, score and figures.
func TestDigestGroupsLookalikesByLevel(t *testing.T) {
	esc := func(dom, old, level string, score int, reasons ...string) view {
		d, _ := json.Marshal(map[string]any{"brand": "acmebank.com", "score": score, "reasons": reasons})
		return newView(store.Event{Domain: dom, Kind: event.LookalikeEscalated, Old: old, New: level, Severity: event.SevWarning, Detail: d}, "")
	}
	reg := func(dom string) view {
		return newView(store.Event{Domain: dom, Kind: event.LookalikeRegistered, Detail: []byte(`{"brand":"acmebank.com"}`)}, "")
	}
	vs := []view{
		reg("acmebank.org"),
		esc("acmebank-mail.com", "parked", "mail_capable", 65, "MX mail.acmebank-mail.com accepts mail for a random recipient (RCPT TO 250)"),
		newView(store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Old: "active", New: "seized"}, ""),
		esc("acmebank-login.com", "parked", "phishing_like", 96, "page similar to acmebank's: TLSH 100, ssdeep 100 (threshold 70)", "serves acmebank's own favicon"),
		reg("acmebank.info"),
	}
	m, err := render("brand", "k", "", vs, false)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, v := range m.views {
		order = append(order, v.Domain)
	}
	if got := strings.Join(order, " "); got != "acmebank-login.com acmebank-mail.com acmebank.org acmebank.info thefoxcloud.com" {
		t.Errorf("digest order %s", got)
	}
	text := m.text
	for _, want := range []string{
		"Look-alikes by risk level: phishing_like 1, mail_capable 1, registered 2",
		"== Risk level phishing_like (1) ==",
		"look-alike of acmebank.com acmebank-login.com: parked → phishing_like (score 96)",
		"  - page similar to acmebank's: TLSH 100, ssdeep 100 (threshold 70)",
		"== Risk level registered (2) ==",
		"== Other events ==",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("digest text lacks %q:\n%s", want, text)
		}
	}
	if i, j := strings.Index(text, "phishing_like (1) =="), strings.Index(text, "mail_capable (1) =="); i < 0 || j < i {
		t.Errorf("levels not highest first:\n%s", text)
	}
	for _, want := range []string{"Risk level phishing_like (1)", "Look-alikes by risk level: phishing_like 1"} {
		if !strings.Contains(m.html, want) {
			t.Errorf("digest html lacks %q", want)
		}
	}
	if s := slackText(m); !strings.Contains(s, "*Risk level phishing_like (1)*\n• look-alike of acmebank.com acmebank-login.com") {
		t.Errorf("webhook text:\n%s", s)
	}

	// One escalation alone: its figures, in mail and webhook text.
	one, err := render("brand", "k1", "", vs[3:4], false)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{one.text, slackText(one), one.subject} {
		if !strings.Contains(out, "parked → phishing_like (score 96)") {
			t.Errorf("escalation lacks its level change and score:\n%s", out)
		}
	}
	for _, out := range []string{one.text, slackText(one)} {
		if !strings.Contains(out, "TLSH 100, ssdeep 100") || !strings.Contains(out, "own favicon") {
			t.Errorf("escalation lacks its figures:\n%s", out)
		}
	}
	if strings.Contains(one.text, "==") {
		t.Errorf("a single alert has digest sections:\n%s", one.text)
	}
}
