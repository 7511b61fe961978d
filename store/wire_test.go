package store

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
)

// A list of 1,000 domains (the API's largest page) encoded with the
// re-stated times: what the one format costs a page.
func BenchmarkDomainPageJSON(b *testing.B) {
	at := time.Date(2026, 12, 7, 22, 10, 0, 120000000, time.UTC)
	ds := make([]Domain, 1000)
	for i := range ds {
		ds[i] = Domain{Name: "thefoxcloud.com", Unicode: "thefoxcloud.com", Kind: KindWatch, Tags: []string{"dprk"},
			AddedAt: at, Enabled: true, State: event.StateSeized, StateSince: at, LastChecked: at,
			StateReasons: []string{"NS ns1.fbi.seized.gov matches signature us-seizure-ns"}}
	}
	b.Run("one-format", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(ds); err != nil {
				b.Fatal(err)
			}
		}
	})
	// time.Time's own encoding, without the re-stated times: the baseline.
	type plain Domain
	ps := make([]plain, len(ds))
	for i, d := range ds {
		ps[i] = plain(d)
	}
	b.Run("time.Time", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(ps); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The store types print every time as event.TimeFormat, and an outbox row
// with its event keeps both.
func TestStoreTypesPrintOneTimeFormat(t *testing.T) {
	at := time.Date(2026, 12, 7, 22, 10, 0, 120000000, time.FixedZone("east", 3600))
	const want = `"2026-12-07T21:10:00.120000000Z"`
	for name, v := range map[string]any{
		"domain":    Domain{AddedAt: at},
		"feed":      Feed{CreatedAt: at},
		"outbox":    NewOutboxWire(OutboxItem{NextTry: at, CreatedAt: at}, &Event{ID: 7, At: at}),
		"case":      Case{OpenedAt: at, StatusAt: at, ChangedAt: at},
		"entry":     CaseEntry{At: at, Evidence: []byte(`{"a":1}`)},
		"lookalike": Lookalike{FirstSeen: at},
	} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		found := false
		for k, x := range m {
			if s, ok := x.(string); ok {
				if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
					found = true
					if `"`+s+`"` != want {
						t.Errorf("%s.%s = %s, want %s", name, k, s, want)
					}
				}
			}
		}
		if !found {
			t.Errorf("%s printed no time: %s", name, b)
		}
		if name == "outbox" {
			if ev, _ := m["event"].(map[string]any); ev == nil || ev["at"] != want[1:len(want)-1] {
				t.Errorf("outbox row lost its event: %s", b)
			}
		}
		if name == "entry" {
			if _, ok := m["evidence"].(map[string]any); !ok {
				t.Errorf("case entry evidence is not an object: %s", b)
			}
			var back CaseEntry
			if err := json.Unmarshal(b, &back); err != nil || string(back.Evidence) != `{"a":1}` || !back.At.Equal(at) {
				t.Errorf("case entry does not read back: %+v %v", back, err)
			}
		}
	}
}
