package config

import (
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// Bounds of numeric options: every configured count, rate and duration has
// a maximum, so a typo cannot make the daemon start a hundred million
// goroutines or wait a year.
const (
	MaxWorkers          = 1024
	MaxUnreachableAfter = 1000
	MaxTimeout          = 5 * time.Minute
	MaxProbeTimeout     = 10 * time.Minute
	MinPoll, MaxPoll    = time.Second, time.Hour
	MaxWhoisRate        = 1000.0
	MaxDNSRate          = 100000.0
	MaxAttempts         = 1000
	MaxDigest           = 7 * 24 * time.Hour
	MaxRootServers      = 64
	MaxWhoisServers     = 1000
	MaxChannels         = 100
	MaxChannelList      = 100 // recipients, events or tags of one channel
	MaxFeeds            = 1000
	MaxAllowedHosts     = 100
	MinTokenLen         = 16 // web.token; web.MinTokenLen is the same rule
	MaxLookalikeWatch   = 1000
)

// validateBounds checks numeric options against their bounds and the
// host:port and address options against their syntax.
func (c *Config) validateBounds() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	m, n := c.Monitor, c.Network
	if m.Workers > MaxWorkers {
		bad("monitor.workers: %d: want 1 to %d", m.Workers, MaxWorkers)
	}
	if m.UnreachableAfter < 1 || m.UnreachableAfter > MaxUnreachableAfter {
		bad("monitor.unreachable_after: %d: want 1 to %d", m.UnreachableAfter, MaxUnreachableAfter)
	}
	if m.Poll != 0 && (m.Poll < MinPoll || m.Poll > MaxPoll) {
		bad("monitor.poll: %s: want %s to %s", m.Poll, MinPoll, MaxPoll)
	}
	if m.LookalikeWatchMax < 0 || m.LookalikeWatchMax > MaxLookalikeWatch {
		bad("monitor.lookalike_watch_max: %d: want 0 (off) to %d", m.LookalikeWatchMax, MaxLookalikeWatch)
	}
	if m.ProbeTimeout != 0 && (m.ProbeTimeout < time.Second || m.ProbeTimeout > MaxProbeTimeout) {
		bad("monitor.probe_timeout: %s: want 1s to %s", m.ProbeTimeout, MaxProbeTimeout)
	}
	if n.Timeout > MaxTimeout {
		bad("network.timeout: %s: want at most %s", n.Timeout, MaxTimeout)
	}
	if !(n.WhoisRate > 0 && n.WhoisRate <= MaxWhoisRate) {
		bad("network.whois_rate: %g: want more than 0, at most %g", n.WhoisRate, MaxWhoisRate)
	}
	if !(n.DNSRate > 0 && n.DNSRate <= MaxDNSRate) {
		bad("network.dns_rate: %g: want more than 0, at most %g", n.DNSRate, MaxDNSRate)
	}
	if n.Resolver != "" {
		if err := ValidHostPort(n.Resolver); err != nil {
			bad("network.resolver (--resolver) %q: %v", n.Resolver, err)
		}
	}
	if err := ValidHostPort(n.WhoisReferral); err != nil {
		bad("network.whois_referral %q: %v", n.WhoisReferral, err)
	}
	if len(n.RootServers) > MaxRootServers {
		bad("network.root_servers: %d servers: want at most %d", len(n.RootServers), MaxRootServers)
	}
	for i, s := range n.RootServers {
		if err := ValidHostPort(s); err != nil {
			bad("network.root_servers[%d] %q: %v", i, s, err)
		}
	}
	if len(n.WhoisServers) > MaxWhoisServers {
		bad("network.whois_servers: %d: want at most %d", len(n.WhoisServers), MaxWhoisServers)
	}
	for _, tld := range c.WhoisTLDs() {
		if err := validWhois(tld, n.WhoisServers[tld]); err != nil {
			bad("network.whois_servers: %v", err)
		}
	}
	a := c.Alerts
	if a.MaxAttempts > MaxAttempts {
		bad("alerts.max_attempts: %d: want 0 (default) to %d", a.MaxAttempts, MaxAttempts)
	}
	if a.SMTP.Addr != "" {
		if err := ValidHostPort(a.SMTP.Addr); err != nil {
			bad("alerts.smtp.addr %q: %v", a.SMTP.Addr, err)
		}
	}
	if _, err := mail.ParseAddress(a.SMTP.From); err != nil {
		bad("alerts.smtp.from %q: not an e-mail address", a.SMTP.From)
	}
	if len(a.Channels) > MaxChannels {
		bad("alerts.channels: %d: want at most %d", len(a.Channels), MaxChannels)
	}
	for i, ch := range a.Channels {
		at := fmt.Sprintf("alerts.channels[%d] (%s)", i, ch.Name)
		if len(ch.Email) > MaxChannelList || len(ch.Events) > MaxChannelList || len(ch.Tags) > MaxChannelList {
			bad("%s: more than %d recipients, events or tags", at, MaxChannelList)
		}
		for _, e := range ch.Email {
			if _, err := mail.ParseAddress(e); err != nil {
				bad("%s: e-mail %q: not an address", at, e)
			}
		}
		if d, err := ch.DigestWindow(); err == nil && d > MaxDigest {
			bad("%s: digest %s: want at most %s", at, ch.Digest, MaxDigest)
		}
	}
	if t := c.Web.Token; t != "" && len(t) < MinTokenLen {
		bad("web.token: %d characters: want at least %d", len(t), MinTokenLen)
	}
	if len(c.Web.AllowedHosts) > MaxAllowedHosts {
		bad("web.allowed_hosts: %d: want at most %d", len(c.Web.AllowedHosts), MaxAllowedHosts)
	}
	for i, h := range c.Web.AllowedHosts {
		if err := validHostName(h); err != nil {
			bad("web.allowed_hosts[%d] %q: %v", i, h, err)
		}
	}
	if len(c.Feeds) > MaxFeeds {
		bad("feeds: %d: want at most %d", len(c.Feeds), MaxFeeds)
	}
	return errs
}

// ValidHostPort checks "host:port": a host name or IP address (IPv6 in
// brackets) and a port from 1 to 65535.
func ValidHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("want HOST:PORT (%v)", err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("port %q: want 1 to 65535", port)
	}
	if host == "" {
		return fmt.Errorf("no host")
	}
	if net.ParseIP(host) != nil {
		return nil
	}
	for _, r := range host {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
		default:
			return fmt.Errorf("host %q: not a host name or IP address", host)
		}
	}
	return nil
}

// validWhois checks one TLD=HOST:PORT pair.
func validWhois(tld, addr string) error {
	if tld == "" || len(tld) > 63*4 {
		return fmt.Errorf("TLD %q: want a TLD like com", tld)
	}
	for _, label := range strings.Split(tld, ".") {
		if label == "" {
			return fmt.Errorf("TLD %q: empty label", tld)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("TLD %q: want letters, digits and hyphens", tld)
			}
		}
	}
	if err := ValidHostPort(addr); err != nil {
		return fmt.Errorf("%s=%s: %v", tld, addr, err)
	}
	return nil
}

// validHostName checks a bare host name or IP address (no port, no scheme).
func validHostName(h string) error {
	if h == "" || len(h) > 253 {
		return fmt.Errorf("want a host name")
	}
	if net.ParseIP(strings.Trim(h, "[]")) != nil {
		return nil
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return fmt.Errorf("want a host name without port or scheme")
		}
	}
	return nil
}
