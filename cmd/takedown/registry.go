package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/monitor/probe/hostingprobe"
	"github.com/takedownhq/takedown/monitor/probe/whoisprobe"
	"github.com/takedownhq/takedown/monitor/regdata"
	"github.com/takedownhq/takedown/store"
)

// registryAsked is the --json shape with --ask: the answer beside where it
// came from.
type registryAsked struct {
	regdata.Answer
	Registration *whoisprobe.Record `json:"registration,omitempty"`
	Hosting      any                `json:"hosting,omitempty"`
	Error        string             `json:"error,omitempty"`
}

func newRegistryCmd(a *app) *cobra.Command {
	var asJSON, ask bool
	cmd := &cobra.Command{
		Use:   "registry NAME|ADDRESS",
		Short: "Say where a name's or an address's registration data comes from, and why (sends nothing without --ask)",
		Long: `registry says which RDAP base URL (IANA bootstrap of DATE, override of DATE
with its source, or configured) and which WHOIS server answer for a domain,
and for an IP address which RIR. Without --ask it sends nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.registry(cmd.Context(), args[0], asJSON, ask)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&ask, "ask", false, "also query the server and show its answer")
	return cmd
}

func (a *app) registry(ctx context.Context, arg string, asJSON, ask bool) error {
	name := strings.TrimSpace(arg)
	ip, ipErr := netip.ParseAddr(name)
	if ipErr != nil {
		n, err := domain.Normalize(name)
		if err != nil {
			return usageError{fmt.Errorf("registry %q: not a domain name or IP address: %w", arg, err)}
		}
		name = n.ASCII
	} else {
		name = ip.Unmap().String()
	}
	reg, note, err := a.regRegistry(ctx, ask)
	if err != nil {
		return err
	}
	ans, rw, ww := reg.Answer(name)
	out := registryAsked{Answer: ans}
	if ask {
		if ipErr != nil {
			out.Registration, err = a.askRegistration(ctx, name)
		} else {
			out.Hosting, err = a.askHosting(ctx, reg, ip)
		}
		if err != nil {
			out.Error = err.Error()
		}
	}
	if asJSON {
		enc := json.NewEncoder(a.out)
		enc.SetIndent("", "  ")
		if !ask {
			return enc.Encode(ans)
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
		if out.Error != "" {
			return errors.New(out.Error)
		}
		return nil
	}
	a.printRegistry(ans, rw, ww, note)
	if ask {
		b, _ := json.MarshalIndent(struct {
			Registration *whoisprobe.Record `json:"registration,omitempty"`
			Hosting      any                `json:"hosting,omitempty"`
		}{out.Registration, out.Hosting}, "  ", "  ")
		fmt.Fprintf(a.out, "  answer %s\n", b)
		if out.Error != "" {
			return errors.New(out.Error)
		}
	}
	return nil
}

func (a *app) printRegistry(ans regdata.Answer, rw *regdata.RDAPWhere, ww *regdata.WHOISWhere, note string) {
	fmt.Fprintln(a.out, ans.Name)
	if rw == nil {
		fmt.Fprintln(a.out, "  rdap   none (no RDAP service in IANA's bootstrap or the override table)")
	} else {
		why := ""
		switch rw.Source {
		case regdata.SourceIANA:
			why = fmt.Sprintf("IANA bootstrap of %s, entry %s", rw.Date, rw.Key)
			if rw.RIR != "" {
				why += ", RIR " + rw.RIR
			}
		case regdata.SourceOverride:
			why = fmt.Sprintf("override of %s for .%s: %s; source: %s", rw.Date, rw.Key, rw.Operator, rw.Reference)
			if rw.Notes != "" {
				why += "; note: " + rw.Notes
			}
		case regdata.SourceConfig:
			why = "configured (network.rdap_url)"
			if rw.Key != "" {
				why = fmt.Sprintf("configured bootstrap (network.rdap_bootstrap) of %s, entry %s", rw.Date, rw.Key)
			}
		}
		fmt.Fprintf(a.out, "  rdap   %s  (%s)\n", rw.BaseURL, why)
	}
	if ww == nil {
		fmt.Fprintln(a.out, "  whois  none")
	} else {
		why := map[string]string{
			regdata.WHOISConfig:   "configured (network.whois_servers)",
			regdata.WHOISTableSrc: "embedded TLD table of " + ww.Date,
			regdata.WHOISReferral: "not in the table: the referral server names it at query time",
			regdata.WHOISRIR:      "the RIR's WHOIS",
		}[ww.Source]
		fmt.Fprintf(a.out, "  whois  %s  (%s)\n", ww.Server, why)
	}
	if note != "" {
		fmt.Fprintf(a.out, "  note   %s\n", note)
	}
}

// regRegistry builds the registry the probes would use. A bootstrap URL is
// fetched only when asked; otherwise the embedded files answer, with a note.
func (a *app) regRegistry(ctx context.Context, ask bool) (*regdata.Registry, string, error) {
	n := a.cfg.Network
	o := whoisprobe.RegistryOptions(n)
	if isURL(n.RDAPBootstrap) && !ask {
		set, err := a.storedBootstrap(ctx)
		if err != nil {
			return nil, "", err
		}
		o.Set = set
		reg, err := regdata.New(o)
		return reg, fmt.Sprintf("network.rdap_bootstrap %s is not fetched without --ask; showing the %s copy", n.RDAPBootstrap, set.Origin), err
	}
	if isURL(n.RDAPBootstrap) {
		p, err := whoisprobe.NewRDAP(n, nil)
		if err != nil {
			return nil, "", usageError{err}
		}
		reg, err := p.Registry(ctx)
		return reg, "", err
	}
	set, _, err := whoisprobe.LabSet(n.RDAPBootstrap)
	if err != nil {
		return nil, "", usageError{err}
	}
	if n.RDAPBootstrap == "" {
		if set, err = a.storedBootstrap(ctx); err != nil {
			return nil, "", err
		}
	}
	o.Set = set
	reg, err := regdata.New(o)
	if err != nil {
		return nil, "", usageError{err}
	}
	return reg, "", nil
}

func isURL(s string) bool { return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") }

func (a *app) askRegistration(ctx context.Context, name string) (*whoisprobe.Record, error) {
	p, err := whoisprobe.New(a.cfg.Network, nil)
	if err != nil {
		return nil, err
	}
	var rec whoisprobe.Record
	if p.RDAP.Covers(ctx, name) {
		rec, err = p.RDAP.Probe(ctx, name)
		if err != nil {
			rec, err = whoisprobe.Fallback(ctx, p.WHOIS, name, err)
		}
	} else {
		rec, err = p.WHOIS.Probe(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// storedBootstrap is the bootstrap set the daemon would start from: the
// last good copy a refresh stored in the database, else the embedded one.
func (a *app) storedBootstrap(ctx context.Context) (*regdata.Set, error) {
	st, err := a.existingStore(ctx)
	if err != nil || st == nil {
		return regdata.Embedded(), err
	}
	rs, ok := st.(store.RegistrationStore)
	if !ok {
		return regdata.Embedded(), nil
	}
	return (&regdata.Refresher{Store: rs}).Load(ctx)
}

// askHosting looks the address up at its RIR (no cache: the user asked).
func (a *app) askHosting(ctx context.Context, reg *regdata.Registry, ip netip.Addr) (any, error) {
	p := hostingprobe.New(func(context.Context) (*regdata.Registry, error) { return reg, nil }, nil, nil,
		hostingprobe.Options{Timeout: a.cfg.Network.Timeout, AnyAddress: a.cfg.Network.RDAPBootstrap != "", MaxWait: 10 * time.Second})
	snap, err := p.Addresses(ctx, []string{ip.String()})
	if err != nil {
		return nil, err
	}
	if len(snap.Addresses) == 1 && snap.Addresses[0].Stale {
		return snap, fmt.Errorf("registry %s: the RIR did not answer", ip)
	}
	return snap, nil
}
