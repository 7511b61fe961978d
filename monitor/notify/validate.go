package notify

import (
	"fmt"
	"sort"
	"strings"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
)

// Validate checks the alert configuration as New would, without a store:
// addresses, webhook URLs, event kinds. `config show` and every command
// that loads the configuration call it, so a bad value is refused at once
// rather than at the first event.
func Validate(cfg config.Alerts) error {
	for i, ch := range cfg.Channels {
		for _, k := range ch.Events {
			k = event.Kind(strings.TrimSpace(string(k)))
			if k != "*" && !event.Known(k) {
				return fmt.Errorf("alerts.channels[%d] (%s): event kind %q: unknown (want \"*\" or one of %s)", i, ch.Name, k, kindList())
			}
		}
	}
	_, err := compileChannels(cfg)
	return err
}

func kindList() string {
	ks := event.Strings(event.Kinds)
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}
