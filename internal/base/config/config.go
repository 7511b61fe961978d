// Package config is takedown's configuration: defaults, a YAML file, TAKEDOWN_*
// environment variables and command-line flags, in rising precedence.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"github.com/takedownhq/takedown/internal/base/event"
)

// Config is the effective configuration. Field comments give the default.
type Config struct {
	// DB is the SQLite file, or a postgres:// URL for PostgreSQL.
	// Default ./takedown.db.
	DB        string    `yaml:"db"`
	Network   Network   `yaml:"network"`
	Schedules Schedules `yaml:"schedules"`
	Monitor   Monitor   `yaml:"monitor"`
	Web       Web       `yaml:"web"`
	Alerts    Alerts    `yaml:"alerts"`
	// Feeds are declared at daemon start (the same as `feed add`); feeds
	// added with the CLI stay as well.
	//
	// feeds may also be a mapping, {state_dir: DIR, list: [...]}, to set
	// where feeds keep their state (see FeedStateDir).
	Feeds []Feed `yaml:"feeds"`
	// FeedsStateDir is feeds.state_dir. Default: see FeedStateDir.
	FeedsStateDir string `yaml:"-"`
	Infra         Infra  `yaml:"infra"`
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string `yaml:"log_level"`
	// Cases tunes takedown cases (monitor/cases).
	Cases Cases `yaml:"cases"`
}

// Cases tunes the follow-up of takedown cases.
type Cases struct {
	// EscalateAfter is how long a case may go without news before
	// case_stalled names the next contact. Default 48h.
	EscalateAfter time.Duration `yaml:"escalate_after"`
}

// Network points every network part at a host:port, so labs and tests can
// run offline.
type Network struct {
	// Resolver is the recursive resolver, host:port. Default: the system's.
	Resolver string `yaml:"resolver"`
	// WhoisServers maps a TLD to the WHOIS server that answers for it,
	// host:port, skipping the IANA referral.
	WhoisServers map[string]string `yaml:"whois_servers"`
	// WhoisReferral is the server asked first for a TLD's WHOIS server.
	// Default whois.iana.org:43.
	WhoisReferral string `yaml:"whois_referral"`
	// RDAPURL replaces the IANA bootstrap with one RDAP base URL.
	RDAPURL string `yaml:"rdap_url"`
	// RDAPBootstrap is where the RFC 9224 bootstraps come from: a
	// directory or base URL holding dns.json, ipv4.json, ipv6.json and
	// asn.json, or one dns.json file or URL. Default: the embedded copies
	// of IANA's files, refreshed daily from IANA by the daemon.
	RDAPBootstrap string `yaml:"rdap_bootstrap"`
	// RDAPOverrides add RDAP services for TLDs IANA's bootstrap lacks,
	// beside the embedded reviewed table (IANA wins where both exist).
	RDAPOverrides []RDAPOverride `yaml:"rdap_overrides"`
	// IPRDAPTTL is how long an address's network and abuse contacts are
	// cached before the RIR is asked again. Default 7d (168h).
	IPRDAPTTL time.Duration `yaml:"ip_rdap_ttl"`
	// RootServers replaces the root hints for delegation walks, host:port.
	RootServers []string `yaml:"root_servers"`
	// AuthPort is the port of authoritative DNS servers (the TLD servers
	// asked for a delegation). Default 53; labs and simnet use another.
	AuthPort int `yaml:"auth_port"`
	// CertPort is the TLS port the certificate probe dials. Default 443.
	CertPort int `yaml:"cert_port"`
	// HTTPSPort and HTTPPort are the web probe's ports. Default 443 and 80.
	HTTPSPort int `yaml:"https_port"`
	HTTPPort  int `yaml:"http_port"`
	// MXPort is the SMTP port the look-alike watch asks a mail exchange
	// on whether it takes any recipient. Default 25.
	MXPort int `yaml:"mx_port"`
	// CAFile adds PEM roots that the certificate and web probes trust
	// besides the system's (labs, simnet).
	CAFile string `yaml:"ca_file"`
	// AllowPrivate lets the certificate and web probes connect to loopback,
	// private and link-local addresses. Default false.
	AllowPrivate bool `yaml:"allow_private"`
	// Timeout bounds one query or connection. Default 5s.
	Timeout time.Duration `yaml:"timeout"`
	// WhoisRate is the queries per second allowed per WHOIS/RDAP server. Default 1.
	WhoisRate float64 `yaml:"whois_rate"`
	// DNSRate is the queries per second allowed per DNS server. Default 200.
	DNSRate float64 `yaml:"dns_rate"`
	// SharedRate makes WhoisRate a budget per server shared by every
	// daemon on the database (kept in PostgreSQL) instead of each
	// daemon's own. Default false.
	SharedRate bool `yaml:"shared_rate"`
}

