package main

import (
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
	"github.com/takedownhq/takedown/monitor/infra"
	"github.com/takedownhq/takedown/store"
)

func newRelatedCmd(a *app) *cobra.Command {
	var asJSON bool
	var format string
	cmd := &cobra.Command{
		Use:   "related NAME",
		Short: "Domains sharing uncommon infrastructure with a domain, riskiest first",
		Long: `The domains that share at least one uncommon infrastructure key with NAME
(name server, address, certificate key, tracker ID...), riskiest first, each
with the keys shared, a score (0-100) and reasons. A key shared by more than
infra.common_threshold domains, or run by a mass provider, is common: it is
listed among NAME's keys but relates nothing on its own.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				format = "json"
			}
			if format != "text" && format != "json" && format != "csv" {
				return usagef("--format %q: want text, json or csv", format)
			}
			n, err := domain.Normalize(args[0])
			if err != nil {
				return usageError{err}
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			c := infra.NewCommonness(a.cfg.Infra.CommonThreshold)
			rep, err := c.Report(cmd.Context(), st, n.ASCII)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("related %s: not watched or seen", n.ASCII)
			}
			if err != nil {
				return err
			}
			switch format {
			case "json":
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			case "csv":
				return writeRelatedCSV(a.out, rep)
			}
			return writeRelated(a.out, rep)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the same as --format json)")
	cmd.Flags().StringVar(&format, "format", "text", "text, json or csv")
	return cmd
}

// writeRelated prints a report as tables, reasons below.
func writeRelated(w io.Writer, rep infra.Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "KEYS OF %s\nKIND\tVALUE\tDOMAINS\tCOMMON\tLAST SEEN\n", rep.Domain)
	for _, k := range rep.Keys {
		common := ""
		if k.Common {
			common = "common: " + k.CommonWhy
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", k.Kind, clean(k.Value), k.Count, common, k.LastSeen.Local().Format(time.DateTime))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Related) == 0 {
		_, err := fmt.Fprintln(w, "\nno related domain: no uncommon key is shared")
		return err
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nRELATED\nSCORE\tDOMAIN\tSTATE\tSOURCE\tFIRST SEEN\tSHARES\n")
	for _, r := range rep.Related {
		var sh []string
		for _, s := range r.Shares {
			sh = append(sh, s.Kind+" "+clean(s.Value))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.Score, r.Domain, r.State, clean(r.Source),
			r.FirstSeen.Local().Format(time.DateTime), strings.Join(sh, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, r := range rep.Related {
		rs := make([]string, len(r.Reasons))
		for i, x := range r.Reasons {
			rs[i] = clean(x)
		}
		fmt.Fprintf(w, "%s: %s\n", r.Domain, strings.Join(rs, "; "))
	}
	return nil
}

// writeRelatedCSV exports the related set, one row per related domain.
func writeRelatedCSV(w io.Writer, rep infra.Report) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"domain", "related", "score", "state", "source", "first_seen", "shares", "reasons"})
	for _, r := range rep.Related {
		var sh []string
		for _, s := range r.Shares {
			sh = append(sh, fmt.Sprintf("%s=%s (%d)", s.Kind, s.Value, s.Count))
		}
		cw.Write([]string{rep.Domain, r.Domain, strconv.Itoa(r.Score), r.State, csvSafe(r.Source),
			r.FirstSeen.UTC().Format(time.RFC3339), csvSafe(strings.Join(sh, "; ")), csvSafe(strings.Join(r.Reasons, "; "))})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a network-supplied value as a
// formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func newInfraCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "infra KIND VALUE",
		Short: "The domains seen on one infrastructure key, with first and last seen",
		Long: `The domains seen on one infrastructure key, most recently seen first:
takedown infra ns ns1.example.net. KIND is one of ` + strings.Join(infra.Kinds, ", ") + `.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := infra.ParseKey(args[0], args[1])
			if err != nil {
				return usageError{err}
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			c := infra.NewCommonness(a.cfg.Infra.CommonThreshold)
			rep, err := c.KeyReport(cmd.Context(), st, k)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			common := ""
			if rep.Common {
				common = ", common: " + rep.CommonReason
			}
			fmt.Fprintf(a.out, "%s %s: %d domains%s\n", rep.Kind, clean(rep.Value), rep.Count, common)
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DOMAIN\tKIND\tSTATE\tFIRST SEEN\tLAST SEEN")
			for _, d := range rep.Domains {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Domain, d.Kind, d.State,
					d.FirstSeen.Local().Format(time.DateTime), d.LastSeen.Local().Format(time.DateTime))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// addInfraWatches adds watched infrastructure (watch add --kind, watch
// import lines of kind ns, ip or asn) and, for a name server, watches its
// own domain like any domain, so its takedown is tracked.
func addInfraWatches(a *app, cmd *cobra.Command, ws []store.InfraWatch, tags []string, source string) error {
	st, err := a.store(cmd.Context())
	if err != nil {
		return err
	}
	if _, err := st.AddInfraWatches(cmd.Context(), ws); err != nil {
		return err
	}
	var ds []store.NewDomain
	for _, w := range ws {
		if w.Kind != infra.WatchNS {
			continue
		}
		if n, err := domain.Normalize(w.Value); err == nil {
			ds = append(ds, store.NewDomain{Name: n.ASCII, Unicode: n.Unicode, Tags: tags,
				Note: "name server domain of watched " + w.Value, Source: source})
		}
	}
	if len(ds) > 0 {
		if _, err := st.AddDomains(cmd.Context(), ds); err != nil {
			return err
		}
	}
	for _, w := range ws {
		fmt.Fprintf(a.out, "watching %s %s\n", w.Kind, w.Value)
	}
	for _, d := range ds {
		fmt.Fprintf(a.out, "watching %s (its name server's domain)\n", d.Name)
	}
	return nil
}

// watchInfra is `watch add --kind ns|ip|asn VALUE...`: every value is
// checked first, and a bad one adds nothing.
func watchInfra(a *app, cmd *cobra.Command, kind string, args []string, note string, tags []string) error {
	var ws []store.InfraWatch
	var bad []string
	for _, v := range args {
		w, err := infra.ParseWatch(kind, v)
		if err != nil {
			bad = append(bad, strings.TrimPrefix(err.Error(), infra.ErrBadWatch.Error()+": "))
			continue
		}
		w.Note = note
		ws = append(ws, w)
	}
	if len(bad) > 0 {
		return usageError{fmt.Errorf("nothing added, bad value(s):\n  %s", strings.Join(bad, "\n  "))}
	}
	return addInfraWatches(a, cmd, ws, tags, "cli")
}

// unwatchInfra is `watch rm --kind ns|ip|asn VALUE...`.
func unwatchInfra(a *app, cmd *cobra.Command, kind string, args []string) error {
	var ws []store.InfraWatch
	for _, v := range args {
		w, err := infra.ParseWatch(kind, v)
		if err != nil {
			return usageError{errors.New(strings.TrimPrefix(err.Error(), infra.ErrBadWatch.Error()+": "))}
		}
		ws = append(ws, w)
	}
	st, err := a.store(cmd.Context())
	if err != nil {
		return err
	}
	for _, w := range ws {
		n, err := st.RemoveInfraWatches(cmd.Context(), []store.InfraWatch{w})
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintf(a.err, "takedown: %s %s was not watched\n", w.Kind, w.Value)
			continue
		}
		fmt.Fprintf(a.out, "removed %s %s\n", w.Kind, w.Value)
	}
	return nil
}

// infraWatchWire is a watched piece of infrastructure on the wire.
type infraWatchWire struct {
	Kind    string     `json:"kind"`
	Value   string     `json:"value"`
	Note    string     `json:"note,omitempty"`
	AddedAt event.Time `json:"added_at"`
}

// listInfraWatches is `watch list --kind infra`.
func listInfraWatches(a *app, cmd *cobra.Command, asJSON bool) error {
	st, err := a.store(cmd.Context())
	if err != nil {
		return err
	}
	ws, err := st.InfraWatches(cmd.Context())
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]infraWatchWire, 0, len(ws))
		for _, w := range ws {
			out = append(out, infraWatchWire{Kind: w.Kind, Value: w.Value, Note: w.Note, AddedAt: event.T(w.AddedAt)})
		}
		return printList(a.out, out, -1, 0, 0)
	}
	tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tVALUE\tNOTE\tADDED")
	for _, w := range ws {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", w.Kind, w.Value, clean(w.Note), w.AddedAt.Local().Format(time.DateTime))
	}
	return tw.Flush()
}
