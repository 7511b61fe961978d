package notify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// TestRouterRules writes events through a real store and checks which
// outbox rows the transaction wrote.
func TestRouterRules(t *testing.T) {
	st := openStore(t, t.TempDir())
	clk := &clock{}
	cfg := config.Alerts{
		SMTP: config.SMTP{Addr: "127.0.0.1:25", TLS: "none", From: "takedown@example.org"},
		Channels: []config.Channel{
			{Name: "soc", Email: []string{"soc@example.org", "SOC Lead <lead@example.org>"}},
			{Name: "critical", Email: []string{"pager@example.org"}, Events: []event.Kind{"*"}, MinSeverity: "critical"},
			{Name: "dprk-team", Webhook: "https://hooks.example.org/x", Events: []event.Kind{"*"}, Tags: []string{"dprk"}},
			{Name: "acme-digest", Email: []string{"brand@example.org"}, Events: []event.Kind{event.LookalikeRegistered}, Tags: []string{"acme"}, Digest: "6h"},
		},
	}
	n := newNotifier(t, cfg, st, fastOpts(clk))
	watch(t, st, "thefoxcloud.com", "dprk")
	watch(t, st, "other.org")
	if _, err := st.AddDomains(t.Context(), []store.NewDomain{{Name: "example.com", Unicode: "example.com", Kind: store.KindBrand, Tags: []string{"acme"}}}); err != nil {
		t.Fatal(err)
	}

	type row struct{ channel, recipient string }
	rowsOf := func(evID int64) []row {
		var out []row
		for _, o := range outbox(t, st, "") {
			if o.EventID == evID {
				out = append(out, row{o.Channel, o.Recipient})
			}
		}
		return out
	}
	has := func(rs []row, r row) bool {
		for _, x := range rs {
			if x == r {
				return true
			}
		}
		return false
	}

	// A state change of a dprk domain: soc (both recipients) and the team's webhook.
	ev := addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Old: "active", New: "seized", Severity: event.SevWarning})
	got := rowsOf(ev)
	for _, want := range []row{{"soc", "soc@example.org"}, {"soc", "lead@example.org"}, {"dprk-team", "https://hooks.example.org/…"}} {
		if !has(got, want) {
			t.Errorf("state_changed of thefoxcloud.com: no row %v in %v", want, got)
		}
	}
	if len(got) != 3 {
		t.Errorf("state_changed of thefoxcloud.com: %d rows %v, want 3", len(got), got)
	}

	// An ns change of an untagged domain at info: nobody (soc wants only the defaults).
	if got := rowsOf(addEvent(t, st, store.Event{Domain: "other.org", Kind: event.NSChanged, Severity: event.SevInfo})); len(got) != 0 {
		t.Errorf("ns_changed of other.org: rows %v, want none", got)
	}
	// The same at critical: the critical channel takes every kind.
	got = rowsOf(addEvent(t, st, store.Event{Domain: "other.org", Kind: event.NSChanged, Severity: event.SevCritical}))
	if len(got) != 1 || got[0] != (row{"critical", "pager@example.org"}) {
		t.Errorf("critical ns_changed: rows %v, want only the critical channel", got)
	}

	// A look-alike of the acme brand inherits the brand's tags: the digest
	// channel gets it, delayed to the end of its aligned 6h window.
	before := clk.Now()
	ev = addLookalike(t, st, "example.com", "examp1e.com")
	got = rowsOf(ev)
	if !has(got, row{"acme-digest", "brand@example.org"}) || !has(got, row{"soc", "soc@example.org"}) || has(got, row{"dprk-team", "https://hooks.example.org/…"}) {
		t.Errorf("lookalike of example.com: rows %v", got)
	}
	for _, o := range outbox(t, st, store.OutboxPending) {
		if o.EventID != ev {
			continue
		}
		if o.Channel == "acme-digest" {
			want := before.Truncate(6 * time.Hour).Add(6 * time.Hour)
			if !o.NextTry.Equal(want) {
				t.Errorf("digest row next_try %s, want window end %s", o.NextTry, want)
			}
		} else if o.NextTry.After(time.Now().Add(time.Second)) {
			t.Errorf("immediate row %s next_try %s is in the future", o.Channel, o.NextTry)
		}
		if o.IdempotencyKey != store.IdempotencyKey(ev, o.Channel, o.Recipient) {
			t.Errorf("row %d idempotency key %q", o.ID, o.IdempotencyKey)
		}
	}
	_ = n
}

