package monitor_test

import (
	"context"
	"testing"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/monitor/lifecycle"
)

// AssessOnce answers in the order of the names asked, more names than it
// runs at once, judging each as the daemon would; it writes nothing.
func TestAssessOnceKeepsOrderAndJudges(t *testing.T) {
	w := newWorld(t)
	w.net.Seize("thefoxcloud.com")
	var names []string
	for len(names) <= monitor.MaxAssessParallel {
		names = append(names, sites...)
	}
	got, err := monitor.AssessOnce(context.Background(), w.cfg, nil, lifecycle.Default(), 0, names, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(names) {
		t.Fatalf("%d results for %d names", len(got), len(names))
	}
	for i, as := range got {
		if as.Domain != names[i] {
			t.Fatalf("result %d is %s, want %s", i, as.Domain, names[i])
		}
		if as.Domain == "thefoxcloud.com" && as.Verdict.State != event.StateSeized {
			t.Errorf("thefoxcloud.com judged %s, want seized", as.Verdict.State)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := monitor.AssessOnce(ctx, w.cfg, nil, lifecycle.Default(), 0, names, nil); err == nil {
		t.Fatal("a cancelled check returned no error")
	}
}
