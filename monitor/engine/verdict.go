package engine

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// RecordVerdict stores a domain's verdict inside tx. A new state is one
// state_changed event (its detail carries the reasons, and "first": true
// when it is the domain's first verdict, a baseline rather than news) and
// one transition pointing at it; an unchanged state only refreshes the
// reasons. It returns the event written, or nil.
func RecordVerdict(tx store.Tx, d *store.Domain, at time.Time, state event.State, reasons []string, severity event.Severity) (*store.Event, error) {
	prev, first, err := tx.SetState(d.ID, at, state, reasons)
	if err != nil {
		return nil, err
	}
	if prev == state {
		return nil, nil
	}
	if reasons == nil {
		reasons = []string{}
	}
	detail, err := json.Marshal(event.VerdictDetail{Reasons: reasons, First: first})
	if err != nil {
		return nil, fmt.Errorf("verdict of %s: %w", d.Name, err)
	}
	ev := store.Event{DomainID: d.ID, Domain: d.Name, At: at, Kind: event.StateChanged, Field: "state",
		Old: string(prev), New: string(state), Severity: severity, Detail: detail}
	if ev.ID, err = tx.AddEvent(ev); err != nil {
		return nil, err
	}
	if err := tx.AddTransition(store.Transition{DomainID: d.ID, At: at, From: prev, To: state, Reasons: reasons, EventID: ev.ID}); err != nil {
		return nil, err
	}
	if wentLive(prev, state) {
		// The moment a name reported before it existed goes live: its own
		// event, so an alert rule can ask for exactly this.
		reg := store.Event{DomainID: d.ID, Domain: d.Name, At: at, Kind: event.Registered, Field: "state",
			Old: string(prev), New: string(state), Severity: event.Max(severity, event.SevWarning), Detail: detail}
		if _, err := tx.AddEvent(reg); err != nil {
			return nil, err
		}
	}
	return &ev, nil
}

// wentLive reports a move from unregistered to a state of a registered
// name.
func wentLive(prev, state event.State) bool {
	return prev == event.StateUnregistered && state != event.StateUnregistered && state != event.StateUnknown && state != event.StateDeleted
}

// Baseline reports an event that states what a newly watched domain is,
// rather than news: its first verdict when that is active or
// unregistered. Importing a thousand domains must not send a thousand mails.
func Baseline(ev store.Event) bool {
	return FirstVerdict(ev) && (event.State(ev.New) == event.StateActive || event.State(ev.New) == event.StateUnregistered)
}

// FirstVerdict reports a state_changed event that is a domain's first
// verdict (a baseline after it was added), not a change of the world. It
// reads the typed detail RecordVerdict wrote; a detail that does not
// decode is no first verdict, so a damaged row is told as news rather
// than hidden.
func FirstVerdict(ev store.Event) bool {
	if ev.Kind != event.StateChanged {
		return false
	}
	d, err := event.ParseVerdictDetail(ev.Detail)
	return err == nil && d.First
}
