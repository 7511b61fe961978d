package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/base/when"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/store"
)

// reportLimit bounds each list of a report; past it the report says how
// many it left out rather than printing a page nobody reads.
const reportLimit = 500

// periodReport is what `takedown report` prints: what changed since a time.
type periodReport struct {
	Since        time.Time       `json:"since"`
	Until        time.Time       `json:"until"`
	StateChanges []reportEvent   `json:"state_changes"`
	Lookalikes   map[string]int  `json:"new_lookalikes_by_risk"`
	Escalations  []reportEvent   `json:"escalations"`
	Takedowns    []reportEvent   `json:"takedowns"`
	Failing      []reportFailing `json:"failing_checks"`
	LeftOut      map[string]int  `json:"left_out,omitempty"`
}

type reportEvent struct {
	At     time.Time  `json:"at"`
	Domain string     `json:"domain"`
	Kind   event.Kind `json:"kind"`
	From   string     `json:"from,omitempty"`
	To     string     `json:"to,omitempty"`
}

type reportFailing struct {
	Domain   string      `json:"domain"`
	Probe    event.Probe `json:"probe"`
	Failures int         `json:"consecutive_failures"`
	Error    string      `json:"last_error,omitempty"`
}

func newReportCmd(a *app) *cobra.Command {
	var since, format string
	cmd := &cobra.Command{
		Use:   "report [--since 7d] [--format md|json]",
		Short: "What changed in a period: state changes, new look-alikes by risk, escalations, takedowns, failing checks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "md" && format != "json" {
				return usagef("--format %q: want md or json", format)
			}
			now := time.Now().UTC()
			from, err := when.Parse(since, now)
			if err != nil {
				return usagef("--since %q: want %s", since, when.Forms)
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			rep, err := buildReport(cmd.Context(), st, from, now)
			if err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			return writeReportMD(a.out, rep)
		},
	}
	cmd.Flags().StringVar(&since, "since", "7d", "start of the period: "+when.Forms)
	cmd.Flags().StringVar(&format, "format", "md", "md (Markdown) or json")
	return cmd
}

// buildReport reads the period's events, look-alikes and failing checks.
func buildReport(ctx context.Context, st store.Store, since, until time.Time) (*periodReport, error) {
	rep := &periodReport{Since: since, Until: until, Lookalikes: map[string]int{}, LeftOut: map[string]int{},
		StateChanges: []reportEvent{}, Escalations: []reportEvent{}, Takedowns: []reportEvent{}, Failing: []reportFailing{}}
	sections := []struct {
		name  string
		kinds []event.Kind
		into  *[]reportEvent
	}{
		{"state_changes", []event.Kind{event.StateChanged}, &rep.StateChanges},
		{"escalations", []event.Kind{event.LookalikeEscalated}, &rep.Escalations},
		{"takedowns", []event.Kind{event.TakedownConfirmed, event.TakedownReverted}, &rep.Takedowns},
	}
	for _, s := range sections {
		q := store.EventQuery{Kinds: s.kinds, Since: since, HideBaseline: true, Limit: reportLimit}
		evs, err := st.Events(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("report %s: %w", s.name, err)
		}
		for _, ev := range evs {
			// HideBaseline already leaves them out; the engine's own rule
			// is the one that decides, should the store's filter lag it.
			if engine.Baseline(ev) {
				continue
			}
			*s.into = append(*s.into, reportEvent{At: ev.At.UTC(), Domain: ev.Domain, Kind: ev.Kind, From: ev.Old, To: ev.New})
		}
		if len(evs) == reportLimit {
			n, err := st.CountEvents(ctx, q)
			if err != nil {
				return nil, fmt.Errorf("report %s: %w", s.name, err)
			}
			rep.LeftOut[s.name] = n - len(evs)
		}
	}
	if err := reportLookalikes(ctx, st, since, rep); err != nil {
		return nil, err
	}
	fail, err := st.FailingProbes(ctx, reportLimit)
	if err != nil {
		return nil, fmt.Errorf("report failing checks: %w", err)
	}
	for _, f := range fail {
		rep.Failing = append(rep.Failing, reportFailing{Domain: f.Domain, Probe: f.Probe, Failures: f.ConsecutiveFailures, Error: cleanLine(f.LastError)})
	}
	return rep, nil
}

// reportLookalikes counts the look-alikes first seen in the period by
// risk level; "not judged" are those no look-alike watch judged yet.
func reportLookalikes(ctx context.Context, st store.Store, since time.Time, rep *periodReport) error {
	const page, maxPages = 1000, 100
	for off := 0; off < maxPages*page; off += page {
		ls, total, err := st.Lookalikes(ctx, store.LookalikeQuery{Since: since, Limit: page, Offset: off})
		if err != nil {
			return fmt.Errorf("report look-alikes: %w", err)
		}
		for _, l := range ls {
			lv := string(l.Risk.Level)
			if lv == "" {
				lv = "not judged"
			}
			rep.Lookalikes[lv]++
		}
		if len(ls) < page {
			return nil
		}
		rep.LeftOut["new_lookalikes_by_risk"] = total - off - len(ls)
	}
	return nil
}

func writeReportMD(w io.Writer, r *periodReport) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# takedown report\n\n%s to %s\n", r.Since.Format(time.RFC3339), r.Until.Format(time.RFC3339))
	mdEvents(&b, "State changes", r.StateChanges, r.LeftOut["state_changes"], true)
	fmt.Fprintf(&b, "\n## New look-alikes by risk\n\n")
	if len(r.Lookalikes) == 0 {
		b.WriteString("none\n")
	}
	levels := make([]string, 0, len(r.Lookalikes))
	for lv := range r.Lookalikes {
		levels = append(levels, lv)
	}
	slices.Sort(levels)
	slices.SortStableFunc(levels, func(x, y string) int { return r.Lookalikes[y] - r.Lookalikes[x] })
	for _, lv := range levels {
		fmt.Fprintf(&b, "- %s: %d\n", mdText(lv), r.Lookalikes[lv])
	}
	mdEvents(&b, "Escalations", r.Escalations, r.LeftOut["escalations"], true)
	mdEvents(&b, "Takedowns", r.Takedowns, r.LeftOut["takedowns"], false)
	fmt.Fprintf(&b, "\n## Failing checks\n\n")
	if len(r.Failing) == 0 {
		b.WriteString("none\n")
	}
	for _, f := range r.Failing {
		fmt.Fprintf(&b, "- %s %s: %d failure(s) in a row: %s\n", mdText(f.Domain), f.Probe, f.Failures, mdText(f.Error))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEvents(b *strings.Builder, title string, evs []reportEvent, leftOut int, transitions bool) {
	fmt.Fprintf(b, "\n## %s\n\n", title)
	if len(evs) == 0 {
		b.WriteString("none\n")
	}
	for _, ev := range evs {
		what := strings.ReplaceAll(string(ev.Kind), "_", " ")
		if transitions && (ev.From != "" || ev.To != "") {
			what = mdText(ev.From) + " → " + mdText(ev.To)
		}
		fmt.Fprintf(b, "- %s %s: %s\n", ev.At.Format(time.DateTime), mdText(ev.Domain), what)
	}
	if leftOut > 0 {
		fmt.Fprintf(b, "- and %d more\n", leftOut)
	}
}

// mdText keeps a value from the store on one Markdown line and inert:
// control bytes become spaces, Markdown's active characters are escaped.
func mdText(s string) string {
	s = cleanLine(s)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>#|!", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
