package notify

import (
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// Event kinds the daemon writes that alerts know by name. Others pass
// through rules with "*" and render generically.
const (
	defaultChannel   = "default"
	defaultLookalike = "default-lookalikes"
)

// DefaultEvents are the kinds a channel gets when its events list is empty:
// what users asked for by name, without the noise of every field change.
var DefaultEvents = []event.Kind{event.LookalikeRegistered, event.LookalikeEscalated, event.StateChanged,
	event.RelatedFound, event.InfrastructureSeen}

// defaultLookalikeDigest groups the look-alikes one brand scan finds into
// one mail on the built-in channels.
const defaultLookalikeDigest = 10 * time.Minute

// lookalikeKinds are the only events of a look-alike's own domains row
// (store.KindLookalike) that are routed.
var lookalikeKinds = map[event.Kind]bool{event.LookalikeRegistered: true, event.LookalikeEscalated: true}

// relatedKinds are the only events of a related domain's own row
// (store.KindRelated, found through shared infrastructure) that are routed:
// how it was found, not its probes' history.
var relatedKinds = map[event.Kind]bool{event.RelatedFound: true, event.InfrastructureSeen: true}

// channel is a compiled config.Channel.
type channel struct {
	name     string
	emails   []string // bare addresses
	webhook  string
	hookShow string // webhook URL without path or query: outbox recipient
	secret   []byte
	kinds    map[event.Kind]bool // nil: all kinds
	minRank  int
	tags     map[string]bool // nil: every domain
	digest   time.Duration
	implicit bool // built in because no channel is configured
}

func (c *channel) isMail() bool { return len(c.emails) > 0 }

// recipients are the outbox rows' recipients: addresses, or the webhook's
// host. A webhook URL often holds its secret token (Slack's do), so it is
// not written to the outbox, shown by `alerts list`, nor kept in the
// database; rows are posted to the channel's URL as configured now.
func (c *channel) recipients() []string {
	if c.isMail() {
		return c.emails
	}
	return []string{c.hookShow}
}

func (c *channel) matches(ev store.Event) bool {
	if ev.Kind == event.Test {
		return false // tests are sent directly, never routed
	}
	if ev.DomainKind == store.KindLookalike && !lookalikeKinds[ev.Kind] && !caseKinds[ev.Kind] {
		// A watched look-alike's own probe events (dns_changed,
		// state_changed…) are its history, not alerts: even a "*"
		// channel gets only its registration and escalations.
		return false
	}
	if ev.DomainKind == store.KindRelated && !relatedKinds[ev.Kind] {
		return false
	}
	if c.kinds != nil && !c.kinds[ev.Kind] {
		return false
	}
	if event.Rank(ev.Severity) < c.minRank {
		return false
	}
	if c.tags != nil && !slices.ContainsFunc(ev.Tags, func(t string) bool { return c.tags[t] }) {
		return false
	}
	return true
}

// digestEnd is the end of the aligned window that holds t, so every event of
// a window shares one NotBefore and the sender can find them together.
func (c *channel) digestEnd(t time.Time) time.Time {
	if c.digest <= 0 {
		return time.Time{}
	}
	return t.Truncate(c.digest).Add(c.digest)
}

// compileChannels turns the configuration into channels, naming the bad
// value in any error.
func compileChannels(cfg config.Alerts) ([]*channel, error) {
	if len(cfg.Channels) == 0 {
		if cfg.SMTP.Addr == "" {
			return nil, nil
		}
		from, err := parseAddress(cfg.SMTP.From)
		if err != nil {
			return nil, fmt.Errorf("alerts.smtp.from: %w", err)
		}
		// No channel configured: state changes at once, look-alikes (found
		// and escalated) in a short digest, both to the From address.
		return []*channel{
			{name: defaultChannel, emails: []string{from}, kinds: map[event.Kind]bool{event.StateChanged: true,
				event.RelatedFound: true, event.InfrastructureSeen: true}, implicit: true},
			{name: defaultLookalike, emails: []string{from}, kinds: lookalikeKinds,
				digest: defaultLookalikeDigest, implicit: true},
		}, nil
	}
	var out []*channel
	seen := map[string]bool{}
	for i, cc := range cfg.Channels {
		at := fmt.Sprintf("alerts.channels[%d] (%s)", i, cc.Name)
		if cc.Name == "" || seen[cc.Name] {
			return nil, fmt.Errorf("%s: missing or duplicate name", at)
		}
		seen[cc.Name] = true
		c := &channel{name: cc.Name, minRank: event.Rank(cc.MinSeverity)}
		switch {
		case len(cc.Email) > 0 && cc.Webhook != "":
			return nil, fmt.Errorf("%s: both email and webhook; make two channels", at)
		case len(cc.Email) > 0:
			if cfg.SMTP.Addr == "" {
				return nil, fmt.Errorf("%s: e-mail channel but alerts.smtp.addr is empty", at)
			}
			for _, e := range cc.Email {
				a, err := parseAddress(e)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", at, err)
				}
				if !slices.Contains(c.emails, a) {
					c.emails = append(c.emails, a)
				}
			}
		case cc.Webhook != "":
			u, err := url.Parse(cc.Webhook)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, fmt.Errorf("%s: webhook %q: want an http or https URL", at, cc.Webhook)
			}
			c.webhook = u.String()
			c.hookShow = redactURL(c.webhook)
			c.secret = []byte(cc.Secret)
		default:
			return nil, fmt.Errorf("%s: neither email nor webhook", at)
		}
		events := cc.Events
		if len(events) == 0 {
			events = DefaultEvents
		}
		if !slices.Contains(events, "*") {
			c.kinds = map[event.Kind]bool{}
			for _, k := range events {
				c.kinds[event.Kind(strings.TrimSpace(string(k)))] = true
			}
		}
		if cc.MinSeverity != "" {
			if _, err := event.ParseSeverity(string(cc.MinSeverity)); err != nil {
				return nil, fmt.Errorf("%s: min_severity: %w", at, err)
			}
		}
		if len(cc.Tags) > 0 {
			c.tags = map[string]bool{}
			for _, t := range cc.Tags {
				c.tags[t] = true
			}
		}
		d, err := cc.DigestWindow()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
		c.digest = d
		out = append(out, c)
	}
	return out, nil
}

// parseAddress accepts "a@b" or "Name <a@b>" and returns the bare address.
func parseAddress(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil || strings.ContainsAny(a.Address, "\r\n<>") {
		return "", fmt.Errorf("e-mail address %q: not an address", s)
	}
	return a.Address, nil
}
