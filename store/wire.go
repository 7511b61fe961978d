package store

import (
	"encoding/json"

	"github.com/takedownhq/takedown/internal/base/event"
)

// Wire is the event in its one JSON shape.
func (e Event) Wire() event.Wire {
	return event.Wire{ID: e.ID, Domain: e.Domain, At: event.T(e.At), Kind: e.Kind, Probe: e.Probe, Field: e.Field,
		Old: e.Old, New: e.New, Severity: e.Severity, Detail: event.RawJSON(e.Detail)}
}

// MarshalJSON prints the wire shape, so an Event encoded anywhere shows
// its detail as an object and never as base64.
func (e Event) MarshalJSON() ([]byte, error) { return json.Marshal(e.Wire()) }

// Wire is the look-alike in its one JSON shape.
func (l Lookalike) Wire() event.Lookalike {
	w := event.Lookalike{Brand: l.Brand, Name: l.Name, Unicode: l.Unicode, Fuzzer: l.Fuzzer, Source: l.Source,
		MatchScore: l.Score, Score: l.Score, FirstSeen: event.T(l.FirstSeen), LastChecked: event.T(l.LastChecked), Registered: l.Registered,
		RegisteredSeen: event.T(l.RegisteredSeen), Created: event.T(l.Created), DNS: event.RawJSON(l.DNS), Status: l.Status,
		StatusAt: event.T(l.StatusAt), Screenshot: l.Screenshot}
	if l.Risk.Level != "" {
		reasons := l.Risk.Reasons
		if reasons == nil {
			reasons = []string{}
		}
		w.Risk = &event.Risk{Level: l.Risk.Level, Score: l.Risk.Score, Reasons: reasons, At: event.T(l.Risk.At)}
	}
	return w
}

// MarshalJSON prints the wire shape (DNS as an object).
func (l Lookalike) MarshalJSON() ([]byte, error) { return json.Marshal(l.Wire()) }

// The types below keep their json tags; each MarshalJSON only re-states
// its time fields as event.Time, so every moment in every document has
// the one format (a field of the outer struct hides the embedded one of
// the same JSON name).

// MarshalJSON prints the domain with its times in event.TimeFormat.
func (d Domain) MarshalJSON() ([]byte, error) {
	type plain Domain
	return json.Marshal(struct {
		plain
		AddedAt     event.Time `json:"added_at"`
		StateSince  event.Time `json:"state_since,omitzero"`
		LastChecked event.Time `json:"last_checked,omitzero"`
	}{plain(d), event.T(d.AddedAt), event.T(d.StateSince), event.T(d.LastChecked)})
}

// MarshalJSON prints the probe status with its times in event.TimeFormat.
func (p ProbeStatus) MarshalJSON() ([]byte, error) {
	type plain ProbeStatus
	return json.Marshal(struct {
		plain
		LastRun event.Time `json:"last_run,omitzero"`
		LastOK  event.Time `json:"last_ok,omitzero"`
	}{plain(p), event.T(p.LastRun), event.T(p.LastOK)})
}

// MarshalJSON prints the probe error with its times in event.TimeFormat.
func (p ProbeError) MarshalJSON() ([]byte, error) {
	type plain ProbeError
	return json.Marshal(struct {
		plain
		FirstSeen event.Time `json:"first_seen"`
		LastSeen  event.Time `json:"last_seen"`
	}{plain(p), event.T(p.FirstSeen), event.T(p.LastSeen)})
}

// MarshalJSON prints the transition with its time in event.TimeFormat.
func (t Transition) MarshalJSON() ([]byte, error) {
	type plain Transition
	return json.Marshal(struct {
		plain
		At event.Time `json:"at"`
	}{plain(t), event.T(t.At)})
}

