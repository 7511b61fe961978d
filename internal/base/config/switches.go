package config

import (
	"fmt"
	"strconv"
)

// Switch names a default-true option settable from the file, the
// environment and a flag.
type Switch struct {
	Key  string // the YAML path, e.g. monitor.hunt_seized
	Env  string // TAKEDOWN_*
	Flag string // the command-line flag, without dashes
	Help string
}

// Switches lists the default-true options, so the CLI adds one flag each
// and the environment reads one variable each.
var Switches = []Switch{
	{"schedules.spread", "TAKEDOWN_SPREAD", "spread", "spread each domain's checks over the schedule's interval"},
	{"monitor.watch_infrastructure", "TAKEDOWN_WATCH_INFRASTRUCTURE", "watch-infrastructure", "watch the seizure and sinkhole name servers' own domains"},
	{"monitor.hunt_seized", "TAKEDOWN_HUNT_SEIZED", "hunt-seized", "hunt look-alikes of seized domains too"},
	{"monitor.screenshots", "TAKEDOWN_SCREENSHOTS", "screenshots", "screenshot look-alike pages with headless Chromium"},
}

// SwitchPtr returns where a switch lives in c, nil for an unknown key.
func (c *Config) SwitchPtr(key string) **bool {
	switch key {
	case "schedules.spread":
		return &c.Schedules.Spread
	case "monitor.watch_infrastructure":
		return &c.Monitor.WatchInfrastructure
	case "monitor.hunt_seized":
		return &c.Monitor.HuntSeized
	case "monitor.screenshots":
		return &c.Monitor.Screenshots
	}
	return nil
}

// SetSwitch sets one switch to a value of its own, never writing through
// a pointer another switch could share.
func (c *Config) SetSwitch(key string, on bool) {
	if p := c.SwitchPtr(key); p != nil {
		*p = &on
	}
}

func (c *Config) envSwitches(lookup func(string) (string, bool)) error {
	for _, s := range Switches {
		v, ok := lookup(s.Env)
		if !ok || v == "" {
			continue
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s=%q: not a boolean", s.Env, v)
		}
		c.SetSwitch(s.Key, b)
	}
	return nil
}

// MinScreenshotMiB and MaxScreenshotMiB bound monitor.screenshot_max_mib:
// an idle headless Chromium takes about 400 MiB.
const (
	MinScreenshotMiB = 256
	MaxScreenshotMiB = 64 << 10
)

// validateHardening checks the limits that bound what hostile servers and
// pages can take.
func (c *Config) validateHardening() []error {
	var errs []error
	if v := c.Monitor.ScreenshotMaxMiB; v < MinScreenshotMiB || v > MaxScreenshotMiB {
		errs = append(errs, fmt.Errorf("monitor.screenshot_max_mib: %d: want %d to %d", v, MinScreenshotMiB, MaxScreenshotMiB))
	}
	return errs
}
