package main

import (
	"context"
	"encoding/json"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// Bad input exits 2 and names the value; nothing is opened.
func TestCaseBadInputExits2(t *testing.T) {
	c := newCLI(t)
	c.ok("case", "open", "acmebank-login.com")
	long := strings.Repeat("n", 1001)
	for _, tc := range []struct {
		args []string
		name string
	}{
		{[]string{"case", "open", "bad_name!.com"}, "bad_name!.com"},
		{[]string{"case", "open", "x.com", "--reason", "spam"}, "spam"},
		{[]string{"case", "open", "x.com", "--note", "line\x1bone"}, `line\x1bone`},
		{[]string{"case", "open", "x.com", "--note", long}, "1001"},
		{[]string{"case", "send", "acmebank-login.com", "--to", "hosting"}, "hosting"},
		{[]string{"case", "send", "acmebank-login.com", "--to", "boss"}, "boss"},
		{[]string{"case", "list", "--status", "done"}, "done"},
		{[]string{"case", "stats", "--by", "color"}, "color"},
		{[]string{"case", "report", "acmebank-login.com", "--format", "pdf"}, "pdf"},
		{[]string{"case", "contact", "acmebank-login.com", "--role", "registrar", "--email", "a@b.c, d@e.f"}, "a@b.c, d@e.f"},
	} {
		r := c.run(tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.name) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming %q", tc.args, r.code, r.stderr, tc.name)
		}
	}
	var cs []store.Case
	if err := unmarshalItems([]byte(c.ok("case", "list", "--json")), &cs); err != nil || len(cs) != 1 {
		t.Fatalf("cases after bad input: %+v %v", cs, err)
	}
}

