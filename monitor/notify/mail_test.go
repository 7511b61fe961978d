package notify

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/store"
)

// parsed is a received mail taken apart the way a mail client would.
type parsed struct {
	header  mail.Header
	subject string
	text    string
	html    string
}

func parseMail(t *testing.T, raw []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("received mail does not parse: %v\n%s", err, raw)
	}
	p := parsed{header: m.Header}
	dec := new(mime.WordDecoder)
	p.subject, err = dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject %q: %v", m.Header.Get("Subject"), err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q (%v), want multipart/alternative", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = part
		switch part.Header.Get("Content-Transfer-Encoding") {
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, part)
		case "quoted-printable":
			r = quotedprintable.NewReader(part)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			p.text = string(b)
		case "text/html":
			p.html = string(b)
		}
	}
	if p.text == "" || p.html == "" {
		t.Fatalf("want a text and an HTML part; text %q html %q", p.text, p.html)
	}
	return p
}

func wait(t *testing.T, s *simnet.SMTPServer, n int) []simnet.SMTPMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := s.Wait(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func TestMailContentAndHeaders(t *testing.T) {
	srv := startSMTP(t, simnet.SMTPOptions{})
	st := openStore(t, t.TempDir())
	clk := &clock{}
	n := newNotifier(t, mailCfg(srv, config.Channel{Name: "soc-mail", Email: []string{"soc@example.org"}}), st, fastOpts(clk))
	watch(t, st, "thefoxcloud.com", "dprk")
	detail, _ := json.Marshal(map[string]any{
		"reasons":            []string{"delegation ns1.fbi.seized.gov matches us-fbi-seized-ns", "rdap status server hold"},
		"registry_domain_id": "2336799_DOMAIN_COM-VRSN",
	})
	evID := addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Field: "state", Old: "seized", New: "reregistered",
		Severity: event.SevCritical, Detail: detail, At: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)})

	s := flush(t, n)
	if s.Sent != 1 || s.Messages != 1 {
		t.Fatalf("flush: %+v, want one sent", s)
	}
	msgs := wait(t, srv, 1)
	m := msgs[0]
	if m.From != "takedown@example.org" || len(m.To) != 1 || m.To[0] != "soc@example.org" {
		t.Errorf("envelope from %q to %q", m.From, m.To)
	}
	p := parseMail(t, m.Data)
	if p.subject != "[takedown] thefoxcloud.com: seized → reregistered" {
		t.Errorf("subject %q", p.subject)
	}
	key := store.IdempotencyKey(evID, "soc-mail", "soc@example.org")
	if got := p.header.Get("Message-Id"); got != "<"+key+"@example.org>" {
		t.Errorf("Message-ID %q, want the idempotency key %q", got, key)
	}
	if got := p.header.Get("X-Takedown-Delivery"); got != key {
		t.Errorf("X-Takedown-Delivery %q", got)
	}
	if got := p.header.Get("X-Takedown-Severity"); got != "critical" {
		t.Errorf("X-Takedown-Severity %q", got)
	}
	if got := p.header.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted %q", got)
	}
	link := "https://takedown.example.org/domains/thefoxcloud.com"
	for _, want := range []string{"seized", "reregistered", "critical", "delegation ns1.fbi.seized.gov matches us-fbi-seized-ns",
		"rdap status server hold", "2336799_DOMAIN_COM-VRSN", "dprk", "2026-11-01 12:00:00 UTC", link} {
		if !strings.Contains(p.text, want) {
			t.Errorf("text part lacks %q:\n%s", want, p.text)
		}
		if !strings.Contains(p.html, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, p.html)
		}
	}
	if !strings.Contains(p.html, `<a href="`+link+`">`) {
		t.Errorf("HTML part has no link to the domain page:\n%s", p.html)
	}
	rows := outbox(t, st, store.OutboxSent)
	if len(rows) != 1 || rows[0].Attempts != 1 || rows[0].SentAt.IsZero() {
		t.Errorf("outbox after send: %+v", rows)
	}
	// Nothing more to send.
	if s := flush(t, n); s != (Stats{}) {
		t.Errorf("second flush did %+v", s)
	}
	if srv.Count() != 1 {
		t.Errorf("%d mails, want 1", srv.Count())
	}
}

