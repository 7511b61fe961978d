package feeds

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// ctPlanted are look-alike certificates, as CAs log them: some as a
// precertificate and its certificate, some with www and wildcard names.
var ctPlanted = [][]string{
	{"paypa1.com", "www.paypa1.com"},
	{"*.paypal-secure-login.com", "paypal-secure-login.com"},
	{"login.micros0ft-support.com"},
	{"thefoxcloud.net", "www.thefoxcloud.net"},
	{"cloudfox-hub.com"},
	{"g00gle.com", "*.g00gle.com"},
	{"apple-id-verify.com"},
	{"xn--pple-43d.com"},
	{"linkedln.com", "mail.linkedln.com"},
	{"coinbase-wallet.com"},
	{"githubb.com"},
	{"docusign-invoice.com", "www.docusign-invoice.com"},
	{"foxysunstudio.net"},
	{"hopanatech.net"},
	{"faceboook.com"},
	{"walmrat.com"},
}

// ctFixture is a loopback log and what was put in it.
type ctFixture struct {
	log   *simnet.CTLog
	names [][]string // per entry; nil for entries that do not parse
}

// fill adds n entries: innocent certificates, one in seven as a
// precertificate and certificate pair, with the planted ones and a few
// unparsable entries spread among them.
func (fx *ctFixture) fill(t testing.TB, seed uint64, n int, plant [][]string, broken int) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 11))
	words := loadWords(t)
	// Positions, in order; a precertificate pair takes two entries, so a
	// planted certificate goes in at the first entry at or after its place.
	pos := func(k int) []int {
		p := make([]int, k)
		for j := range p {
			p[j] = r.IntN(n - 2*len(plant) - 2*broken)
		}
		slices.Sort(p)
		return p
	}
	plantAt, brokenAt := pos(len(plant)), pos(broken)
	for i := 0; i < n; {
		var names []string
		isPlanted := len(plantAt) > 0 && i >= plantAt[0]
		if isPlanted {
			names, plant, plantAt = plant[0], plant[1:], plantAt[1:]
		} else {
			base := innocentName(r, words)
			names = []string{base, "www." + base}
		}
		if !isPlanted && len(brokenAt) > 0 && i >= brokenAt[0] {
			brokenAt = brokenAt[1:]
			if _, err := fx.log.AddUnparsable(); err != nil {
				t.Fatal(err)
			}
			fx.names = append(fx.names, nil)
			i++
			continue
		}
		if (r.IntN(7) == 0 || isPlanted) && i+2 <= n {
			if _, _, err := fx.log.IssueWithPrecert(names...); err != nil {
				t.Fatal(err)
			}
			fx.names = append(fx.names, names, names)
			i += 2
			continue
		}
		if _, err := fx.log.Issue(names...); err != nil {
			t.Fatal(err)
		}
		fx.names = append(fx.names, names)
		i++
	}
}

func startCTLog(t testing.TB, maxBatch int) *ctFixture {
	t.Helper()
	l, err := simnet.StartCTLog(simnet.CTLogOptions{MaxBatch: maxBatch})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return &ctFixture{log: l}
}

// expected runs every name in the log through the matcher, entry by
// entry: the registrable look-alikes a reader that skips nothing finds.
func (fx *ctFixture) expected(t testing.TB, m *Matcher) (map[string]string, int64) {
	want := map[string]string{}
	var names int64
	for _, ns := range fx.names {
		for _, n := range certNames(ns, "") {
			names++
			if mt, ok := m.Match(n); ok {
				d, err := domain.Normalize(n)
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := want[d.ASCII]; !ok {
					want[d.ASCII] = mt.Brand
				}
			}
		}
	}
	return want, names
}

func ctStore(t testing.TB) *sqlite.SQLite {
	st := newStore(t)
	addDomains(t, st, store.KindWatch, seized...)
	addDomains(t, st, store.KindBrand, brands...)
	setState(t, st, "thefoxcloud.com", "seized")
	return st
}

// checkCT compares what the store holds with what the log holds.
func checkCT(t *testing.T, st store.Store, fx *ctFixture, feed string) {
	t.Helper()
	m, err := LoadMatcher(context.Background(), st, MatcherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, names := fx.expected(t, m)
	got := lookalikesOf(t, st, "feed:"+feed)
	for _, p := range ctPlanted {
		d, _ := domain.Normalize(strings.TrimPrefix(p[0], "*."))
		if _, ok := got[d.ASCII]; !ok {
			t.Errorf("planted %s not found", d.ASCII)
		}
	}
	for n, b := range want {
		if l, ok := got[n]; !ok || l.Brand != b {
			t.Errorf("look-alike %s of %s: stored %+v", n, b, l)
		}
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			t.Errorf("look-alike %s stored but not in the log", n)
		}
	}
	per := map[string]int{}
	for _, ev := range events(t, st, event.LookalikeRegistered) {
		per[ev.Domain]++
	}
	for n := range want {
		if per[n] != 1 {
			t.Errorf("%s announced %d times, want once", n, per[n])
		}
	}
	f, err := st.Feed(context.Background(), feed)
	if err != nil {
		t.Fatal(err)
	}
	var cur ctCursor
	if err := json.Unmarshal([]byte(f.Cursor), &cur); err != nil || cur.Next != fx.log.Size() {
		t.Errorf("cursor %s, want next %d", f.Cursor, fx.log.Size())
	}
	// Every name counted once: nothing skipped, nothing read twice.
	if f.NamesSeen != names {
		t.Errorf("names seen %d, want %d", f.NamesSeen, names)
	}
	t.Logf("log of %d entries: %d names, %d look-alikes (%d planted)", fx.log.Size(), names, len(want), len(ctPlanted))
}