// ScheduleParser reads every cron spec takedown accepts, probe schedules
// and feed schedules alike: five fields (or six with seconds) and
// descriptors such as @daily and @every 5m. The daemon's cron uses it too,
// so a spec that validates is one that runs.
func ScheduleParser() cron.Parser { return scheduleParser }

var scheduleParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month |
	cron.Dow | cron.Descriptor)

// Schedules are cron specs per probe kind, as ScheduleParser reads them.
type Schedules struct {
	DNS        string `yaml:"dns"`        // default @every 15m (also the delegation)
	Cert       string `yaml:"cert"`       // default @every 6h
	HTTP       string `yaml:"http"`       // default @every 6h
	RDAP       string `yaml:"rdap"`       // default @daily (WHOIS where RDAP is absent)
	WHOIS      string `yaml:"whois"`      // default @daily
	Lookalikes string `yaml:"lookalikes"` // default @daily: brand hunting
	// LookalikeWatch re-checks found look-alikes (DNS, then page,
	// certificate and signals when it resolves) and judges their risk.
	LookalikeWatch string `yaml:"lookalike_watch"` // default @daily
	Spread         *bool  `yaml:"spread"`          // default true: spread each domain over the interval
	// Cases reviews the open takedown cases against their domains'
	// latest evidence (cheaply: DNS and the registry's delegation).
	Cases string `yaml:"cases"` // default @every 30m

	// Hosting looks up who hosts the addresses (IP RDAP, cached per
	// network for network.ip_rdap_ttl). Default @every 1h.
	Hosting string `yaml:"hosting"`
}

// Monitor tunes the daemon.
type Monitor struct {
	// Workers bounds concurrent probes. Default 32.
	Workers int `yaml:"workers"`
	// UnreachableAfter is the failure streak that raises an unreachable event. Default 3.
	UnreachableAfter int `yaml:"unreachable_after"`
	// Indicators is a takedown-indicator YAML file replacing the embedded one.
	Indicators string `yaml:"indicators"`
	// Listen, when set, serves the web UI and API beside the daemon.
	Listen string `yaml:"listen"`
	// WatchInfrastructure adds the seizure and sinkhole name servers' own
	// domains to the watchlist, so a lapse there is noticed. Default true.
	WatchInfrastructure *bool `yaml:"watch_infrastructure"`
	// HuntSeized also hunts look-alikes of seized domains (the actor's
	// next domain), beside brands. Default true.
	HuntSeized *bool `yaml:"hunt_seized"`
	// LookalikeWatchMax caps the look-alikes the look-alike watch checks
	// per brand and round, riskiest first. Default 50, at most 1000.
	LookalikeWatchMax int `yaml:"lookalike_watch_max"`
	// Screenshots lets the look-alike watch screenshot pages with a
	// headless Chromium when one is installed. Default true.
	Screenshots *bool `yaml:"screenshots"`
	// ScreenshotMaxMiB is the screenshot browser's memory ceiling: past it
	// the browser is killed (and started again for the next shot). Default
	// 1024, at least 256.
	ScreenshotMaxMiB int `yaml:"screenshot_max_mib"`
	// Poll is how often the watchlist is read for domains added while the
	// daemon runs. Default 10s.
	Poll time.Duration `yaml:"poll"`
	// ProbeTimeout bounds one probe of one domain. Default 30s.
	ProbeTimeout time.Duration `yaml:"probe_timeout"`
	// SharedQueue makes the daemon lease its checks, jobs and alerts from
	// the database, so several daemons on one PostgreSQL share the work
	// and a daemon on any database reads its watchlist a page at a time.
	// Default on. Off keeps the schedule in the process, one process
	// only: about 1.5 KB of memory per watched domain (1.4 GiB at a
	// million, BenchmarkScheduleMemory in monitor/engine).
	SharedQueue *bool `yaml:"shared_queue"`
	// LeaseTTL is how long a daemon's lease lives without renewal: a dead
	// daemon's work comes back to the others after it. Default 20s.
	LeaseTTL time.Duration `yaml:"lease_ttl"`
	// Worker names this daemon in its leases. Default host name and PID.
	Worker string `yaml:"worker"`
}

