package config

import (
	"strings"
	"testing"
)

// ScheduleParser takes five fields, six (with seconds) and descriptors, and
// every default schedule.
func TestScheduleParser(t *testing.T) {
	for _, tc := range []struct {
		spec string
		ok   bool
	}{
		{"@daily", true},
		{"@every 5m", true},
		{"0 3 * * *", true},
		{"*/30 0 3 * * *", true},
		{"0 3 * *", false},
		{"@fortnightly", false},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := ScheduleParser().Parse(tc.spec)
			if (err == nil) != tc.ok {
				t.Errorf("Parse(%q) = %v, want ok %v", tc.spec, err, tc.ok)
			}
		})
	}
	d := Default()
	for _, spec := range []string{d.Schedules.DNS, d.Schedules.Cert, d.Schedules.HTTP, d.Schedules.RDAP, d.Schedules.WHOIS, d.Schedules.Lookalikes} {
		if _, err := ScheduleParser().Parse(spec); err != nil {
			t.Errorf("default schedule %q: %v", spec, err)
		}
	}
}

// Default is the only source of defaults: it validates, and a zero written
// over one of its values is an error, not a silent fallback.
func TestValidateZeroIsNotDefault(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default: %v", err)
	}
	for _, tc := range []struct {
		name string
		zero func(*Config)
	}{
		{"monitor.poll", func(c *Config) { c.Monitor.Poll = 0 }},
		{"monitor.probe_timeout", func(c *Config) { c.Monitor.ProbeTimeout = 0 }},
		{"monitor.unreachable_after", func(c *Config) { c.Monitor.UnreachableAfter = 0 }},
		{"monitor.workers", func(c *Config) { c.Monitor.Workers = 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.zero(c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.name) {
				t.Errorf("Validate = %v, want an error naming %s", err, tc.name)
			}
		})
	}
}
