package web

import (
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/takedownhq/takedown/internal/base/event"
)

// The OpenAPI document cannot import the vocabulary, so its enums are the
// one place the words are written again: this test holds them to the
// vocabulary's lists, so a word added in internal/base/event and not to
// the contract (or the reverse) fails here.
func TestOpenAPIEnumsAreTheVocabulary(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]schema `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	s := doc.Components.Schemas
	prop := func(schemaName string, path ...string) schema {
		t.Helper()
		sc, ok := s[schemaName]
		if !ok {
			t.Fatalf("openapi.yaml has no schema %s", schemaName)
		}
		for _, p := range path {
			next, ok := sc.Properties[p]
			if !ok {
				t.Fatalf("openapi.yaml: %s has no property %s", schemaName, strings.Join(path, "."))
			}
			sc = next
		}
		return sc
	}
	for _, tc := range []struct {
		name  string
		enum  []string
		words []string
	}{
		{"Severity", s["Severity"].Enum, event.Strings(event.Severities)},
		{"Lookalike.registered", prop("Lookalike", "registered").Enum, event.Strings(event.Registrations)},
		{"Lookalike.status", prop("Lookalike", "status").Enum, event.Strings(event.LookalikeStatuses)},
		{"Lookalike.risk.level", prop("Lookalike", "risk", "level").Enum, event.Strings(event.RiskLevels)},
		{"OutboxItem.status", prop("OutboxItem", "status").Enum, event.Strings(event.OutboxStatuses)},
	} {
		if !slices.Equal(tc.enum, tc.words) {
			t.Errorf("openapi.yaml %s enum %v, the vocabulary says %v", tc.name, tc.enum, tc.words)
		}
	}
	// The watchlist lists watch and brand entries, never look-alike rows.
	for _, k := range prop("Domain", "kind").Enum {
		if _, err := event.ParseDomainKind(k); err != nil || event.DomainKind(k) == event.DomainLookalike {
			t.Errorf("openapi.yaml Domain.kind %q: not a watchlist kind (%v)", k, err)
		}
	}
	// State is an open set (a newer daemon may write more), described in
	// words: every state of the vocabulary must be named there.
	desc := s["State"].Description
	for _, st := range event.States {
		if !strings.Contains(desc, string(st)) {
			t.Errorf("openapi.yaml State description does not name %q: %s", st, desc)
		}
	}
}

type schema struct {
	Description string            `yaml:"description"`
	Enum        []string          `yaml:"enum"`
	Properties  map[string]schema `yaml:"properties"`
}