// SharedQueueOn reports whether the daemon leases its work from the
// database: as configured, else on, whatever the database, so that the
// schedule of a watchlist of any size lives in the due_checks table and
// not in the daemon's memory.
func (c *Config) SharedQueueOn() bool {
	if c.Monitor.SharedQueue != nil {
		return *c.Monitor.SharedQueue
	}
	return true
}

// On reports a default-true option.
func On(b *bool) bool { return b == nil || *b }

// Web configures `takedown serve`.
type Web struct {
	// Listen is the address. Default 127.0.0.1:8080.
	Listen string `yaml:"listen"`
	// Token is required on any address other than loopback (also
	// TAKEDOWN_TOKEN); at least 16 characters.
	Token string `yaml:"token"`
	// SecureCookies marks the session cookies Secure: set it behind a TLS
	// proxy (also TAKEDOWN_SECURE_COOKIES, --secure-cookies). Default false.
	SecureCookies bool `yaml:"secure_cookies"`
	// AllowedHosts are extra Host names served without a token besides
	// localhost and loopback addresses, for a loopback reverse proxy (also
	// TAKEDOWN_ALLOWED_HOSTS, comma-separated; --allowed-host). Default none.
	AllowedHosts []string `yaml:"allowed_hosts"`
}

// Feed is a source of candidate names: a newly-registered-domain list, a
// Certificate Transparency log (or a log list, .json) or a zone file.
type Feed struct {
	Name     string         `yaml:"name"`
	Kind     event.FeedKind `yaml:"kind"`
	URL      string         `yaml:"url"`
	Schedule string         `yaml:"schedule,omitempty"` // default per kind: ct @every 5m, nrd @every 6h, zone @daily
}

// Alerts are the e-mail and webhook channels. With an SMTP address and no
// channels, new look-alikes and state changes are mailed to SMTP.From (see
// monitor/notify).
type Alerts struct {
	SMTP SMTP `yaml:"smtp"`
	// BaseURL is the web UI's address, for links in messages. Default none.
	BaseURL  string    `yaml:"base_url"`
	Channels []Channel `yaml:"channels"`
	// MaxAttempts bounds deliveries of one outbox row before it is marked
	// failed. Default 20 (with the backoff capped at 1h: about half a day).
	MaxAttempts int `yaml:"max_attempts"`
}

// DefaultMaxAttempts is alerts.max_attempts when unset (monitor/notify
// applies it).
const DefaultMaxAttempts = 20

// SMTP is the mail relay.
type SMTP struct {
	// Addr is host:port; empty disables e-mail.
	Addr string `yaml:"addr"`
	TLS  string `yaml:"tls"` // none, starttls (default), implicit
	// Username and Password enable SMTP AUTH. A password is never sent
	// over a connection without TLS, except to localhost.
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	From     string `yaml:"from"` // default takedown@localhost
	// CAFile is a PEM file of roots to trust for the relay's certificate
	// instead of the system's (a lab relay, simnet). Default: system roots.
	CAFile string `yaml:"ca_file"`
}

