package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// hookServer records requests and answers with the statuses it is given,
// then 200.
type hookServer struct {
	*httptest.Server
	mu       sync.Mutex
	reqs     []hookReq
	statuses []int
	headers  map[string]string // sent with the scripted statuses
	delay    time.Duration
}

type hookReq struct {
	header http.Header
	body   []byte
	status int
}

func newHookServer(t *testing.T, statuses ...int) *hookServer {
	h := &hookServer{statuses: statuses}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		h.mu.Lock()
		status := http.StatusOK
		if len(h.statuses) > 0 {
			status, h.statuses = h.statuses[0], h.statuses[1:]
			for k, v := range h.headers {
				w.Header().Set(k, v)
			}
		}
		delay := h.delay
		h.reqs = append(h.reqs, hookReq{header: r.Header.Clone(), body: body, status: status})
		h.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, "status %d", status)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) requests() []hookReq {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookReq(nil), h.reqs...)
}

func hookCfg(url, secret string, extra ...func(*config.Channel)) config.Alerts {
	ch := config.Channel{Name: "hook", Webhook: url, Secret: secret, Events: []event.Kind{"*"}}
	for _, f := range extra {
		f(&ch)
	}
	return config.Alerts{BaseURL: "https://takedown.example.org", Channels: []config.Channel{ch}}
}