func ctRunner(st store.Store, t testing.TB) *Runner {
	return &Runner{Store: st, Dir: t.TempDir(), Log: testLogger(t), CT: CTOptions{Parallel: 4, Rate: 2000, MaxBackoff: 200 * time.Millisecond}}
}

// TestCTFollowLog: a log of 3,000 entries with precertificates, look-alikes
// and unparsable entries, read in batches the log caps, through two storms
// of 429s (one with Retry-After). Every look-alike is found and announced
// once, the seized domain's certificate once (precertificate and
// certificate are one), the cursor ends at the tree size.
func TestCTFollowLog(t *testing.T) {
	ctx := context.Background()
	st := ctStore(t)
	fx := startCTLog(t, 100)
	watchedCert := []string{"thefoxcloud.com", "www.thefoxcloud.com"}
	fx.fill(t, 1, 1500, append(slices.Clone(ctPlanted[:8]), watchedCert, []string{"paypal.com"}), 3)
	f := addFeed(t, st, "ct", KindCT, LogFeedURL(fx.log.URL(), fx.log.PublicKeyDER()), CTCursor(0))
	r := ctRunner(st, t)

	fx.log.Storm(3, "1")
	start := time.Now()
	s, err := r.Run(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < time.Second {
		t.Errorf("Retry-After: 1 not honoured: run took %s", time.Since(start))
	}
	if s.Entries != 1500 || s.Skipped != 3 || len(s.Bad) != 3 {
		t.Errorf("first run: %+v", s)
	}
	// The log grows; a harder storm without Retry-After.
	fx.fill(t, 2, 1500, ctPlanted[8:], 2)
	fx.log.Storm(40, "")
	fr, _ := st.Feed(ctx, "ct")
	s, err = r.Run(ctx, *fr)
	if err != nil {
		t.Fatal(err)
	}
	if s.Entries != 1500 || s.Skipped != 2 {
		t.Errorf("second run: %+v", s)
	}
	ls := fx.log.Stats()
	if ls.Throttled != 43 {
		t.Errorf("log throttled %d requests, want 43", ls.Throttled)
	}
	if ls.Served > int(fx.log.Size())+4*100 {
		t.Errorf("log served %d entries for %d: too many asked twice", ls.Served, fx.log.Size())
	}
	checkCT(t, st, fx, "ct")
	certs := events(t, st, event.CertIssued)
	if len(certs) != 2 {
		t.Fatalf("cert_issued events: %+v", certs)
	}
	for _, ev := range certs {
		switch ev.Domain {
		case "thefoxcloud.com":
			if ev.Severity != event.SevWarning || !strings.Contains(string(ev.Detail), `"state":"seized"`) {
				t.Errorf("seized domain's certificate: %+v %s", ev, ev.Detail)
			}
		case "paypal.com":
			if ev.Severity != event.SevInfo {
				t.Errorf("brand's own certificate: %+v", ev)
			}
		default:
			t.Errorf("unexpected cert_issued for %s", ev.Domain)
		}
	}
	// Nothing new: a run reads the tree head only.
	fr, _ = st.Feed(ctx, "ct")
	before := fx.log.Stats().GetEntries
	if s, err = r.Run(ctx, *fr); err != nil || s.Entries != 0 || fx.log.Stats().GetEntries != before {
		t.Errorf("idle run: %+v %v", s, err)
	}
	// The seized domain gets another certificate: a new event.
	if _, err := fx.log.Issue("thefoxcloud.com"); err != nil {
		t.Fatal(err)
	}
	if s, err = r.Run(ctx, *fr); err != nil || s.Watched != 1 {
		t.Errorf("new certificate for the seized domain: %+v %v", s, err)
	}
}

// TestCTNewFeedStartsAtHead: a feed without a cursor follows the log from
// its current size, as real logs hold billions of entries.
func TestCTNewFeedStartsAtHead(t *testing.T) {
	ctx := context.Background()
	st := ctStore(t)
	fx := startCTLog(t, 256)
	fx.fill(t, 3, 50, [][]string{{"paypa1.com"}}, 0)
	f := addFeed(t, st, "head", KindCT, fx.log.URL(), "")
	r := ctRunner(st, t)
	if s, err := r.Run(ctx, f); err != nil || s.Entries != 0 {
		t.Fatalf("first run: %+v %v", s, err)
	}
	if _, err := fx.log.Issue("g00gle.com"); err != nil {
		t.Fatal(err)
	}
	fr, _ := st.Feed(ctx, "head")
	s, err := r.Run(ctx, *fr)
	if err != nil || s.Entries != 1 || s.Matches != 1 {
		t.Fatalf("second run: %+v %v", s, err)
	}
	if got := lookalikesOf(t, st, "feed:head"); len(got) != 1 || got["g00gle.com"].Name == "" {
		t.Errorf("found %v, want only g00gle.com", got)
	}
}

// TestCTLogList: the log list names the log and its key; a feed made from
// it verifies tree heads, and one with another log's key refuses them.
func TestCTLogList(t *testing.T) {
	ctx := context.Background()
	fx := startCTLog(t, 256)
	other := startCTLog(t, 256)
	logs, err := ParseLogList(fx.log.LogListJSON("Simnet", "Simnet 'Loopback2026' log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 1 || logs[0].Slug != "simnet-loopback2026-log" || !strings.Contains(logs[0].URL, "#key=") {
		t.Fatalf("log list: %+v", logs)
	}
	base, key, err := ParseLogURL(logs[0].URL)
	if err != nil || base+"/" != fx.log.URL() || string(key) != string(fx.log.PublicKeyDER()) {
		t.Fatalf("ParseLogURL: %q %x %v", base, key, err)
	}
	st := ctStore(t)
	r := ctRunner(st, t)
	if _, err := r.Run(ctx, addFeed(t, st, "good", KindCT, logs[0].URL, CTCursor(0))); err != nil {
		t.Errorf("log with its own key: %v", err)
	}
	wrong := LogFeedURL(fx.log.URL(), other.log.PublicKeyDER())
	r.CT.Attempts = 1
	if _, err := r.Run(ctx, addFeed(t, st, "bad", KindCT, wrong, CTCursor(0))); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("log with another log's key: err %v", err)
	}
}

// TestCTResumeAfterKill: a child process follows a slow log and is killed
// with SIGKILL in the middle; the resumed run finds every look-alike once
// and counts every name once, so the cursor skipped and repeated nothing.
func TestCTResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	ctx := context.Background()
	st := ctStore(t)
	fx := startCTLog(t, 50)
	fx.fill(t, 4, 3000, ctPlanted, 2)
	f := addFeed(t, st, "kill", KindCT, fx.log.URL(), CTCursor(0))
	_ = f
	fx.log.SetDelay(20 * time.Millisecond)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCTChild$", "-test.v")
	cmd.Env = append(os.Environ(), "FEEDS_CT_CHILD="+st.Path())
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killedAt := int64(-1)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		fr, err := st.Feed(ctx, "kill")
		if err != nil {
			t.Fatal(err)
		}
		var cur ctCursor
		json.Unmarshal([]byte(fr.Cursor), &cur)
		if cur.Next >= 1000 {
			cmd.Process.Signal(syscall.SIGKILL)
			killedAt = cur.Next
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	err := cmd.Wait()
	if killedAt < 0 {
		t.Fatalf("child never got to entry 1000: %v\n%s", err, out)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("child was not killed (finished first?): %v\n%s", err, out)
	}
	fr, _ := st.Feed(ctx, "kill")
	var cur ctCursor
	json.Unmarshal([]byte(fr.Cursor), &cur)
	t.Logf("child killed with its cursor at %d (seen at %d) of %d", cur.Next, killedAt, fx.log.Size())
	if cur.Next >= fx.log.Size() {
		t.Fatalf("child finished before the kill")
	}
	fx.log.SetDelay(0)
	s, err := ctRunner(st, t).Run(ctx, *fr)
	if err != nil {
		t.Fatal(err)
	}
	if s.Entries != fx.log.Size()-cur.Next {
		t.Errorf("resumed run read %d entries, want %d", s.Entries, fx.log.Size()-cur.Next)
	}
	checkCT(t, st, fx, "kill")
}

// TestCTChild is the child of TestCTResumeAfterKill: it runs the feed in
// the database it is given until it is killed.
func TestCTChild(t *testing.T) {
	db := os.Getenv("FEEDS_CT_CHILD")
	if db == "" {
		t.Skip("child of TestCTResumeAfterKill")
	}
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := &Runner{Store: st, Dir: t.TempDir(), Log: quietLogger(), CT: CTOptions{Parallel: 2, Rate: 20}}
	s, err := r.RunNamed(context.Background(), "kill")
	fmt.Println("child finished:", s.Entries, err)
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "3": 3 * time.Second, "-5": 0, "99999": time.Hour, "x": 0,
		now.Add(90 * time.Second).Format(time.RFC1123): 90 * time.Second,
	} {
		t.Run(in, func(t *testing.T) {
			if got := parseRetryAfter(strings.Replace(in, "UTC", "GMT", 1), now); got != want {
				t.Errorf("parseRetryAfter(%q) = %s, want %s", in, got, want)
			}
		})
	}
}
