package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/feeds"
	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/monitor/watchlist"
)

func newSimnetCmd(a *app) *cobra.Command {
	var preset string
	var per [4]string // dns, rdap, whois, web
	cmd := &cobra.Command{
		Use:   "simnet",
		Short: "Run the simulated internet alone and print the flags that point takedown at it",
		Long: `Start simnet — DNS (root, registries, name servers, a resolver), WHOIS,
RDAP, HTTPS/HTTP sites and an SMTP server, all on loopback — with the seed
case's 17 domains registered and live, and print the flags that point every
takedown command at it. Runs until Ctrl-C.

--latency realistic delays every answer as the internet would (DNS 20–80 ms
per authoritative answer, RDAP 200–600 ms, WHOIS 100–400 ms, web 50–250 ms
per handshake and per response); --dns-latency and the others set one
service's delay, MIN-MAX or one duration.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			lat, err := latencyFlags(preset, per)
			if err != nil {
				return usageError{err}
			}
			n, err := simnet.StartNet(ctx, simnet.NetOptions{Logger: a.log, Infrastructure: lifecycle.Default().WatchDomains(), Latency: lat})
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

Point one command at it with flags:

  takedown %s check thefoxcloud.com

or keep them in a shell variable (any name; this one is not read by takedown):

  SIMNET='%s'
  takedown $SIMNET watch import feeds/examples/doj-2023-10-dprk-it-workers.txt
  takedown $SIMNET run --once

or save the configuration below as simnet.yaml and run takedown --config simnet.yaml ...;
it also sends alerts to simnet's SMTP server (%s, plain, no auth), whose mails
this command counts when it stops.

%s`, len(seeds), seeds[0], flags, flags, n.SMTP.Addr(), simnetConfig(n))
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
	f := cmd.Flags()
	f.StringVar(&preset, "latency", "none", "answer delays: none or realistic")
	f.StringVar(&per[0], "dns-latency", "", "delay of each authoritative DNS answer, MIN-MAX (overrides --latency)")
	f.StringVar(&per[1], "rdap-latency", "", "delay of each RDAP response, MIN-MAX (overrides --latency)")
	f.StringVar(&per[2], "whois-latency", "", "delay of each WHOIS answer, MIN-MAX (overrides --latency)")
	f.StringVar(&per[3], "web-latency", "", "delay of each TLS handshake and HTTP response, MIN-MAX (overrides --latency)")
	return cmd
}

// latencyFlags builds simnet's latency from the preset and the
// per-service flags.
func latencyFlags(preset string, per [4]string) (simnet.Latency, error) {
	var l simnet.Latency
	switch preset {
	case "none", "":
	case "realistic":
		l = simnet.RealisticLatency
	default:
		return l, fmt.Errorf("--latency %q: want none or realistic", preset)
	}
	for i, d := range []*simnet.Delay{&l.DNS, &l.RDAP, &l.WHOIS, &l.Web} {
		if per[i] == "" {
			continue
		}
		v, err := simnet.ParseDelay(per[i])
		if err != nil {
			return l, err
		}
		*d = v
	}
	return l, nil
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

// simnetConfig is a configuration file that points takedown at n, alerts
// included: what the flags say, plus the SMTP server they cannot name.
func simnetConfig(n *simnet.Net) string {
	nw := n.Network(config.Network{})
	smtp := n.SMTPConfig()
	q := strconv.Quote
	return fmt.Sprintf(`network:
  resolver: %s
  auth_port: %d
  whois_referral: %s
  rdap_bootstrap: %s
  cert_port: %d
  https_port: %d
  http_port: %d
  mx_port: %d
  ca_file: %s
  allow_private: true
alerts:
  smtp:
    addr: %s
    tls: %s
    from: %s
`, q(nw.Resolver), nw.AuthPort, q(nw.WhoisReferral), q(nw.RDAPBootstrap), nw.CertPort, nw.HTTPSPort, nw.HTTPPort,
		nw.MXPort, q(nw.CAFile), q(smtp.Addr), q(smtp.TLS), q(smtp.From))
}
