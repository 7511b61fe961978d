package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/monitor/probe/certprobe"
)

// checkResult is the --json contract: one object per domain.
type checkResult struct {
	Domain     string                 `json:"domain"`
	DNS        json.RawMessage        `json:"dns"`
	Delegation json.RawMessage        `json:"delegation"`
	WHOIS      json.RawMessage        `json:"whois"`
	RDAP       json.RawMessage        `json:"rdap"`
	Cert       json.RawMessage        `json:"cert"`
	HTTP       json.RawMessage        `json:"http"`
	Hosting    json.RawMessage        `json:"hosting,omitempty"` // only with --probes hosting
	Errors     map[event.Probe]string `json:"errors"`
	// The verdict's fields sit beside the probes' under the names the
	// API's domain uses (state, state_reasons), absent when none.
	*checkVerdict
}

type checkVerdict struct {
	// StoredAt is the time of the stored verdict shown when no probe
	// answered now; zero for a fresh verdict.
	StoredAt event.Time  `json:"state_stored_at,omitzero"`
	State    event.State `json:"state"`
	Suspect  event.State `json:"suspect,omitempty"`
	Reasons  []string    `json:"state_reasons"`
}

func newCheckCmd(a *app) *cobra.Command {
	var asJSON bool
	var probes []string
	var indicators string
	cmd := &cobra.Command{
		Use:   "check DOMAIN...",
		Short: "Probe domains once and print their snapshots and verdict (writes nothing)",
		Long: `Run the probes once for each domain and print the normalized snapshots,
any probe errors and the takedown verdict. Nothing is stored: the daemon
keeps history, check shows what the network says now.

JSON (--json): an array with one object per domain, keys domain, dns,
delegation, whois, rdap, cert, http, errors and verdict; a probe that failed
or was not run is null and its error is under errors.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var names []string
			for _, arg := range args {
				n, err := domain.Normalize(arg)
				if err != nil {
					return usageError{err}
				}
				names = append(names, n.ASCII)
			}
			kinds, err := event.ParseProbes(probes)
			if err != nil {
				return usagef("--probes: %v", err)
			}
			ind, err := loadIndicators(a, indicators)
			if err != nil {
				return err
			}
			// A watched domain is judged with its stored history, as the
			// daemon would judge it; check never writes.
			st, err := a.existingStore(cmd.Context())
			if err != nil {
				return err
			}
			assessed, err := monitor.AssessOnce(cmd.Context(), a.cfg.Network, st, ind, a.cfg.Monitor.ProbeTimeout, names, kinds)
			if err != nil {
				return err
			}
			results := make([]checkResult, len(assessed))
			for i, as := range assessed {
				results[i] = checkResultOf(as)
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(results); err != nil {
					return err
				}
			} else {
				for _, r := range results {
					printCheck(a, r)
				}
			}
			return unanswered(results)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringSliceVar(&probes, "probes", nil, "probes to run: dns,delegation,whois,rdap,cert,http (default all), and hosting when named")
	cmd.Flags().StringVar(&indicators, "indicators", "", "takedown indicator YAML replacing the embedded one")
	return cmd
}

func loadIndicators(a *app, flag string) (*lifecycle.Indicators, error) {
	path := flag
	if path == "" {
		path = a.cfg.Monitor.Indicators
	}
	ind, err := lifecycle.Load(path)
	if err != nil {
		return nil, usageError{fmt.Errorf("indicators: %w", err)}
	}
	return ind, nil
}

// unanswered is a runtime failure when some domain got no answer from any
// probe: its verdict rests on nothing, and a script must be able to tell a
// dead resolver from a healthy result. The output is printed first.
func unanswered(results []checkResult) error {
	var dead []string
	for _, r := range results {
		if r.DNS == nil && r.Delegation == nil && r.WHOIS == nil && r.RDAP == nil && r.Cert == nil && r.HTTP == nil && r.Hosting == nil {
			dead = append(dead, r.Domain)
		}
	}
	if len(dead) == 0 {
		return nil
	}
	return fmt.Errorf("no probe answered for %s: see the errors above", strings.Join(dead, ", "))
}

// checkResultOf is the --json contract of one assessment.
func checkResultOf(as *engine.Assessment) checkResult {
	r := checkResult{Domain: as.Domain, Errors: as.Errors}
	for kind, dst := range map[event.Probe]*json.RawMessage{event.ProbeDNS: &r.DNS, event.ProbeDelegation: &r.Delegation,
		event.ProbeWHOIS: &r.WHOIS, event.ProbeRDAP: &r.RDAP, event.ProbeCert: &r.Cert, event.ProbeHTTP: &r.HTTP,
		event.ProbeHosting: &r.Hosting} {
		if data := as.Data[kind]; data != nil {
			*dst = data
		}
	}
	v := as.Verdict
	r.checkVerdict = &checkVerdict{State: v.State, Suspect: v.Suspect, Reasons: v.Reasons, StoredAt: event.T(as.StoredAt)}
	if r.checkVerdict.Reasons == nil {
		r.checkVerdict.Reasons = []string{}
	}
	return r
}

func printCheck(a *app, r checkResult) {
	fmt.Fprintf(a.out, "%s\n", r.Domain)
	if v := r.checkVerdict; v != nil {
		state := string(v.State)
		if v.Suspect != "" {
			state += " (suspected " + string(v.Suspect) + ")"
		}
		if !v.StoredAt.IsZero() {
			state += fmt.Sprintf(" (stored verdict of %s: no probe answered now)", v.StoredAt.Local().Format(time.DateTime+" MST"))
		}
		fmt.Fprintf(a.out, "  verdict     %s\n", state)
		for _, reason := range v.Reasons {
			fmt.Fprintf(a.out, "              - %s\n", clean(reason))
		}
	}
	for _, kv := range []struct {
		kind event.Probe
		raw  json.RawMessage
	}{{event.ProbeDNS, r.DNS}, {event.ProbeDelegation, r.Delegation}, {event.ProbeRDAP, r.RDAP}, {event.ProbeWHOIS, r.WHOIS},
		{event.ProbeCert, r.Cert}, {event.ProbeHTTP, r.HTTP}, {event.ProbeHosting, r.Hosting}} {
		if len(kv.raw) == 0 {
			continue
		}
		if kv.kind == "cert" && printCert(a, kv.raw) {
			continue
		}
		var m map[string]any
		if json.Unmarshal(kv.raw, &m) != nil {
			continue
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		first := true
		for _, k := range keys {
			val := flat(m[k])
			if val == "" {
				continue
			}
			label := ""
			if first {
				label = string(kv.kind)
				first = false
			}
			fmt.Fprintf(a.out, "  %-11s %-18s %s\n", label, k, clean(val))
		}
	}
	kinds := make([]event.Probe, 0, len(r.Errors))
	for k := range r.Errors {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		fmt.Fprintf(a.out, "  %-11s %s\n", string(k)+" error", clean(r.Errors[k]))
	}
}

// flat renders a JSON value on one line: lists joined with ", ".
func flat(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if s := flat(e); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// printCert prints the certificate chain as a person reads it: for each
// certificate its subject, issuer, serial, names and validity, instead of
// the raw JSON of the chain cut short. It reports false when the snapshot
// is not a certificate's.
func printCert(a *app, raw json.RawMessage) bool {
	var s certprobe.Snapshot
	if err := json.Unmarshal(raw, &s); err != nil || s.SHA256 == "" {
		return false
	}
	verify := "verifies"
	if s.VerifyError != "" {
		verify = "does not verify: " + s.VerifyError
	}
	fmt.Fprintf(a.out, "  %-11s %-18s %s (%s)\n", "cert", "address", clean(s.Address), clean(verify))
	for i, c := range append([]certprobe.Cert{s.Cert}, s.Chain...) {
		which := "leaf"
		if i > 0 {
			which = fmt.Sprintf("chain %d", i)
		}
		fmt.Fprintf(a.out, "  %-11s %-18s %s\n", "", which+" subject", clean(c.Subject))
		fmt.Fprintf(a.out, "  %-11s %-18s %s\n", "", "issuer", clean(c.Issuer))
		fmt.Fprintf(a.out, "  %-11s %-18s %s\n", "", "serial", clean(c.Serial))
		if len(c.SANs) > 0 {
			fmt.Fprintf(a.out, "  %-11s %-18s %s\n", "", "names", clean(strings.Join(c.SANs, ", ")))
		}
		fmt.Fprintf(a.out, "  %-11s %-18s %s to %s\n", "", "valid", c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly))
	}
	return true
}
