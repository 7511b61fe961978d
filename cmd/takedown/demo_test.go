package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// TestDemoExit runs `takedown demo --exit` (on a fast tick) and checks that
// the daemon detected every step of the story and that alerts arrived.
func TestDemoExit(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo takes several seconds")
	}
	c := newCLI(t)
	r := c.run("demo", "--exit", "--tick", "1s", "--listen", "127.0.0.1:0", "--log-level", "error")
	t.Logf("demo output:\n%s", r.stdout)
	if r.code != 0 {
		t.Fatalf("demo exit %d: %s", r.code, r.stderr)
	}
	if n := strings.Count(r.stdout, "  ✓ "); n != 16 || strings.Contains(r.stdout, "  ✗ ") {
		t.Errorf("%d steps detected, want all 16", n)
	}
	// The look-alike escalates once per level, each with its figures.
	if n := strings.Count(r.stdout, "acmebank-login.com     lookalike_escalated"); n != 2 {
		t.Errorf("%d escalations of acmebank-login.com printed, want 2 (parked, phishing_like)", n)
	}
	for _, want := range []string{
		"states: thefoxcloud.com seized, cloudfoxhub.com suspended, mycloudfox.com reregistered",
		"critical mycloudfox.com         state_changed state: deleted → reregistered",
		"thefoxcloud.com        state_changed state: active → seized",
		"acmebank-login.com     lookalike_registered",
		"lookalike_escalated risk.level: none → parked",
		"cert_changed cert (not_after, not_before, sans and ",
		`· subject: "CN=thefoxcloud.com" -> "CN=thefoxcloud.com,O=Unknown Hosting LLC"`,
		"· parking name servers (parking-ns-sedo",
		"lookalike_escalated risk.level: parked → phishing_like",
		"· serves acmebank's own favicon",
		"look-alike of acmebank.com: acmebank-login.com ",
		"web UI: http://127.0.0.1:",
		"report delivered to abuse@namecheap.example (Message-ID ",
		"case confirmed: taken down ",
		"case reverted: acmebank-login.com is back",
		"northwind-talent.com   related_found",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	m := regexp.MustCompile(`alerts: (\d+) e-mails arrived`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatal("no alert count in the summary")
	}
	if n, _ := strconv.Atoi(m[1]); n < 8 {
		t.Errorf("%d alert mails arrived; the story has at least 8 state changes and look-alikes", n)
	}
	// The history is in the database the demo names.
	st, err := sqlite.Open(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := st.Domain(context.Background(), "thefoxcloud.com")
	if err != nil || d.State != "seized" || !strings.Contains(strings.Join(d.StateReasons, ";"), "us-fbi-seized-ns") {
		t.Fatalf("thefoxcloud.com in the demo database: %+v, %v", d, err)
	}
	sent, _ := st.Outbox(context.Background(), store.OutboxQuery{Status: store.OutboxSent})
	if len(sent) == 0 {
		t.Error("no outbox row marked sent")
	}
}
