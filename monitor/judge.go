package monitor

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/takedownhq/takedown/monitor/diff"
	"github.com/takedownhq/takedown/monitor/domain"
	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/store"
)

// LifecycleJudge turns snapshot changes into events with monitor/diff and
// judges takedown state with monitor/lifecycle's indicators.
type LifecycleJudge struct {
	Indicators *lifecycle.Indicators
}

var _ Judge = LifecycleJudge{}

// noisy fields are covered by another field of the same change: the page
// excerpt by text_hash, so one edit of a page is one event, not two.
var noisy = map[string]map[string]bool{
	KindHTTP: {"text": true},
}

// Changes diffs two snapshots of a probe into events, one per changed field.
func (j LifecycleJudge) Changes(name, probe string, prev, cur []byte, at time.Time) []store.Event {
	changes, err := diff.Diff(prev, cur)
	if err != nil {
		return []store.Event{{Kind: "snapshot_changed", Probe: probe, Severity: store.SevInfo, At: at,
			New: "unreadable snapshot: " + err.Error()}}
	}
	var evs []store.Event
	for _, c := range changes {
		if noisy[probe][c.Field] {
			continue
		}
		cls := diff.Classify(probe, c)
		detail, _ := json.Marshal(map[string]any{"summary": c.Summary(), "added": c.Added, "removed": c.Removed})
		old, nw := c.Old, c.New
		if c.List {
			old, nw = strings.Join(c.Removed, ", "), strings.Join(c.Added, ", ")
			if old == "" && nw == "" {
				old, nw = c.Old, c.New
			}
		}
		evs = append(evs, store.Event{Kind: cls.Kind, Probe: probe, Field: c.Field, Old: old, New: nw,
			Severity: cls.Severity, At: at, Detail: detail})
	}
	return evs
}

// snapshot shapes, by their JSON contract (see `takedown check --json`).
type (
	dnsSnap struct {
		A     []string `json:"a"`
		AAAA  []string `json:"aaaa"`
		NS    []string `json:"ns"`
		Rcode string   `json:"rcode"`
	}
	delegationSnap struct {
		NS    []string `json:"ns"`
		Glue  []string `json:"glue"`
		Rcode string   `json:"rcode"`
	}
	registrySnap struct {
		Registrar        string    `json:"registrar"`
		RegistrarIANAID  int       `json:"registrar_iana_id"`
		RegistryDomainID string    `json:"registry_domain_id"`
		Created          time.Time `json:"created"`
		Updated          time.Time `json:"updated"`
		Expires          time.Time `json:"expires"`
		Statuses         []string  `json:"statuses"`
		Nameservers      []string  `json:"nameservers"`
		RegistrantOrg    string    `json:"registrant_org"`
		Found            bool      `json:"found"`
	}
	httpSnap struct {
		Title  string   `json:"title"`
		Text   string   `json:"text"`
		Assets []string `json:"assets"`
	}
)

func registration(source string, data []byte) *lifecycle.Registration {
	var r registrySnap
	if json.Unmarshal(data, &r) != nil {
		return nil
	}
	reg := &lifecycle.Registration{Source: source, Found: r.Found, RegistryDomainID: r.RegistryDomainID,
		Registrar: r.Registrar, RegistrantOrg: r.RegistrantOrg, Created: r.Created, Updated: r.Updated,
		Expires: r.Expires, Statuses: r.Statuses, NameServers: r.Nameservers}
	if r.RegistrarIANAID != 0 {
		reg.RegistrarIANAID = strconv.Itoa(r.RegistrarIANAID)
	}
	return reg
}

func addrs(list ...[]string) []netip.Addr {
	var out []netip.Addr
	for _, l := range list {
		for _, s := range l {
			if a, err := netip.ParseAddr(s); err == nil {
				out = append(out, a)
			}
		}
	}
	return out
}

