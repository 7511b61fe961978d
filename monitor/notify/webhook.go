package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
)

// PayloadVersion is the webhook body's version; it changes only when a field
// changes meaning or goes away. New fields and new event kinds can appear in
// any version: receivers must ignore what they do not know.
const PayloadVersion = 1

// Webhook headers.
const (
	HeaderDelivery  = "X-Takedown-Delivery"  // idempotency key, equal across retries
	HeaderTimestamp = "X-Takedown-Timestamp" // Unix seconds when the request was signed
	HeaderSignature = "X-Takedown-Signature" // "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body)
)

// maxDetailBytes bounds an event's detail object in a webhook body.
const maxDetailBytes = 16 << 10

// Payload is the JSON body of a webhook POST (see the package
// documentation for the contract).
type Payload struct {
	Version  int            `json:"version"`
	Type     string         `json:"type"` // event, digest or test
	Delivery string         `json:"delivery"`
	Channel  string         `json:"channel"`
	SentAt   event.Time     `json:"sent_at"`
	Text     string         `json:"text"` // Slack/Mattermost message
	Events   []PayloadEvent `json:"events"`
}

// PayloadEvent is one event in a Payload: the one wire shape of an event.
type PayloadEvent = event.Wire

func payloadOf(m message, now time.Time) Payload {
	p := Payload{Version: PayloadVersion, Type: "event", Delivery: m.key, Channel: m.channel, SentAt: event.T(now.UTC()),
		Text: slackText(m), Events: []PayloadEvent{}}
	switch {
	case m.test:
		p.Type = "test"
	case len(m.views) > 1:
		p.Type = "digest"
	}
	for _, v := range m.views {
		d := v.detail
		if len(d) > maxDetailBytes {
			d = json.RawMessage(`{"truncated":true}`)
		}
		p.Events = append(p.Events, PayloadEvent{ID: v.ID, Domain: v.Domain, Unicode: v.Unicode, At: event.T(v.At), Kind: v.Kind,
			Probe: v.Probe, Field: v.Field, Old: v.Old, New: v.New, Severity: v.Severity, Reasons: v.Reasons,
			Tags: v.Tags, Detail: d, URL: v.URL})
	}
	return p
}

// Sign returns the X-Takedown-Signature value for body signed at ts.
func Sign(secret []byte, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a received webhook: the signature over its timestamp and
// body, and that the timestamp is within tolerance of now, so a captured
// request cannot be replayed later. Receivers written in Go can use it.
func Verify(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: bad %s %q", HeaderTimestamp, h.Get(HeaderTimestamp))
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("webhook: timestamp %d is %s away from now", ts, d.Round(time.Second))
	}
	want := Sign(secret, ts, body)
	if !hmac.Equal([]byte(want), []byte(h.Get(HeaderSignature))) {
		return errors.New("webhook: signature does not match")
	}
	return nil
}

// hookSender posts payloads.
type hookSender struct {
	client  *http.Client
	timeout time.Duration
}

func newHookSender(c *http.Client, timeout time.Duration) *hookSender {
	if c == nil {
		c = &http.Client{}
	}
	cp := *c
	// A redirect is not followed: the body is signed for the configured
	// URL, and a 3xx from a webhook endpoint is a configuration error.
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hookSender{client: &cp, timeout: timeout}
}

// post delivers one payload. Errors are permanent for 3xx and 4xx other
// than 408, 425 and 429; anything else (5xx, timeouts, refused
// connections) is retried, after Retry-After when the server sends one.
func (h *hookSender) post(ctx context.Context, url string, secret []byte, p Payload, now time.Time) error {
	show := redactURL(url)
	body, err := json.Marshal(p)
	if err != nil {
		return permanent(fmt.Errorf("webhook %s: encode: %w", show, err))
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return permanent(fmt.Errorf("webhook %s: %w", show, redactErr(err, url, show)))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "takedown-notify/1")
	req.Header.Set(HeaderDelivery, p.Delivery)
	if len(secret) > 0 {
		ts := now.Unix()
		req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
		req.Header.Set(HeaderSignature, Sign(secret, ts, body))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", show, redactErr(err, url, show))
	}
	defer resp.Body.Close()
	// Read a little of the answer for the error message; drain a bounded
	// amount more so the connection can be reused.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("webhook %s: HTTP %d: %s", show, resp.StatusCode, cleanLine(strings.TrimSpace(string(snippet)), 200))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout ||
		resp.StatusCode == http.StatusTooEarly || resp.StatusCode >= 500:
		if d := retryAfter(resp.Header.Get("Retry-After"), now); d > 0 {
			return &retryAfterError{err: err, after: d}
		}
		return err
	default:
		return permanent(err)
	}
}

// retryAfter parses Retry-After: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// permanentError marks a failure that retrying will not fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err} }

// IsPermanent reports whether a delivery error will not be retried.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// retryAfterError is a temporary failure whose server asked for a delay.
type retryAfterError struct {
	err   error
	after time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// redactURL keeps a URL's scheme and host: its path and query may be the
// secret (an incoming-webhook token).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "webhook"
	}
	s := u.Scheme + "://" + u.Host
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		s += "/…"
	}
	return s
}

// redactErr rewrites an error whose text quotes the URL (net/http's do).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redactErr(err error, raw, show string) error {
	if err == nil || !strings.Contains(err.Error(), raw) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), raw, show), err: err}
}
