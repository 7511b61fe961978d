package config

import "testing"

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
