package feeds

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/store"
)

func TestSchedules(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	addFeed(t, st, "a", KindCT, "https://ct.example.org/log/", "")
	if err := st.AddFeed(ctx, store.Feed{Name: "b", Kind: KindNRD, URL: "/tmp/x", Schedule: "@hourly"}); err != nil {
		t.Fatal(err)
	}
	if err := st.AddFeed(ctx, store.Feed{Name: "c", Kind: KindZone, URL: "/tmp/z", Schedule: "bogus"}); err != nil {
		t.Fatal(err)
	}
	r := &Runner{Store: st, Dir: t.TempDir()}
	ss, err := r.Schedules(ctx)
	if err == nil || !strings.Contains(err.Error(), `feed c: schedule "bogus"`) {
		t.Errorf("bad schedule: err %v", err)
	}
	if len(ss) != 2 || ss[0].Name != "a" || ss[0].Spec != "@every 5m" || ss[1].Spec != "@hourly" || ss[0].Run == nil {
		t.Errorf("schedules: %+v", ss)
	}
}

// TestRunnerBusyAndWatchlistChanges: a feed runs once at a time (the
// daemon's next tick is skipped, not stacked), and a brand added between
// runs is matched by the next one.
func TestRunnerBusyAndWatchlistChanges(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	addDomains(t, st, store.KindBrand, "paypal.com")
	fx := startCTLog(t, 10)
	fx.fill(t, 6, 100, nil, 0)
	fx.log.SetDelay(50 * time.Millisecond)
	addFeed(t, st, "slow", KindCT, fx.log.URL(), CTCursor(0))
	r := &Runner{Store: st, Dir: t.TempDir(), Log: testLogger(t), CT: CTOptions{Parallel: 1, Rate: 1000}}
	done := make(chan error)
	go func() {
		_, err := r.RunNamed(ctx, "slow")
		done <- err
	}()
	// The first run holds the feed from before its first request to the
	// log until after its last; the slow log keeps it going for seconds.
	for deadline := time.Now().Add(10 * time.Second); fx.log.Stats().GetSTH == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first run never asked the log for its tree head")
		}
	}
	if _, err := r.RunNamed(ctx, "slow"); !errors.Is(err, ErrBusy) {
		t.Errorf("second run of a running feed: %v, want ErrBusy", err)
	}
	if err := r.Job("slow")(ctx); err != nil {
		t.Errorf("job during a run: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	fx.log.SetDelay(0)

	if _, err := fx.log.Issue("g00gle.com"); err != nil {
		t.Fatal(err)
	}
	addDomains(t, st, store.KindBrand, "google.com")
	s, err := r.RunNamed(ctx, "slow")
	if err != nil || s.Matches != 1 {
		t.Errorf("after adding a brand: %+v %v", s, err)
	}
}

func TestValidate(t *testing.T) {
	for _, bad := range []string{"", "ftp://x/y", "http://", "https:///p", "a\nb"} {
		if ValidateLocation(bad) == nil {
			t.Errorf("ValidateLocation(%q) accepted", bad)
		}
	}
	for _, good := range []string{"/var/lib/nrd/{date}.zip", "https://example.org/nrd.zip", "rel/path.txt"} {
		if err := ValidateLocation(good); err != nil {
			t.Errorf("ValidateLocation(%q): %v", good, err)
		}
	}
	for _, bad := range []string{"every day", "* * *", "@yearlyish", "60 * * * *"} {
		if ValidateSchedule(bad) == nil {
			t.Errorf("ValidateSchedule(%q) accepted", bad)
		}
	}
	for _, good := range []string{"@daily", "@every 5m", "*/10 * * * *", "0 30 6 * * *"} {
		if err := ValidateSchedule(good); err != nil {
			t.Errorf("ValidateSchedule(%q): %v", good, err)
		}
	}
	if ValidateName("ct-google-argon2026h1") != nil || ValidateName("Bad") == nil || ValidateName("-x") == nil {
		t.Errorf("ValidateName")
	}
}
