package demo

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/takedownhq/takedown/feeds"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/store"
)

// NextDomain is the actors' next domain: a name like none of the old
// ones, registered on the name servers the seized domains used.
const NextDomain = "northwind-talent.com"

// actorNS are the actors' own name servers: the seized and the suspended
// domain were delegated to them before the takedown.
var actorNS = []string{"ns1.foxcloud-dns.net", "ns2.foxcloud-dns.net"}

// siteNS is the name servers a seed domain is registered with: the
// actors' own for the two the story takes down, the registrar's for the
// rest (nil).
func siteNS(name string) []string {
	if name == Seized || name == Suspended {
		return slices.Clone(actorNS)
	}
	return nil
}

// actorsNextStep is the story step in which the actors register
// NextDomain on their old name servers and a .com zone file shows the new
// delegation: takedown relates it to the seized domains by the name
// servers they shared, though its name is like none of theirs.
//
// The feed runs here, not in the daemon, so report is told the events it
// wrote, as the daemon's hook is told its own.
func actorsNextStep(ctx context.Context, net *simnet.Net, st store.Store, log *slog.Logger, report func(store.Event)) func() error {
	return func() error {
		files, err := simnet.StartFeedFiles()
		if err != nil {
			return err
		}
		defer files.Close()
		zone := map[string][]string{Seized: actorNS, Suspended: actorNS, Dropped: {"dns1.registrar-servers.com", "dns2.registrar-servers.com"}}
		files.Put("/com.zone", comZone(1, zone))
		if err := st.AddFeed(ctx, store.Feed{Name: "demo-com-zone", Kind: feeds.KindZone, URL: files.URL("/com.zone")}); err != nil {
			return err
		}
		dir, err := os.MkdirTemp("", "takedown-demo-zone-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		r := &feeds.Runner{Store: st, Dir: dir, Log: log}
		if _, err := r.RunNamed(ctx, "demo-com-zone"); err != nil { // the baseline
			return err
		}
		page := simnet.SitePage("Northwind Talent — remote IT staff", "Senior developers for US businesses, vetted and ready.")
		if err := net.AddSite(simnet.Site{Domain: NextDomain, NS: slices.Clone(actorNS), Page: &page}); err != nil {
			return err
		}
		zone[NextDomain] = actorNS
		files.Put("/com.zone", comZone(2, zone))
		if _, err := r.RunNamed(ctx, "demo-com-zone"); err != nil {
			return err
		}
		evs, err := st.Events(ctx, store.EventQuery{Domain: NextDomain, Kinds: []event.Kind{event.RelatedFound, event.InfrastructureSeen}})
		if err != nil {
			return err
		}
		for _, ev := range slices.Backward(evs) {
			report(ev)
		}
		return nil
	}
}

// comZone is a .com zone file delegating each name to its name servers.
func comZone(serial int, delegations map[string][]string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN com.\n$TTL 172800\n@ SOA a.gtld-servers.net. nstld.verisign-grs.com. %d 1800 900 604800 86400\n", serial)
	names := make([]string, 0, len(delegations))
	for n := range delegations {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		for _, ns := range delegations[n] {
			fmt.Fprintf(&b, "%s NS %s.\n", strings.TrimSuffix(n, ".com"), ns)
		}
	}
	return []byte(b.String())
}

// actorsNextTitle is the step's line in the story.
const actorsNextTitle = "the actors register " + NextDomain + ", a name like none of theirs, on the seized domains' old name servers"

// relatedFound waits for NextDomain's related_found.
func (w *waiter) relatedFound() func(context.Context) (bool, error) {
	return w.event(NextDomain, event.RelatedFound)
}