// MarshalJSON prints the outbox row with its times in event.TimeFormat.
func (o OutboxItem) MarshalJSON() ([]byte, error) {
	type plain OutboxItem
	return json.Marshal(struct {
		plain
		NextTry   event.Time `json:"next_try"`
		SentAt    event.Time `json:"sent_at,omitzero"`
		CreatedAt event.Time `json:"created_at"`
	}{plain(o), event.T(o.NextTry), event.T(o.SentAt), event.T(o.CreatedAt)})
}

// MarshalJSON prints the feed with its times in event.TimeFormat.
func (f Feed) MarshalJSON() ([]byte, error) {
	type plain Feed
	return json.Marshal(struct {
		plain
		LastRun   event.Time `json:"last_run,omitzero"`
		CreatedAt event.Time `json:"created_at"`
	}{plain(f), event.T(f.LastRun), event.T(f.CreatedAt)})
}

// OutboxWire is the one JSON shape of an alert delivery, in the API's
// /outbox and `alerts list --json`: the outbox row with the event it
// delivers embedded (absent when the event is gone).
type OutboxWire struct {
	OutboxItem
	Event *event.Wire
}

// NewOutboxWire pairs a row with its event (nil when unknown).
func NewOutboxWire(it OutboxItem, ev *Event) OutboxWire {
	w := OutboxWire{OutboxItem: it}
	if ev != nil {
		e := ev.Wire()
		w.Event = &e
	}
	return w
}

// MarshalJSON prints the row's fields and its event under "event".
func (w OutboxWire) MarshalJSON() ([]byte, error) {
	type plain OutboxItem
	o := w.OutboxItem
	return json.Marshal(struct {
		plain
		NextTry   event.Time  `json:"next_try"`
		SentAt    event.Time  `json:"sent_at,omitzero"`
		CreatedAt event.Time  `json:"created_at"`
		Event     *event.Wire `json:"event,omitempty"`
	}{plain(o), event.T(o.NextTry), event.T(o.SentAt), event.T(o.CreatedAt), w.Event})
}

// MarshalJSON prints the case with its times in event.TimeFormat.
func (c Case) MarshalJSON() ([]byte, error) {
	type plain Case
	return json.Marshal(struct {
		plain
		OpenedAt        event.Time `json:"opened_at"`
		StatusAt        event.Time `json:"status_at"`
		ChangedAt       event.Time `json:"changed_at"`
		FirstReportedAt event.Time `json:"first_reported_at,omitzero"`
		TakenDownAt     event.Time `json:"taken_down_at,omitzero"`
		StalledAt       event.Time `json:"stalled_at,omitzero"`
	}{plain(c), event.T(c.OpenedAt), event.T(c.StatusAt), event.T(c.ChangedAt), event.T(c.FirstReportedAt),
		event.T(c.TakenDownAt), event.T(c.StalledAt)})
}

// MarshalJSON prints the contact with its time in event.TimeFormat.
func (c CaseContact) MarshalJSON() ([]byte, error) {
	type plain CaseContact
	return json.Marshal(struct {
		plain
		ReportedAt event.Time `json:"reported_at,omitzero"`
	}{plain(c), event.T(c.ReportedAt)})
}

// MarshalJSON prints the timeline entry with its time in event.TimeFormat
// and its evidence as an object, never base64.
func (e CaseEntry) MarshalJSON() ([]byte, error) {
	type plain CaseEntry
	return json.Marshal(struct {
		plain
		At       event.Time      `json:"at"`
		Evidence json.RawMessage `json:"evidence,omitempty"`
	}{plain(e), event.T(e.At), event.RawJSON(e.Evidence)})
}

// UnmarshalJSON reads what MarshalJSON writes: the evidence object back
// into its bytes.
func (e *CaseEntry) UnmarshalJSON(b []byte) error {
	type plain CaseEntry
	var v struct {
		plain
		Evidence json.RawMessage `json:"evidence"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = CaseEntry(v.plain)
	if len(v.Evidence) > 0 && string(v.Evidence) != "null" {
		e.Evidence = []byte(v.Evidence)
	}
	return nil
}
