package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/base/when"
	"github.com/takedownhq/takedown/store"
)

func newHistoryCmd(a *app) *cobra.Command {
	var since string
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "history DOMAIN",
		Short: "The change timeline of a domain, newest first",
		Long: `The timeline of a domain's events and state transitions, newest first,
with old → new values. --since takes RFC 3339 ("2026-01-02T15:04:05Z"), a date
("2026-01-02") or a duration back from now ("36h", "7d").`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := domain.Normalize(args[0])
			if err != nil {
				return usageError{err}
			}
			q := store.EventQuery{Domain: n.ASCII, Limit: limit}
			if since != "" {
				t, err := parseSince(since, time.Now())
				if err != nil {
					return usageError{err}
				}
				q.Since = t
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			evs, err := st.Events(cmd.Context(), q)
			if err != nil {
				return err
			}
			if evs == nil {
				if _, err := st.Domain(cmd.Context(), n.ASCII); err != nil {
					return fmt.Errorf("history %s: not watched and no events", n.ASCII)
				}
				evs = []store.Event{}
			}
			if asJSON {
				wire := make([]event.Wire, len(evs))
				for i, ev := range evs {
					wire[i] = ev.Wire()
				}
				return printList(a.out, wire, -1, q.Limit, q.Offset)
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tSEVERITY\tEVENT\tCHANGE")
			for _, ev := range evs {
				what := string(ev.Kind)
				if ev.Probe != "" || ev.Field != "" {
					what += " " + strings.Trim(string(ev.Probe)+"."+ev.Field, ".")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ev.At.Local().Format(time.DateTime), ev.Severity, what, describe(ev))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "only events at or after this time")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many events (0: all)")
	return cmd
}

// describe renders an event's change as "old → new" plus its reasons,
// cleaned of control characters: these values come from the network.
func describe(ev store.Event) string {
	var s string
	switch {
	case ev.Old != "" && ev.New != "":
		s = clean(ev.Old) + " → " + clean(ev.New)
	case ev.New != "":
		s = clean(ev.New)
	case ev.Old != "":
		s = clean(ev.Old) + " → (none)"
	}
	var detail struct {
		Reasons []string `json:"reasons"`
	}
	if len(ev.Detail) > 0 && json.Unmarshal(ev.Detail, &detail) == nil && len(detail.Reasons) > 0 {
		rs := make([]string, len(detail.Reasons))
		for i, r := range detail.Reasons {
			rs[i] = clean(r)
		}
		s += " (" + strings.Join(rs, "; ") + ")"
	}
	return s
}

// clean makes a network-supplied value safe for one terminal line.
func clean(s string) string {
	const max = 300
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= max {
			b.WriteString("…")
			break
		}
		switch {
		case r == '\n' || r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r) || r == unicode.ReplacementChar || unicode.Is(unicode.Bidi_Control, r):
			b.WriteString(strconv.QuoteRuneToASCII(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// parseSince reads --since by the one rule of package when.
func parseSince(s string, now time.Time) (time.Time, error) {
	t, err := when.Parse(s, now)
	if err != nil {
		return t, fmt.Errorf("--since: %w", err)
	}
	return t, nil
}
