// Package notify turns events into e-mail and webhook alerts through the
// store's transactional outbox, so an alert is never lost or doubled to the
// user's eye.
//
// # Flow
//
// The daemon builds a Notifier from config.Alerts and installs its Router
// with Store.SetRouter. When the monitor writes an event (Tx.AddEvent), the
// store calls the Router inside the same transaction and writes one outbox
// row per matching channel and recipient. Run delivers due rows: a row is
// marked sent only after its delivery succeeded; a failure is retried with
// exponential backoff and jitter (30s doubling to 1h by default) up to
// alerts.max_attempts (default 20), then marked failed, which `takedown
// alerts list --status failed` shows. A crash or an outage therefore delays
// alerts. A crash after a delivery but before its row is marked sends it
// again after the restart with the same idempotency key: the Message-ID of
// the mail and the X-Takedown-Delivery header of the webhook, so the
// receiver can drop the repeat. Run one Notifier per database.
//
// # Rules
//
// A channel (alerts.channels) has e-mail recipients or a webhook URL, the
// event kinds it wants (default lookalike_registered, lookalike_escalated
// and state_changed; "*" for all), a minimum severity, and optionally tags:
// then it only gets events of domains carrying one of them (a look-alike
// carries its brand's tags). A digest channel ("digest: 6h") holds its
// events to the end of an aligned window and sends them as one message per
// recipient; its look-alikes come first, grouped by the risk level their
// event reports (the level an escalation reached; registered for a new
// one), highest first, with a count per level in the summary.
//
// A look-alike under the look-alike watch has a domains row of kind
// lookalike and writes dns_changed, state_changed… like any domain. Those
// are its history: every channel, "*" ones included, gets only its
// lookalike_registered and lookalike_escalated events. An escalation shows
// the level change, the score and the reasons with their figures.
//
// With an SMTP address and no channel configured, two built-in channels
// mail alerts.smtp.from: "default" (state_changed, at once) and
// "default-lookalikes" (lookalike_registered and lookalike_escalated, in a
// 10-minute digest, so a brand scan that finds 40 look-alikes sends one
// mail).
//
// # E-mail
//
// Mail goes through alerts.smtp with github.com/wneessen/go-mail: tls none,
// starttls (required when chosen) or implicit; AUTH when a username is set
// (never in clear except to localhost). alerts.smtp.ca_file trusts a lab
// relay's certificate. Each mail has a plain-text and an HTML part with the
// event's evidence and, when alerts.base_url is set, a link to
// {base_url}/domains/{name}. Values from the network are escaped in HTML
// (html/template), cleaned of control and bidirectional characters and
// bounded in headers and text. An SMTP 5xx reply to MAIL, RCPT or DATA fails
// a row at once; anything else is retried.
//
// # Webhooks (payload version 1)
//
// A webhook channel gets an HTTP POST with Content-Type application/json:
//
//	{
//	  "version": 1,
//	  "type": "event",            // "event" (one event), "digest" (several) or "test"
//	  "delivery": "ev42-…",       // idempotency key, equal across retries
//	  "channel": "hook",
//	  "sent_at": "2026-11-01T12:00:00.000000000Z",
//	  "text": "*[takedown]* thefoxcloud.com: seized → reregistered (critical)…",
//	  "events": [{
//	    "id": 42, "domain": "thefoxcloud.com", "unicode": "…", "at": "…",
//	    "kind": "state_changed", "probe": "", "field": "state",
//	    "old": "seized", "new": "reregistered", "severity": "critical",
//	    "reasons": ["…"], "tags": ["dprk"], "detail": {…},
//	    "url": "https://takedown.example.org/domains/thefoxcloud.com"
//	  }]
//	}
//
// Field names, the time format (RFC 3339, UTC, nine fractional digits) and
// the event's shape are those of the command line's --json and the API:
// see "JSON" in docs/api.md.
//
// "text" is a Slack/Mattermost message (values escaped for their markup),
// so an incoming-webhook URL of either works as it is. Fields marked
// omitempty above may be absent; new fields and event kinds may appear
// without a version change, and receivers must ignore what they do not know.
//
// Headers: X-Takedown-Delivery (the idempotency key); with a channel secret,
// X-Takedown-Timestamp (Unix seconds) and X-Takedown-Signature:
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)). Receivers
// should check the signature and reject timestamps more than a few minutes
// old (Verify does both). Redirects are not followed. 2xx is success; 408,
// 425, 429 and 5xx, timeouts and refused connections are retried (after
// Retry-After when given); any other status fails the row at once.
package notify
