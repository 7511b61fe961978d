package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// history --json and found --json printed detail and dns as base64 (the
// store's []byte encoded as is) while the API and webhooks printed
// objects: all of them now print the one wire shape.
func TestJSONPrintsDetailAndDNSAsObjects(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "t.db")
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: "thefoxcloud.com"}}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	err = st.Update(ctx, func(tx store.Tx) error {
		d, err := tx.Domain("thefoxcloud.com")
		if err != nil {
			return err
		}
		if _, err := tx.AddEvent(store.Event{DomainID: d.ID, Domain: d.Name, At: at, Kind: event.NSChanged,
			Probe: event.ProbeDNS, Field: "ns", Old: "ns1.a.net", New: "ns1.fbi.seized.gov", Severity: event.SevWarning,
			Detail: []byte(`{"added":["ns1.fbi.seized.gov"],"removed":["ns1.a.net"]}`)}); err != nil {
			return err
		}
		_, _, err = tx.UpsertLookalike(store.Lookalike{Brand: "thefoxcloud.com", Name: "thefoxcloud.net",
			Fuzzer: "tld-swap", Source: "permutation", Registered: store.RegYes, FirstSeen: at, LastChecked: at,
			DNS: []byte(`{"a":["192.0.2.7"],"mx":[]}`)})
		return err
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		args  []string
		field string
	}{
		{"history", []string{"history", "thefoxcloud.com", "--json"}, "detail"},
		{"found", []string{"found", "--json"}, "dns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runLookalikeCLI(t, append(tc.args, "--db", db)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var rows []map[string]any
			if err := unmarshalItems([]byte(out), &rows); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if len(rows) != 1 {
				t.Fatalf("%d rows:\n%s", len(rows), out)
			}
			if _, ok := rows[0][tc.field].(map[string]any); !ok {
				t.Fatalf("%s is %T, want an object:\n%s", tc.field, rows[0][tc.field], out)
			}
		})
	}
}
