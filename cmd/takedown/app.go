package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/monitor/notify"
	"github.com/takedownhq/takedown/monitor/probe/whoisprobe"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/postgres"
)

// app holds what every command shares: streams, the effective
// configuration and the store, opened on first use.
type app struct {
	in       io.Reader
	out, err io.Writer

	configFile string
	flags      *pflag.FlagSet
	whois      []string
	cfg        *config.Config
	log        *slog.Logger
	st         appStore
	// override for tests: environment lookup
	lookupEnv func(string) (string, bool)
}

func newApp(in io.Reader, out, errw io.Writer) *app {
	return &app{in: in, out: out, err: errw, lookupEnv: os.LookupEnv}
}

func (a *app) rootCommand() *cobra.Command {
	def := config.Default()
	root := &cobra.Command{
		Use:           "takedown",
		Short:         "Monitor domains and the infrastructure behind them through takedowns",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := checkInputs(cmd, args); err != nil {
				return err
			}
			return a.loadConfig()
		},
	}
	root.SetIn(a.in)
	root.SetOut(a.out)
	root.SetErr(a.err)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	f := root.PersistentFlags()
	f.StringVar(&a.configFile, "config", "", "YAML configuration file (also TAKEDOWN_CONFIG)")
	f.String("db", def.DB, "SQLite database file, or a postgres:// URL (also TAKEDOWN_DB)")
	f.String("resolver", "", "recursive DNS resolver HOST:PORT (default: the system's)")
	f.StringArrayVar(&a.whois, "whois-server", nil, "WHOIS server for a TLD, TLD=HOST:PORT (repeatable)")
	f.String("rdap-url", "", "RDAP base URL used for every domain instead of the IANA bootstrap")
	f.String("whois-referral", def.Network.WhoisReferral, "WHOIS server asked first for a TLD's server, HOST:PORT")
	f.String("rdap-bootstrap", "", "directory or URL holding the RFC 9224 bootstraps (dns.json, ipv4.json, ipv6.json, asn.json), or one dns.json, replacing the embedded IANA copies")
	f.String("ca-file", "", "PEM roots the certificate and web probes trust besides the system's (labs)")
	f.Int("auth-port", def.Network.AuthPort, "port of authoritative DNS servers, asked directly for delegations")
	f.Int("cert-port", def.Network.CertPort, "TLS port the certificate probe dials")
	f.Int("http-port", def.Network.HTTPPort, "plain HTTP port the web probe dials")
	f.Int("https-port", def.Network.HTTPSPort, "HTTPS port the web probe dials")
	f.Bool("allow-private", false, "let the certificate and web probes connect to private and loopback addresses")
	f.String("log-level", def.LogLevel, "debug, info, warn or error")
	for _, s := range config.Switches {
		f.Bool(s.Flag, true, s.Help+" (also "+s.Env+", "+s.Key+")")
	}
	a.flags = f
	root.AddCommand(a.commands()...)
	// The root refuses an unknown command as a group does ("takedown
	// wtach" is a typo, not a request for help) and prints help alone.
	asGroup(root)
	refuse := root.RunE
	root.RunE = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return refuse(c, args) // with a suggestion when one is near
		}
		return c.Help()
	}
	typedUsage(root)
	return root
}

// commands are the top-level commands: one explicit list, no init()
// registration (help sorts them by name).
func (a *app) commands() []*cobra.Command {
	return []*cobra.Command{
		newWatchCmd(a),
		newCheckCmd(a),
		newRunCmd(a),
		newHistoryCmd(a),
		newLookalikesCmd(a),
		newFoundCmd(a),
		newFeedCmd(a),
		newAlertsCmd(a),
		newServeCmd(a),
		newDemoCmd(a),
		newSimnetCmd(a),
		newConfigCmd(a),
		newCaseCmd(a),
		newRegistryCmd(a),
		newRelatedCmd(a),
		newInfraCmd(a),
		newReportCmd(a),
	}
}