// Channel routes events to e-mail recipients or a webhook.
type Channel struct {
	Name string `yaml:"name"`
	// Email lists recipients; Webhook is a URL. A channel has one of them.
	Email   []string `yaml:"email,omitempty"`
	Webhook string   `yaml:"webhook,omitempty"`
	// Secret signs webhook bodies (HMAC-SHA256). Default: unsigned.
	Secret string `yaml:"secret,omitempty"`
	// Events are event kinds; "*" means all. Default lookalike_registered
	// and state_changed.
	Events []event.Kind `yaml:"events,omitempty"`
	// MinSeverity is one of event.Severities; default info.
	MinSeverity event.Severity `yaml:"min_severity,omitempty"`
	// Tags, when set, limit the channel to domains carrying one of them.
	Tags []string `yaml:"tags,omitempty"`
	// Digest is "0" or empty for immediate delivery, or a window like "6h"
	// whose events go out together at its end.
	Digest string `yaml:"digest,omitempty"`
}

// DigestWindow parses Digest; 0 means immediate.
func (ch Channel) DigestWindow() (time.Duration, error) {
	if ch.Digest == "" || ch.Digest == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(ch.Digest)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("digest %q: want 0 or a duration like 6h", ch.Digest)
	}
	return d, nil
}

// validate checks the alert settings that would otherwise fail at the first
// event; notify.New checks the rest (addresses, URLs).
func (a Alerts) validate() []error {
	var errs []error
	switch a.SMTP.TLS {
	case "", "none", "starttls", "implicit":
	default:
		errs = append(errs, fmt.Errorf("alerts.smtp.tls: %q: want none, starttls or implicit", a.SMTP.TLS))
	}
	if a.MaxAttempts < 0 {
		errs = append(errs, fmt.Errorf("alerts.max_attempts: %d must not be negative", a.MaxAttempts))
	}
	seen := map[string]bool{}
	for i, ch := range a.Channels {
		at := fmt.Sprintf("alerts.channels[%d]", i)
		if ch.Name == "" {
			errs = append(errs, fmt.Errorf("%s: no name", at))
		} else if seen[ch.Name] {
			errs = append(errs, fmt.Errorf("%s: duplicate name %q", at, ch.Name))
		}
		seen[ch.Name] = true
		if (len(ch.Email) > 0) == (ch.Webhook != "") {
			errs = append(errs, fmt.Errorf("%s (%s): want either email or webhook", at, ch.Name))
		}
		if len(ch.Email) > 0 && a.SMTP.Addr == "" {
			errs = append(errs, fmt.Errorf("%s (%s): e-mail channel but alerts.smtp.addr is empty", at, ch.Name))
		}
		if ch.MinSeverity != "" {
			if _, err := event.ParseSeverity(string(ch.MinSeverity)); err != nil {
				errs = append(errs, fmt.Errorf("%s (%s): min_severity: %w", at, ch.Name, err))
			}
		}
		if _, err := ch.DigestWindow(); err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", at, ch.Name, err))
		}
	}
	return errs
}

// Default returns the built-in configuration.
func Default() *Config {
	// Each switch gets its own value: a file decoding `false` into one
	// writes through its pointer, and a shared one would turn all off.
	on := func() *bool { t := true; return &t }
	return &Config{
		DB: "takedown.db",
		Network: Network{
			WhoisReferral: "whois.iana.org:43",
			AuthPort:      53,
			CertPort:      443,
			HTTPSPort:     443,
			HTTPPort:      80,
			MXPort:        25,
			Timeout:       5 * time.Second,
			WhoisRate:     1,
			DNSRate:       200,
			IPRDAPTTL:     DefaultIPRDAPTTL,
		},
		Schedules: Schedules{
			DNS:            "@every 15m",
			Cert:           "@every 6h",
			HTTP:           "@every 6h",
			RDAP:           "@daily",
			WHOIS:          "@daily",
			Hosting:        "@every 1h",
			Lookalikes:     "@daily",
			LookalikeWatch: "@daily",
			Spread:         on(),
			Cases:          "@every 30m",
		},
		Cases: Cases{EscalateAfter: 48 * time.Hour},
		// The switches are set, not left nil, so `config show` prints what
		// is in force.
		Monitor: Monitor{Workers: 32, UnreachableAfter: 3, Poll: 10 * time.Second, ProbeTimeout: 30 * time.Second,
			LookalikeWatchMax: 50, LeaseTTL: 20 * time.Second,
			WatchInfrastructure: on(), HuntSeized: on(), Screenshots: on(), ScreenshotMaxMiB: 1024},
		Infra:    DefaultInfra(),
		Web:      Web{Listen: "127.0.0.1:8080"},
		Alerts:   Alerts{SMTP: SMTP{TLS: "starttls", From: "takedown@localhost"}},
		LogLevel: "info",
	}
}

