package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/base/netguard"
	"github.com/takedownhq/takedown/monitor/watchlist"
	"github.com/takedownhq/takedown/store"
)

func newFoundCmd(a *app) *cobra.Command {
	var q store.LookalikeQuery
	var brand string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "found",
		Short: "Look-alikes found by brand hunting and feeds; found ack|dismiss NAME triages them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if q.Status != "" && !q.Status.Valid() {
				return usagef("--status %q: want %s", q.Status, strings.Join(event.Strings(event.LookalikeStatuses), ", "))
			}
			if brand != "" {
				n, err := domain.Normalize(brand)
				if err != nil {
					return usageError{fmt.Errorf("--brand: %w", err)}
				}
				q.Brand = n.ASCII
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			q.Sort = "risk" // riskiest first; never judged ones last, newest first
			ls, total, err := st.Lookalikes(cmd.Context(), q)
			if err != nil {
				return err
			}
			if asJSON {
				wire := make([]event.Lookalike, len(ls))
				for i, l := range ls {
					wire[i] = l.Wire()
				}
				return printList(a.out, wire, total, q.Limit, q.Offset)
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tBRAND\tRISK\tFUZZER\tREGISTERED\tSTATUS\tFIRST SEEN\tSOURCE")
			for _, l := range ls {
				rk := "-"
				if l.Risk.Level != "" {
					rk = fmt.Sprintf("%s %d", l.Risk.Level, l.Risk.Score)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", showName(l.Name, l.Unicode), l.Brand, rk, l.Fuzzer,
					l.Registered, l.Status, l.FirstSeen.Local().Format(time.DateTime), l.Source)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			// The reasons below the table: inside it, the longest reason set
			// the width of its column and pushed the rest off the screen.
			for _, l := range ls {
				if len(l.Risk.Reasons) == 0 {
					continue
				}
				fmt.Fprintf(a.out, "\n%s: %s %d\n", showName(l.Name, l.Unicode), l.Risk.Level, l.Risk.Score)
				for _, r := range l.Risk.Reasons {
					fmt.Fprintf(a.out, "  - %s\n", cleanLine(r))
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&brand, "brand", "", "only look-alikes of this brand or watched domain")
	f.StringVar((*string)(&q.Status), "status", "", "only look-alikes in this triage status: "+strings.Join(event.Strings(event.LookalikeStatuses), ", "))
	f.StringVar((*string)(&q.Registered), "registered", "", "only this registration answer: "+strings.Join(event.Strings(event.Registrations), ", "))
	f.BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(newFoundTriage(a, "ack", store.StatusAcknowledged, "Acknowledge a look-alike: seen, being handled"),
		newFoundTriage(a, "dismiss", store.StatusDismissed, "Dismiss a look-alike: not a threat"),
		newFoundTriage(a, "reopen", store.StatusNew, "Mark a look-alike new again"))
	return cmd
}

func newFoundTriage(a *app, verb string, status event.LookalikeStatus, short string) *cobra.Command {
	var brand, reason string
	cmd := &cobra.Command{
		Use:   verb + " NAME...",
		Short: short,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var names []string
			for _, arg := range args {
				h, err := domain.Host(arg)
				if err != nil {
					return usageError{err}
				}
				names = append(names, h)
			}
			if brand != "" {
				n, err := domain.Normalize(brand)
				if err != nil {
					return usageError{fmt.Errorf("--brand: %w", err)}
				}
				brand = n.ASCII
			}
			reason, err := watchlist.CleanNote(reason)
			if err != nil {
				return usageError{fmt.Errorf("--reason: %w", err)}
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			for _, name := range names {
				n, err := st.SetLookalikeStatus(cmd.Context(), name, brand, status)
				if errors.Is(err, store.ErrNotFound) {
					return usageError{fmt.Errorf("%s: no such look-alike (see takedown found)", name)}
				}
				if err != nil {
					return err
				}
				if err := recordTriage(cmd.Context(), st, name, brand, status, reason); err != nil {
					return err
				}
				fmt.Fprintf(a.out, "%s %s (%d row(s))\n", name, status, n)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&brand, "brand", "", "only the look-alike of this brand")
	cmd.Flags().StringVar(&reason, "reason", "", "why (kept in the look-alike's history)")
	return cmd
}

// cleanLine keeps a reason printable on one terminal line: a page title
// in a reason is the network's text, never escape sequences nor bidi
// controls that reorder what the analyst reads.
func cleanLine(s string) string {
	return strings.Map(func(r rune) rune {
		if netguard.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// recordTriage keeps an analyst's decision in the look-alike's history: a
// lookalike_triaged event (info, routed only to channels that ask for it)
// with the new status and the reason.
func recordTriage(ctx context.Context, st store.Store, name, brand string, status event.LookalikeStatus, reason string) error {
	detail, err := json.Marshal(map[string]string{"status": string(status), "brand": brand, "reason": reason})
	if err != nil {
		return err
	}
	return st.Update(ctx, func(tx store.Tx) error {
		ev := store.Event{Domain: name, At: time.Now().UTC(), Kind: event.LookalikeTriaged, Field: "status",
			New: string(status), Severity: event.SevInfo, Detail: detail}
		if d, err := tx.Domain(name); err == nil {
			ev.DomainID = d.ID
		}
		_, err := tx.AddEvent(ev)
		return err
	})
}
