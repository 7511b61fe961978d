package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

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
	return web.Options{Token: a.cfg.Web.Token, Logger: a.log, SecureCookies: a.cfg.Web.SecureCookies,
		AllowedHosts: a.cfg.Web.AllowedHosts, InfraCommonThreshold: a.cfg.Infra.CommonThreshold}
}

// webError marks the token errors of web.New and Listen as bad input.
func webError(err error) error {
	if errors.Is(err, web.ErrTokenTooShort) || errors.Is(err, web.ErrTokenRequired) {
		return usageError{err}
	}
	return err
}
