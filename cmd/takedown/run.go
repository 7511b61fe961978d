package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/takedownhq/takedown/feeds"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/web"
)

func init() { register(newRunCmd) }

func newRunCmd(a *app) *cobra.Command {
	var once bool
	var listen, indicators string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the monitor daemon (or one full cycle with --once)",
		Long: `Run the daemon: every probe kind of every watched domain on its schedule
(config schedules.*), each domain at a stable offset inside the interval,
in a bounded worker pool with per-server rate limits; history, change
events and takedown verdicts go to the database, alerts to the configured
channels. Domains added while it runs are picked up. SIGINT/SIGTERM stop it
cleanly: checks in flight finish or are dropped, never half written.

--once runs every probe for every domain once, hunts look-alikes of the
brands, delivers pending alerts and exits. --listen serves the web UI and
API beside the daemon.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ind, err := loadIndicators(a, indicators)
			if err != nil {
				return err
			}
			st, err := a.store(ctx)
			if err != nil {
				return err
			}
			d, err := monitor.New(ctx, monitor.Config{Config: a.cfg, Store: st, Indicators: ind, Log: a.log,
				Feeds: a.feedRunner(st), Cases: st})
			if errors.Is(err, feeds.ErrInvalid) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			defer d.Close()
			if err := a.applyWebFlags(cmd); err != nil {
				return err
			}
			if cmd.Flags().Changed("listen") || a.cfg.Monitor.Listen != "" {
				if listen == "" {
					listen = a.cfg.Monitor.Listen
				}
				stop, addr, err := a.startWeb(ctx, st, listen)
				if err != nil {
					return err
				}
				defer stop()
				fmt.Fprintf(a.out, "web UI on http://%s/\n", addr)
			}
			if once {
				var bar *progressbar.ProgressBar
				var mu sync.Mutex
				progress := func(done, total int) {}
				if f, ok := a.err.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
					progress = func(done, total int) {
						mu.Lock()
						defer mu.Unlock()
						if bar == nil {
							bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(a.err),
								progressbar.OptionSetDescription("checking"), progressbar.OptionShowCount(),
								progressbar.OptionClearOnFinish())
						}
						bar.Set(done)
					}
				}
				// Registries are asked politely (whois_rate per server), so a
				// long list behind one registry takes a while: say so up front
				// rather than look stuck.
				enabled := true
				if _, n, err := st.Domains(ctx, store.DomainQuery{Enabled: &enabled, Limit: 1}); err == nil && a.cfg.Network.WhoisRate > 0 {
					if secs := float64(n) / a.cfg.Network.WhoisRate; secs >= 30 {
						fmt.Fprintf(a.err, "checking %d domains; RDAP and WHOIS are asked at %g queries a second per server (network.whois_rate), so this may take up to %s\n",
							n, a.cfg.Network.WhoisRate, (time.Duration(secs) * time.Second).Round(time.Second))
					}
				}
				rep, err := d.Once(ctx, progress)
				if rep != nil {
					counts, _ := st.CountByState(ctx)
					fmt.Fprintf(a.out, "one cycle done: %s\n", stateSummary(counts))
					fmt.Fprint(a.out, rep.Summary())
				}
				return err
			}
			fmt.Fprintf(a.out, "takedown daemon running on %s (Ctrl-C stops it)\n", a.cfg.DB)
			return d.Run(ctx)
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "run one full cycle and exit")
	cmd.Flags().StringVar(&listen, "listen", "", "also serve the web UI and API on this address")
	cmd.Flags().StringVar(&indicators, "indicators", "", "takedown indicator YAML replacing the embedded one")
	addWebFlags(cmd)
	return cmd
}

// startWeb serves the web UI until stop is called or ctx ends.
func (a *app) startWeb(ctx context.Context, st store.Store, addr string) (stop func(), bound string, err error) {
	srv, err := web.New(st, a.webOptions())
	if err != nil {
		return nil, "", webError(err)
	}
	ln, err := srv.Listen(addr)
	if err != nil {
		return nil, "", webError(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(wctx, ln); err != nil && !errors.Is(err, net.ErrClosed) {
			a.log.Error("web server", "err", err)
		}
	}()
	return func() { cancel(); <-done }, ln.Addr().String(), nil
}

func stateSummary(counts map[string]int) string {
	if len(counts) == 0 {
		return "no domains"
	}
	s := ""
	for _, st := range []string{"active", "parked", "suspended", "seized", "sinkholed", "expired", "redemption",
		"pending_delete", "deleted", "reregistered", "unknown"} {
		if n := counts[st]; n > 0 {
			if s != "" {
				s += ", "
			}
			s += fmt.Sprintf("%d %s", n, st)
		}
	}
	return s
}