// A WHOIS registrar field holding markup arrives as text in the HTML part.
func TestMailEscapesHostileValues(t *testing.T) {
	srv := startSMTP(t, simnet.SMTPOptions{})
	st := openStore(t, t.TempDir())
	n := newNotifier(t, mailCfg(srv, config.Channel{Name: "all", Email: []string{"soc@example.org"}, Events: []event.Kind{"*"}}), st, fastOpts(&clock{}))
	watch(t, st, "thefoxcloud.com")
	hostile := `Evil Registrar <script>alert("x")</script><img src=x onerror=alert(1)>`
	detail, _ := json.Marshal(map[string]any{
		"reasons":   []string{`registrar changed to <b>owned</b>`},
		"registrar": hostile,
		"title":     `"><a href="javascript:alert(1)">click</a>`,
	})
	addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: "registrar_changed", Probe: "whois", Field: "registrar",
		Old: "NameCheap, Inc.", New: hostile, Severity: event.SevWarning, Detail: detail})
	flush(t, n)
	p := parseMail(t, wait(t, srv, 1)[0].Data)
	for _, bad := range []string{"<script", "<img", "<b>owned", `href="javascript:`, "onerror=alert(1)>"} {
		if strings.Contains(p.html, bad) {
			t.Errorf("HTML part carries %q unescaped:\n%s", bad, p.html)
		}
	}
	for _, want := range []string{"&lt;script&gt;", "&lt;b&gt;owned&lt;/b&gt;", "&lt;img src=x onerror=alert(1)&gt;"} {
		if !strings.Contains(p.html, want) {
			t.Errorf("HTML part lacks the escaped value %q:\n%s", want, p.html)
		}
	}
	// The text part shows the value as it was: it is not HTML.
	if !strings.Contains(p.text, `<script>alert("x")</script>`) {
		t.Errorf("text part lost the value:\n%s", p.text)
	}
}

// A value with CR/LF in it cannot add a header or a recipient.
func TestMailHeaderInjectionNeutralised(t *testing.T) {
	srv := startSMTP(t, simnet.SMTPOptions{})
	st := openStore(t, t.TempDir())
	n := newNotifier(t, mailCfg(srv, config.Channel{Name: "all", Email: []string{"soc@example.org"}, Events: []event.Kind{"*"}}), st, fastOpts(&clock{}))
	inject := "Evil\r\nBcc: victim@example.net\r\nX-Injected: yes\r\n\r\n<html>body takeover"
	domainInject := "evil.example\r\nX-Domain-Injected: yes"
	addEvent(t, st, store.Event{Domain: domainInject, Kind: "registrar_changed", Field: "registrar\nX-Field: 1",
		New: inject, Severity: event.SevWarning})
	addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Old: "active", New: "seized\r\nX-State: 1 " + strings.Repeat("A", 5000)})
	flush(t, n)
	msgs := wait(t, srv, 2)
	for _, m := range msgs {
		if len(m.To) != 1 || m.To[0] != "soc@example.org" {
			t.Errorf("envelope recipients %q, want only soc@example.org", m.To)
		}
		p := parseMail(t, m.Data)
		for _, h := range []string{"Bcc", "X-Injected", "X-Domain-Injected", "X-Field", "X-State"} {
			if v, ok := p.header[h]; ok {
				t.Errorf("injected header %s: %q", h, v)
			}
		}
		if strings.ContainsAny(p.subject, "\r\n") {
			t.Errorf("subject has a line break: %q", p.subject)
		}
		if len([]rune(p.subject)) > maxSubject+1 {
			t.Errorf("subject of %d runes is not bounded", len([]rune(p.subject)))
		}
		if !strings.HasPrefix(p.subject, "[takedown] ") {
			t.Errorf("subject %q", p.subject)
		}
		t.Logf("subject: %s", p.subject)
	}
}

