package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/feeds"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

func newFeedCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "feed",
		Short: "Sources of newly registered names: NRD lists, Certificate Transparency logs, zone files",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newFeedAdd(a), newFeedRun(a), newFeedList(a), newFeedRm(a))
	return asGroup(cmd)
}

func newFeedAdd(a *app) *cobra.Command {
	var kind, loc, schedule, start string
	cmd := &cobra.Command{
		Use:   "add NAME --kind nrd|ct|zone --url URL|PATH [--schedule CRON]",
		Short: "Add a feed, or change one (a new kind or URL starts it afresh)",
		Long: `Add a feed of candidate names, matched against the watchlist's brands and watched domains.

  nrd   a newly-registered-domain list: plain text, one name a line, or a zip of one; a path
        or an http(s) URL. {date} in it stands for each day (YYYY-MM-DD): the feed walks the days.
  ct    a Certificate Transparency log's base URL. A log list (v3 log_list.json, path or URL
        ending in .json) adds one feed per usable log, named NAME-LOG. A new CT feed starts at
        the log's head; --start 0 reads the whole log.
  zone  a zone file as CZDS publishes it (gzipped); the first one is the baseline, each later
        one is diffed against the one before.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			g := a.feedGuard()
			spec := feeds.Spec{Name: args[0], Kind: event.FeedKind(kind), URL: loc, Schedule: schedule,
				Check: func(ctx context.Context, loc string) error { return feeds.CheckLocation(ctx, g, loc) }}
			if start != "" {
				n, err := strconv.ParseInt(start, 10, 64)
				if err != nil {
					return usagef("--start %q: want an entry index (0 or more) of a ct feed", start)
				}
				spec.Start = &n
			}
			st, err := a.createStore(cmd.Context())
			if err != nil {
				return err
			}
			done, err := feeds.Declare(cmd.Context(), st, spec)
			for _, d := range done {
				verb := "added"
				if d.Updated {
					verb = "updated"
				}
				fmt.Fprintf(a.out, "feed %s %s: %s %s, schedule %s\n", d.Name, verb, d.Kind, redactKey(d.URL), d.Schedule)
			}
			if errors.Is(err, feeds.ErrInvalid) {
				return usageError{err}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&kind, "kind", "", strings.Join(event.Strings(event.FeedKinds), ", ")+" (required)")
	f.StringVar(&loc, "url", "", "where the feed reads: http(s) URL or path (required)")
	f.StringVar(&schedule, "schedule", "", "cron spec or descriptor for the daemon (default: @every 5m for ct, @every 6h for nrd, @daily for zone)")
	f.StringVar(&start, "start", "", "ct: first entry to read (default: the log's head)")
	cmd.MarkFlagRequired("kind")
	cmd.MarkFlagRequired("url")
	return cmd
}

func newFeedRun(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "run [NAME...]",
		Short: "Run feeds once now (every feed when none is named): read what is new since their cursors",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			if len(args) == 0 {
				fs, err := st.Feeds(cmd.Context())
				if err != nil {
					return err
				}
				if len(fs) == 0 {
					return errors.New("no feeds to run (see takedown feed add)")
				}
				for _, f := range fs {
					args = append(args, f.Name)
				}
			}
			for _, name := range args {
				if _, err := st.Feed(cmd.Context(), name); errors.Is(err, store.ErrNotFound) {
					return usagef("feed %q: no such feed (see takedown feed list)", name)
				}
			}
			r := a.feedRunner(st)
			var all []feeds.Stats
			var failed error
			for _, name := range args {
				s, err := r.RunNamed(cmd.Context(), name)
				all = append(all, s)
				if err != nil {
					failed = errors.Join(failed, err)
				}
				if !asJSON {
					printStats(a, s, err)
				}
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(all); err != nil {
					return err
				}
			}
			return failed
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printStats(a *app, s feeds.Stats, err error) {
	var parts []string
	add := func(n int64, what string) {
		if n != 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(int64(s.Files), "file(s)")
	add(s.Entries, "log entries")
	add(s.Names, "names")
	add(s.Added, "delegations added")
	add(s.Removed, "removed")
	add(int64(s.Matches), "new look-alikes")
	add(int64(s.Known), "known")
	add(int64(s.Watched), "watched-domain events")
	add(s.Skipped, "skipped")
	if len(parts) == 0 {
		parts = append(parts, "nothing new")
	}
	status := "ok"
	if err != nil {
		status = "failed"
	}
	fmt.Fprintf(a.out, "feed %s: %s: %s in %.1fs\n", s.Feed, status, strings.Join(parts, ", "), s.Elapsed.Seconds())
	for _, b := range s.Bad {
		fmt.Fprintf(a.out, "  skipped: %s\n", b)
	}
}

func newFeedList(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List feeds: cursor, last run, names seen, matches",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			fs, err := st.Feeds(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				for i := range fs {
					fs[i].URL = redactKey(fs[i].URL)
				}
				return printList(a.out, fs, -1, 0, 0)
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tKIND\tSCHEDULE\tLAST RUN\tNAMES\tMATCHES\tCURSOR\tURL\tERROR")
			for _, f := range fs {
				last := "never"
				if !f.LastRun.IsZero() {
					last = f.LastRun.Local().Format(time.DateTime)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", f.Name, f.Kind, f.Schedule, last, f.NamesSeen, f.Matches,
					feeds.DescribeCursor(f.Kind, f.Cursor), cell(redactKey(f.URL), 80), cell(f.LastError, 80))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newFeedRm(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "rm NAME...",
		Short: "Remove feeds (what they found stays)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			for _, name := range args {
				if err := st.RemoveFeed(cmd.Context(), name); errors.Is(err, store.ErrNotFound) {
					return usagef("feed %q: no such feed", name)
				} else if err != nil {
					return err
				}
				fmt.Fprintf(a.out, "feed %s removed\n", name)
			}
			return nil
		},
	}
}

// redactKey shortens a CT log's key in its feed URL: it is public, but
// a hundred characters of base64 hide the URL.
func redactKey(u string) string {
	if i := strings.Index(u, "#key="); i >= 0 {
		return u[:i] + "#key=…"
	}
	return u
}

// cell makes a value safe and short for one table cell.
func cell(s string, n int) string {
	s = clean(s)
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}
