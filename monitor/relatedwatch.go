package monitor

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/miekg/dns"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/monitor/probe/dnsprobe"
	"github.com/takedownhq/takedown/store"
)

// watchRelated checks the domains found through shared infrastructure
// (kind related) on the look-alike watch's light schedule, newest first,
// at most monitor.lookalike_watch_max: DNS, RDAP until it answers, the
// page and certificate when the name resolves. The checks record their
// snapshots, events and keys, so each has its own history and its own
// neighbourhood in `related`.
func (d *Daemon) watchRelated(ctx context.Context) error {
	limit := d.cfg.Monitor.LookalikeWatchMax
	if limit <= 0 {
		return nil
	}
	enabled := true
	ds, _, err := d.st.Domains(ctx, store.DomainQuery{Kind: store.KindRelated, Enabled: &enabled, Sort: "-added", Limit: limit})
	if err != nil {
		return fmt.Errorf("related watch: %w", err)
	}
	for i := range ds {
		if ctx.Err() != nil {
			return nil
		}
		d.checkLight(ctx, &ds[i])
	}
	return nil
}

// originASN is the DNS-based IP-to-ASN lookup infra.asn_dns_zone
// configures, through the configured resolver (else the system's first
// name server); nil when it is off.
func originASN(cfg *config.Config) func(ctx context.Context, a netip.Addr) (int64, error) {
	if cfg.Infra.ASNDNSZone == "" {
		return nil
	}
	resolver := cfg.Network.Resolver
	if resolver == "" {
		cc, err := dns.ClientConfigFromFile("/etc/resolv.conf")
		if err != nil || len(cc.Servers) == 0 {
			return nil
		}
		resolver = net.JoinHostPort(cc.Servers[0], cc.Port)
	}
	return dnsprobe.NewOriginASN(cfg.Infra.ASNDNSZone, resolver, cfg.Network.Timeout).Lookup
}
