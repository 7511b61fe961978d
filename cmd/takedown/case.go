package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/cases"
	"github.com/takedownhq/takedown/monitor/cases/report"
	"github.com/takedownhq/takedown/monitor/notify"
	"github.com/takedownhq/takedown/store"
)

// caseErr maps the cases package's outcomes to exit codes: bad input 2,
// the rest 1.
func caseErr(err error) error {
	var ie *cases.InputError
	if errors.As(err, &ie) {
		return usageError{err}
	}
	return err
}

// caseName normalizes a NAME argument; a bad one exits 2 naming it.
func caseName(arg string) (domain.Name, error) {
	n, err := domain.Normalize(arg)
	if err != nil {
		return domain.Name{}, usageError{err}
	}
	return n, nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newCaseCmd(a *app) *cobra.Command {
	cmd := asGroup(&cobra.Command{
		Use:   "case",
		Short: "Takedown requests: open, report, send, confirmed and timed by the lifecycle engine",
	})
	cmd.AddCommand(newCaseOpen(a), newCaseList(a), newCaseShow(a), newCaseClose(a), newCaseContact(a),
		newCaseReport(a), newCaseSend(a), newCaseReported(a), newCaseStats(a))
	return cmd
}

func newCaseOpen(a *app) *cobra.Command {
	var reason, note string
	cmd := &cobra.Command{
		Use:   "open NAME",
		Short: "Open a case for a watched domain, a found look-alike or a new name (which is then watched)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := caseName(args[0])
			if err != nil {
				return err
			}
			if _, err := cases.CheckReason(reason); err != nil {
				return usageError{err}
			}
			if err := cases.CheckNote(note); err != nil {
				return usageError{err}
			}
			st, err := a.createStore(cmd.Context())
			if err != nil {
				return err
			}
			c, err := cases.Open(cmd.Context(), monitor.CaseStore(st, st), n.ASCII, n.Unicode, reason, note, time.Now())
			if errors.Is(err, store.ErrCaseOpen) {
				return fmt.Errorf("%s already has an open case (see takedown case show %s)", n.ASCII, n.ASCII)
			}
			if err != nil {
				return caseErr(err)
			}
			cts, err := st.CaseContacts(cmd.Context(), c.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "case %d opened for %s (%s)\n", c.ID, c.Domain, c.Reason)
			printContacts(a.out, cts)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "phishing", "phishing, malware, brand or fraud")
	cmd.Flags().StringVar(&note, "note", "", "a note, one line of at most 1000 characters")
	return cmd
}

func printContacts(w io.Writer, cts []store.CaseContact) {
	if len(cts) == 0 {
		fmt.Fprintln(w, "no contact found yet: add one with takedown case contact NAME --role R --email E")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tCONTACT\tNAME\tREPORTED\tSOURCE")
	for _, ct := range cts {
		rep := "-"
		if !ct.ReportedAt.IsZero() {
			rep = ct.ReportedAt.Local().Format(time.DateTime)
			if ct.Ref != "" {
				rep += " ref " + cleanLine(ct.Ref)
			}
		}
		addr := store.ContactAddress(ct)
		if ct.Phone != "" && ct.Phone != addr {
			addr += " " + ct.Phone
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ct.Role, cleanLine(addr), cleanLine(ct.Name), rep, cleanLine(ct.Source))
	}
	tw.Flush()
}

func checkStatus(s string) error {
	if s != "" && s != "active" && !slices.Contains(store.CaseStatuses, s) {
		return usagef("--status %q: want active or one of %s", s, strings.Join(store.CaseStatuses, ", "))
	}
	return nil
}

func newCaseList(a *app) *cobra.Command {
	var status string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List cases, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkStatus(status); err != nil {
				return err
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			cs, err := st.Cases(cmd.Context(), store.CaseQuery{Status: status, Limit: 10000})
			if err != nil {
				return err
			}
			if asJSON {
				return printList(a.out, cs, -1, 0, 0)
			}
			now := time.Now()
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DOMAIN\tSTATUS\tREASON\tOPENED\tAGE\tTIME TO TAKEDOWN")
			for _, c := range cs {
				ttt := "-"
				if c.TimeToTakedown != nil {
					ttt = (time.Duration(*c.TimeToTakedown) * time.Second).String()
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Domain, c.Status, c.Reason, c.OpenedAt.Local().Format(time.DateTime),
					cases.Age(c, now).Truncate(time.Minute), ttt)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only cases in this status (active: all but closed)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newCaseShow(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "A case with its contacts, next step and timeline",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := caseName(args[0])
			if err != nil {
				return err
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			det, err := cases.Show(cmd.Context(), monitor.CaseStore(st, st), n.ASCII)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%s has no case (open one with takedown case open %s)", n.ASCII, n.ASCII)
			}
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, det)
			}
			fmt.Fprintf(a.out, "case %d: %s\nstatus:  %s since %s\nreason:  %s\nopened:  %s\n", det.ID, det.Domain, det.Status,
				det.StatusAt.Local().Format(time.DateTime), det.Reason, det.OpenedAt.Local().Format(time.DateTime))
			if det.Note != "" {
				fmt.Fprintf(a.out, "note:    %s\n", cleanLine(det.Note))
			}
			if det.TimeToTakedown != nil {
				fmt.Fprintf(a.out, "time to takedown: %s\n", time.Duration(*det.TimeToTakedown)*time.Second)
			}
			fmt.Fprintf(a.out, "next:    %s\n\n", cleanLine(det.Next))
			printContacts(a.out, det.Contacts)
			fmt.Fprintln(a.out, "\ntimeline:")
			for _, e := range det.Timeline {
				step := e.To
				if e.From != "" && e.From != e.To {
					step = e.From + " → " + e.To
				}
				line := fmt.Sprintf("  %s  %s", e.At.Local().Format(time.DateTime), step)
				if e.Note != "" {
					line += "  " + cleanLine(e.Note)
				}
				fmt.Fprintln(a.out, line)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newCaseClose(a *app) *cobra.Command {
	var note string
	cmd := &cobra.Command{
		Use:   "close NAME",
		Short: "Close a case",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := caseName(args[0])
			if err != nil {
				return err
			}
			if err := cases.CheckNote(note); err != nil {
				return usageError{err}
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			c, err := cases.Close(cmd.Context(), monitor.CaseStore(st, st), n.ASCII, note, time.Now())
			if err != nil {
				return caseErr(err)
			}
			fmt.Fprintf(a.out, "case %d of %s closed\n", c.ID, c.Domain)
			return nil
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "why, one line of at most 1000 characters")
	return cmd
}

func newCaseContact(a *app) *cobra.Command {
	var ct store.CaseContact
	cmd := &cobra.Command{
		Use:   "contact NAME --role R --email E",
		Short: "Add or override a case's contact (role registrant, hosting, registrar, dns or registry)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := caseName(args[0])
			if err != nil {
				return err
			}
			if err := cases.CheckRole(ct.Role); err != nil {
				return usageError{err}
			}
			if ct.Email != "" {
				addr, err := checkEmail(ct.Email)
				if err != nil {
					return err
				}
				ct.Email = addr
			}
			for _, v := range []struct{ flag, val string }{{"--phone", ct.Phone}, {"--name", ct.Name}, {"--form", ct.FormURL}} {
				if err := cases.CheckNote(v.val); err != nil || len(v.val) > 300 {
					return usagef("%s %q: want one short line", v.flag, v.val)
				}
			}
			if ct.FormURL != "" && !strings.HasPrefix(ct.FormURL, "https://") && !strings.HasPrefix(ct.FormURL, "http://") {
				return usagef("--form %q: want an http(s) URL", ct.FormURL)
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			if err := cases.AddContact(cmd.Context(), monitor.CaseStore(st, st), n.ASCII, ct); err != nil {
				return caseErr(err)
			}
			fmt.Fprintf(a.out, "%s contact of %s: %s\n", ct.Role, n.ASCII, store.ContactAddress(ct))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&ct.Role, "role", "", "registrant, hosting, registrar, dns or registry")
	f.StringVar(&ct.Email, "email", "", "abuse e-mail address")
	f.StringVar(&ct.Phone, "phone", "", "abuse phone number")
	f.StringVar(&ct.FormURL, "form", "", "web form URL, for providers that take no mail")
	f.StringVar(&ct.Name, "name", "", "the provider's name")
	cmd.MarkFlagRequired("role")
	return cmd
}

// checkEmail accepts one bare address.
func checkEmail(s string) (string, error) {
	if len(s) > 254 || strings.ContainsAny(s, " ,;<>\"\r\n") {
		return "", usagef("--email %q: want one address like abuse@example.net", s)
	}
	if _, after, ok := strings.Cut(s, "@"); !ok || after == "" || strings.HasPrefix(s, "@") {
		return "", usagef("--email %q: want one address like abuse@example.net", s)
	}
	return strings.ToLower(s), nil
}

func newCaseReport(a *app) *cobra.Command {
	var format, to string
	cmd := &cobra.Command{
		Use:   "report NAME --format eml|xarf|md|misp|stix",
		Short: "Print the case's report with its evidence to stdout",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := caseName(args[0])
			if err != nil {
				return err
			}
			if !slices.Contains(report.Formats, format) {
				return usagef("--format %q: want one of %s", format, strings.Join(report.Formats, ", "))
			}
			if to != "" {
				if err := cases.CheckRole(to); err != nil {
					return usageError{err}
				}
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			ev, _, err := cases.Evidence(cmd.Context(), monitor.CaseStore(st, st), n.ASCII, to, monitor.Reporter(a.cfg),
				monitor.Brander(st), time.Now())
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%s has no case (open one with takedown case open %s)", n.ASCII, n.ASCII)
			}
			if err != nil {
				return caseErr(err)
			}
			return report.Encode(a.out, format, ev)
		},
	}
	cmd.Flags().StringVar(&format, "format", "md", "eml, xarf, md, misp or stix")
	cmd.Flags().StringVar(&to, "to", "", "address it to the case's contact of this role")
	return cmd
}

func newCaseSend(a *app) *cobra.Command {
	var to string
	cmd := &cobra.Command{
		Use:   "send NAME --to ROLE",
		Short: "Mail the report to the case's contact of ROLE through the configured SMTP server (via the outbox)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := caseName(args[0])
			if err != nil {
				return err
			}
			if err := cases.CheckRole(to); err != nil {
				return usageError{err}
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			ct, outboxID, err := cases.Send(ctx, monitor.CaseStore(st, st), n.ASCII, to, a.cfg.Alerts.SMTP.Addr != "", time.Now())
			if err != nil {
				return caseErr(err)
			}
			// Deliver now; what does not go out stays in the outbox, where
			// the daemon retries it with the same Message-ID.
			nt, err := notify.New(a.cfg.Alerts, st, notify.Options{Logger: a.log,
				CaseReport: monitor.CaseReportRenderer(a.cfg, st, st)})
			if err != nil {
				return usageError{fmt.Errorf("alerts: %w", err)}
			}
			if _, err := nt.Flush(ctx); err != nil {
				return err
			}
			items, err := st.Outbox(ctx, store.OutboxQuery{Channel: notify.CaseChannel, Limit: 200})
			if err != nil {
				return err
			}
			for _, it := range items {
				if it.ID != outboxID {
					continue
				}
				if it.Status == store.OutboxSent {
					fmt.Fprintf(a.out, "report on %s sent to %s (%s, %s)\n", n.ASCII, ct.Email, ct.Role, cleanLine(ct.Source))
					return nil
				}
				return fmt.Errorf("report on %s to %s queued but not delivered yet (%s); takedown run retries it",
					n.ASCII, ct.Email, cleanLine(it.LastError))
			}
			fmt.Fprintf(a.out, "report on %s to %s queued\n", n.ASCII, ct.Email)
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the contact's role: registrant, hosting, registrar, dns or registry")
	cmd.MarkFlagRequired("to")
	return cmd
}

func newCaseReported(a *app) *cobra.Command {
	var to, ref string
	cmd := &cobra.Command{
		Use:   "reported NAME --to ROLE --ref TICKET",
		Short: "Record a report filed outside takedown (a provider's web form)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := caseName(args[0])
			if err != nil {
				return err
			}
			if err := cases.CheckRole(to); err != nil {
				return usageError{err}
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			c, err := cases.Reported(cmd.Context(), monitor.CaseStore(st, st), n.ASCII, to, ref, time.Now())
			if err != nil {
				return caseErr(err)
			}
			fmt.Fprintf(a.out, "case %d of %s: reported to %s (ref %s)\n", c.ID, c.Domain, to, cleanLine(ref))
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the contact's role")
	cmd.Flags().StringVar(&ref, "ref", "", "the provider's ticket or reference")
	cmd.MarkFlagRequired("to")
	return cmd
}

func newCaseStats(a *app) *cobra.Command {
	var by string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Cases by status, median and p90 time to takedown, and reverted cases, per group",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if by != "" && !slices.Contains(cases.StatsBy, by) {
				return usagef("--by %q: want one of %s", by, strings.Join(cases.StatsBy, ", "))
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			cs, err := st.Cases(cmd.Context(), store.CaseQuery{})
			if err != nil {
				return err
			}
			gs := cases.Stats(cs, by)
			if asJSON {
				return printJSON(a.out, gs)
			}
			secs := func(p *float64) string {
				if p == nil {
					return "-"
				}
				return (time.Duration(*p) * time.Second).String()
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "GROUP\tCASES\tOPEN\tREPORTED\tTAKEN DOWN\tREVERTED\tCLOSED\tMEDIAN\tP90")
			for _, g := range gs {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", cleanLine(g.Group), g.Cases, g.ByStatus[store.CaseOpen],
					g.ByStatus[store.CaseReported], g.ByStatus[store.CaseTakenDown], g.Reverted, g.ByStatus[store.CaseClosed],
					secs(g.Median), secs(g.P90))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "group by registrar, hosting or tld")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
