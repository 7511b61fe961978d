package notify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// A related domain's own probe events are its history; how it was found
// (related_found, infrastructure_seen) is the alert, on "*" channels and
// the built-in one alike.
func TestRelatedDomainEventsRouting(t *testing.T) {
	st := openStore(t, t.TempDir())
	cfg := config.Alerts{SMTP: config.SMTP{Addr: "127.0.0.1:25", From: "alerts@example.org"},
		Channels: []config.Channel{{Name: "all", Webhook: "https://hooks.example.org/all", Events: []event.Kind{"*"}},
			{Name: "defaults", Email: []string{"soc@example.org"}}}}
	newNotifier(t, cfg, st, fastOpts(&clock{}))
	if err := st.Update(t.Context(), func(tx store.Tx) error {
		_, _, err := tx.AddRelated("northwind-talent.com", "", "feed:com", time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	channels := func(id int64) string {
		var out []string
		for _, o := range outbox(t, st, "") {
			if o.EventID == id {
				out = append(out, o.Channel)
			}
		}
		slices.Sort(out)
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		name string
		ev   store.Event
		want string
	}{
		{"dns_changed", store.Event{Domain: "northwind-talent.com", Kind: event.DNSChanged, Severity: event.SevNotice}, ""},
		{"state_changed", store.Event{Domain: "northwind-talent.com", Kind: event.StateChanged, New: "active", Severity: event.SevInfo}, ""},
		{"related_found", store.Event{Domain: "northwind-talent.com", Kind: event.RelatedFound, Severity: event.SevCritical}, "all,defaults"},
		{"infrastructure_seen", store.Event{Domain: "northwind-talent.com", Kind: event.InfrastructureSeen, Severity: event.SevWarning}, "all,defaults"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := channels(addEvent(t, st, tc.ev)); got != tc.want {
				t.Errorf("routed to %q, want %q", got, tc.want)
			}
		})
	}
}
