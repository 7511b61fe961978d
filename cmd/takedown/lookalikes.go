package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/monitor/lookalike"
	"github.com/takedownhq/takedown/store"
)

// lookalikeRow is one line of output; DNS fields only with --registered.
// Its JSON names are those of a found look-alike (event.Lookalike): the
// imitated name is "brand", the look-alike "name".
type lookalikeRow struct {
	Input   string                  `json:"brand"`
	Fuzzer  string                  `json:"fuzzer"`
	Domain  string                  `json:"name"`
	Unicode string                  `json:"unicode"`
	DNS     *lookalike.Registration `json:"dns,omitempty"`
}

func newLookalikesCmd(a *app) *cobra.Command {
	var format, tldFile, dictFile string
	var fuzzers []string
	var registered, allSuffixes bool
	var concurrency int
	cmd := &cobra.Command{
		Use:   "lookalikes DOMAIN...",
		Short: "Generate look-alike domains (like dnstwist); --registered checks which exist",
		Long: `Generate look-alike domains of each DOMAIN with every fuzzer (dnstwist's and
takedown's: confusable, multichar, combosquatting). Without --registered no
network is used. With --registered each candidate's registrable domain is
looked up through the resolver, and only registered ones are printed.

Fuzzers: ` + strings.Join(lookalike.Fuzzers, ", "),
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "list", "csv", "json":
			default:
				return usagef("--format %q: want list, csv or json", format)
			}
			opts, err := lookalikeOptions(fuzzers, allSuffixes, dictFile, tldFile)
			if err != nil {
				return err
			}
			var bad []string
			var inputs []string
			for _, arg := range args {
				h, err := domain.Host(arg)
				if err != nil {
					bad = append(bad, err.Error())
					continue
				}
				inputs = append(inputs, h)
			}
			if len(bad) > 0 {
				return usageError{fmt.Errorf("bad domain(s):\n  %s", strings.Join(bad, "\n  "))}
			}
			var rows []lookalikeRow
			for _, in := range inputs {
				cands, err := lookalike.Generate(in, opts)
				if err != nil {
					return usageError{err}
				}
				lookalike.SortByFuzzer(cands)
				for _, c := range cands {
					rows = append(rows, lookalikeRow{Input: in, Fuzzer: c.Fuzzer, Domain: c.Name, Unicode: c.Unicode})
				}
			}
			if registered {
				if rows, err = a.checkLookalikes(cmd, rows, concurrency); err != nil {
					return err
				}
			}
			return writeLookalikes(a.out, format, rows, registered)
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "list", "list (one punycode name a line), csv or json")
	f.BoolVar(&registered, "registered", false, "look each candidate up in DNS and print only registered ones")
	f.StringSliceVar(&fuzzers, "fuzzers", nil, "fuzzers to run, comma-separated (default: all)")
	f.StringVar(&tldFile, "tld-file", "", "suffixes for tld-swap, one a line (default: a built-in list of common TLDs)")
	f.StringVar(&dictFile, "dictionary", "", "words for the dictionary fuzzer, one a line")
	f.BoolVar(&allSuffixes, "all-suffixes", false, "tld-swap across every ICANN public suffix")
	f.IntVar(&concurrency, "concurrency", 16, "lookups in flight with --registered")
	return cmd
}

// lookalikeOptions builds the generator's options from the flags; a list
// file that the chosen fuzzers would not read is bad usage.
func lookalikeOptions(fuzzers []string, allSuffixes bool, dictFile, tldFile string) (lookalike.Options, error) {
	opts := lookalike.Options{Fuzzers: fuzzers, AllSuffixes: allSuffixes}
	if err := opts.Check(); err != nil {
		return opts, usageError{fmt.Errorf("--fuzzers: %w", err)}
	}
	var err error
	if dictFile != "" {
		if opts.Dictionary, err = readLookalikeList(dictFile, lookalike.ParseWords); err != nil {
			return opts, err
		}
		if len(fuzzers) > 0 && !slices.Contains(fuzzers, lookalike.Dictionary) {
			return opts, usagef("--dictionary needs the dictionary fuzzer in --fuzzers")
		}
	}
	if tldFile != "" {
		if opts.TLDs, err = readLookalikeList(tldFile, lookalike.ParseTLDs); err != nil {
			return opts, err
		}
		if len(fuzzers) > 0 && !slices.Contains(fuzzers, lookalike.TLDSwap) {
			return opts, usagef("--tld-file needs the tld-swap fuzzer in --fuzzers")
		}
	}
	return opts, nil
}

