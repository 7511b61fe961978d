package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
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
	var format string
	cmd := &cobra.Command{
		Use:   "found",
		Short: "Look-alikes found by brand hunting and feeds; found ack|dismiss NAME triages them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "csv" && format != "json" {
				return usagef("--format %q: want table, csv or json", format)
			}
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
			switch {
			case asJSON || format == "json":
				return writeFoundJSON(a.out, ls, total, q.Limit, q.Offset)
			case format == "csv":
				return writeFoundCSV(a.out, ls)
			}
			return writeFoundTable(a.out, ls)
		},
	}
	f := cmd.Flags()
	f.StringVar(&brand, "brand", "", "only look-alikes of this brand or watched domain")
	f.StringVar((*string)(&q.Status), "status", "", "only look-alikes in this triage status: "+strings.Join(event.Strings(event.LookalikeStatuses), ", "))
	f.StringVar((*string)(&q.Registered), "registered", "", "only this registration answer: "+strings.Join(event.Strings(event.Registrations), ", "))
	f.BoolVar(&asJSON, "json", false, "print JSON (the same as --format json)")
	f.StringVar(&format, "format", "table", "table, csv or json")
	cmd.AddCommand(newFoundTriage(a, "ack", store.StatusAcknowledged, "Acknowledge a look-alike: seen, being handled"),
		newFoundTriage(a, "dismiss", store.StatusDismissed, "Dismiss a look-alike: not a threat"),
		newFoundTriage(a, "reopen", store.StatusNew, "Mark a look-alike new again"))
	return cmd
}

func writeFoundJSON(w io.Writer, ls []store.Lookalike, total, limit, offset int) error {
	wire := make([]event.Lookalike, len(ls))
	for i, l := range ls {
		wire[i] = l.Wire()
	}
	return printList(w, wire, total, limit, offset)
}

// writeFoundCSV writes one row per look-alike, the reasons joined with "; ";
// network text goes through csvSafe so a spreadsheet never runs it.
func writeFoundCSV(w io.Writer, ls []store.Lookalike) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"name", "unicode", "brand", "fuzzer", "source", "score", "registered", "status", "first_seen",
		"risk_level", "risk_score", "risk_reasons"})
	for _, l := range ls {
		rs := ""
		if l.Risk.Level != "" {
			rs = strconv.Itoa(l.Risk.Score)
		}
		cw.Write([]string{l.Name, csvSafe(l.Unicode), l.Brand, csvSafe(l.Fuzzer), csvSafe(l.Source),
			strconv.FormatFloat(l.Score, 'f', 2, 64), string(l.Registered), string(l.Status),
			l.FirstSeen.UTC().Format(time.RFC3339), string(l.Risk.Level), rs, csvSafe(cleanLine(strings.Join(l.Risk.Reasons, "; ")))})
	}
	cw.Flush()
	return cw.Error()
}

func writeFoundTable(w io.Writer, ls []store.Lookalike) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
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
		fmt.Fprintf(w, "\n%s: %s %d\n", showName(l.Name, l.Unicode), l.Risk.Level, l.Risk.Score)
		for _, r := range l.Risk.Reasons {
			fmt.Fprintf(w, "  - %s\n", cleanLine(r))
		}
	}
	return nil
}

// maxBulkTriage bounds one filtered triage: past it the filters are
// too wide to be a decision about these names.
const maxBulkTriage = 10000

// triageOpts are the flags of found ack|dismiss|reopen.
type triageOpts struct {
	brand, reason, fuzzer, source string
	status                        event.LookalikeStatus
	dryRun                        bool
}

