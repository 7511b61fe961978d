package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/notify"
	"github.com/takedownhq/takedown/store"
)

func newAlertsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "alerts", Short: "Test alert channels and inspect the alert outbox"}
	cmd.AddCommand(newAlertsTest(a), newAlertsList(a))
	return asGroup(cmd)
}

func newAlertsTest(a *app) *cobra.Command {
	var channel string
	cmd := &cobra.Command{
		Use:   "test",
		Short: "Send a test message through a channel (all without --channel) now, and report each recipient's result",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// A test goes straight to the channel, not through the outbox,
			// so it needs no database.
			n, err := notify.New(a.cfg.Alerts, nil, notify.Options{Logger: a.log})
			if err != nil {
				return usageError{fmt.Errorf("alerts: %w", err)}
			}
			if len(n.Channels()) == 0 {
				return usagef("alerts: no channels: set alerts.smtp.addr or alerts.channels in the configuration")
			}
			res, err := n.Test(cmd.Context(), channel)
			if err != nil {
				return usageError{err}
			}
			failed := 0
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CHANNEL\tRECIPIENT\tRESULT")
			for _, r := range res {
				result := "sent"
				if r.Err != nil {
					failed++
					result = "FAILED: " + r.Err.Error()
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Channel, r.Recipient, result)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("alerts test: %d of %d deliveries failed", failed, len(res))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&channel, "channel", "", "only this channel")
	return cmd
}

func newAlertsList(a *app) *cobra.Command {
	var asJSON bool
	var q store.OutboxQuery
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List alert deliveries, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if q.Status != "" && !q.Status.Valid() {
				return usagef("--status %q: want %s", q.Status, strings.Join(event.Strings(event.OutboxStatuses), ", "))
			}
			if q.Limit < 0 {
				return usagef("--limit %d: must not be negative", q.Limit)
			}
			ctx := cmd.Context()
			st, err := a.store(ctx)
			if err != nil {
				return err
			}
			items, err := st.Outbox(ctx, q)
			if err != nil {
				return err
			}
			rows := make([]store.OutboxWire, 0, len(items))
			events := map[int64]*store.Event{}
			for _, it := range items {
				ev, ok := events[it.EventID]
				if !ok {
					ev, err = st.Event(ctx, it.EventID)
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						return err
					}
					events[it.EventID] = ev
				}
				rows = append(rows, store.NewOutboxWire(it, ev))
			}
			if asJSON {
				// The API's shape: the event embedded, not flattened.
				return printList(a.out, rows, -1, q.Limit, q.Offset)
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATUS\tCHANNEL\tRECIPIENT\tDOMAIN\tEVENT\tATTEMPTS\tWHEN\tLAST ERROR")
			for _, r := range rows {
				when := "next " + r.NextTry.Local().Format(time.DateTime)
				switch r.Status {
				case store.OutboxSent:
					when = "sent " + r.SentAt.Local().Format(time.DateTime)
				case store.OutboxFailed:
					when = "failed"
				}
				var name string
				var kind event.Kind
				if r.Event != nil {
					name, kind = r.Event.Domain, r.Event.Kind
				}
				if n, err := domain.Normalize(name); err == nil && n.ASCII == name {
					name = showName(n.ASCII, n.Unicode) // bücher.com is read as such
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.Status, r.Channel, r.Recipient,
					terminalSafe(name, 96), kind, r.Attempts, when, terminalSafe(r.LastError, 80))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar((*string)(&q.Status), "status", "", "only rows in this status: "+strings.Join(event.Strings(event.OutboxStatuses), ", "))
	cmd.Flags().StringVar(&q.Channel, "channel", "", "only this channel")
	cmd.Flags().IntVar(&q.Limit, "limit", 100, "at most this many rows (0: all)")
	return cmd
}

// terminalSafe drops control characters (a terminal escape in a domain or
// an error from the network) and bounds the length.
func terminalSafe(s string, max int) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if len(out) == max {
			return string(out) + "…"
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}
