package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/demo"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/postgres"
)

const demoDB = "takedown-demo.db"

func newDemoCmd(a *app) *cobra.Command {
	var exit bool
	var listen string
	var tick time.Duration
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the monitor against a simulated internet while a takedown story unfolds",
		Long: `Start simnet (DNS, WHOIS, RDAP, HTTPS and SMTP on loopback), watch the 17
domains seized in October 2023 and a brand, run the real daemon on a fast
schedule, and play a story: a seizure, a suspension, an expiry that drops and
is re-registered by someone else, a new certificate on a seized domain, and
a look-alike of the brand. Each event is printed as the daemon detects it;
alerts go to simnet's SMTP server.

The history goes to takedown-demo.db (or --db) and the web UI is served
while the demo runs; after the story the demo keeps both until Ctrl-C, or
exits with a summary when --exit is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !a.flags.Changed("log-level") && a.cfg.LogLevel == "info" {
				// The story is the demo's output; routine daemon logs would
				// drown it while it holds the UI open.
				a.log = slog.New(slog.NewTextHandler(a.err, &slog.HandlerOptions{Level: slog.LevelWarn}))
				slog.SetDefault(a.log)
			}
			path, st, err := a.demoStore(ctx)
			if err != nil {
				return err
			}
			where := path
			if postgres.IsURL(path) {
				where = "the PostgreSQL database" // the URL may carry a password
			}
			fmt.Fprintf(a.out, "takedown demo: history in %s\n", where)
			serve := func(ctx context.Context) (string, error) {
				stop, addr, err := a.startWeb(ctx, st, listen)
				if err != nil && listen == config.Default().Web.Listen {
					// The default port is taken: any free one will do.
					stop, addr, err = a.startWeb(ctx, st, "127.0.0.1:0")
				}
				if err != nil {
					return "", err
				}
				context.AfterFunc(ctx, stop)
				return "http://" + addr + "/", nil
			}
			sum, err := demo.Run(ctx, demo.Options{Store: st, Out: a.out, Tick: tick, Serve: serve, Log: a.log, Cases: st}, !exit)
			if err != nil {
				return err
			}
			if len(sum.Failed) > 0 {
				return fmt.Errorf("demo: %d step(s) not detected", len(sum.Failed))
			}
			if !exit {
				fmt.Fprintf(a.out, "browse later with: takedown --db %s serve\n", path)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&exit, "exit", false, "exit after the story with a summary")
	cmd.Flags().StringVar(&listen, "listen", config.Default().Web.Listen, "address of the web UI")
	cmd.Flags().DurationVar(&tick, "tick", 2*time.Second, "every probe's interval in the demo")
	cmd.Flags().MarkHidden("tick")
	return cmd
}

// demoStore opens the fresh, empty database the demo writes: demoDB
// (replaced), a --db file that does not exist yet, or an empty PostgreSQL
// database.
func (a *app) demoStore(ctx context.Context) (string, appStore, error) {
	path := demoDB
	if postgres.IsURL(a.cfg.DB) {
		path = a.cfg.DB
	} else if a.flags.Changed("db") || a.cfg.DB != config.Default().DB {
		path = a.cfg.DB
		if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
			return "", nil, usagef("demo: %s exists; the demo writes a fresh database (remove it or choose another --db)", path)
		}
	} else {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
	}
	st, err := openStore(ctx, path)
	if err != nil {
		return "", nil, err
	}
	a.st = st
	if _, n, err := st.Domains(ctx, store.DomainQuery{Limit: 1}); err != nil || n > 0 {
		if err == nil {
			err = usagef("demo: %s is not empty; the demo writes a fresh database", path)
		}
		return "", nil, err
	}
	return path, st, nil
}