// readLookalikeList opens a list file; a missing file or a bad line is bad input.
func readLookalikeList(path string, parse func(io.Reader, string) ([]string, error)) ([]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, usageError{err}
	}
	defer fh.Close()
	out, err := parse(fh, path)
	if err != nil {
		return nil, usageError{err}
	}
	return out, nil
}

// checkLookalikes looks up the registrable domain of every row and keeps the
// registered ones.
func (a *app) checkLookalikes(cmd *cobra.Command, rows []lookalikeRow, concurrency int) ([]lookalikeRow, error) {
	var names []string
	index := map[string]int{}
	for _, r := range rows {
		n, err := domain.Normalize(r.Domain)
		if err != nil {
			continue
		}
		if _, ok := index[n.ASCII]; !ok {
			index[n.ASCII] = len(names)
			names = append(names, n.ASCII)
		}
	}
	checker := lookalike.NewDNSChecker(a.cfg.Network)
	opts := lookalike.ScanOptions{Concurrency: concurrency, Rate: a.cfg.Network.DNSRate}
	var mu sync.Mutex
	checked := 0
	if bar := a.lookalikeProgress(len(names), "checking"); bar != nil {
		opts.Progress = func(done, total int) {
			mu.Lock()
			checked = done
			mu.Unlock()
			_ = bar.Set(done)
		}
		defer func() { _ = bar.Finish(); fmt.Fprintln(a.err) }()
	} else {
		// Not a terminal (a pipe, a log): a plain line every few seconds,
		// so a long scan never looks stuck.
		fmt.Fprintf(a.err, "checking %d candidate names at %g lookups a second\n", len(names), a.cfg.Network.DNSRate)
		last := time.Now()
		opts.Progress = func(done, total int) {
			mu.Lock()
			defer mu.Unlock()
			checked = done
			if time.Since(last) >= progressEvery {
				last = time.Now()
				fmt.Fprintf(a.err, "checked %d/%d\n", done, total)
			}
		}
	}
	res, err := lookalike.Scan(cmd.Context(), checker, names, opts)
	if cmd.Context().Err() != nil {
		mu.Lock()
		defer mu.Unlock()
		return nil, interrupted(fmt.Sprintf("after %d/%d lookups", checked, len(names)))
	}
	if err != nil {
		return nil, err
	}
	for _, s := range res.Wildcards {
		fmt.Fprintf(a.err, "takedown: .%s answers for any name (wildcard); its candidates count only with a delegation of their own\n", s)
	}
	unknown := 0
	var out []lookalikeRow
	for _, r := range rows {
		n, err := domain.Normalize(r.Domain)
		if err != nil {
			continue
		}
		reg := res.Registrations[index[n.ASCII]]
		switch reg.Status {
		case store.RegYes:
			r.DNS = &reg
			out = append(out, r)
		case store.RegUnknown:
			unknown++
		}
	}
	if unknown > 0 {
		fmt.Fprintf(a.err, "takedown: %d candidate(s) unknown (lookup failed or wildcard), not listed\n", unknown)
	}
	fmt.Fprintf(a.err, "%d of %d registered\n", len(out), len(rows))
	return out, nil
}

// progressEvery is how often a long command prints a progress line when
// stderr is not a terminal.
const progressEvery = 5 * time.Second

// progress returns a progress bar on stderr when stderr is a terminal.
func (a *app) lookalikeProgress(total int, what string) *progressbar.ProgressBar {
	f, ok := a.err.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(total, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionThrottle(100e6), progressbar.OptionClearOnFinish())
}

func writeLookalikes(w io.Writer, format string, rows []lookalikeRow, withDNS bool) error {
	switch format {
	case "list":
		for _, r := range rows {
			if _, err := fmt.Fprintln(w, r.Domain); err != nil {
				return err
			}
		}
		return nil
	case "json":
		if rows == nil {
			rows = []lookalikeRow{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "csv":
		cw := csv.NewWriter(w)
		head := []string{"input", "fuzzer", "domain", "unicode"}
		if withDNS {
			head = append(head, "ns", "a", "mx")
		}
		_ = cw.Write(head)
		for _, r := range rows {
			rec := []string{r.Input, r.Fuzzer, r.Domain, lookalikeCell(r.Unicode)}
			if withDNS && r.DNS != nil {
				rec = append(rec, lookalikeCell(strings.Join(r.DNS.NS, " ")), strings.Join(r.DNS.A, " "), lookalikeCell(strings.Join(r.DNS.MX, " ")))
			}
			_ = cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	}
	return errors.New("unknown format " + format)
}

// lookalikeCell keeps spreadsheet programs from reading a cell as a formula.
func lookalikeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