func TestMailSTARTTLSWithAuth(t *testing.T) {
	srv := startSMTP(t, simnet.SMTPOptions{STARTTLS: true, Username: "alerts", Password: "s3cret"})
	st := openStore(t, t.TempDir())
	cfg := mailCfg(srv, config.Channel{Name: "soc", Email: []string{"soc@example.org"}})
	cfg.SMTP.TLS = "starttls"
	cfg.SMTP.Username, cfg.SMTP.Password = "alerts", "s3cret"
	opts := fastOpts(&clock{})
	opts.RootCAs = srv.CertPool()
	n := newNotifier(t, cfg, st, opts)
	addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Old: "active", New: "seized"})
	if s := flush(t, n); s.Sent != 1 {
		t.Fatalf("flush %+v; outbox %+v", s, outbox(t, st, ""))
	}
	m := wait(t, srv, 1)[0]
	if !m.TLS || m.AuthUser != "alerts" {
		t.Errorf("message over TLS %v as %q, want TLS as alerts", m.TLS, m.AuthUser)
	}

	// A wrong password is an error, retried (a configuration fixed later
	// must not lose the alert), never a silent success.
	cfg.SMTP.Password = "wrong"
	st2 := openStore(t, t.TempDir())
	n2 := newNotifier(t, cfg, st2, opts)
	addEvent(t, st2, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Old: "active", New: "seized"})
	if s := flush(t, n2); s.Retried != 1 {
		t.Fatalf("wrong password: %+v", s)
	}
	if rows := outbox(t, st2, store.OutboxPending); len(rows) != 1 || !strings.Contains(rows[0].LastError, "AUTH failed") {
		t.Errorf("row after auth failure: %+v", rows)
	}

	// An untrusted certificate is refused.
	st3 := openStore(t, t.TempDir())
	opts3 := fastOpts(&clock{})
	n3 := newNotifier(t, cfg, st3, opts3)
	addEvent(t, st3, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged})
	if s := flush(t, n3); s.Retried != 1 {
		t.Fatalf("untrusted certificate: %+v", s)
	}
	if rows := outbox(t, st3, store.OutboxPending); len(rows) != 1 || !strings.Contains(rows[0].LastError, "certificate") {
		t.Errorf("row after TLS failure: %+v", rows)
	}
	if srv.Count() != 1 {
		t.Errorf("%d mails arrived, want 1", srv.Count())
	}
}

func TestMailImplicitTLSWithCAFile(t *testing.T) {
	srv := startSMTP(t, simnet.SMTPOptions{ImplicitTLS: true})
	st := openStore(t, t.TempDir())
	dir := t.TempDir()
	ca := dir + "/ca.pem"
	if err := writeFile(ca, srv.CACertPEM()); err != nil {
		t.Fatal(err)
	}
	cfg := mailCfg(srv, config.Channel{Name: "soc", Email: []string{"soc@example.org"}})
	cfg.SMTP.TLS, cfg.SMTP.CAFile = "implicit", ca
	n := newNotifier(t, cfg, st, fastOpts(&clock{}))
	addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Old: "active", New: "seized"})
	if s := flush(t, n); s.Sent != 1 {
		t.Fatalf("flush %+v; outbox %+v", s, outbox(t, st, ""))
	}
	if m := wait(t, srv, 1)[0]; !m.TLS {
		t.Error("message not received over TLS")
	}
}