// Load reads a YAML file over the defaults. Unknown keys are errors, named
// with their line, so a typo does not silently fall back to a default.
func Load(path string) (*Config, error) {
	c := Default()
	if path == "" {
		return c, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if err := c.merge(b); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

func (c *Config) merge(b []byte) error {
	b, err := c.feedsMapping(b)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return err
	}
	if err := checkKeys(&doc); err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// Env applies TAKEDOWN_* variables. lookup is os.LookupEnv in production.
func (c *Config) Env(lookup func(string) (string, bool)) error {
	str := func(name string, dst *string) {
		if v, ok := lookup(name); ok && v != "" {
			*dst = v
		}
	}
	str("TAKEDOWN_DB", &c.DB)
	str("TAKEDOWN_RESOLVER", &c.Network.Resolver)
	str("TAKEDOWN_RDAP_URL", &c.Network.RDAPURL)
	str("TAKEDOWN_TOKEN", &c.Web.Token)
	str("TAKEDOWN_LISTEN", &c.Web.Listen)
	str("TAKEDOWN_LOG_LEVEL", &c.LogLevel)
	str("TAKEDOWN_SMTP_ADDR", &c.Alerts.SMTP.Addr)
	str("TAKEDOWN_SMTP_PASSWORD", &c.Alerts.SMTP.Password)
	if v, ok := lookup("TAKEDOWN_ALLOW_PRIVATE"); ok && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("TAKEDOWN_ALLOW_PRIVATE=%q: not a boolean", v)
		}
		c.Network.AllowPrivate = b
	}
	if v, ok := lookup("TAKEDOWN_SECURE_COOKIES"); ok && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("TAKEDOWN_SECURE_COOKIES=%q: not a boolean", v)
		}
		c.Web.SecureCookies = b
	}
	if err := c.envSwitches(lookup); err != nil {
		return err
	}
	if v, ok := lookup("TAKEDOWN_ALLOWED_HOSTS"); ok && v != "" {
		c.Web.AllowedHosts = nil
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				c.Web.AllowedHosts = append(c.Web.AllowedHosts, h)
			}
		}
	}
	if v, ok := lookup("TAKEDOWN_WHOIS_SERVERS"); ok && v != "" {
		for _, kv := range strings.Split(v, ",") {
			if err := c.AddWhoisServer(strings.TrimSpace(kv)); err != nil {
				return fmt.Errorf("TAKEDOWN_WHOIS_SERVERS: %w", err)
			}
		}
	}
	return nil
}

// AddWhoisServer parses "tld=host:port".
func (c *Config) AddWhoisServer(kv string) error {
	tld, addr, ok := strings.Cut(kv, "=")
	tld = strings.Trim(strings.ToLower(strings.TrimSpace(tld)), ".")
	if !ok || tld == "" || addr == "" {
		return fmt.Errorf("whois server %q: want TLD=HOST:PORT", kv)
	}
	if err := validWhois(tld, addr); err != nil {
		return fmt.Errorf("whois server %q: %w", kv, err)
	}
	if c.Network.WhoisServers == nil {
		c.Network.WhoisServers = map[string]string{}
	}
	c.Network.WhoisServers[tld] = addr
	return nil
}

