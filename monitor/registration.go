package monitor

import (
	"context"

	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/monitor/probe/hostingprobe"
	"github.com/takedownhq/takedown/monitor/regdata"
	"github.com/takedownhq/takedown/store"
)

// registrationData wires the store's registration tables: the hosting
// probe's network cache, and, when the bootstraps are IANA's (no
// network.rdap_url or rdap_bootstrap), the last good copy stored by the
// daily refresh. It returns the refresh job. A store without the tables
// keeps the in-memory cache and the embedded files, and says so.
func (d *Daemon) registrationData(ctx context.Context) []engine.Job {
	rs, ok := d.st.(store.RegistrationStore)
	if !ok {
		d.log.Warn("store keeps no registration data: network lookups stay in memory, bootstraps embedded")
		return nil
	}
	d.Probers.UseHostingCache(hostingprobe.StoreCache{S: rs})
	n := d.cfg.Network
	if n.RDAPURL != "" || n.RDAPBootstrap != "" {
		return nil // one server, or a lab's own files fetched by the probe itself
	}
	ref := &regdata.Refresher{Store: rs, Log: d.log.With("part", "rdap-bootstrap")}
	if set, err := ref.Load(ctx); err != nil {
		d.log.Warn("stored rdap bootstraps", "err", err)
	} else if set.Origin == "database" {
		if err := d.Probers.RDAP.UseSet(set); err != nil {
			d.log.Warn("stored rdap bootstraps", "err", err)
		}
	}
	// Daily, not at start: a restart loop must not hammer IANA, and the
	// stored or embedded copy serves meanwhile.
	return []engine.Job{{Name: "rdap-bootstrap", Spec: "@daily", Local: true, Run: func(ctx context.Context) error {
		set, changed, err := ref.Refresh(ctx)
		if set != nil && changed {
			if uerr := d.Probers.RDAP.UseSet(set); uerr != nil {
				d.log.Warn("rdap bootstrap refresh not used", "err", uerr)
			} else {
				d.log.Info("rdap bootstraps refreshed", "dns_services", set.DNS.Services(), "publication", set.DNS.Publication)
			}
		}
		if err != nil {
			d.log.Warn("rdap bootstrap refresh", "err", err) // the copy in force keeps serving
		}
		return nil
	}}}
}
