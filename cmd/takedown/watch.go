package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/watchlist"
	"github.com/takedownhq/takedown/store"
)

func newWatchCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "watch", Short: "Manage the watchlist"}
	cmd.AddCommand(newWatchAdd(a), newWatchImport(a), newWatchList(a), newWatchRm(a), newWatchTag(a), newWatchNote(a))
	return asGroup(cmd)
}

func newWatchAdd(a *app) *cobra.Command {
	var tags []string
	var note string
	var brand bool
	var infraKind string
	cmd := &cobra.Command{
		Use:   "add DOMAIN...",
		Short: "Watch domains (URLs and Unicode names are accepted; the registrable domain is stored)",
		Long: `Watch domains (URLs and Unicode names are accepted; the registrable domain is stored).

With --kind ns|ip|asn, watch infrastructure instead: a name server host (its
own domain is watched too), an address or CIDR (no wider than /16 for IPv4,
/32 for IPv6), an AS ("AS64500"). A domain first seen on it raises
infrastructure_seen.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clean, err := watchlist.CleanTags(tags)
			if err != nil {
				return usageError{err}
			}
			if note, err = watchlist.CleanNote(note); err != nil {
				return usageError{fmt.Errorf("--note: %w", err)}
			}
			if infraKind != "" {
				return watchInfra(a, cmd, infraKind, args, note, clean)
			}
			kind := event.DomainKind("")
			if brand {
				kind = store.KindBrand
			}
			var bad []string
			var ds []store.NewDomain
			for _, arg := range args {
				n, err := domain.Normalize(arg)
				if err != nil {
					bad = append(bad, err.Error())
					continue
				}
				ds = append(ds, store.NewDomain{Name: n.ASCII, Unicode: n.Unicode, Kind: kind, Tags: clean, Note: note, Source: "cli"})
			}
			if len(bad) > 0 {
				return usageError{fmt.Errorf("nothing added, bad domain(s):\n  %s", strings.Join(bad, "\n  "))}
			}
			st, err := a.createStore(cmd.Context())
			if err != nil {
				return err
			}
			res, err := st.AddDomains(cmd.Context(), ds)
			if err != nil {
				return err
			}
			for _, d := range ds {
				verb := "added"
				if !contains(res.Added, d.Name) {
					verb = "merged"
				}
				fmt.Fprintf(a.out, "%s %s\n", verb, showName(d.Name, d.Unicode))
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&tags, "tag", nil, "tag (repeatable, or comma-separated)")
	cmd.Flags().StringVar(&note, "note", "", "free-text note")
	cmd.Flags().BoolVar(&brand, "brand", false, "a brand: also hunt look-alikes of it")
	cmd.Flags().StringVar(&infraKind, "kind", "", "watch infrastructure: ns, ip or asn")
	return cmd
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// showName prints "xn--bcher-kva.com (bücher.com)" for IDNs, the name otherwise.
func showName(ascii, uni string) string {
	if uni == "" || uni == ascii {
		return ascii
	}
	return ascii + " (" + uni + ")"
}

func newWatchImport(a *app) *cobra.Command {
	var format string
	var tags []string
	cmd := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Import a watchlist (txt, csv or json); all or nothing",
		Long: `Import a watchlist from a file or standard input.

txt: one name a line, # starts a comment.
csv: a header with "domain" and optional "tags", "note", "kind" columns;
kind ns, ip or asn makes the "domain" column a name server, an address or
CIDR, or an AS to watch.
json: an array of names or of objects {"domain", "tags", "note", "kind"}.

If any line is bad, nothing is written: every bad line is listed with its
number, value and reason, and the exit code is 2.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			extra, err := watchlist.CleanTags(tags)
			if err != nil {
				return usageError{err}
			}
			data, name, err := readWatchImport(a, args[0])
			if err != nil {
				return err
			}
			entries, err := parseWatchImport(name, data, format)
			if err != nil {
				return err
			}
			source := "import:" + filepath.Base(name)
			ds, ws := splitWatchImport(entries, extra, source)
			st, err := a.createStore(cmd.Context())
			if err != nil {
				return err
			}
			if len(ws) > 0 {
				if err := addInfraWatches(a, cmd, ws, extra, source); err != nil {
					return fmt.Errorf("import %s: %w", name, err)
				}
			}
			res, err := st.AddDomains(cmd.Context(), ds)
			if err != nil {
				return fmt.Errorf("import %s: %w", name, err)
			}
			fmt.Fprintf(a.out, "imported %d entries from %s: %d added, %d already watched (tags merged)\n",
				len(entries), name, len(res.Added), len(res.Merged))
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "txt, csv or json (default: from the file name or content)")
	cmd.Flags().StringSliceVar(&tags, "tag", nil, "tag every imported domain (repeatable)")
	return cmd
}

