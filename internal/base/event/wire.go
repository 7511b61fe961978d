package event

import (
	"encoding/json"
)

// Wire is the one JSON shape of an event: `history --json`, the API's
// /events and the webhook payload all print it (the API leaves the fields
// a webhook adds for its reader, unicode, reasons, tags and url, empty).
// Detail is a JSON object, never base64.
type Wire struct {
	ID       int64           `json:"id"`
	Domain   string          `json:"domain"`
	Unicode  string          `json:"unicode,omitempty"`
	At       Time            `json:"at"`
	Kind     Kind            `json:"kind"`
	Probe    Probe           `json:"probe,omitempty"`
	Field    string          `json:"field,omitempty"`
	Old      string          `json:"old,omitempty"`
	New      string          `json:"new,omitempty"`
	Severity Severity        `json:"severity"`
	Reasons  []string        `json:"reasons,omitempty"`
	Tags     []string        `json:"tags,omitempty"`
	Detail   json.RawMessage `json:"detail,omitempty"`
	URL      string          `json:"url,omitempty"`
}

// Lookalike is the one JSON shape of a look-alike: `found --json`, the
// API's /lookalikes and (its brand, name, unicode and fuzzer)
// `lookalikes --format json` print it. DNS is the JSON summary of its
// answers.
type Lookalike struct {
	Brand   string `json:"brand"`
	Name    string `json:"name"`
	Unicode string `json:"unicode"`
	Fuzzer  string `json:"fuzzer"`
	Source  string `json:"source"`
	// MatchScore is how close the name is to the brand's (0–1), apart
	// from Risk.Score (0–100); Score is the same figure under its old
	// name, kept because the API documented it.
	MatchScore     float64         `json:"match_score"`
	Score          float64         `json:"score"`
	FirstSeen      Time            `json:"first_seen"`
	LastChecked    Time            `json:"last_checked,omitzero"`
	Registered     Registration    `json:"registered"`
	RegisteredSeen Time            `json:"registered_seen,omitzero"`
	Created        Time            `json:"created,omitzero"`
	DNS            json.RawMessage `json:"dns,omitempty"`
	Status         LookalikeStatus `json:"status"`
	StatusAt       Time            `json:"status_at,omitzero"`
	// Risk is the look-alike watch's judgement; absent until it ran.
	Risk *Risk `json:"risk,omitempty"`
	// Screenshot: a screenshot of its page is stored.
	Screenshot bool `json:"screenshot,omitempty"`
}

// Risk is a look-alike's risk level (RiskLevels; monitor/lookalike/risk
// judges it), its score 0–100
// (each level a band: the score orders look-alikes riskiest first) and
// the reasons, each with its figures.
type Risk struct {
	Level   RiskLevel `json:"level"`
	Score   int       `json:"score"`
	Reasons []string  `json:"reasons"`
	At      Time      `json:"at,omitzero"`
}

// RawJSON turns stored JSON bytes into an embeddable value: nil when
// empty, and a JSON string when the bytes are not valid JSON, so a damaged
// row can never break the document around it.
func RawJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if !json.Valid(b) {
		s, _ := json.Marshal(string(b))
		return s
	}
	return b
}