// loadConfig builds the effective configuration: defaults, then the file,
// then TAKEDOWN_* variables, then flags that were given.
func (a *app) loadConfig() error {
	if a.cfg != nil {
		return nil
	}
	path := a.configFile
	if path == "" {
		path, _ = a.lookupEnv("TAKEDOWN_CONFIG")
	}
	cfg, err := config.Load(path)
	if err != nil {
		return usageError{err}
	}
	if err := cfg.Env(a.lookupEnv); err != nil {
		return usageError{err}
	}
	// Flags given on the command line win over the file and the environment.
	f := a.flags
	for name, dst := range map[string]*string{"db": &cfg.DB, "resolver": &cfg.Network.Resolver,
		"rdap-url": &cfg.Network.RDAPURL, "whois-referral": &cfg.Network.WhoisReferral,
		"rdap-bootstrap": &cfg.Network.RDAPBootstrap, "ca-file": &cfg.Network.CAFile, "log-level": &cfg.LogLevel} {
		if f.Changed(name) {
			*dst, _ = f.GetString(name)
		}
	}
	for name, dst := range map[string]*int{"auth-port": &cfg.Network.AuthPort, "cert-port": &cfg.Network.CertPort,
		"http-port": &cfg.Network.HTTPPort, "https-port": &cfg.Network.HTTPSPort} {
		if f.Changed(name) {
			*dst, _ = f.GetInt(name)
		}
	}
	if f.Changed("allow-private") {
		cfg.Network.AllowPrivate, _ = f.GetBool("allow-private")
	}
	for _, s := range config.Switches {
		if f.Changed(s.Flag) {
			on, _ := f.GetBool(s.Flag)
			cfg.SetSwitch(s.Key, on)
		}
	}
	for _, kv := range a.whois {
		if err := cfg.AddWhoisServer(kv); err != nil {
			return usageError{err}
		}
	}
	if err := cfg.Validate(); err != nil {
		return usageError{fmt.Errorf("configuration: %w", err)}
	}
	if b := cfg.Network.RDAPBootstrap; b != "" && !isURL(b) {
		// A local bootstrap is input: one that does not parse is bad usage.
		if _, _, err := whoisprobe.LabSet(b); err != nil {
			return usageError{fmt.Errorf("configuration: network.rdap_bootstrap: %w", err)}
		}
	}
	if err := notify.Validate(cfg.Alerts); err != nil {
		return usageError{fmt.Errorf("configuration: %w", err)}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel))); err != nil {
		return usagef("log level %q: want debug, info, warn or error", cfg.LogLevel)
	}
	a.log = slog.New(slog.NewTextHandler(a.err, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(a.log)
	a.cfg = cfg
	return nil
}

// store opens an existing database on first use. A SQLite file that does
// not exist is an error, not a new empty database: a mistyped --db must not
// print an empty watchlist and exit 0. Commands that write use
// createStore.
func (a *app) store(ctx context.Context) (appStore, error) {
	if a.st == nil && !postgres.IsURL(a.cfg.DB) {
		if _, err := os.Stat(a.cfg.DB); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s (watch add, watch import, run, demo, feed add and case open create one)", a.cfg.DB)
		}
	}
	return a.createStore(ctx)
}

// createStore opens the database on first use, creating a SQLite file
// that does not exist yet; a missing folder is named rather than left to
// SQLite's "unable to open database file".
func (a *app) createStore(ctx context.Context) (appStore, error) {
	if a.st != nil {
		return a.st, nil
	}
	if !postgres.IsURL(a.cfg.DB) {
		dir := filepath.Dir(a.cfg.DB)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("database %s: folder %s does not exist", a.cfg.DB, dir)
		}
	}
	st, err := openStore(ctx, a.cfg.DB)
	if err != nil {
		return nil, err
	}
	a.st = st
	return st, nil
}

func (a *app) close() {
	if a.st != nil {
		a.st.Close()
		a.st = nil
	}
}

// feedsDir is where feeds keep zone snapshots and downloads (see
// config.FeedStateDir): never named after a database URL. "" when there
// is none; the feed runner then says so.
func (a *app) feedsDir() string {
	d, err := a.cfg.FeedStateDir(a.lookupEnv)
	if err != nil {
		a.log.Warn("feeds off", "err", err)
		return ""
	}
	return d
}

// existingStore opens the configured database when it exists, and returns
// nil otherwise: commands that only read (check) must not create one. A
// PostgreSQL database always exists.
func (a *app) existingStore(ctx context.Context) (store.Store, error) {
	if !postgres.IsURL(a.cfg.DB) {
		if _, err := os.Stat(a.cfg.DB); err != nil {
			return nil, nil
		}
	}
	return a.store(ctx)
}