// case send without an SMTP server exits 1, says so, and records nothing:
// no report time, no outbox row, no event. With simnet's server it sends
// the report once, and a second send is refused.
func TestCaseSendNeedsSMTPAndSendsOnce(t *testing.T) {
	c := newCLI(t)
	c.ok("case", "open", "acmebank-login.com", "--note", "kit in spam")
	c.ok("case", "contact", "acmebank-login.com", "--role", "registrar", "--email", "abuse@registrar.example")
	r := c.run("case", "send", "acmebank-login.com", "--to", "registrar")
	if r.code != 1 || !strings.Contains(r.stderr, "SMTP") {
		t.Fatalf("send without SMTP: exit %d, %q", r.code, r.stderr)
	}
	var det struct {
		Status   string              `json:"status"`
		Contacts []store.CaseContact `json:"contacts"`
		Timeline []store.CaseEntry   `json:"timeline"`
	}
	if err := json.Unmarshal([]byte(c.ok("case", "show", "acmebank-login.com", "--json")), &det); err != nil {
		t.Fatal(err)
	}
	if det.Status != store.CaseOpen || !det.Contacts[0].ReportedAt.IsZero() || len(det.Timeline) != 1 {
		t.Fatalf("after a send without SMTP: %+v", det)
	}
	if out := c.ok("alerts", "list", "--json"); strings.Contains(out, "case-report") {
		t.Fatalf("outbox after a send without SMTP: %s", out)
	}

	srv, err := simnet.StartSMTP(simnet.SMTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "takedown.yaml")
	if err := os.WriteFile(cfg, []byte("alerts:\n  smtp:\n    addr: "+srv.Addr()+"\n    tls: none\n    from: cert@team.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.env["TAKEDOWN_CONFIG"] = cfg
	out := c.ok("case", "send", "acmebank-login.com", "--to", "registrar")
	if !strings.Contains(out, "sent to abuse@registrar.example") || srv.Count() != 1 {
		t.Fatalf("send: %q, %d messages", out, srv.Count())
	}
	if r := c.run("case", "send", "acmebank-login.com", "--to", "registrar"); r.code != 1 || srv.Count() != 1 {
		t.Fatalf("second send: exit %d %q, %d messages", r.code, r.stderr, srv.Count())
	}
	c.ok("case", "reported", "acmebank-login.com", "--to", "registrar", "--ref", "T-42")
	if out := c.ok("case", "show", "acmebank-login.com"); !strings.Contains(out, "reported") || !strings.Contains(out, "T-42") {
		t.Errorf("show after reports:\n%s", out)
	}
}

// case stats on cases with known times: counts by status, the median and
// p90 time to takedown (interpolated between ranks), reverted, per group.
func TestCaseStatsKnownTimes(t *testing.T) {
	c := newCLI(t)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, c.db)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	type row struct {
		name, registrar, status string
		ttt                     int64 // -1: none
	}
	rows := []row{
		{"a.com", "Reg A", store.CaseTakenDown, 3600},
		{"b.com", "Reg A", store.CaseTakenDown, 7200},
		{"c.com", "Reg A", store.CaseReverted, 10800},
		{"d.com", "Reg A", store.CaseTakenDown, 36000},
		{"e.net", "Reg B", store.CaseOpen, -1},
		{"f.net", "Reg B", store.CaseReported, -1},
		{"g.net", "", store.CaseTakenDown, 600},
	}
	for _, r := range rows {
		if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: r.name}}); err != nil {
			t.Fatal(err)
		}
		d, err := st.Domain(ctx, r.name)
		if err != nil {
			t.Fatal(err)
		}
		err = st.UpdateCases(ctx, func(tx store.CaseTx) error {
			cs := store.Case{DomainID: d.ID, Domain: r.name, Reason: "phishing", Status: r.status, OpenedAt: t0, StatusAt: t0,
				ChangedAt: t0, Registrar: r.registrar}
			id, err := tx.InsertCase(cs)
			if err != nil {
				return err
			}
			cs.ID = id
			if r.ttt >= 0 {
				cs.TimeToTakedown = &r.ttt
			}
			return tx.SaveCase(cs)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	var gs []struct {
		Group     string         `json:"group"`
		Cases     int            `json:"cases"`
		ByStatus  map[string]int `json:"by_status"`
		TakenDown int            `json:"taken_down"`
		Median    *float64       `json:"median_seconds"`
		P90       *float64       `json:"p90_seconds"`
		Reverted  int            `json:"reverted"`
	}
	if err := json.Unmarshal([]byte(c.ok("case", "stats", "--by", "registrar", "--json")), &gs); err != nil {
		t.Fatal(err)
	}
	if len(gs) != 3 || gs[0].Group != "Reg A" || gs[1].Group != "Reg B" || gs[2].Group != "unknown" {
		t.Fatalf("groups %+v", gs)
	}
	a := gs[0]
	// 3600, 7200, 10800, 36000: median between the 2nd and 3rd, p90 at
	// rank 2.7 between 10800 and 36000.
	if a.Cases != 4 || a.TakenDown != 4 || a.Reverted != 1 || a.ByStatus[store.CaseTakenDown] != 3 ||
		a.Median == nil || *a.Median != 9000 || a.P90 == nil || *a.P90 != 28440 {
		t.Errorf("Reg A: %+v median %v p90 %v", a, deref(a.Median), deref(a.P90))
	}
	if b := gs[1]; b.Cases != 2 || b.Median != nil || b.ByStatus[store.CaseOpen] != 1 || b.ByStatus[store.CaseReported] != 1 {
		t.Errorf("Reg B: %+v", b)
	}
	all := c.ok("case", "stats")
	// All five times: 600, 3600, 7200, 10800, 36000; median 7200, p90 at
	// rank 3.6: 10800 + 0.6 × 25200 = 25920 s.
	if !strings.Contains(all, "all    7") || !strings.Contains(all, "2h0m0s  7h12m0s") {
		t.Errorf("stats:\n%s", all)
	}
	if out := c.ok("case", "stats", "--by", "tld", "--json"); !strings.Contains(out, `"group": "com"`) || !strings.Contains(out, `"group": "net"`) {
		t.Errorf("by tld: %s", out)
	}
}

func deref(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

// case report prints each format to stdout: JSON formats are JSON, the
// e-mail parses, the Markdown names the domain; --to a role without a
// contact exits 2.
func TestCaseReportFormats(t *testing.T) {
	c := newCLI(t)
	c.ok("case", "open", "acmebank-login.com", "--note", "kit in spam")
	c.ok("case", "contact", "acmebank-login.com", "--role", "hosting", "--email", "abuse@net.example", "--name", "EXAMPLE-NET")
	for _, f := range []string{"eml", "xarf", "md", "misp", "stix"} {
		out := c.ok("case", "report", "acmebank-login.com", "--format", f, "--to", "hosting")
		switch f {
		case "eml":
			msg, err := mail.ReadMessage(strings.NewReader(out))
			if err != nil || !strings.Contains(msg.Header.Get("To"), "abuse@net.example") {
				t.Errorf("eml: %v, To %q", err, msg.Header.Get("To"))
			}
		case "md":
			if !strings.Contains(out, "acmebank") {
				t.Errorf("md lacks the domain:\n%s", out)
			}
		default:
			if !json.Valid([]byte(out)) {
				t.Errorf("%s is not JSON:\n%.300s", f, out)
			}
		}
	}
	if r := c.run("case", "report", "acmebank-login.com", "--format", "md", "--to", "registrar"); r.code != 2 || !strings.Contains(r.stderr, "registrar") {
		t.Errorf("report to a role without a contact: exit %d %q", r.code, r.stderr)
	}
}
