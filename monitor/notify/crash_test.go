package notify

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// The crash tests re-execute the test binary as a child that plays the
// daemon and is killed with SIGKILL at a chosen point; the parent then
// opens the same database with a new Notifier, as a restarted daemon would.

const childEnv = "TAKEDOWN_NOTIFY_CRASH_CHILD"

// TestCrashChild is the child's body; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("runs only as the child of the crash tests")
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, os.Getenv("TAKEDOWN_DB"))
	if err != nil {
		fmt.Println("child error:", err)
		os.Exit(3)
	}
	opts := Options{Logger: quietLogger(), SMTPTimeout: 5 * time.Second}
	// Block forever once the mail is out and before it is marked sent.
	opts.afterDeliver = func() {
		fmt.Println("DELIVERED")
		select {}
	}
	n, err := New(crashCfg(os.Getenv("TAKEDOWN_SMTP")), st, opts)
	if err != nil {
		fmt.Println("child error:", err)
		os.Exit(3)
	}
	st.SetRouter(n.Router())
	watch(t, st, "thefoxcloud.com")
	addEvent(t, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Old: "active", New: "seized", Severity: event.SevWarning})
	fmt.Println("WRITTEN")
	if mode == "send" {
		n.Flush(ctx)
	}
	select {}
}

func crashCfg(addr string) config.Alerts {
	return config.Alerts{SMTP: config.SMTP{Addr: addr, TLS: "none", From: "takedown@example.org"},
		Channels: []config.Channel{{Name: "soc", Email: []string{"soc@example.org"}}}}
}

// runChildUntil starts the child and kills it with SIGKILL once it prints
// marker.
func runChildUntil(t *testing.T, mode, db, smtpAddr, marker string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "TAKEDOWN_DB="+db, "TAKEDOWN_SMTP="+smtpAddr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		var lines []string
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == marker {
				seen <- nil
				return
			}
			lines = append(lines, sc.Text())
		}
		seen <- fmt.Errorf("child ended without %s: %s", marker, strings.Join(lines, "\n"))
	}()
	select {
	case err = <-seen:
	case <-time.After(30 * time.Second):
		err = fmt.Errorf("child did not print %s in time", marker)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if err != nil {
		t.Fatal(err)
	}
}

// Killed after the event is committed and before any delivery: the
// restarted notifier sends it, once.
func TestCrashBeforeSendDeliversOnceAfterRestart(t *testing.T) {
	srv := startSMTP(t, simnet.SMTPOptions{})
	dir := t.TempDir()
	db := filepath.Join(dir, "takedown.db")
	runChildUntil(t, "write", db, srv.Addr(), "WRITTEN")
	if srv.Count() != 0 {
		t.Fatalf("the child sent %d mails before being killed", srv.Count())
	}

	st := openStore(t, dir)
	if rows := outbox(t, st, store.OutboxPending); len(rows) != 1 {
		t.Fatalf("after the kill: pending rows %+v, want the event's one row", rows)
	}
	clk := &clock{}
	n := newNotifier(t, crashCfg(srv.Addr()), st, fastOpts(clk))
	if s := flush(t, n); s.Sent != 1 {
		t.Fatalf("flush after restart: %+v", s)
	}
	clk.Advance(24 * time.Hour)
	// The relay stores a message before it accepts it, and a pass returns
	// once the relay answered all it sent: after a pass that sent nothing,
	// the relay holds every mail it will get.
	if s := flush(t, n); s != (Stats{}) {
		t.Fatalf("pass a day later: %+v", s)
	}
	msgs := srv.Messages()
	if got := len(msgs); got != 1 {
		t.Fatalf("%d mails, want exactly 1", got)
	}
	if p := parseMail(t, msgs[0].Data); p.subject != "[takedown] thefoxcloud.com: active → seized" {
		t.Errorf("subject %q", p.subject)
	}
}

// Killed after the relay accepted the mail and before the row was marked:
// the restarted notifier sends it again with the same Message-ID, which the
// receiver uses to show it once; after that it is marked and never again.
func TestCrashAfterSendBeforeMarkKeepsMessageID(t *testing.T) {
	srv := startSMTP(t, simnet.SMTPOptions{})
	dir := t.TempDir()
	db := filepath.Join(dir, "takedown.db")
	runChildUntil(t, "send", db, srv.Addr(), "DELIVERED")
	first := wait(t, srv, 1)[0]

	st := openStore(t, dir)
	if rows := outbox(t, st, store.OutboxPending); len(rows) != 1 {
		t.Fatalf("after the kill: pending rows %+v", rows)
	}
	clk := &clock{}
	n := newNotifier(t, crashCfg(srv.Addr()), st, fastOpts(clk))
	if s := flush(t, n); s.Sent != 1 {
		t.Fatalf("flush after restart: %+v", s)
	}
	clk.Advance(24 * time.Hour)
	if s := flush(t, n); s != (Stats{}) {
		t.Fatalf("pass a day later: %+v", s)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d deliveries, want 2 (the one before the kill, the one after)", len(msgs))
	}
	ids := distinctMessageIDs(msgs)
	if len(ids) != 1 || first.MessageID() == "" || ids[first.MessageID()] != 2 {
		t.Fatalf("Message-IDs %v: the repeat must carry the first one's %q", ids, first.MessageID())
	}
	if rows := outbox(t, st, store.OutboxSent); len(rows) != 1 {
		t.Errorf("sent rows %+v", rows)
	}
}
