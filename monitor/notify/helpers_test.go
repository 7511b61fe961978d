package notify

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// clock runs with the real clock plus an offset that tests move forward, so
// it never falls behind the times the store stamps on immediate rows.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

func openStore(t testing.TB, dir string) *sqlite.SQLite {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "takedown.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func startSMTP(t testing.TB, opts simnet.SMTPOptions) *simnet.SMTPServer {
	t.Helper()
	s, err := simnet.StartSMTP(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fastOpts are test options: a fake clock, fixed jitter, short timeouts.
func fastOpts(clk *clock) Options {
	return Options{Now: clk.Now, BackoffBase: time.Minute, BackoffMax: time.Hour, SMTPTimeout: 5 * time.Second,
		WebhookTimeout: 2 * time.Second, Logger: quietLogger(), Rand: func() float64 { return 0.5 }}
}

func newNotifier(t testing.TB, cfg config.Alerts, st store.Store, opts Options) *Notifier {
	t.Helper()
	n, err := New(cfg, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	st.SetRouter(n.Router())
	t.Cleanup(func() { st.SetRouter(nil) })
	return n
}

func mailCfg(s *simnet.SMTPServer, chans ...config.Channel) config.Alerts {
	return config.Alerts{
		SMTP:     config.SMTP{Addr: s.Addr(), TLS: "none", From: "takedown@example.org"},
		BaseURL:  "https://takedown.example.org",
		Channels: chans,
	}
}

func watch(t testing.TB, st store.Store, name string, tags ...string) {
	t.Helper()
	if _, err := st.AddDomains(context.Background(), []store.NewDomain{{Name: name, Unicode: name, Tags: tags}}); err != nil {
		t.Fatal(err)
	}
}

// addEvent writes an event through the store exactly as the daemon does.
func addEvent(t testing.TB, st store.Store, ev store.Event) int64 {
	t.Helper()
	var id int64
	err := st.Update(context.Background(), func(tx store.Tx) error {
		var err error
		id, err = tx.AddEvent(ev)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// addLookalike records a registered look-alike of brand and its event.
func addLookalike(t testing.TB, st store.Store, brand, name string) int64 {
	t.Helper()
	var id int64
	err := st.Update(context.Background(), func(tx store.Tx) error {
		if _, _, err := tx.UpsertLookalike(store.Lookalike{Brand: brand, Name: name, Fuzzer: "replacement",
			Source: "permutation", Registered: store.RegYes}); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]any{"brand": brand, "fuzzer": "replacement"})
		var err error
		id, err = tx.AddEvent(store.Event{Domain: name, Kind: event.LookalikeRegistered, Severity: event.SevWarning, Detail: detail})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func outbox(t testing.TB, st store.Store, status event.OutboxStatus) []store.OutboxItem {
	t.Helper()
	rows, err := st.Outbox(context.Background(), store.OutboxQuery{Status: status})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func flush(t testing.TB, n *Notifier) Stats {
	t.Helper()
	s, err := n.Flush(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func distinctMessageIDs(msgs []simnet.SMTPMessage) map[string]int {
	m := map[string]int{}
	for _, msg := range msgs {
		m[msg.MessageID()]++
	}
	return m
}

func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o600) }
