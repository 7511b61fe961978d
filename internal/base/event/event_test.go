package event

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRank(t *testing.T) {
	for _, tc := range []struct {
		a, b Severity
		want Severity
	}{
		{SevInfo, SevNotice, SevNotice},
		{SevCritical, SevWarning, SevCritical},
		{"bogus", SevInfo, "bogus"}, // equal rank: the first stays
		{SevWarning, "bogus", SevWarning},
	} {
		t.Run(string(tc.a+"/"+tc.b), func(t *testing.T) {
			if got := Max(tc.a, tc.b); got != tc.want {
				t.Errorf("Max = %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := ParseSeverity("urgent"); err == nil || !strings.Contains(err.Error(), "urgent") {
		t.Errorf("ParseSeverity(urgent) = %v", err)
	}
}

func TestKnown(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		want bool
	}{
		{StateChanged, true},
		{LookalikeEscalated, true},
		{Suspected(StateSeized), true},
		{Suspected(StateHijacked), true},
		{"suspected_nonsense", false},
		{"state_chnaged", false},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			if got := Known(tc.kind); got != tc.want {
				t.Errorf("Known = %v, want %v", got, tc.want)
			}
		})
	}
}

// Detail is an object on the wire, and bytes that are not JSON become a
// string instead of breaking the document around them.
func TestWireDetail(t *testing.T) {
	for _, tc := range []struct {
		name   string
		detail []byte
		want   string
	}{
		{"object", []byte(`{"reasons":["x"]}`), `"detail":{"reasons":["x"]}`},
		{"broken", []byte(`{"reasons":`), `"detail":"{\"reasons\":"`},
		{"empty", nil, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(Wire{Kind: StateChanged, Detail: RawJSON(tc.detail)})
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if strings.Contains(string(b), "detail") {
					t.Errorf("empty detail printed: %s", b)
				}
				return
			}
			if !strings.Contains(string(b), tc.want) {
				t.Errorf("%s lacks %s", b, tc.want)
			}
		})
	}
}
