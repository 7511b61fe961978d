// Package judge is the engine's lifecycle judge: it reads a domain's latest
// snapshots as lifecycle evidence (delegation, DNS, the registration of
// record, the page), turns snapshot changes into events with monitor/diff,
// and asks monitor/lifecycle for the verdict. It implements engine.Judge,
// so the wiring only picks it.
package judge

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/diff"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/monitor/probe/dnsprobe"
	"github.com/takedownhq/takedown/monitor/probe/httpprobe"
	"github.com/takedownhq/takedown/monitor/probe/whoisprobe"
	"github.com/takedownhq/takedown/store"
)

// Lifecycle turns snapshot changes into events with monitor/diff and
// judges takedown state with monitor/lifecycle's indicators.
type Lifecycle struct {
	Indicators *lifecycle.Indicators
}

var _ engine.Judge = Lifecycle{}

// Changes diffs two snapshots of a probe into events. One change of the
// world is one event where the fields move together: a registry record
// that disappears is "found: true → false", not twelve emptied fields; a
// new certificate is one event; a page edit is one event.
func (j Lifecycle) Changes(name string, probe event.Probe, prev, cur []byte, at time.Time) []store.Event {
	changes, err := diff.Diff(prev, cur)
	if err != nil {
		return []store.Event{{Kind: event.SnapshotChanged, Probe: probe, Severity: event.SevInfo, At: at,
			New: "unreadable snapshot: " + err.Error()}}
	}
	if len(changes) == 0 {
		return nil
	}
	byField := map[string]diff.Change{}
	for _, c := range changes {
		byField[c.Field] = c
	}
	one := func(lead string) []store.Event {
		c := byField[lead]
		cls := diff.Classify(probe, c)
		return []store.Event{changeEvent(probe, c, cls, changes, at)}
	}
	switch probe {
	case event.ProbeRDAP, event.ProbeWHOIS:
		if _, ok := byField["found"]; ok {
			return one("found")
		}
		if _, ok := byField["updated"]; ok && len(changes) > 1 {
			changes = without(changes, "updated")
		}
	case event.ProbeDNS, event.ProbeDelegation:
		if _, ok := byField["rcode"]; ok {
			return one("rcode")
		}
		if _, ok := byField["ns"]; ok && probe == event.ProbeDelegation {
			return one("ns")
		}
		if probe == event.ProbeDNS {
			var evs []store.Event
			if c, ok := byField["ns"]; ok {
				evs = append(evs, changeEvent(probe, c, diff.Classify(probe, c), []diff.Change{c}, at))
				changes = without(changes, "ns")
			}
			if len(changes) > 0 {
				evs = append(evs, changeEvent(probe, changes[0], diff.Classify(probe, changes[0]), changes, at))
			}
			return evs
		}
	case event.ProbeCert:
		if _, ok := byField["sha256"]; ok {
			return one("sha256")
		}
	case event.ProbeHTTP:
		lead := changes[0].Field
		for _, f := range []string{"title", "status", "final_url", "text_hash"} {
			if _, ok := byField[f]; ok {
				lead = f
				break
			}
		}
		return one(lead)
	}
	evs := make([]store.Event, 0, len(changes))
	for _, c := range changes {
		evs = append(evs, changeEvent(probe, c, diff.Classify(probe, c), []diff.Change{c}, at))
	}
	return evs
}

// changeEvent is an event led by one change; group are all the changes it
// stands for (their summaries go into the detail).
func changeEvent(probe event.Probe, lead diff.Change, cls diff.Class, group []diff.Change, at time.Time) store.Event {
	old, nw := lead.Old, lead.New
	if lead.List {
		old, nw = strings.Join(lead.Removed, ", "), strings.Join(lead.Added, ", ")
		if old == "" && nw == "" {
			old, nw = lead.Old, lead.New
		}
	}
	fields := make([]string, 0, len(group))
	summaries := make([]string, 0, len(group))
	sev := cls.Severity
	for _, c := range group {
		fields = append(fields, c.Field)
		summaries = append(summaries, c.Summary())
		if other := diff.Classify(probe, c); event.Rank(other.Severity) > event.Rank(sev) {
			sev = other.Severity
		}
	}
	field := lead.Field
	if len(fields) > 1 {
		field = strings.Join(fields, ",")
		if len(field) > 120 {
			field = lead.Field + ",…"
		}
	}
	// A side with no items is left out: null there read "added null" on
	// every timeline.
	d := map[string]any{"changes": summaries}
	if len(lead.Added) > 0 {
		d["added"] = lead.Added
	}
	if len(lead.Removed) > 0 {
		d["removed"] = lead.Removed
	}
	detail, _ := json.Marshal(d)
	return store.Event{Kind: cls.Kind, Probe: probe, Field: field, Old: old, New: nw, Severity: sev, At: at, Detail: detail}
}

