package notify

import (
	"fmt"
	"sort"
	"strings"

	"github.com/takedownhq/takedown/monitor/config"
)

// moreKinds are event kinds other packages write (feeds, the monitor's
// fallback and suspicions) that rules may name; with knownKinds they are
// every kind a channel's events list accepts.
var moreKinds = []string{"nrd_listed", "delegation_added", "delegation_removed", "snapshot_changed",
	// lifecycle's suspicions: "suspected_" + a state (monitor.Check)
	"suspected_pending_delete", "suspected_redemption", "suspected_suspended", "suspected_expired", "suspected_parked"}

// IsEventKind reports whether kind is an event kind takedown writes.
func IsEventKind(kind string) bool {
	if knownKinds[kind] {
		return true
	}
	for _, k := range moreKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Validate checks the alert configuration as New would, without a store:
// addresses, webhook URLs, event kinds. `config show` and every command
// that loads the configuration call it, so a bad value is refused at once
// rather than at the first event.
func Validate(cfg config.Alerts) error {
	for i, ch := range cfg.Channels {
		for _, k := range ch.Events {
			k = strings.TrimSpace(k)
			if k != "*" && !IsEventKind(k) {
				return fmt.Errorf("alerts.channels[%d] (%s): event kind %q: unknown (want \"*\" or one of %s)", i, ch.Name, k, kindList())
			}
		}
	}
	_, err := compileChannels(cfg)
	return err
}

func kindList() string {
	var ks []string
	for k := range knownKinds {
		ks = append(ks, k)
	}
	ks = append(ks, moreKinds...)
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}
