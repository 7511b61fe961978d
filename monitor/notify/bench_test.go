package notify

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/store"
)

// BenchmarkRouteEvent measures writing one event with its outbox rows (three
// channels match) in its own transaction, as the daemon does.
func BenchmarkRouteEvent(b *testing.B) {
	st := openStore(b, b.TempDir())
	cfg := config.Alerts{
		SMTP: config.SMTP{Addr: "127.0.0.1:25", TLS: "none", From: "takedown@example.org"},
		Channels: []config.Channel{
			{Name: "soc", Email: []string{"soc@example.org", "cti@example.org"}},
			{Name: "hook", Webhook: "https://hooks.example.org/x", Events: []event.Kind{"*"}, Tags: []string{"dprk"}},
			{Name: "digest", Email: []string{"brand@example.org"}, Events: []event.Kind{"*"}, Digest: "1h"},
		},
	}
	newNotifier(b, cfg, st, Options{Logger: quietLogger()})
	watch(b, st, "thefoxcloud.com", "dprk")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		addEvent(b, st, store.Event{Domain: "thefoxcloud.com", Kind: event.StateChanged, Old: "active", New: fmt.Sprint(i)})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkFlushMail measures delivering immediate mails through simnet's
// SMTP server on loopback: render, SMTP, mark sent.
func BenchmarkFlushMail(b *testing.B) {
	srv := startSMTP(b, simnet.SMTPOptions{})
	st := openStore(b, b.TempDir())
	n := newNotifier(b, mailCfg(srv, config.Channel{Name: "soc", Email: []string{"soc@example.org"}, Events: []event.Kind{"*"}}), st,
		Options{Logger: quietLogger()})
	watch(b, st, "thefoxcloud.com")
	for i := 0; i < b.N; i++ {
		addEvent(b, st, store.Event{Domain: "thefoxcloud.com", Kind: event.NSChanged, New: fmt.Sprintf("ns%d.example.net", i)})
	}
	b.ResetTimer()
	s, err := n.Flush(context.Background())
	if err != nil || s.Sent != b.N {
		b.Fatalf("flush %+v, %v", s, err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mails/s")
}

// BenchmarkFlushDigest measures a 500-event digest: one mail.
func BenchmarkFlushDigest(b *testing.B) {
	srv := startSMTP(b, simnet.SMTPOptions{})
	clk := &clock{}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := openStore(b, b.TempDir())
		n := newNotifier(b, mailCfg(srv, config.Channel{Name: "brand", Email: []string{"soc@example.org"}, Events: []event.Kind{"*"}, Digest: "1h"}), st,
			Options{Logger: quietLogger(), Now: clk.Now})
		watch(b, st, "example.com")
		err := st.Update(context.Background(), func(tx store.Tx) error {
			for j := range 500 {
				if _, err := tx.AddEvent(store.Event{Domain: fmt.Sprintf("examp%de.com", j), Kind: event.LookalikeRegistered,
					Detail: []byte(`{"brand":"example.com"}`)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		clk.Advance(time.Hour)
		b.StartTimer()
		s, err := n.Flush(context.Background())
		if err != nil || s.Messages != 1 || s.Sent != 500 {
			b.Fatalf("flush %+v, %v", s, err)
		}
	}
	b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkFlushWebhook measures signed webhook deliveries to a local server.
func BenchmarkFlushWebhook(b *testing.B) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	b.Cleanup(hs.Close)
	st := openStore(b, b.TempDir())
	n := newNotifier(b, config.Alerts{Channels: []config.Channel{{Name: "hook", Webhook: hs.URL, Secret: "k", Events: []event.Kind{"*"}}}}, st,
		Options{Logger: quietLogger()})
	watch(b, st, "thefoxcloud.com")
	for i := 0; i < b.N; i++ {
		addEvent(b, st, store.Event{Domain: "thefoxcloud.com", Kind: event.NSChanged, New: fmt.Sprint(i)})
	}
	b.ResetTimer()
	s, err := n.Flush(context.Background())
	if err != nil || s.Sent != b.N {
		b.Fatalf("flush %+v, %v", s, err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
}
