package config

import "testing"

// Every daemon keeps its schedule in the database's due queue unless told
// otherwise, SQLite as PostgreSQL: an in-process queue holds about 1.5 KB
// a domain (BenchmarkScheduleMemory in monitor/engine).
func TestSharedQueueIsOnForEveryDatabase(t *testing.T) {
	off, on := false, true
	for _, tc := range []struct {
		db   string
		set  *bool
		want bool
	}{
		{"takedown.db", nil, true},
		{"/var/lib/takedown/watch.db", nil, true},
		{"postgres://takedown@db/takedown", nil, true},
		{"takedown.db", &off, false},
		{"postgres://takedown@db/takedown", &off, false},
		{"takedown.db", &on, true},
	} {
		c := Default()
		c.DB, c.Monitor.SharedQueue = tc.db, tc.set
		if got := c.SharedQueueOn(); got != tc.want {
			t.Errorf("db %s, shared_queue %v: SharedQueueOn = %v, want %v", tc.db, tc.set, got, tc.want)
		}
	}
}