// Validate checks values that would otherwise fail late.
func (c *Config) Validate() error {
	var errs []error
	if c.DB == "" {
		errs = append(errs, errors.New("db: empty path"))
	}
	for name, p := range map[string]int{"cert_port": c.Network.CertPort, "http_port": c.Network.HTTPPort, "https_port": c.Network.HTTPSPort, "auth_port": c.Network.AuthPort} {
		if p <= 0 || p > 65535 {
			errs = append(errs, fmt.Errorf("network.%s: %d is not a port", name, p))
		}
	}
	if c.Network.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("network.timeout: %s must be positive", c.Network.Timeout))
	}
	if c.Cases.EscalateAfter < 0 {
		errs = append(errs, fmt.Errorf("cases.escalate_after: %s must not be negative", c.Cases.EscalateAfter))
	}
	if c.Monitor.Workers <= 0 {
		errs = append(errs, fmt.Errorf("monitor.workers: %d must be positive", c.Monitor.Workers))
	}
	if c.Monitor.UnreachableAfter <= 0 {
		errs = append(errs, fmt.Errorf("monitor.unreachable_after: %d must be positive", c.Monitor.UnreachableAfter))
	}
	// Default is the only source of defaults, so a zero here was written:
	// no probe finishes in no time, and the watchlist needs a pause.
	if c.Monitor.Poll <= 0 {
		errs = append(errs, fmt.Errorf("monitor.poll: %s must be positive", c.Monitor.Poll))
	}
	if c.Monitor.ProbeTimeout <= 0 {
		errs = append(errs, fmt.Errorf("monitor.probe_timeout: %s must be positive", c.Monitor.ProbeTimeout))
	}
	for _, sc := range []struct{ name, spec string }{{"dns", c.Schedules.DNS}, {"cert", c.Schedules.Cert},
		{"http", c.Schedules.HTTP}, {"hosting", c.Schedules.Hosting}, {"rdap", c.Schedules.RDAP}, {"whois", c.Schedules.WHOIS}, {"lookalikes", c.Schedules.Lookalikes},
		{"lookalike_watch", c.Schedules.LookalikeWatch}, {"cases", c.Schedules.Cases}} {
		if _, err := scheduleParser.Parse(sc.spec); err != nil {
			errs = append(errs, fmt.Errorf("schedules.%s %q: %w", sc.name, sc.spec, err))
		}
	}
	if u := c.Network.RDAPURL; u != "" {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("network.rdap_url %q: want an http(s) URL", u))
		}
	}
	if f := c.Network.CAFile; f != "" {
		if _, err := os.Stat(f); err != nil {
			errs = append(errs, fmt.Errorf("network.ca_file: %w", err))
		}
	}
	errs = append(errs, c.Alerts.validate()...)
	errs = append(errs, c.validateBounds()...)
	errs = append(errs, c.validateHardening()...)
	errs = append(errs, c.validateRegistration()...)
	errs = append(errs, c.Infra.validate()...)
	return errors.Join(errs...)
}

// YAML renders the configuration with secrets masked.
func (c *Config) YAML() ([]byte, error) {
	cp := *c
	cp.Alerts.Channels = append([]Channel(nil), c.Alerts.Channels...)
	if cp.Web.Token != "" {
		cp.Web.Token = "********"
	}
	// A PostgreSQL URL may carry its password, in the user info or the
	// query: postgres://user:pw@host/db?password=pw&sslpassword=pw.
	cp.DB = RedactDSN(cp.DB)
	// The effective values, not the "unset" that stands for a default:
	// an operator reading shared_queue: null cannot tell what runs.
	sq := c.SharedQueueOn()
	cp.Monitor.SharedQueue = &sq
	if cp.Alerts.MaxAttempts <= 0 {
		cp.Alerts.MaxAttempts = DefaultMaxAttempts
	}
	if cp.Alerts.SMTP.Password != "" {
		cp.Alerts.SMTP.Password = "********"
	}
	for i := range cp.Alerts.Channels {
		if cp.Alerts.Channels[i].Secret != "" {
			cp.Alerts.Channels[i].Secret = "********"
		}
		// Webhook URLs often carry their token in the path (Slack's do).
		if u, err := url.Parse(cp.Alerts.Channels[i].Webhook); err == nil && u.Host != "" && (u.Path != "" || u.RawQuery != "") {
			cp.Alerts.Channels[i].Webhook = u.Scheme + "://" + u.Host + "/********"
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&cp); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WhoisTLDs lists the TLDs with a WHOIS override, sorted.
func (c *Config) WhoisTLDs() []string {
	var out []string
	for k := range c.Network.WhoisServers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