// A brand scan that finds 40 look-alikes sends one mail, not 40, and a
// retried digest keeps its Message-ID.
func TestDigestGroupsIntoOneMail(t *testing.T) {
	srv := startSMTP(t, simnet.SMTPOptions{})
	st := openStore(t, t.TempDir())
	clk := &clock{}
	n := newNotifier(t, mailCfg(srv,
		config.Channel{Name: "brand", Email: []string{"brand@example.org", "cti@example.org"}, Events: []event.Kind{event.LookalikeRegistered}, Digest: "1h"},
		config.Channel{Name: "now", Email: []string{"soc@example.org"}, Events: []event.Kind{event.StateChanged}},
	), st, fastOpts(clk))
	if _, err := st.AddDomains(t.Context(), []store.NewDomain{{Name: "example.com", Unicode: "example.com", Kind: store.KindBrand}}); err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		addLookalike(t, st, "example.com", fmt.Sprintf("examp%de.com", i))
	}
	watch(t, st, "thefoxcloud.com")
	addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Old: "active", New: "seized"})

	// Before the window ends only the immediate alert goes.
	if s := flush(t, n); s.Messages != 1 || s.Sent != 1 {
		t.Fatalf("flush before the window ends: %+v", s)
	}
	// At the window's end the first try is refused; the retry goes out.
	srv.Fail(451, "try again later", 2)
	clk.Advance(time.Hour)
	if s := flush(t, n); s.Retried != 80 || s.Messages != 0 {
		t.Fatalf("flush with the relay refusing: %+v", s)
	}
	clk.Advance(2 * time.Minute)
	if s := flush(t, n); s.Messages != 2 || s.Sent != 80 {
		t.Fatalf("flush after the retry delay: %+v", s)
	}
	msgs := wait(t, srv, 3)
	if len(msgs) != 3 {
		t.Fatalf("%d mails, want 3 (one alert, one digest per recipient)", len(msgs))
	}
	rejected := map[string]string{}
	for _, r := range srv.Rejected() {
		rejected[r.To[0]] = r.MessageID()
	}
	for _, m := range msgs[1:] {
		p := parseMail(t, m.Data)
		if p.subject != "[takedown] 40 new look-alikes of example.com" {
			t.Errorf("digest subject %q", p.subject)
		}
		for i := range 40 {
			if name := fmt.Sprintf("examp%de.com", i); !strings.Contains(p.text, name) || !strings.Contains(p.html, name) {
				t.Errorf("digest to %s lacks %s", m.To[0], name)
			}
		}
		if id := m.MessageID(); id == "" || rejected[m.To[0]] != id {
			t.Errorf("digest to %s: Message-ID %q, the refused try had %q", m.To[0], id, rejected[m.To[0]])
		}
	}
	if msgs[1].MessageID() == msgs[2].MessageID() {
		t.Error("two recipients' digests share a Message-ID")
	}
	if rows := outbox(t, st, store.OutboxPending); len(rows) != 0 {
		t.Errorf("%d rows still pending", len(rows))
	}
}

// The relay is down for several passes, then up: every alert arrives once.
func TestSMTPOutageThenRecoveryExactlyOnce(t *testing.T) {
	srv := startSMTP(t, simnet.SMTPOptions{})
	st := openStore(t, t.TempDir())
	clk := &clock{}
	opts := fastOpts(clk)
	opts.SMTPTimeout = time.Second
	n := newNotifier(t, mailCfg(srv, config.Channel{Name: "soc", Email: []string{"soc@example.org", "cti@example.org"}, Events: []event.Kind{"*"}}), st, opts)
	watch(t, st, "thefoxcloud.com")
	srv.Down()
	const events = 5
	for i := range events {
		addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.NSChanged, New: fmt.Sprintf("ns%d.example.net", i)})
	}
	var lastGap time.Duration
	for attempt := 1; attempt <= 4; attempt++ {
		s := flush(t, n)
		if s.Retried != 2*events || s.Sent != 0 {
			t.Fatalf("pass %d with the relay down: %+v", attempt, s)
		}
		rows := outbox(t, st, store.OutboxPending)
		for _, r := range rows {
			if r.Attempts != attempt || r.LastError == "" {
				t.Fatalf("pass %d: row %+v", attempt, r)
			}
		}
		next := rows[0].NextTry
		gap := next.Sub(clk.Now())
		// Fixed jitter 0.5: the delay is 3/4 of base·2^(attempt-1).
		want := time.Duration(float64(time.Minute<<(attempt-1)) * 0.75)
		if gap < want-5*time.Second || gap > want+time.Second {
			t.Errorf("pass %d: next try in %s, want about %s", attempt, gap, want)
		}
		if attempt > 1 && gap <= lastGap {
			t.Errorf("backoff does not grow: %s after %s", gap, lastGap)
		}
		lastGap = gap
		// Not due yet: a pass now does nothing.
		if s := flush(t, n); s != (Stats{}) {
			t.Fatalf("pass before the next try did %+v", s)
		}
		clk.Advance(gap + time.Second)
	}
	if err := srv.Up(); err != nil {
		t.Fatal(err)
	}
	if s := flush(t, n); s.Sent != 2*events {
		t.Fatalf("pass after recovery: %+v", s)
	}
	clk.Advance(24 * time.Hour)
	// The relay stores a message before it accepts it, and a pass returns
	// once the relay answered all it sent: after a pass that sent nothing,
	// the relay holds every mail it will get.
	if s := flush(t, n); s != (Stats{}) {
		t.Fatalf("pass a day later: %+v", s)
	}
	msgs := srv.Messages()
	if len(msgs) != 2*events {
		t.Fatalf("%d mails arrived, want %d", len(msgs), 2*events)
	}
	for id, c := range distinctMessageIDs(msgs) {
		if c != 1 {
			t.Errorf("Message-ID %s arrived %d times", id, c)
		}
	}
	for _, r := range outbox(t, st, "") {
		if r.Status != store.OutboxSent || r.Attempts != 5 {
			t.Errorf("row %+v, want sent at the 5th attempt", r)
		}
	}
}

