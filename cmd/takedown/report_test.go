package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// seedReport writes a week of history: a baseline verdict (not news), a
// seizure, an old change outside the period, look-alikes, an escalation,
// a confirmed takedown and a failing check.
func seedReport(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "r.db")
	ctx := context.Background()
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: "thefoxcloud.com"}, {Name: "fresh.example"}, {Name: "acme.example", Kind: store.KindBrand}}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	first, _ := json.Marshal(event.VerdictDetail{First: true, Reasons: []string{"baseline"}})
	err = st.Update(ctx, func(tx store.Tx) error {
		for _, ev := range []store.Event{
			{Domain: "fresh.example", At: now.Add(-time.Hour), Kind: event.StateChanged, Old: "unknown", New: "active", Severity: event.SevInfo, Detail: first},
			{Domain: "thefoxcloud.com", At: now.Add(-2 * time.Hour), Kind: event.StateChanged, Old: "active", New: "seized", Severity: event.SevCritical},
			{Domain: "thefoxcloud.com", At: now.Add(-30 * 24 * time.Hour), Kind: event.StateChanged, Old: "unknown", New: "parked", Severity: event.SevWarning},
			{Domain: "acme-login.example", At: now.Add(-3 * time.Hour), Kind: event.LookalikeEscalated, Old: "registered", New: "phishing_like", Severity: event.SevCritical},
			{Domain: "thefoxcloud.com", At: now.Add(-time.Hour), Kind: event.TakedownConfirmed, Severity: event.SevInfo},
		} {
			if _, err := tx.AddEvent(ev); err != nil {
				return err
			}
		}
		for i, name := range []string{"acme-login.example", "acme-l0gin.example", "acme-mail.example"} {
			l := store.Lookalike{Brand: "acme.example", Name: name, Unicode: name, Fuzzer: "addition", Source: "permutation", Registered: store.RegYes,
				FirstSeen: now.Add(-time.Duration(i+1) * time.Hour), LastChecked: now}
			if _, _, err := tx.UpsertLookalike(l); err != nil {
				return err
			}
		}
		if _, err := tx.SetLookalikeRisk("acme.example", "acme-login.example", store.LookalikeRisk{Level: event.RiskPhishingLike, Score: 96, At: now}); err != nil {
			return err
		}
		if _, err := tx.SetLookalikeRisk("acme.example", "acme-l0gin.example", store.LookalikeRisk{Level: event.RiskPhishingLike, Score: 90, At: now}); err != nil {
			return err
		}
		d, err := tx.Domain("thefoxcloud.com")
		if err != nil {
			return err
		}
		_, err = tx.ObserveError(d.ID, string(event.ProbeWHOIS), now, "whois.example:43: connection refused <b>")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestReport(t *testing.T) {
	db := seedReport(t)
	code, out, errs := runLookalikeCLI(t, "report", "--since", "7d", "--format", "json", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep periodReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.StateChanges) != 1 || rep.StateChanges[0].Domain != "thefoxcloud.com" || rep.StateChanges[0].To != "seized" {
		t.Errorf("state changes (want only the seizure: no baseline, nothing older than 7d): %+v", rep.StateChanges)
	}
	if rep.Lookalikes["phishing_like"] != 2 || rep.Lookalikes["not judged"] != 1 {
		t.Errorf("look-alikes by risk: %v", rep.Lookalikes)
	}
	if len(rep.Escalations) != 1 || rep.Escalations[0].Domain != "acme-login.example" {
		t.Errorf("escalations: %+v", rep.Escalations)
	}
	if len(rep.Takedowns) != 1 || rep.Takedowns[0].Kind != event.TakedownConfirmed {
		t.Errorf("takedowns: %+v", rep.Takedowns)
	}
	if len(rep.Failing) != 1 || rep.Failing[0].Probe != event.ProbeWHOIS || rep.Failing[0].Failures != 1 {
		t.Errorf("failing: %+v", rep.Failing)
	}

	code, out, errs = runLookalikeCLI(t, "report", "--db", db)
	if code != 0 {
		t.Fatalf("md: exit %d: %s", code, errs)
	}
	for _, want := range []string{"## State changes", "thefoxcloud.com: active → seized", "- phishing\\_like: 2", "## Takedowns",
		"takedown confirmed", "whois: 1 failure(s) in a row", `refused \<b\>`} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "fresh.example") {
		t.Errorf("markdown shows the baseline verdict:\n%s", out)
	}
	code, out, _ = runLookalikeCLI(t, "report", "--since", "90d", "--format", "json", "--db", db)
	if code != 0 || !strings.Contains(out, `"parked"`) {
		t.Errorf("--since 90d misses the older change: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"--since", "lastweek"}, {"--format", "html"}} {
		code, _, errs := runLookalikeCLI(t, append(append([]string{"report"}, args...), "--db", db)...)
		if code != 2 || !strings.Contains(errs, args[1]) {
			t.Errorf("%v: exit %d %s", args, code, errs)
		}
	}
}