// readWatchImport reads an import file, or standard input for "-", and
// returns it with the name messages give it; at most
// watchlist.MaxWatchlist bytes.
func readWatchImport(a *app, src string) ([]byte, string, error) {
	var r io.Reader = a.in
	name := "stdin"
	if src != "-" {
		f, err := os.Open(src)
		if err != nil {
			return nil, "", usageError{fmt.Errorf("import: %w", err)}
		}
		defer f.Close()
		r, name = f, src
	}
	data, err := io.ReadAll(io.LimitReader(r, watchlist.MaxWatchlist+1))
	if err != nil {
		return nil, "", fmt.Errorf("import %s: %w", name, err)
	}
	if len(data) > watchlist.MaxWatchlist {
		return nil, "", usagef("import %s: larger than %d MiB; split it", name, watchlist.MaxWatchlist>>20)
	}
	return data, name, nil
}

// parseWatchImport parses an import in format, or the one its name or
// content shows; any bad line is a usage error listing every bad line.
func parseWatchImport(name string, data []byte, format string) ([]watchlist.Entry, error) {
	if format == "" {
		format = watchlist.FormatOf(name, data[:min(len(data), 4096)])
	}
	entries, err := watchlist.Parse(bytes.NewReader(data), format)
	if err != nil {
		var bl watchlist.BadLines
		if errors.As(err, &bl) {
			return nil, usageError{fmt.Errorf("import %s: nothing written, %w", name, bl)}
		}
		return nil, usageError{fmt.Errorf("import %s: %w", name, err)}
	}
	return entries, nil
}

// splitWatchImport parts an import's entries into domains to watch, each
// with the extra tags, and pieces of infrastructure to watch.
func splitWatchImport(entries []watchlist.Entry, extra []string, source string) ([]store.NewDomain, []store.InfraWatch) {
	ds := make([]store.NewDomain, 0, len(entries))
	var ws []store.InfraWatch
	for _, e := range entries {
		if e.Infra != nil {
			ws = append(ws, *e.Infra)
			continue
		}
		ds = append(ds, store.NewDomain{Name: e.Name.ASCII, Unicode: e.Name.Unicode, Kind: e.Kind,
			Tags: append(e.Tags, extra...), Note: e.Note, Source: source})
	}
	return ds, ws
}

func newWatchList(a *app) *cobra.Command {
	var asJSON, all bool
	var q store.DomainQuery
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List watched domains with their state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !all {
				enabled := true
				q.Enabled = &enabled
			}
			// Filters are normalized as the values are: tags are stored
			// lower-case, so --tag Test finds them.
			q.State = event.State(strings.ToLower(strings.TrimSpace(string(q.State))))
			q.Kind = event.DomainKind(strings.ToLower(strings.TrimSpace(string(q.Kind))))
			q.Tag = strings.ToLower(strings.TrimSpace(q.Tag))
			if q.State != "" && !q.State.Valid() {
				return usagef("--state %q: want one of %s", q.State, strings.Join(event.Strings(event.States), ", "))
			}
			if q.Kind == "infra" {
				return listInfraWatches(a, cmd, asJSON)
			}
			if q.Kind != "" && q.Kind != store.KindWatch && q.Kind != store.KindBrand && q.Kind != store.KindRelated {
				return usagef("--kind %q: want watch, brand, related or infra", q.Kind)
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			ds, total, err := st.Domains(cmd.Context(), q)
			if err != nil {
				return err
			}
			if asJSON {
				return printList(a.out, ds, total, q.Limit, q.Offset)
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DOMAIN\tKIND\tSTATE\tTAGS\tLAST CHECKED\tNOTE")
			for _, d := range ds {
				checked := "never"
				if !d.LastChecked.IsZero() {
					checked = d.LastChecked.Local().Format(time.DateTime + " MST")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", showName(d.Name, d.Unicode), d.Kind, d.State,
					strings.Join(d.Tags, ","), checked, terminalSafe(strings.Join(strings.Fields(d.Note), " "), 60))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&all, "all", false, "include removed (disabled) domains, whose history is kept")
	cmd.Flags().StringVar((*string)(&q.State), "state", "", "only domains in this lifecycle state")
	cmd.Flags().StringVar(&q.Tag, "tag", "", "only domains with this tag")
	cmd.Flags().StringVar((*string)(&q.Kind), "kind", "", "only watch, brand or related entries; infra: the watched infrastructure")
	return cmd
}

func newWatchRm(a *app) *cobra.Command {
	var infraKind string
	cmd := &cobra.Command{
		Use:   "rm DOMAIN...",
		Short: "Stop watching domains (their history stays; watch add resumes them)",
		Long: `Stop watching domains (their history stays; watch add resumes them).
With --kind ns|ip|asn, stop watching infrastructure.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if infraKind != "" {
				return unwatchInfra(a, cmd, infraKind, args)
			}
			var names []string
			for _, arg := range args {
				n, err := domain.Normalize(arg)
				if err != nil {
					return usageError{err}
				}
				names = append(names, n.ASCII)
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			removed, err := st.RemoveDomains(cmd.Context(), names)
			if err != nil {
				return err
			}
			for _, n := range names {
				if contains(removed, n) {
					fmt.Fprintf(a.out, "removed %s\n", n)
				} else {
					fmt.Fprintf(a.err, "takedown: %s was not watched\n", n)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&infraKind, "kind", "", "stop watching infrastructure: ns, ip or asn")
	return cmd
}
