package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/web"
)

// addWebFlags adds the web server's security flags to a command that
// serves the UI (serve, run --listen).
func addWebFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.Bool("secure-cookies", false, "mark cookies Secure, behind a TLS proxy (config web.secure_cookies, TAKEDOWN_SECURE_COOKIES)")
	f.StringArray("allowed-host", nil, "extra Host name served without a token, for a loopback reverse proxy (repeatable; config web.allowed_hosts, TAKEDOWN_ALLOWED_HOSTS)")
}

// applyWebFlags applies the web flags given over the configuration.
func (a *app) applyWebFlags(cmd *cobra.Command) error {
	f := cmd.Flags()
	if f.Changed("secure-cookies") {
		a.cfg.Web.SecureCookies, _ = f.GetBool("secure-cookies")
	}
	if f.Changed("allowed-host") {
		a.cfg.Web.AllowedHosts, _ = f.GetStringArray("allowed-host")
	}
	if err := a.cfg.Validate(); err != nil {
		return usageError{fmt.Errorf("configuration: %w", err)}
	}
	return nil
}

// webOptions are the server options from the configuration.
func (a *app) webOptions() web.Options {
	o := web.Options{Token: a.cfg.Web.Token, Logger: a.log, SecureCookies: a.cfg.Web.SecureCookies,
		AllowedHosts: a.cfg.Web.AllowedHosts, InfraCommonThreshold: a.cfg.Infra.CommonThreshold}
	if a.st != nil {
		o.Cases, o.CaseReporter, o.CaseSMTP = a.st, monitor.Reporter(a.cfg), a.cfg.Alerts.SMTP.Addr != ""
	}
	return o
}

// webError marks the token errors of web.New and Listen as bad input.
func webError(err error) error {
	if errors.Is(err, web.ErrTokenTooShort) || errors.Is(err, web.ErrTokenRequired) {
		return usageError{err}
	}
	return err
}

// checkListen refuses a listen address that cannot be one (a port that is
// not a number from 0 to 65535) as bad usage, before anything is opened.
func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("listen address %q: %v", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return usagef("listen address %q: port %q is not a number from 0 to 65535", addr, port)
	}
	return nil
}