// Evidence builds the lifecycle evidence from a domain's latest snapshots.
func Evidence(name string, latest map[string]*store.Snapshot, failed map[string]bool, at time.Time) lifecycle.Evidence {
	ev := lifecycle.Evidence{Domain: name, Now: at}
	if sn := latest[KindDelegation]; sn != nil {
		var d delegationSnap
		if json.Unmarshal(sn.Data, &d) == nil {
			ev.Delegation = &lifecycle.Delegation{Rcode: d.Rcode, NS: d.NS}
			nsAddrs := map[string][]netip.Addr{}
			for _, g := range d.Glue {
				host, addr, ok := strings.Cut(g, " ")
				if a, err := netip.ParseAddr(addr); ok && err == nil {
					nsAddrs[host] = append(nsAddrs[host], a)
				}
			}
			if len(nsAddrs) > 0 {
				ev.DNS = &lifecycle.DNS{NSAddrs: nsAddrs}
			}
		}
	}
	if sn := latest[KindDNS]; sn != nil {
		var d dnsSnap
		if json.Unmarshal(sn.Data, &d) == nil {
			if ev.DNS == nil {
				ev.DNS = &lifecycle.DNS{}
			}
			ev.DNS.Rcode, ev.DNS.NS, ev.DNS.Addrs = d.Rcode, d.NS, addrs(d.A, d.AAAA)
		}
	}
	// RDAP is the registries' protocol of record; WHOIS where RDAP is absent.
	if sn := latest[KindRDAP]; sn != nil {
		ev.Registry = registration(KindRDAP, sn.Data)
	}
	if sn := latest[KindWHOIS]; ev.Registry == nil && sn != nil {
		ev.Registry = registration(KindWHOIS, sn.Data)
	}
	if sn := latest[KindHTTP]; sn != nil {
		var h httpSnap
		if json.Unmarshal(sn.Data, &h) == nil {
			ev.HTTP = &lifecycle.Page{Title: h.Title, Text: h.Text, Assets: h.Assets}
		}
	}
	for k := range failed {
		ev.Failed = append(ev.Failed, k)
	}
	return ev
}

// Verdict judges a domain inside the check's transaction.
func (j LifecycleJudge) Verdict(tx store.Tx, d *store.Domain, latest map[string]*store.Snapshot, failed map[string]bool, at time.Time) (Verdict, error) {
	ev := Evidence(d.Name, latest, failed, at)
	prev := lifecycle.Previous{State: d.State, Reasons: d.StateReasons}
	trs, err := tx.Transitions(d.ID)
	if err != nil {
		return Verdict{}, err
	}
	for _, tr := range trs {
		switch tr.To {
		case lifecycle.StateSeized, lifecycle.StateSinkholed, lifecycle.StateSuspended:
			prev.TakenDown = true
		}
	}
	// The registration before the latest one, from the same protocol: ROIDs
	// and dates are only comparable between answers of one kind.
	if ev.Registry != nil {
		snaps, err := tx.Snapshots(d.ID, ev.Registry.Source, 2)
		if err != nil {
			return Verdict{}, err
		}
		if len(snaps) == 2 {
			prev.Registry = registration(ev.Registry.Source, snaps[1].Data)
		}
	}
	// The states of the seizure and sinkhole name servers' own domains,
	// where they are watched, so a lapse there reads as a hijack.
	if ev.Delegation != nil {
		for _, ns := range ev.Delegation.NS {
			n, err := domain.Normalize(ns)
			if err != nil {
				continue
			}
			if nd, err := tx.Domain(n.ASCII); err == nil {
				if ev.NSDomainStates == nil {
					ev.NSDomainStates = map[string]string{}
				}
				ev.NSDomainStates[n.ASCII] = nd.State
			}
		}
	}
	v := j.Indicators.Judge(ev, prev)
	out := Verdict{State: v.State, Reasons: v.Reasons, Severity: v.Severity, Suspect: v.Suspect}
	if out.Severity == "" {
		out.Severity = store.SevInfo
	}
	return out, nil
}

// describeVerdict is a verdict as one line for logs and the demo.
func describeVerdict(v Verdict) string {
	s := v.State
	if v.Suspect != "" {
		s += fmt.Sprintf(" (suspected %s)", v.Suspect)
	}
	if len(v.Reasons) > 0 {
		s += ": " + strings.Join(v.Reasons, "; ")
	}
	return s
}