func without(cs []diff.Change, field string) []diff.Change {
	out := cs[:0:0]
	for _, c := range cs {
		if c.Field != field {
			out = append(out, c)
		}
	}
	return out
}

func registration(source event.Probe, data []byte) *lifecycle.Registration {
	var r whoisprobe.Record
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
func Evidence(name string, latest map[event.Probe]*store.Snapshot, failed map[event.Probe]bool, at time.Time) lifecycle.Evidence {
	ev := lifecycle.Evidence{Domain: name, Now: at}
	if sn := latest[event.ProbeDelegation]; sn != nil {
		var d dnsprobe.Delegation
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
	if sn := latest[event.ProbeDNS]; sn != nil {
		var d dnsprobe.Snapshot
		if json.Unmarshal(sn.Data, &d) == nil {
			if ev.DNS == nil {
				ev.DNS = &lifecycle.DNS{}
			}
			ev.DNS.Rcode, ev.DNS.NS, ev.DNS.Addrs = d.Rcode, d.NS, addrs(d.A, d.AAAA)
		}
	}
	// RDAP is the registries' protocol of record; WHOIS where RDAP is absent.
	if sn := latest[event.ProbeRDAP]; sn != nil {
		ev.Registry = registration(event.ProbeRDAP, sn.Data)
	}
	if sn := latest[event.ProbeWHOIS]; ev.Registry == nil && sn != nil {
		ev.Registry = registration(event.ProbeWHOIS, sn.Data)
	}
	if sn := latest[event.ProbeHTTP]; sn != nil {
		var h httpprobe.Snapshot
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
func (j Lifecycle) Verdict(h engine.History, d *store.Domain, latest map[event.Probe]*store.Snapshot, failed map[event.Probe]bool, at time.Time) (engine.Verdict, error) {
	ev := Evidence(d.Name, latest, failed, at)
	prev := lifecycle.Previous{State: d.State, Reasons: d.StateReasons}
	trs, err := h.Transitions(d.ID)
	if err != nil {
		return engine.Verdict{}, err
	}
	for _, tr := range trs {
		switch tr.To {
		case event.StateSeized, event.StateSinkholed, event.StateSuspended:
			prev.TakenDown = true
		}
		if tr.To != event.StateUnknown && tr.To != event.StateUnregistered && tr.To != "" {
			prev.EverRegistered = true
		}
	}
	// The registration before the latest one, from the same protocol: ROIDs
	// and dates are only comparable between answers of one kind.
	if ev.Registry != nil {
		snaps, err := h.Snapshots(d.ID, string(ev.Registry.Source), 2)
		if err != nil {
			return engine.Verdict{}, err
		}
		// The daemon reads inside the transaction that stored the current
		// answer, `check` beside it: the previous registration is the
		// newest stored one that is not the current answer.
		for _, sn := range snaps {
			if cur := latest[ev.Registry.Source]; cur == nil || sn.Hash != cur.Hash {
				prev.Registry = registration(ev.Registry.Source, sn.Data)
				break
			}
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
			if nd, err := h.Domain(n.ASCII); err == nil {
				if ev.NSDomainStates == nil {
					ev.NSDomainStates = map[string]event.State{}
				}
				ev.NSDomainStates[n.ASCII] = nd.State
			}
		}
	}
	v := j.Indicators.Judge(ev, prev)
	out := engine.Verdict{State: v.State, Reasons: v.Reasons, Severity: v.Severity, Suspect: v.Suspect}
	if r := ev.Registry; r != nil && r.Found {
		out.Expires, out.ExpiresFrom = r.Expires, r.Source
	}
	if out.Severity == "" {
		out.Severity = event.SevInfo
	}
	out.Until = j.until(ev, at)
	return out, nil
}

// timeless is how long a verdict that no date moves holds for the same
// evidence; the monitor judges it again far sooner anyway
// (engine.Options.RejudgeAfter).
const timeless = 100 * 365 * 24 * time.Hour

// until is when the same evidence could be judged otherwise: lifecycle
// compares the time with the registration's expiry (a day past it, a
// clientHold is the registrar's expiry hold) and with the indicators'
// valid_until dates. It is zero when the verdict read the states of other
// watched domains (the takedown operators' own), which move by themselves.
func (j Lifecycle) until(ev lifecycle.Evidence, at time.Time) time.Time {
	if len(ev.NSDomainStates) > 0 {
		return time.Time{}
	}
	until := at.Add(timeless)
	earlier := func(t time.Time) {
		if t.After(at) && t.Before(until) {
			until = t
		}
	}
	if r := ev.Registry; r != nil && !r.Expires.IsZero() {
		earlier(r.Expires.Add(24 * time.Hour))
	}
	for _, s := range j.Indicators.Signatures {
		if !s.ValidUntil.IsZero() {
			earlier(s.ValidUntil)
		}
	}
	return until
}
