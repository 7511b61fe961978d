package store

import (
	"encoding/json"

	"github.com/takedownhq/takedown/internal/base/event"
)

// Wire is the event in its one JSON shape.
func (e Event) Wire() event.Wire {
	return event.Wire{ID: e.ID, Domain: e.Domain, At: e.At, Kind: e.Kind, Probe: e.Probe, Field: e.Field,
		Old: e.Old, New: e.New, Severity: e.Severity, Detail: event.RawJSON(e.Detail)}
}

// MarshalJSON prints the wire shape, so an Event encoded anywhere shows
// its detail as an object and never as base64.
func (e Event) MarshalJSON() ([]byte, error) { return json.Marshal(e.Wire()) }

// Wire is the look-alike in its one JSON shape.
func (l Lookalike) Wire() event.Lookalike {
	w := event.Lookalike{Brand: l.Brand, Name: l.Name, Unicode: l.Unicode, Fuzzer: l.Fuzzer, Source: l.Source,
		Score: l.Score, FirstSeen: l.FirstSeen, LastChecked: l.LastChecked, Registered: l.Registered,
		RegisteredSeen: l.RegisteredSeen, Created: l.Created, DNS: event.RawJSON(l.DNS), Status: l.Status, StatusAt: l.StatusAt,
		Screenshot: l.Screenshot}
	if l.Risk.Level != "" {
		reasons := l.Risk.Reasons
		if reasons == nil {
			reasons = []string{}
		}
		w.Risk = &event.Risk{Level: l.Risk.Level, Score: l.Risk.Score, Reasons: reasons, At: l.Risk.At}
	}
	return w
}

// MarshalJSON prints the wire shape (DNS as an object).
func (l Lookalike) MarshalJSON() ([]byte, error) { return json.Marshal(l.Wire()) }