func TestSMTPPermanentRejectionFailsAtOnce(t *testing.T) {
	srv := startSMTP(t, simnet.SMTPOptions{})
	st := openStore(t, t.TempDir())
	n := newNotifier(t, mailCfg(srv, config.Channel{Name: "soc", Email: []string{"soc@example.org"}}), st, fastOpts(&clock{}))
	srv.Fail(554, "message refused by policy", 1)
	addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Old: "active", New: "seized"})
	if s := flush(t, n); s.Failed != 1 {
		t.Fatalf("flush %+v, want the row failed", s)
	}
	rows := outbox(t, st, store.OutboxFailed)
	if len(rows) != 1 || rows[0].Attempts != 1 || !strings.Contains(rows[0].LastError, "554") {
		t.Fatalf("failed rows %+v", rows)
	}
}

func TestMaxAttemptsMarksFailed(t *testing.T) {
	srv := startSMTP(t, simnet.SMTPOptions{})
	st := openStore(t, t.TempDir())
	clk := &clock{}
	opts := fastOpts(clk)
	opts.MaxAttempts = 3
	n := newNotifier(t, mailCfg(srv, config.Channel{Name: "soc", Email: []string{"soc@example.org"}}), st, opts)
	srv.Fail(421, "busy", -1)
	addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Old: "active", New: "seized"})
	for i := 1; i <= 3; i++ {
		s := flush(t, n)
		if (i < 3 && s.Retried != 1) || (i == 3 && s.Failed != 1) {
			t.Fatalf("pass %d: %+v", i, s)
		}
		clk.Advance(2 * time.Hour)
	}
	rows := outbox(t, st, store.OutboxFailed)
	if len(rows) != 1 || rows[0].Attempts != 3 || !strings.Contains(rows[0].LastError, "421") {
		t.Fatalf("failed rows %+v", rows)
	}
	srv.Heal()
	clk.Advance(24 * time.Hour)
	if s := flush(t, n); s != (Stats{}) || srv.Count() != 0 {
		t.Errorf("a failed row was retried: %+v, %d mails", s, srv.Count())
	}
}

func TestTestMessage(t *testing.T) {
	srv := startSMTP(t, simnet.SMTPOptions{})
	st := openStore(t, t.TempDir())
	n := newNotifier(t, mailCfg(srv,
		config.Channel{Name: "a", Email: []string{"a@example.org", "b@example.org"}},
		config.Channel{Name: "b", Email: []string{"c@example.org"}},
	), st, fastOpts(&clock{}))
	res, err := n.Test(t.Context(), "a")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Err != nil || res[1].Err != nil {
		t.Fatalf("results %+v", res)
	}
	msgs := wait(t, srv, 2)
	p := parseMail(t, msgs[0].Data)
	if p.subject != "[takedown] test message from channel a" || !strings.Contains(p.text, "test message") {
		t.Errorf("test mail %q:\n%s", p.subject, p.text)
	}
	if rows := outbox(t, st, ""); len(rows) != 0 {
		t.Errorf("a test wrote outbox rows: %+v", rows)
	}
	if _, err := n.Test(t.Context(), "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown channel: %v", err)
	}
	srv.Down()
	res, err = n.Test(t.Context(), "b")
	if err != nil || len(res) != 1 || res[0].Err == nil {
		t.Errorf("test with the relay down: %+v, %v", res, err)
	}
}
