package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/feeds"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/monitor/watchlist"
)

func init() { register(newSimnetCmd) }

func newSimnetCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "simnet",
		Short: "Run the simulated internet alone and print the flags that point takedown at it",
		Long: `Start simnet — DNS (root, registries, name servers, a resolver), WHOIS,
RDAP, HTTPS/HTTP sites and an SMTP server, all on loopback — with the seed
case's 17 domains registered and live, and print the flags that point every
takedown command at it. Runs until Ctrl-C.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			n, err := simnet.StartNet(ctx, simnet.NetOptions{Logger: a.log, Infrastructure: lifecycle.Default().WatchDomains()})
			if err != nil {
				return err
			}
			defer n.Close()
			seeds, err := seedDomains()
			if err != nil {
				return err
			}
			for _, d := range seeds {
				if err := n.AddSite(simnet.Site{Domain: d}); err != nil {
					return err
				}
			}
			flags := strings.Join(n.Flags(), " ")
			fmt.Fprintf(a.out, `simnet is running (Ctrl-C stops it). %d domains are registered and live, e.g. %s.

Point takedown at it:

  takedown %s check thefoxcloud.com

or export:

  export TAKEDOWN_FLAGS='%s'
  takedown $TAKEDOWN_FLAGS watch import feeds/examples/doj-2023-10-dprk-it-workers.txt
  takedown $TAKEDOWN_FLAGS run --once

Alerts: SMTP on %s (plain, no auth).
`, len(seeds), seeds[0], flags, flags, n.SMTP.Addr())
			t := time.NewTicker(time.Minute)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					fmt.Fprintf(a.out, "simnet: stopped; %d mails received\n", n.SMTP.Count())
					return nil
				case <-t.C:
				}
			}
		},
	}
}

// seedDomains are the example watchlist's names.
func seedDomains() ([]string, error) {
	es, err := watchlist.Parse(strings.NewReader(feeds.ExampleWatchlist), watchlist.FormatTxt)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Name.ASCII
	}
	return out, nil
}
