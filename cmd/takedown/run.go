package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/takedownhq/takedown/internal/base/config"
	"net"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/takedownhq/takedown/feeds"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/postgres"
	"github.com/takedownhq/takedown/store/sqlite"
	"github.com/takedownhq/takedown/web"
)

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
			unlock, err := a.lockSQLite(once)
			if err != nil {
				return err
			}
			defer unlock()
			st, err := a.createStore(ctx)
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
				if err := checkListen(listen); err != nil {
					return err
				}
				stop, addr, err := a.startWeb(ctx, st, listen)
				if err != nil {
					return err
				}
				defer stop()
				fmt.Fprintf(a.out, "web UI on http://%s/\n", addr)
			}
			if once {
				return a.runOnce(ctx, d, st)
			}
			fmt.Fprintf(a.out, "takedown daemon running on %s (Ctrl-C stops it)\n", config.RedactDSN(a.cfg.DB))
			if err := d.Run(ctx); err != nil && ctx.Err() == nil {
				return err
			}
			// A signal is how a daemon is stopped: a clean exit.
			return nil
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "run one full cycle and exit")
	cmd.Flags().StringVar(&listen, "listen", "", "also serve the web UI and API on this address")
	cmd.Flags().StringVar(&indicators, "indicators", "", "takedown indicator YAML replacing the embedded one")
	addWebFlags(cmd)
	return cmd
}

// runOnce runs one full cycle with a progress bar on a terminal, and
// prints the states it left.
func (a *app) runOnce(ctx context.Context, d *monitor.Daemon, st appStore) error {
	var bar *progressbar.ProgressBar
	var mu sync.Mutex
	var checked, planned int
	progress := func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		checked, planned = done, total
	}
	if f, ok := a.err.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		progress = func(done, total int) {
			mu.Lock()
			defer mu.Unlock()
			checked, planned = done, total
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(a.err),
					progressbar.OptionSetDescription("checking"), progressbar.OptionShowCount(),
					progressbar.OptionClearOnFinish())
			}
			bar.Set(done)
		}
	}
	a.explainPlan(ctx, st)
	rep, err := d.Once(ctx, progress)
	if ctx.Err() != nil {
		mu.Lock()
		defer mu.Unlock()
		return interrupted(fmt.Sprintf("after %d/%d checks", checked, planned))
	}
	if rep != nil {
		counts, _ := st.CountByState(ctx)
		fmt.Fprintf(a.out, "one cycle done: %s\n", stateSummary(counts))
		fmt.Fprint(a.out, rep.Summary())
	}
	return err
}

// lockSQLite takes the single-daemon lock of a SQLite database (see
// sqlite.Lock); PostgreSQL needs none, its daemons share the work.
func (a *app) lockSQLite(once bool) (unlock func(), err error) {
	if postgres.IsURL(a.cfg.DB) {
		return func() {}, nil
	}
	what := "run"
	if once {
		what = "run --once"
	}
	return sqlite.Lock(a.cfg.DB, what)
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
	for _, st := range event.Strings(event.States) {
		if n := counts[st]; n > 0 {
			if s != "" {
				s += ", "
			}
			s += fmt.Sprintf("%d %s", n, st)
		}
	}
	return s
}

// explainPlan says up front what run --once will check and why the count
// may exceed the watchlist the user imported: the seizure and sinkhole
// operators' own domains are watched too (monitor.watch_infrastructure).
// Registries are asked politely, so a long list says how long it may take
// rather than look stuck.
func (a *app) explainPlan(ctx context.Context, st store.Store) {
	enabled := true
	_, n, err := st.Domains(ctx, store.DomainQuery{Enabled: &enabled, Limit: 1})
	if err != nil {
		return
	}
	_, infra, _ := st.Domains(ctx, store.DomainQuery{Enabled: &enabled, Tag: "infrastructure", Limit: 1})
	msg := fmt.Sprintf("checking %d %s", n, plural(n, "domain", "domains"))
	if infra > 0 {
		msg += fmt.Sprintf(" (%d of them the seizure and sinkhole operators' own %s, watched so that a lapse there is seen; monitor.watch_infrastructure)",
			infra, plural(infra, "domain", "domains"))
	}
	if rate := a.cfg.Network.WhoisRate; rate > 0 {
		if secs := float64(n) / rate; secs >= 30 {
			msg += fmt.Sprintf("; RDAP and WHOIS are asked at %g %s a second per server (network.whois_rate), so this may take up to %s",
				rate, plural(int(rate), "query", "queries"), (time.Duration(secs) * time.Second).Round(time.Second))
		}
	}
	fmt.Fprintln(a.err, msg)
}

// plural picks the word for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
