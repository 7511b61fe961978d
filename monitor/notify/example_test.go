package notify_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/monitor/notify"
	"github.com/takedownhq/takedown/store/sqlite"
)

// The daemon's wiring: build the Notifier, install its Router so events get
// outbox rows in their own transaction, and run the sender beside the
// monitor until shutdown.
func ExampleNew() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	st, err := sqlite.Open(ctx, "takedown-example.db")
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	cfg := config.Default()
	n, err := notify.New(cfg.Alerts, st, notify.Options{})
	if err != nil {
		log.Fatal(err) // a bad channel: exit 2 in the CLI
	}
	st.SetRouter(n.Router())
	go n.Run(ctx)
	// ... the monitor writes events with st.Update(ctx, func(tx store.Tx) error { tx.AddEvent(...) })
}

// A webhook receiver checks the signature and the timestamp, then uses
// the delivery key to drop repeats.
func ExampleVerify() {
	secret := []byte("the channel's secret")
	seen := map[string]bool{} // a real receiver keeps these in its database
	http.HandleFunc("/takedown", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		if err := notify.Verify(secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if id := r.Header.Get(notify.HeaderDelivery); seen[id] {
			return // a repeat after a crash: already handled
		} else {
			seen[id] = true
		}
		fmt.Println("alert accepted")
	})
}