func newFoundTriage(a *app, verb string, status event.LookalikeStatus, short string) *cobra.Command {
	var o triageOpts
	cmd := &cobra.Command{
		Use:   verb + " [NAME...] [--brand B] [--fuzzer F] [--status S] [--source SRC] [--dry-run]",
		Short: short + "; with no NAME, every look-alike matching the filters",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var names []string
			for _, arg := range args {
				h, err := domain.Host(arg)
				if err != nil {
					return usageError{err}
				}
				names = append(names, h)
			}
			if err := o.clean(len(names) > 0); err != nil {
				return err
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			if len(names) == 0 {
				return bulkTriage(cmd.Context(), a, st, o, status)
			}
			for _, name := range names {
				if err := triageOne(cmd.Context(), a, st, name, o, status); err != nil {
					return err
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.brand, "brand", "", "only the look-alikes of this brand")
	f.StringVar(&o.reason, "reason", "", "why (kept in the look-alike's history)")
	f.StringVar(&o.fuzzer, "fuzzer", "", "with no NAME: only look-alikes found by this fuzzer")
	f.StringVar((*string)(&o.status), "status", "", "with no NAME: only look-alikes in this triage status: "+strings.Join(event.Strings(event.LookalikeStatuses), ", "))
	f.StringVar(&o.source, "source", "", "with no NAME: only look-alikes from this source (permutation, feed:NAME...)")
	f.BoolVar(&o.dryRun, "dry-run", false, "list what would change and change nothing")
	return cmd
}

// clean checks and normalizes the flags; named says NAMEs were given,
// which the filters other than --brand do not combine with.
func (o *triageOpts) clean(named bool) error {
	if o.brand != "" {
		n, err := domain.Normalize(o.brand)
		if err != nil {
			return usageError{fmt.Errorf("--brand: %w", err)}
		}
		o.brand = n.ASCII
	}
	reason, err := watchlist.CleanNote(o.reason)
	if err != nil {
		return usageError{fmt.Errorf("--reason: %w", err)}
	}
	o.reason = reason
	if o.status != "" && !o.status.Valid() {
		return usagef("--status %q: want %s", o.status, strings.Join(event.Strings(event.LookalikeStatuses), ", "))
	}
	o.fuzzer, o.source = strings.TrimSpace(strings.ToLower(o.fuzzer)), strings.TrimSpace(strings.ToLower(o.source))
	filtered := o.fuzzer != "" || o.source != "" || o.status != ""
	switch {
	case named && filtered:
		return usagef("--fuzzer, --source and --status select look-alikes when no NAME is given; give names or filters, not both")
	case named && o.dryRun:
		return usagef("--dry-run goes with filters, not with NAMEs")
	case !named && !filtered && o.brand == "":
		return usagef("no NAME and no filter: give NAMEs, or at least one of --brand, --fuzzer, --status, --source")
	}
	return nil
}

func triageOne(ctx context.Context, a *app, st store.Store, name string, o triageOpts, status event.LookalikeStatus) error {
	n, err := st.SetLookalikeStatus(ctx, name, o.brand, status)
	if errors.Is(err, store.ErrNotFound) {
		return usageError{fmt.Errorf("%s: no such look-alike (see takedown found)", name)}
	}
	if err != nil {
		return err
	}
	if err := recordTriage(ctx, st, name, o.brand, status, o.reason); err != nil {
		return err
	}
	fmt.Fprintf(a.out, "%s %s (%d row(s))\n", name, status, n)
	return nil
}

// bulkTriage triages every look-alike the filters select, row by row
// (brand and name), each with its own lookalike_triaged event, so the
// history reads the same as if the analyst had named each one.
func bulkTriage(ctx context.Context, a *app, st store.Store, o triageOpts, status event.LookalikeStatus) error {
	q := store.LookalikeQuery{Brand: o.brand, Fuzzer: o.fuzzer, Source: o.source, Status: o.status, Limit: maxBulkTriage + 1}
	ls, total, err := st.Lookalikes(ctx, q)
	if err != nil {
		return err
	}
	if total > maxBulkTriage || len(ls) > maxBulkTriage {
		return usagef("the filters select %d look-alikes, more than %d: narrow them", max(total, len(ls)), maxBulkTriage)
	}
	changed := 0
	for _, l := range ls {
		if l.Status == status {
			continue
		}
		changed++
		if o.dryRun {
			fmt.Fprintf(a.out, "would mark %s %s (%s, %s)\n", showName(l.Name, l.Unicode), status, l.Brand, l.Fuzzer)
			continue
		}
		if _, err := st.SetLookalikeStatus(ctx, l.Name, l.Brand, status); err != nil {
			return fmt.Errorf("triage %s of %s: %w", l.Name, l.Brand, err)
		}
		if err := recordTriage(ctx, st, l.Name, l.Brand, status, o.reason); err != nil {
			return fmt.Errorf("record triage of %s: %w", l.Name, err)
		}
		fmt.Fprintf(a.out, "%s %s (%s, %s)\n", showName(l.Name, l.Unicode), status, l.Brand, l.Fuzzer)
	}
	what := "changed"
	if o.dryRun {
		what = "would change (dry run, nothing changed)"
	}
	fmt.Fprintf(a.out, "%d of %d matching look-alike(s) %s; %d already %s\n", changed, len(ls), what, len(ls)-changed, status)
	return nil
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
