package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/monitor/lifecycle"
)

func init() { register(newCheckCmd) }

// checkResult is the --json contract: one object per domain.
type checkResult struct {
	Domain     string            `json:"domain"`
	DNS        json.RawMessage   `json:"dns"`
	Delegation json.RawMessage   `json:"delegation"`
	WHOIS      json.RawMessage   `json:"whois"`
	RDAP       json.RawMessage   `json:"rdap"`
	Cert       json.RawMessage   `json:"cert"`
	HTTP       json.RawMessage   `json:"http"`
	Hosting    json.RawMessage   `json:"hosting,omitempty"` // only with --probes hosting
	Errors     map[string]string `json:"errors"`
	Verdict    *checkVerdict     `json:"verdict,omitempty"`
}

type checkVerdict struct {
	State   string   `json:"state"`
	Suspect string   `json:"suspect,omitempty"`
	Reasons []string `json:"reasons"`
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
			for _, p := range probes {
				if !contains(event.Probes, p) && p != event.ProbeHosting {
					return usagef("--probes: unknown probe %q (want %s,%s)", p, strings.Join(event.Probes, ","), event.ProbeHosting)
				}
			}
			ind, err := loadIndicators(a, indicators)
			if err != nil {
				return err
			}
			ps, err := monitor.NewProbers(a.cfg.Network)
			if err != nil {
				return err
			}
			defer ps.Close()
			// A person asking once wants both registry views.
			ps.WhoisEverywhere = true
			list, err := ps.List(probes...)
			if err != nil {
				return usageError{err}
			}
			// A watched domain is judged with its stored history, as the
			// daemon would judge it; check never writes.
			st, err := a.existingStore(cmd.Context())
			if err != nil {
				return err
			}
			m := engine.New(st, list, monitor.LifecycleJudge{Indicators: ind}, engine.Options{
				ProbeTimeout: a.cfg.Monitor.ProbeTimeout})
			results := make([]checkResult, len(names))
			var wg sync.WaitGroup
			sem := make(chan struct{}, 8)
			var firstErr error
			var mu sync.Mutex
			for i, name := range names {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					as, err := m.Assess(cmd.Context(), name, probes)
					if err != nil {
						mu.Lock()
						firstErr = cmp.Or(firstErr, fmt.Errorf("check %s: %w", name, err))
						mu.Unlock()
						return
					}
					results[i] = checkResultOf(as)
				}()
			}
			wg.Wait()
			if err := cmd.Context().Err(); err != nil {
				return err
			}
			if firstErr != nil {
				return firstErr
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
	cmd.Flags().StringSliceVar(&probes, "probes", nil, "probes to run: dns,delegation,whois,rdap,cert,http (default all)")
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
	for kind, dst := range map[string]*json.RawMessage{event.ProbeDNS: &r.DNS, event.ProbeDelegation: &r.Delegation,
		event.ProbeWHOIS: &r.WHOIS, event.ProbeRDAP: &r.RDAP, event.ProbeCert: &r.Cert, event.ProbeHTTP: &r.HTTP,
		event.ProbeHosting: &r.Hosting} {
		if data := as.Data[kind]; data != nil {
			*dst = data
		}
	}
	v := as.Verdict
	r.Verdict = &checkVerdict{State: v.State, Suspect: v.Suspect, Reasons: v.Reasons}
	if r.Verdict.Reasons == nil {
		r.Verdict.Reasons = []string{}
	}
	return r
}

func printCheck(a *app, r checkResult) {
	fmt.Fprintf(a.out, "%s\n", r.Domain)
	if v := r.Verdict; v != nil {
		state := v.State
		if v.Suspect != "" {
			state += " (suspected " + v.Suspect + ")"
		}
		fmt.Fprintf(a.out, "  verdict     %s\n", state)
		for _, reason := range v.Reasons {
			fmt.Fprintf(a.out, "              - %s\n", clean(reason))
		}
	}
	for _, kv := range []struct {
		kind string
		raw  json.RawMessage
	}{{"dns", r.DNS}, {"delegation", r.Delegation}, {"rdap", r.RDAP}, {"whois", r.WHOIS}, {"cert", r.Cert}, {"http", r.HTTP}, {"hosting", r.Hosting}} {
		if len(kv.raw) == 0 {
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
				label = kv.kind
				first = false
			}
			fmt.Fprintf(a.out, "  %-11s %-18s %s\n", label, k, clean(val))
		}
	}
	kinds := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(a.out, "  %-11s %s\n", k+" error", clean(r.Errors[k]))
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