// TestLookalikeProbeEventsStayOffChannels: a look-alike watched on its own
// domains row writes dns_changed, state_changed… like any domain; those
// are its history, and even a "*" channel gets only its registration and
// escalations. A watched domain's same events still go out, and the
// brand's case team (by tag) gets the look-alike's escalation.
func TestLookalikeProbeEventsStayOffChannels(t *testing.T) {
	st := openStore(t, t.TempDir())
	cfg := config.Alerts{Channels: []config.Channel{
		{Name: "all", Webhook: "https://hooks.example.org/all", Events: []event.Kind{"*"}},
		{Name: "acme", Webhook: "https://hooks.example.org/acme", Events: []event.Kind{"*"}, Tags: []string{"acme"}},
	}}
	newNotifier(t, cfg, st, fastOpts(&clock{}))
	if _, err := st.AddDomains(t.Context(), []store.NewDomain{{Name: "example.com", Kind: store.KindBrand, Tags: []string{"acme"}}}); err != nil {
		t.Fatal(err)
	}
	addLookalike(t, st, "example.com", "examp1e.com")
	if _, err := st.AddDomains(t.Context(), []store.NewDomain{{Name: "examp1e.com", Kind: store.KindLookalike, Tags: []string{"lookalike"}}}); err != nil {
		t.Fatal(err)
	}
	watch(t, st, "thefoxcloud.com")
	channels := func(id int64) string {
		var out []string
		for _, o := range outbox(t, st, "") {
			if o.EventID == id {
				out = append(out, o.Channel)
			}
		}
		slices.Sort(out)
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		name string
		ev   store.Event
		want string
	}{
		{"look-alike dns_changed", store.Event{Domain: "examp1e.com", Kind: event.DNSChanged, Severity: event.SevNotice}, ""},
		{"look-alike state_changed", store.Event{Domain: "examp1e.com", Kind: event.StateChanged, Old: "unknown", New: "parked", Severity: event.SevWarning}, ""},
		{"look-alike unreachable", store.Event{Domain: "examp1e.com", Kind: event.Unreachable, Severity: event.SevCritical}, ""},
		{"look-alike escalated", store.Event{Domain: "examp1e.com", Kind: event.LookalikeEscalated, Old: "parked", New: "phishing_like", Severity: event.SevCritical}, "acme,all"},
		{"look-alike registered again", store.Event{Domain: "examp1e.com", Kind: event.LookalikeRegistered, Severity: event.SevWarning}, "acme,all"},
		{"watched dns_changed", store.Event{Domain: "thefoxcloud.com", Kind: event.DNSChanged, Severity: event.SevNotice}, "all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := channels(addEvent(t, st, tc.ev)); got != tc.want {
				t.Errorf("routed to %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDefaultChannels(t *testing.T) {
	st := openStore(t, t.TempDir())
	cfg := config.Alerts{SMTP: config.SMTP{Addr: "127.0.0.1:25", From: "Takedown <alerts@example.org>"}}
	n := newNotifier(t, cfg, st, fastOpts(&clock{}))
	if got := strings.Join(n.Channels(), ","); got != "default,default-lookalikes" {
		t.Fatalf("channels %q", got)
	}
	watch(t, st, "thefoxcloud.com")
	watch(t, st, "example.com")
	addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Old: "active", New: "seized"})
	addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.CertChanged})
	addLookalike(t, st, "example.com", "examp1e.com")
	rows := outbox(t, st, "")
	if len(rows) != 2 {
		t.Fatalf("rows %+v, want a state change and a look-alike", rows)
	}
	for _, r := range rows {
		if r.Recipient != "alerts@example.org" {
			t.Errorf("row %s to %q, want the from address", r.Channel, r.Recipient)
		}
		if r.Channel == "default-lookalikes" && !r.NextTry.After(time.Now()) {
			t.Errorf("look-alike row is not held for a digest: next_try %s", r.NextTry)
		}
	}

	// Without SMTP and channels: nothing is routed.
	st2 := openStore(t, t.TempDir())
	n2 := newNotifier(t, config.Alerts{}, st2, fastOpts(&clock{}))
	watch(t, st2, "thefoxcloud.com")
	addEvent(t, st2, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged})
	if rows := outbox(t, st2, ""); len(rows) != 0 || len(n2.Channels()) != 0 {
		t.Errorf("no alerts configured, yet rows %v", rows)
	}
}

func TestNewRejectsBadChannels(t *testing.T) {
	smtp := config.SMTP{Addr: "127.0.0.1:25", From: "a@example.org"}
	for _, tc := range []struct {
		name string
		cfg  config.Alerts
		want string
	}{
		{"bad address", config.Alerts{SMTP: smtp, Channels: []config.Channel{{Name: "x", Email: []string{"not an address"}}}}, `"not an address"`},
		{"header in address", config.Alerts{SMTP: smtp, Channels: []config.Channel{{Name: "x", Email: []string{"a@example.org\r\nBcc: b@example.org"}}}}, "not an address"},
		{"bad url", config.Alerts{Channels: []config.Channel{{Name: "x", Webhook: "ftp://h/x"}}}, `"ftp://h/x"`},
		{"both", config.Alerts{SMTP: smtp, Channels: []config.Channel{{Name: "x", Webhook: "https://h/x", Email: []string{"a@b.org"}}}}, "both"},
		{"mail without smtp", config.Alerts{Channels: []config.Channel{{Name: "x", Email: []string{"a@b.org"}}}}, "smtp.addr"},
		{"digest", config.Alerts{Channels: []config.Channel{{Name: "x", Webhook: "https://h/x", Digest: "daily"}}}, `"daily"`},
		{"severity", config.Alerts{Channels: []config.Channel{{Name: "x", Webhook: "https://h/x", MinSeverity: "high"}}}, `"high"`},
		{"smtp addr", config.Alerts{SMTP: config.SMTP{Addr: "nohost", From: "a@b.org"}}, `"nohost"`},
		{"smtp tls", config.Alerts{SMTP: config.SMTP{Addr: "h:25", TLS: "ssl", From: "a@b.org"}}, `"ssl"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg, nil, Options{Logger: quietLogger()})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want an error naming %s", err, tc.want)
			}
		})
	}
}
