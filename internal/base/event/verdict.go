package event

import (
	"encoding/json"
	"fmt"
)

// VerdictDetail is the detail of a state_changed event: the verdict's
// reasons, and whether it is the domain's first.
type VerdictDetail struct {
	Reasons []string `json:"reasons"`
	// First marks a domain's first verdict, a baseline after it was added
	// rather than a change of the world, which alerts and the demo skip.
	First bool `json:"first,omitempty"`
}

// ParseVerdictDetail decodes a state_changed event's detail. Empty bytes
// are the zero detail: a verdict written before details existed.
func ParseVerdictDetail(b []byte) (VerdictDetail, error) {
	var d VerdictDetail
	if len(b) == 0 {
		return d, nil
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return VerdictDetail{}, fmt.Errorf("verdict detail: %w", err)
	}
	return d, nil
}
