package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/takedownhq/takedown/store"
)

// CaseStore is a driver that keeps takedown cases as well.
type CaseStore interface {
	Store
	store.CaseStore
}

// RunCases runs the cases' conformance suite: a separate entry point so a
// driver opts in with its own test, beside Run.
func RunCases(t *testing.T, open func(t *testing.T) CaseStore) {
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, s CaseStore)
	}{
		{"CaseRoundTripAndOneActive", caseRoundTripAndOneActive},
		{"CaseContactsUpsertKeepsReport", caseContactsUpsertKeepsReport},
		{"CaseTimelineAndFilters", caseTimelineAndFilters},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

func updateCases(t *testing.T, s CaseStore, fn func(tx store.CaseTx) error) {
	t.Helper()
	if err := s.UpdateCases(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func openCase(t *testing.T, s CaseStore, name string, at time.Time) store.Case {
	t.Helper()
	mustAdd(t, s, store.NewDomain{Name: name})
	d := mustDomain(t, s, name)
	c := store.Case{DomainID: d.ID, Domain: name, Reason: "phishing", Status: store.CaseOpen, OpenedAt: at, StatusAt: at,
		ChangedAt: at, Registrar: "Example Registrar"}
	updateCases(t, s, func(tx store.CaseTx) error {
		id, err := tx.InsertCase(c)
		c.ID = id
		return err
	})
	return c
}

func caseRoundTripAndOneActive(t *testing.T, s CaseStore) {
	c := openCase(t, s, "acme-login.example", t0)
	got, err := s.Case(ctx, "acme-login.example")
	if err != nil || got.ID != c.ID || got.Status != store.CaseOpen || !got.OpenedAt.Equal(t0) || got.TimeToTakedown != nil ||
		got.Registrar != "Example Registrar" || got.Domain != "acme-login.example" {
		t.Fatalf("Case = %+v, %v", got, err)
	}
	err = s.UpdateCases(ctx, func(tx store.CaseTx) error {
		_, err := tx.InsertCase(store.Case{DomainID: c.DomainID, Domain: c.Domain, Reason: "fraud", Status: store.CaseOpen,
			OpenedAt: t0, StatusAt: t0, ChangedAt: t0})
		return err
	})
	if !errors.Is(err, store.ErrCaseOpen) {
		t.Fatalf("second open case: %v, want ErrCaseOpen", err)
	}
	ttt := int64(3600)
	got.Status, got.FirstReportedAt, got.TakenDownAt, got.TimeToTakedown = store.CaseTakenDown, t0.Add(time.Minute), t0.Add(time.Hour), &ttt
	got.GoneChecks, got.SeenMark, got.StalledAt, got.Hosting = 2, "mark", t0.Add(2*time.Hour), "EXAMPLE-NET"
	updateCases(t, s, func(tx store.CaseTx) error { return tx.SaveCase(*got) })
	again, err := s.Case(ctx, "acme-login.example")
	if err != nil || again.Status != store.CaseTakenDown || again.TimeToTakedown == nil || *again.TimeToTakedown != 3600 ||
		!again.FirstReportedAt.Equal(t0.Add(time.Minute)) || !again.TakenDownAt.Equal(t0.Add(time.Hour)) ||
		again.GoneChecks != 2 || again.SeenMark != "mark" || !again.StalledAt.Equal(t0.Add(2*time.Hour)) || again.Hosting != "EXAMPLE-NET" {
		t.Fatalf("after save: %+v, %v", again, err)
	}
	// Closed, the name may have a new case, and Case returns that one.
	again.Status = store.CaseClosed
	updateCases(t, s, func(tx store.CaseTx) error { return tx.SaveCase(*again) })
	var second int64
	updateCases(t, s, func(tx store.CaseTx) error {
		var err error
		second, err = tx.InsertCase(store.Case{DomainID: c.DomainID, Domain: c.Domain, Reason: "fraud", Status: store.CaseOpen,
			OpenedAt: t0.Add(3 * time.Hour), StatusAt: t0.Add(3 * time.Hour), ChangedAt: t0.Add(3 * time.Hour)})
		return err
	})
	if got, err := s.Case(ctx, "acme-login.example"); err != nil || got.ID != second || got.Reason != "fraud" {
		t.Fatalf("Case after reopening = %+v, %v; want case %d", got, err, second)
	}
	if _, err := s.Case(ctx, "never.example"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Case of a name without one: %v, want ErrNotFound", err)
	}
}

func caseContactsUpsertKeepsReport(t *testing.T, s CaseStore) {
	c := openCase(t, s, "acme-pay.example", t0)
	updateCases(t, s, func(tx store.CaseTx) error {
		for _, ct := range []store.CaseContact{
			{CaseID: c.ID, Role: "registrar", Email: "abuse@registrar.example", Source: "rdap entity role abuse"},
			{CaseID: c.ID, Role: "hosting", Email: "abuse@net.example", Phone: "+1-555-0100", Source: "rir rdap entity role abuse"},
			{CaseID: c.ID, Role: "dns", FormURL: "https://dns.example/abuse", Source: "web form table"},
		} {
			if err := tx.PutCaseContact(ct); err != nil {
				return err
			}
		}
		return nil
	})
	cts, err := s.CaseContacts(ctx, c.ID)
	if err != nil || len(cts) != 3 || cts[0].Role != "registrar" || cts[1].Phone != "+1-555-0100" || cts[2].FormURL == "" {
		t.Fatalf("contacts = %+v, %v", cts, err)
	}
	updateCases(t, s, func(tx store.CaseTx) error {
		return tx.MarkContactReported(cts[0].ID, t0.Add(time.Minute), " T-1 ", 42)
	})
	// The same address again (a refresh of the registration data) keeps
	// the report and takes the new source.
	updateCases(t, s, func(tx store.CaseTx) error {
		return tx.PutCaseContact(store.CaseContact{CaseID: c.ID, Role: "registrar", Email: "abuse@registrar.example", Source: "analyst"})
	})
	cts, err = s.CaseContacts(ctx, c.ID)
	if err != nil || len(cts) != 3 || !cts[0].ReportedAt.Equal(t0.Add(time.Minute)) || cts[0].Ref != "T-1" ||
		cts[0].OutboxID != 42 || cts[0].Source != "analyst" {
		t.Fatalf("after upsert: %+v, %v", cts, err)
	}
}

func caseTimelineAndFilters(t *testing.T, s CaseStore) {
	a := openCase(t, s, "a.example", t0)
	b := openCase(t, s, "b.example", t0.Add(time.Minute))
	updateCases(t, s, func(tx store.CaseTx) error {
		if _, err := tx.AddCaseEntry(store.CaseEntry{CaseID: a.ID, At: t0, To: store.CaseOpen, Note: "opened"}); err != nil {
			return err
		}
		_, err := tx.AddCaseEntry(store.CaseEntry{CaseID: a.ID, At: t0.Add(time.Hour), From: store.CaseOpen, To: store.CaseReported,
			Evidence: []byte(`{"to":"registrar"}`), EventID: 0})
		return err
	})
	tl, err := s.CaseTimeline(ctx, a.ID)
	if err != nil || len(tl) != 2 || tl[0].To != store.CaseOpen || tl[1].From != store.CaseOpen ||
		string(tl[1].Evidence) != `{"to":"registrar"}` || string(tl[0].Evidence) != `{}` {
		t.Fatalf("timeline = %+v, %v", tl, err)
	}
	b.Status = store.CaseClosed
	updateCases(t, s, func(tx store.CaseTx) error { return tx.SaveCase(b) })
	for _, tc := range []struct {
		status string
		want   []int64
	}{{"", []int64{b.ID, a.ID}}, {"active", []int64{a.ID}}, {store.CaseClosed, []int64{b.ID}}, {store.CaseReverted, nil}} {
		cs, err := s.Cases(ctx, store.CaseQuery{Status: tc.status})
		if err != nil || len(cs) != len(tc.want) {
			t.Fatalf("Cases(%q) = %+v, %v; want ids %v", tc.status, cs, err, tc.want)
		}
		for i := range cs {
			if cs[i].ID != tc.want[i] {
				t.Errorf("Cases(%q)[%d] = %d, want %d", tc.status, i, cs[i].ID, tc.want[i])
			}
		}
	}
}
