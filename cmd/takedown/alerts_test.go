package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor/notify"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func alertsSetup(t *testing.T) (srv *simnet.SMTPServer, hookHits *atomic.Int64, cfgPath, db string) {
	t.Helper()
	srv, err := simnet.StartSMTP(simnet.SMTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	hits := new(atomic.Int64)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if strings.HasSuffix(r.URL.Path, "/gone") {
			http.Error(w, "no such hook", http.StatusNotFound)
		}
	}))
	t.Cleanup(hs.Close)
	dir := t.TempDir()
	db = filepath.Join(dir, "takedown.db")
	cfgPath = filepath.Join(dir, "takedown.yaml")
	yaml := fmt.Sprintf(`db: %s
alerts:
  smtp: {addr: "%s", tls: none, from: "takedown@example.org"}
  channels:
    - {name: soc-mail, email: ["soc@example.org", "cti@example.org"], events: [lookalike_registered, state_changed]}
    - {name: hook, webhook: "%s/hook", secret: "k", events: ["*"]}
    - {name: gone, webhook: "%s/gone", events: ["*"]}
`, db, srv.Addr(), hs.URL, hs.URL)
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, hits, cfgPath, db
}

func TestAlertsTestCommand(t *testing.T) {
	srv, hits, cfg, _ := alertsSetup(t)

	code, out, errs := runCLI(t, "--config", cfg, "alerts", "test", "--channel", "soc-mail")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	if srv.Count() != 2 || !strings.Contains(out, "soc@example.org") || !strings.Contains(out, "sent") {
		t.Fatalf("%d mails; output:\n%s", srv.Count(), out)
	}

	// All channels: the "gone" webhook answers 404, so the command fails.
	code, out, errs = runCLI(t, "--config", cfg, "alerts", "test")
	if code != 1 || !strings.Contains(out, "FAILED") || !strings.Contains(out, "HTTP 404") ||
		!strings.Contains(errs, "1 of 4 deliveries failed") {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	if srv.Count() != 4 || hits.Load() != 2 {
		t.Errorf("%d mails and %d webhook hits, want 4 and 2", srv.Count(), hits.Load())
	}

	if code, _, errs := runCLI(t, "--config", cfg, "alerts", "test", "--channel", "nope"); code != 2 || !strings.Contains(errs, `"nope"`) {
		t.Errorf("unknown channel: exit %d, %s", code, errs)
	}
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	os.WriteFile(empty, []byte("alerts: {}\n"), 0o600)
	if code, _, errs := runCLI(t, "--config", empty, "alerts", "test"); code != 2 || !strings.Contains(errs, "no channels") {
		t.Errorf("no channels: exit %d, %s", code, errs)
	}
}

func TestAlertsListCommand(t *testing.T) {
	srv, _, cfgPath, db := alertsSetup(t)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	// Write events as the daemon does and make one pass.
	ctx := context.Background()
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	n, err := notify.New(cfg.Alerts, st, notify.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	st.SetRouter(n.Router())
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: "thefoxcloud.com", Unicode: "thefoxcloud.com"}}); err != nil {
		t.Fatal(err)
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.AddEvent(store.Event{Domain: "thefoxcloud.com", Kind: "state_changed", Old: "active", New: "seized"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Down() // the mails stay pending
	if _, err := n.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, out, errs := runCLI(t, "--db", db, "alerts", "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"STATUS", "pending", "failed", "sent", "soc@example.org", "thefoxcloud.com", "state_changed", "HTTP 404"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runCLI(t, "--db", db, "alerts", "list", "--status", "failed", "--json")
	var rows []struct {
		Channel, Status string
		LastError       string `json:"last_error"`
		Attempts        int
		Event           struct{ Domain, Kind string }
	}
	if code != 0 || unmarshalItems([]byte(out), &rows) != nil {
		t.Fatalf("exit %d, output %s", code, out)
	}
	if len(rows) != 1 || rows[0].Channel != "gone" || rows[0].Status != "failed" || rows[0].Event.Domain != "thefoxcloud.com" ||
		rows[0].Event.Kind != "state_changed" || !strings.Contains(rows[0].LastError, "404") {
		t.Errorf("failed rows %+v", rows)
	}
	code, out, _ = runCLI(t, "--db", db, "alerts", "list", "--status", "pending", "--json")
	if code != 0 || unmarshalItems([]byte(out), &rows) != nil || len(rows) != 2 {
		t.Errorf("pending rows: exit %d, %s", code, out)
	}
	if code, _, errs := runCLI(t, "--db", db, "alerts", "list", "--status", "bogus"); code != 2 || !strings.Contains(errs, `"bogus"`) {
		t.Errorf("bad status: exit %d, %s", code, errs)
	}
}

func TestAlertsConfigErrorsAreUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for name, yaml := range map[string]string{
		"digest":   `{name: a, webhook: "https://h.example/x", digest: "weekly"}`,
		"both":     `{name: a, webhook: "https://h.example/x", email: ["a@example.org"]}`,
		"severity": `{name: a, webhook: "https://h.example/x", min_severity: urgent}`,
		"nosmtp":   `{name: a, email: ["a@example.org"]}`,
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name+".yaml")
			os.WriteFile(p, []byte("alerts:\n  channels:\n    - "+yaml+"\n"), 0o600)
			code, _, errs := runCLI(t, "--config", p, "alerts", "list")
			if code != 2 || !strings.Contains(errs, "alerts.channels[0] (a)") {
				t.Errorf("%s: exit %d, %s", name, code, errs)
			}
		})
	}
	p := filepath.Join(dir, "addr.yaml")
	os.WriteFile(p, []byte("alerts:\n  smtp: {addr: \"127.0.0.1:25\", from: \"not an address\"}\n"), 0o600)
	if code, _, errs := runCLI(t, "--config", p, "alerts", "test"); code != 2 || !strings.Contains(errs, `"not an address"`) {
		t.Errorf("bad from: exit %d, %s", code, errs)
	}
}
