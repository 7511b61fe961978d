package feeds

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor/lookalike"
	"github.com/takedownhq/takedown/store"
)

func startFiles(t testing.TB) *simnet.FeedFiles {
	t.Helper()
	ff, err := simnet.StartFeedFiles()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ff.Close() })
	return ff
}

func lookalikesOf(t testing.TB, st store.Store, source string) map[string]store.Lookalike {
	t.Helper()
	ls, _, err := st.Lookalikes(context.Background(), store.LookalikeQuery{Source: source})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Lookalike{}
	for _, l := range ls {
		if _, dup := out[l.Name]; dup {
			t.Errorf("%s stored twice (brands %s and %s)", l.Name, out[l.Name].Brand, l.Brand)
		}
		out[l.Name] = l
	}
	return out
}

// alerted counts the look-alikes the default options announce: score
// 0.75 or more, bitsquatting kept quiet.
func alerted(ls map[string]store.Lookalike) int {
	n := 0
	for _, l := range ls {
		if announces(l) {
			n++
		}
	}
	return n
}

func announces(l store.Lookalike) bool { return l.Score >= 0.75 && l.Fuzzer != lookalike.Bitsquatting }

// TestNRDPrecision: 100,000 realistic innocent names with 30 planted
// look-alikes, served as a zip over HTTP. Every planted one must be found,
// for the right brand, announced once; the matches that were not planted
// are counted and the precision is logged.
func TestNRDPrecision(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	addDomains(t, st, store.KindWatch, seized...)
	addDomains(t, st, store.KindBrand, brands...)
	ff := startFiles(t)
	names := nrdList(t, 1, 100_000, slices.Sorted(maps.Keys(planted)))
	zipped, err := simnet.NRDZip("domain-names.txt", names)
	if err != nil {
		t.Fatal(err)
	}
	ff.Put("/nrd/latest.zip", zipped)
	f := addFeed(t, st, "nrd", KindNRD, ff.URL("/nrd/latest.zip"), "")
	r := &Runner{Store: st, Dir: t.TempDir(), Log: testLogger(t)}
	stats, err := r.Run(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Names != 100_000 || stats.Files != 1 {
		t.Fatalf("read %d names from %d files, want 100000 from 1", stats.Names, stats.Files)
	}
	found := lookalikesOf(t, st, "feed:nrd")
	var missing, extra []string
	for name, brand := range planted {
		l, ok := found[name]
		switch {
		case !ok:
			missing = append(missing, name)
		case !slices.Contains(strings.Split(brand, "|"), l.Brand):
			t.Errorf("%s matched brand %s, want %s", name, l.Brand, brand)
		}
	}
	literal := 0 // not planted, but the brand's label is in the name as it is: apple.shop, chasebank.top
	for name, l := range found {
		if _, ok := planted[name]; !ok {
			extra = append(extra, name+" ~ "+l.Brand+" ("+l.Fuzzer+")")
			if label, _, _ := strings.Cut(l.Brand, "."); strings.Contains(name, label) {
				literal++
			}
		}
		if l.Registered != store.RegYes || l.Source != "feed:nrd" {
			t.Errorf("%s stored as registered=%s source=%s", name, l.Registered, l.Source)
		}
	}
	if len(missing) > 0 {
		t.Errorf("planted look-alikes not found: %v", missing)
	}
	slices.Sort(extra)
	// Every match is stored with its score; those from the alert threshold
	// on are announced, and precision is what an analyst is shown.
	announced := alerted(found)
	extra = extra[:0]
	literal = 0
	for name, l := range found {
		if _, ok := planted[name]; !ok && announces(l) {
			extra = append(extra, name+" ~ "+l.Brand+" ("+l.Fuzzer+")")
			if label, _, _ := strings.Cut(l.Brand, "."); strings.Contains(name, label) {
				literal++
			}
		}
	}
	slices.Sort(extra)
	t.Logf("%d matches stored, %d announced (score >= 0.75, bitsquatting quiet), %d stored only", len(found), announced, len(found)-announced)
	precision := float64(len(planted)-len(missing)) / float64(announced)
	t.Logf("NRD precision: %d planted found of %d, %d matches in all, %d not planted: precision %.3f "+
		"(%.3f counting the %d names that hold a brand's label as it is as true)",
		len(planted)-len(missing), len(planted), announced, len(extra), precision,
		float64(len(planted)-len(missing)+literal)/float64(announced), literal)
	for _, e := range extra {
		t.Logf("  not planted: %s", e)
	}
	// A flood would bury the 30; a few accidental look-alikes among
	// 100,000 dictionary names are real findings of the matcher's rules.
	if precision < 0.5 || float64(len(planted)-len(missing)+literal)/float64(announced) < 0.85 {
		t.Errorf("precision %.3f: a flood of accidental matches", precision)
	}
	evs := events(t, st, event.LookalikeRegistered)
	if len(evs) != announced || stats.Matches != announced {
		t.Errorf("%d events, %d matches reported, for %d announced look-alikes: want one each", len(evs), stats.Matches, announced)
	}
	perName := map[string]int{}
	for _, ev := range evs {
		perName[ev.Domain]++
		var d map[string]any
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"brand", "fuzzer", "unicode", "source"} {
			if _, ok := d[k]; !ok {
				t.Errorf("event %s: detail lacks %q: %s", ev.Domain, k, ev.Detail)
			}
		}
		if ev.Severity != event.SevWarning {
			t.Errorf("event %s: severity %s", ev.Domain, ev.Severity)
		}
	}
	for n, c := range perName {
		if c != 1 {
			t.Errorf("%s announced %d times", n, c)
		}
	}
	if ev := findEvent(evs, "xn--pple-43d.com"); ev == nil || !strings.Contains(string(ev.Detail), "аpple.com") {
		t.Errorf("homograph event lacks its Unicode form: %+v", ev)
	}

	// The same file again: a conditional GET answers 304 and nothing is read.
	fr, err := st.Feed(ctx, "nrd")
	if err != nil {
		t.Fatal(err)
	}
	if fr.NamesSeen != 100_000 || fr.Matches != int64(stats.Matches+stats.Watched) || fr.LastRun.IsZero() || fr.Cursor == "" {
		t.Errorf("feed after the run: %+v", fr)
	}
	stats, err = r.Run(ctx, *fr)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Files != 0 || stats.Names != 0 || len(events(t, st, event.LookalikeRegistered)) != announced {
		t.Errorf("second run of an unchanged file: %+v", stats)
	}
	if n := ff.Requests("/nrd/latest.zip"); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func findEvent(evs []store.Event, domain string) *store.Event {
	for i := range evs {
		if evs[i].Domain == domain {
			return &evs[i]
		}
	}
	return nil
}

// TestNRDDatedAcrossDays: a feed of daily files walks the days from its
// cursor; a name listed on two days, or already found by brand hunting,
// is announced once; a watched seized domain on the list is an event; a
// missing past day is stepped over, today's missing file is waited for.
func TestNRDDatedAcrossDays(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	addDomains(t, st, store.KindWatch, seized...)
	setState(t, st, "thefoxcloud.com", "seized")
	// Brand hunting already found this one registered.
	if err := st.Update(ctx, func(tx store.Tx) error {
		_, _, err := tx.UpsertLookalike(store.Lookalike{Brand: "mycloudfox.com", Name: "mycloudfox.net", Fuzzer: "tld-swap",
			Source: lookalike.SourcePermutation, Registered: store.RegYes, LastChecked: time.Now()})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ff := startFiles(t)
	ff.Put("/nrd/2026-03-01.txt", simnet.NRDText([]string{"gardenparty.com", "thefoxcloud.net", "mycloudfox.net", "thefoxcloud.com"}))
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	r := &Runner{Store: st, Dir: t.TempDir(), Log: testLogger(t), Now: func() time.Time { return now }}
	f := addFeed(t, st, "daily", KindNRD, ff.URL("/nrd/{date}.txt"), "")
	run := func() Stats {
		t.Helper()
		fr, err := st.Feed(ctx, "daily")
		if err != nil {
			t.Fatal(err)
		}
		s, err := r.Run(ctx, *fr)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	_ = f
	s := run()
	if s.Files != 1 || s.Matches != 1 || s.Watched != 1 {
		t.Fatalf("day 1: %+v", s)
	}
	// Today's file appears later in the day; it repeats yesterday's names.
	ff.Put("/nrd/2026-03-02.txt", simnet.NRDText([]string{"thefoxcloud.net", "thefoxcloud.com", "cloudfox-hub.com"}))
	s = run()
	if s.Files != 1 || s.Matches != 1 || s.Known != 1 || s.Watched != 0 {
		t.Fatalf("day 2: %+v", s)
	}
	s = run()
	if s.Files != 0 || ff.Requests("/nrd/2026-03-02.txt") != 2 {
		t.Fatalf("day 2 again: %+v, %d requests", s, ff.Requests("/nrd/2026-03-02.txt"))
	}
	// Two days pass without files, then one comes.
	now = now.AddDate(0, 0, 3)
	ff.Put("/nrd/2026-03-05.txt", simnet.NRDText([]string{"thef0xcloud.com"}))
	s = run()
	if s.Files != 1 || s.Matches != 1 {
		t.Fatalf("day 5: %+v", s)
	}
	fr, _ := st.Feed(ctx, "daily")
	if !strings.Contains(fr.Cursor, `"date":"2026-03-05"`) {
		t.Errorf("cursor %s, want date 2026-03-05", fr.Cursor)
	}
	var names []string
	for _, ev := range events(t, st, event.LookalikeRegistered) {
		names = append(names, ev.Domain)
	}
	slices.Sort(names)
	if want := []string{"cloudfox-hub.com", "thef0xcloud.com", "thefoxcloud.net"}; !slices.Equal(names, want) {
		t.Errorf("announced %v, want %v", names, want)
	}
	listed := events(t, st, event.NRDListed)
	if len(listed) != 1 || listed[0].Domain != "thefoxcloud.com" || listed[0].Severity != event.SevWarning || listed[0].DomainID == 0 {
		t.Errorf("nrd_listed events: %+v", listed)
	}
}

// TestNRDMalformed: a truncated gzip fails the run with a clear error and
// keeps the cursor, matches read before the cut are kept; bad lines are
// reported and skipped; the whole file later is read and announces only
// what is new.
func TestNRDMalformed(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	addDomains(t, st, store.KindBrand, brands...)
	ff := startFiles(t)
	names := nrdList(t, 2, 20_000, nil)
	names[10] = "paypa1.com"
	names[11] = "bad name!"
	names[12] = strings.Repeat("x", 5000) + ".com"
	names[19_990] = "g00gle.com"
	full := simnet.Gzip(simnet.NRDText(names))
	ff.Put("/nrd.txt.gz", full[:len(full)/2])
	f := addFeed(t, st, "gz", KindNRD, ff.URL("/nrd.txt.gz"), "")
	r := &Runner{Store: st, Dir: t.TempDir(), Log: testLogger(t)}
	s, err := r.Run(ctx, f)
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("truncated gzip: err %v", err)
	}
	if s.Skipped != 2 || len(s.Bad) != 2 || !strings.Contains(s.Bad[0], "line 12: not a domain name") || !strings.Contains(s.Bad[1], "line 13: longer") {
		t.Errorf("truncated run: %+v", s)
	}
	first := lookalikesOf(t, st, "feed:gz")
	if _, ok := first["paypa1.com"]; !ok || s.Matches != alerted(first) {
		t.Errorf("truncated run: matches before the cut not kept: %v", first)
	}
	if _, ok := first["g00gle.com"]; ok {
		t.Errorf("a name after the cut was matched")
	}
	fr, _ := st.Feed(ctx, "gz")
	if fr.Cursor != "" || !strings.Contains(fr.LastError, "truncated") {
		t.Errorf("after a truncated file: cursor %q, error %q", fr.Cursor, fr.LastError)
	}
	ff.Put("/nrd.txt.gz", full)
	s, err = r.Run(ctx, *fr)
	if err != nil {
		t.Fatal(err)
	}
	all := lookalikesOf(t, st, "feed:gz")
	if _, ok := all["g00gle.com"]; !ok || s.Files != 1 || s.Known != len(first) || s.Matches != alerted(all)-alerted(first) {
		t.Errorf("whole file: %+v; %d look-alikes, %d before", s, len(all), len(first))
	}
	if n := len(events(t, st, event.LookalikeRegistered)); n != alerted(all) {
		t.Errorf("%d events for %d announced look-alikes", n, alerted(all))
	}
	fr, _ = st.Feed(ctx, "gz")
	if fr.Cursor == "" || fr.LastError != "" {
		t.Errorf("after the whole file: %+v", fr)
	}
	// A zip bomb's little brother: more text than allowed.
	r.NRD.MaxBytes = 1000
	ff.Put("/nrd.txt.gz", simnet.Gzip([]byte(strings.Repeat("a.com\n", 10_000))))
	if _, err := r.Run(ctx, *fr); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized list: err %v, want ErrTooLarge", err)
	}
}

func TestScanNames(t *testing.T) {
	in := "# comment\n\nExample.COM.\n  spaced.org  \nwith-date.net,2026-01-01\nnodot\nbad_char.com\r\nxn--pple-43d.com\nbücher.de\nlast.io"
	var got []string
	var bad []int64
	err := ScanNames(strings.NewReader(in), func(n string) { got = append(got, strings.Clone(n)) },
		func(line int64, why string) { bad = append(bad, line) })
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"example.com", "spaced.org", "with-date.net", "xn--pple-43d.com", "bücher.de", "last.io"}
	if !slices.Equal(got, want) || !slices.Equal(bad, []int64{6, 7}) {
		t.Errorf("got %q bad %v", got, bad)
	}
}