func TestWebhookSignedPayload(t *testing.T) {
	hs := newHookServer(t)
	st := openStore(t, t.TempDir())
	clk := &clock{}
	secret := "s3cret-for-hmac"
	n := newNotifier(t, hookCfg(hs.URL+"/hook", secret), st, fastOpts(clk))
	watch(t, st, "thefoxcloud.com", "dprk")
	detail := `{"reasons":["delegation ns1.fbi.seized.gov matches us-fbi-seized-ns"],"registrar":"<b>Evil</b> & co"}`
	evID := addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Field: "state", Old: "seized", New: "reregistered",
		Severity: event.SevCritical, Detail: []byte(detail)})
	if s := flush(t, n); s.Sent != 1 {
		t.Fatalf("flush %+v; outbox %+v", s, outbox(t, st, ""))
	}
	reqs := hs.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	// Verify the signature the way a receiver in any language would.
	ts := r.header.Get("X-Takedown-Timestamp")
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(r.body)))
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); r.header.Get("X-Takedown-Signature") != want {
		t.Errorf("signature %q, want %q", r.header.Get("X-Takedown-Signature"), want)
	}
	sec, _ := strconv.ParseInt(ts, 10, 64)
	if d := clk.Now().Sub(time.Unix(sec, 0)); d < 0 || d > time.Minute {
		t.Errorf("timestamp %s is %s off", ts, d)
	}
	if err := Verify([]byte(secret), r.header, r.body, clk.Now(), 5*time.Minute); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if err := Verify([]byte("other"), r.header, r.body, clk.Now(), 5*time.Minute); err == nil {
		t.Error("Verify accepted a wrong secret")
	}
	tampered := []byte(strings.Replace(string(r.body), "reregistered", "active", 1))
	if err := Verify([]byte(secret), r.header, tampered, clk.Now(), 5*time.Minute); err == nil {
		t.Error("Verify accepted a tampered body")
	}
	if err := Verify([]byte(secret), r.header, r.body, clk.Now().Add(time.Hour), 5*time.Minute); err == nil {
		t.Error("Verify accepted a replay an hour later")
	}
	key := store.IdempotencyKey(evID, "hook", hs.URL+"/…")
	if r.header.Get("X-Takedown-Delivery") != key || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", r.header)
	}
	var p struct {
		Version  int    `json:"version"`
		Type     string `json:"type"`
		Delivery string `json:"delivery"`
		Channel  string `json:"channel"`
		Text     string `json:"text"`
		Events   []struct {
			ID       int64           `json:"id"`
			Domain   string          `json:"domain"`
			Kind     string          `json:"kind"`
			Old      string          `json:"old"`
			New      string          `json:"new"`
			Severity string          `json:"severity"`
			Reasons  []string        `json:"reasons"`
			Tags     []string        `json:"tags"`
			Detail   json.RawMessage `json:"detail"`
			URL      string          `json:"url"`
		} `json:"events"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("payload: %v\n%s", err, r.body)
	}
	if p.Version != 1 || p.Type != "event" || p.Delivery != key || p.Channel != "hook" || len(p.Events) != 1 {
		t.Fatalf("payload %s", r.body)
	}
	e := p.Events[0]
	if e.ID != evID || e.Old != "seized" || e.New != "reregistered" || e.Domain != "thefoxcloud.com" || e.Kind != string(event.StateChanged) || e.Severity != "critical" ||
		len(e.Reasons) != 1 || len(e.Tags) != 1 || e.Tags[0] != "dprk" ||
		e.URL != "https://takedown.example.org/domains/thefoxcloud.com" {
		t.Errorf("event %+v", e)
	}
	var d map[string]any
	if json.Unmarshal(e.Detail, &d) != nil || d["registrar"] != "<b>Evil</b> & co" {
		t.Errorf("detail %s", e.Detail)
	}
	if !strings.HasPrefix(p.Text, "*[takedown]* thefoxcloud.com: seized → reregistered (critical)") ||
		!strings.Contains(p.Text, "<https://takedown.example.org/domains/thefoxcloud.com|open in takedown>") {
		t.Errorf("slack text %q", p.Text)
	}
}

// A value from the network cannot make a Slack link or mention.
func TestWebhookSlackTextEscaped(t *testing.T) {
	hs := newHookServer(t)
	st := openStore(t, t.TempDir())
	n := newNotifier(t, hookCfg(hs.URL, ""), st, fastOpts(&clock{}))
	addEvent(t, st, store.Event{Domain: "evil.example", Kind: "title_changed", Field: "title",
		New: "<http://phish.example|Click> <!channel> & more", Detail: []byte(`{"reasons":["<@U123> pinged"]}`)})
	flush(t, n)
	var p Payload
	if err := json.Unmarshal(hs.requests()[0].body, &p); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<http://phish", "<!channel>", "<@U123>"} {
		if strings.Contains(p.Text, bad) {
			t.Errorf("text carries markup %q: %q", bad, p.Text)
		}
	}
	if !strings.Contains(p.Text, "&lt;!channel&gt; &amp; more") {
		t.Errorf("text %q", p.Text)
	}
	if hs.requests()[0].header.Get("X-Takedown-Signature") != "" {
		t.Error("a channel without a secret signed its body")
	}
}

func TestWebhook5xxRetried(t *testing.T) {
	hs := newHookServer(t, 500, 502, 503)
	st := openStore(t, t.TempDir())
	clk := &clock{}
	// The path is the secret of an incoming webhook: it must not reach the
	// outbox, where `alerts list` and the web UI show rows.
	n := newNotifier(t, hookCfg(hs.URL+"/services/T000/B000/XXXXSECRET", "k"), st, fastOpts(clk))
	addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Old: "active", New: "seized"})
	for i := 1; i <= 3; i++ {
		if s := flush(t, n); s.Retried != 1 {
			t.Fatalf("attempt %d: %+v", i, s)
		}
		rows := outbox(t, st, store.OutboxPending)
		if len(rows) != 1 || rows[0].Attempts != i || !strings.Contains(rows[0].LastError, "HTTP 5") {
			t.Fatalf("attempt %d: rows %+v", i, rows)
		}
		if strings.Contains(rows[0].LastError+rows[0].Recipient, "SECRET") {
			t.Fatalf("the webhook's secret path is in the outbox: %+v", rows[0])
		}
		clk.Advance(2 * time.Hour)
	}
	if s := flush(t, n); s.Sent != 1 {
		t.Fatalf("4th attempt: %+v", s)
	}
	reqs := hs.requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4", len(reqs))
	}
	for _, r := range reqs {
		if r.header.Get("X-Takedown-Delivery") != reqs[0].header.Get("X-Takedown-Delivery") {
			t.Error("the delivery key changed across retries")
		}
	}
	clk.Advance(24 * time.Hour)
	if s := flush(t, n); s != (Stats{}) || len(hs.requests()) != 4 {
		t.Errorf("a sent row went again: %+v", s)
	}
}

func TestWebhookPermanent4xxFailsAtOnce(t *testing.T) {
	for _, status := range []int{400, 401, 404, 410, 301} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			hs := newHookServer(t, status)
			hs.headers = map[string]string{"Location": "https://elsewhere.example/"}
			st := openStore(t, t.TempDir())
			clk := &clock{}
			n := newNotifier(t, hookCfg(hs.URL, "k"), st, fastOpts(clk))
			addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged})
			if s := flush(t, n); s.Failed != 1 {
				t.Fatalf("flush %+v", s)
			}
			rows := outbox(t, st, store.OutboxFailed)
			if len(rows) != 1 || rows[0].Attempts != 1 || !strings.Contains(rows[0].LastError, fmt.Sprintf("HTTP %d", status)) {
				t.Fatalf("rows %+v", rows)
			}
			clk.Advance(48 * time.Hour)
			flush(t, n)
			if len(hs.requests()) != 1 {
				t.Errorf("%d requests, want 1", len(hs.requests()))
			}
		})
	}
}

func TestWebhook429HonoursRetryAfter(t *testing.T) {
	hs := newHookServer(t, 429)
	hs.headers = map[string]string{"Retry-After": "1200"}
	st := openStore(t, t.TempDir())
	clk := &clock{}
	n := newNotifier(t, hookCfg(hs.URL, ""), st, fastOpts(clk))
	addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged})
	if s := flush(t, n); s.Retried != 1 {
		t.Fatalf("flush %+v", s)
	}
	row := outbox(t, st, store.OutboxPending)[0]
	if gap := row.NextTry.Sub(clk.Now()); gap < 19*time.Minute || gap > 21*time.Minute {
		t.Errorf("next try in %s, want the server's 20m", gap)
	}
	clk.Advance(10 * time.Minute)
	if s := flush(t, n); s != (Stats{}) {
		t.Errorf("retried before Retry-After: %+v", s)
	}
	clk.Advance(11 * time.Minute)
	if s := flush(t, n); s.Sent != 1 {
		t.Errorf("after Retry-After: %+v", s)
	}
}

func TestWebhookTimeoutRetried(t *testing.T) {
	hs := newHookServer(t)
	hs.delay = 2 * time.Second
	st := openStore(t, t.TempDir())
	clk := &clock{}
	opts := fastOpts(clk)
	opts.WebhookTimeout = 200 * time.Millisecond
	n := newNotifier(t, hookCfg(hs.URL+"/hook?token=SECRET", ""), st, opts)
	addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged})
	start := time.Now()
	if s := flush(t, n); s.Retried != 1 {
		t.Fatalf("flush %+v", s)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("a hung endpoint held the pass for %s", el)
	}
	if rows := outbox(t, st, store.OutboxPending); !strings.Contains(rows[0].LastError, "deadline") || strings.Contains(rows[0].LastError, "SECRET") {
		t.Errorf("last error %q", rows[0].LastError)
	}
	hs.mu.Lock()
	hs.delay = 0
	hs.mu.Unlock()
	clk.Advance(time.Hour)
	if s := flush(t, n); s.Sent != 1 {
		t.Errorf("after the endpoint recovered: %+v", s)
	}
}

func TestWebhookDigest(t *testing.T) {
	hs := newHookServer(t)
	st := openStore(t, t.TempDir())
	clk := &clock{}
	n := newNotifier(t, hookCfg(hs.URL, "k", func(c *config.Channel) { c.Digest = "30m"; c.Events = []event.Kind{event.LookalikeRegistered} }), st, fastOpts(clk))
	if _, err := st.AddDomains(t.Context(), []store.NewDomain{{Name: "example.com", Unicode: "example.com", Kind: store.KindBrand}}); err != nil {
		t.Fatal(err)
	}
	for i := range 7 {
		addLookalike(t, st, "example.com", fmt.Sprintf("examp%de.com", i))
	}
	if s := flush(t, n); s != (Stats{}) {
		t.Fatalf("digest sent before its window ended: %+v", s)
	}
	clk.Advance(30 * time.Minute)
	if s := flush(t, n); s.Messages != 1 || s.Sent != 7 {
		t.Fatalf("flush %+v", s)
	}
	var p Payload
	if err := json.Unmarshal(hs.requests()[0].body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != "digest" || len(p.Events) != 7 || !strings.Contains(p.Text, "7 new look-alikes of example.com") {
		t.Errorf("digest payload type %q, %d events, text %q", p.Type, len(p.Events), p.Text)
	}
}
