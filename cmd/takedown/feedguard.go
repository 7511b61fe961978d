package main

import (
	"github.com/takedownhq/takedown/feeds"
	"github.com/takedownhq/takedown/internal/base/netguard"
	"github.com/takedownhq/takedown/store"
)

// feedGuard is the SSRF guard feed URLs go through: the probes' guard, with
// the configured resolver and --allow-private.
func (a *app) feedGuard() *netguard.Guard { return netguard.New(a.cfg.Network) }

// feedRunner is a feeds.Runner whose downloads go through the guard.
func (a *app) feedRunner(st store.Store) *feeds.Runner {
	return &feeds.Runner{Store: st, Dir: a.feedsDir(), Log: a.log, HTTPClient: feeds.GuardedHTTPClient(a.feedGuard()),
		Related: feeds.RelatedOptions{CommonThreshold: a.cfg.Infra.CommonThreshold, ResolveRate: a.cfg.Infra.ResolveRate,
			Resolve: feeds.DNSResolver(a.cfg.Network.Resolver, a.cfg.Network.Timeout)}}
}
