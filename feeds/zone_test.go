package feeds

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/store"
)

func delegations(names ...string) map[string][]string {
	m := map[string][]string{}
	for _, n := range names {
		m[n] = []string{"ns1.host.example", "ns2.host.example"}
	}
	return m
}

func readSnapshot(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	s := bufio.NewScanner(zr)
	for s.Scan() {
		out = append(out, s.Text())
	}
	return out
}

// TestZoneDiff: the first zone file is the baseline; the next one's added
// delegations go through the matcher and the watchlist, its removed ones
// through the watchlist; an unchanged file is not read again. Names are
// sorted in small chunks that spill to disk, as a big zone's would.
func TestZoneDiff(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	addDomains(t, st, store.KindWatch, seized...)
	setState(t, st, "mycloudfox.com", "deleted")
	ff := startFiles(t)
	r := rand.New(rand.NewPCG(5, 5))
	words := loadWords(t)
	var base []string
	for len(base) < 500 {
		base = append(base, strings.Split(innocentName(r, words), ".")[0]+".com")
	}
	day1 := delegations(base...)
	for _, n := range []string{"thefoxcloud.com", "cloudfoxhub.com", "foxvsun.com"} {
		day1[n] = []string{"ns1.fbi.seized.gov"}
	}
	ff.Put("/czds/com.zone.gz", simnet.Gzip(simnet.ZoneText("com", 2026030100, day1)))
	f := addFeed(t, st, "com", KindZone, ff.URL("/czds/com.zone.gz"), "")
	dir := t.TempDir()
	run := &Runner{Store: st, Log: testLogger(t), Dir: dir, Zone: ZoneOptions{ChunkNames: 64}}
	s, err := run.Run(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if s.Files != 1 || s.Added != 0 || s.Matches != 0 {
		t.Errorf("baseline: %+v", s)
	}
	fr, _ := st.Feed(ctx, "com")
	var cur zoneCursor
	if err := json.Unmarshal([]byte(fr.Cursor), &cur); err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(maps.Keys(day1))
	got := readSnapshot(t, filepath.Join(dir, "zone-com", cur.Snapshot))
	if cur.Origin != "com" || cur.Serial != 2026030100 || cur.Names != int64(len(want)) || !slices.Equal(got, want) {
		t.Fatalf("baseline snapshot: cursor %+v, %d names (want %d)", cur, len(got), len(want))
	}

	// Next day: a seized domain leaves the zone, a deleted one comes back,
	// look-alikes appear, innocent names come and go.
	day2 := maps.Clone(day1)
	delete(day2, "cloudfoxhub.com")
	removed := []string{"cloudfoxhub.com"}
	for _, n := range base[:20] {
		delete(day2, n)
		removed = append(removed, n)
	}
	added := []string{"mycloudfox.com", "thefoxcloud-careers.com", "cloudfox-hub.com", "foxvsun.net"}
	for len(added) < 40 {
		n := strings.Split(innocentName(r, words), ".")[0] + ".com"
		if _, ok := day2[n]; !ok {
			added = append(added, n)
		}
	}
	maps.Copy(day2, delegations(added...))
	ff.Put("/czds/com.zone.gz", simnet.Gzip(simnet.ZoneText("com", 2026030200, day2)))
	s, err = run.Run(ctx, *fr)
	if err != nil {
		t.Fatal(err)
	}
	if s.Added != int64(len(added)) || s.Removed != int64(len(removed)) {
		t.Errorf("diff: added %d removed %d, want %d and %d", s.Added, s.Removed, len(added), len(removed))
	}
	found := lookalikesOf(t, st, "feed:com")
	for _, n := range []string{"thefoxcloud-careers.com", "cloudfox-hub.com", "foxvsun.net"} {
		if _, ok := found[n]; !ok {
			t.Errorf("added look-alike %s not found (found %v)", n, slices.Sorted(maps.Keys(found)))
		}
	}
	if len(events(t, st, event.LookalikeRegistered)) != len(found) {
		t.Errorf("look-alike events do not match the look-alikes")
	}
	rm := events(t, st, event.DelegationRemoved)
	if len(rm) != 1 || rm[0].Domain != "cloudfoxhub.com" || rm[0].Severity != event.SevWarning || rm[0].DomainID == 0 {
		t.Errorf("delegation_removed: %+v", rm)
	}
	ad := events(t, st, event.DelegationAdded)
	if len(ad) != 1 || ad[0].Domain != "mycloudfox.com" || ad[0].Severity != event.SevWarning {
		t.Errorf("delegation_added: %+v", ad)
	}
	fr, _ = st.Feed(ctx, "com")
	json.Unmarshal([]byte(fr.Cursor), &cur)
	if got := readSnapshot(t, filepath.Join(dir, "zone-com", cur.Snapshot)); !slices.Equal(got, slices.Sorted(maps.Keys(day2))) {
		t.Errorf("second snapshot wrong: %d names", len(got))
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "zone-com"))
	if len(ents) != 1 {
		t.Errorf("old snapshots and runs left behind: %v", ents)
	}
	// The same file again: nothing happens.
	if s, err = run.Run(ctx, *fr); err != nil || s.Files != 0 || s.Added != 0 {
		t.Errorf("unchanged zone: %+v %v", s, err)
	}
}

// TestZoneMalformed: bad records are reported with their line and the
// rest of the file is read; a truncated gzip fails the run and leaves the
// cursor and the snapshot as they were, so no delegation looks removed.
func TestZoneMalformed(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	addDomains(t, st, store.KindWatch, seized...)
	ff := startFiles(t)
	zone := strings.Join([]string{
		"$ORIGIN com.",
		"$TTL 86400",
		"@ IN SOA a.nic.com. noc.nic.com. ( 2026030100 1800 900",
		"        604800 86400 )",
		"@ IN NS a.nic.com.",
		"alpha IN NS ns1.host.example.",
		"bad1.com. 172800 in ns",                    // 7: no name server
		"bad2.com. 17x2800 in ns ns1.host.example.", // 8: bad TTL
		"$INCLUDE /etc/passwd",                      // 9: refused
		"beta.com. 172800 in ns ns1.host.example.",
		"  172800 in ns ns2.host.example.",
		"thefoxcloud.com. 172800 in a 999.1.1.1", // 12: bad address
		"thefoxcloud.com. 172800 in ns ns1.fbi.seized.gov.",
		"gamma IN NS ns1.host.example.",
	}, "\n") + "\n"
	ff.Put("/zone.gz", simnet.Gzip([]byte(zone)))
	f := addFeed(t, st, "z", KindZone, ff.URL("/zone.gz"), "")
	run := &Runner{Store: st, Log: testLogger(t), Dir: t.TempDir()}
	s, err := run.Run(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, b := range s.Bad {
		lines = append(lines, b[strings.Index(b, "line "):strings.Index(b, ":")])
	}
	if want := []string{"line 7", "line 8", "line 9", "line 12"}; !slices.Equal(lines, want) {
		t.Errorf("bad lines %v, want %v:\n%s", lines, want, strings.Join(s.Bad, "\n"))
	}
	fr, _ := st.Feed(ctx, "z")
	var cur zoneCursor
	json.Unmarshal([]byte(fr.Cursor), &cur)
	snap := filepath.Join(run.Dir, "zone-z", cur.Snapshot)
	if got := readSnapshot(t, snap); !slices.Equal(got, []string{"alpha.com", "beta.com", "gamma.com", "thefoxcloud.com"}) {
		t.Errorf("delegations after bad records: %v", got)
	}
	// A truncated download of the next file.
	full := simnet.Gzip([]byte(strings.Replace(zone, "gamma", "delta", 1)))
	ff.Put("/zone.gz", full[:len(full)*2/3])
	_, err = run.Run(ctx, *fr)
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("truncated zone: err %v", err)
	}
	after, _ := st.Feed(ctx, "z")
	if after.Cursor != fr.Cursor || len(events(t, st, event.DelegationRemoved)) != 0 {
		t.Errorf("a truncated zone moved the cursor or removed delegations")
	}
	if _, err := os.Stat(snap); err != nil {
		t.Errorf("snapshot gone after a failed run: %v", err)
	}
}

// TestParseZoneChunks: bad records on both sides of the parser's chunk
// boundaries are reported with the right line, and every good record is
// read once.
func TestParseZoneChunks(t *testing.T) {
	var b strings.Builder
	b.WriteString("$ORIGIN example.\n$TTL 3600\n")
	line := 2
	bad := map[int]bool{}
	good := 0
	for i := 0; i < 3*zoneChunkLines; i++ {
		line++
		switch {
		case i%1000 == 999 || i == zoneChunkLines-2 || i == zoneChunkLines-1 || i == zoneChunkLines:
			fmt.Fprintf(&b, "bad%d IN NS\n", i)
			bad[line] = true
		case i%2 == 1:
			fmt.Fprintf(&b, "  IN NS ns2.host.test.\n") // the previous owner's second server
			good++
		default:
			fmt.Fprintf(&b, "n%d IN NS ns1.host.test.\n", i)
			good++
		}
	}
	var got int
	var badLines []int
	err := ParseZone(strings.NewReader(b.String()), "example.zone", func(rr dns.RR) error {
		if _, ok := rr.(*dns.NS); !ok {
			t.Errorf("unexpected record %v", rr)
		}
		got++
		return nil
	}, func(e ZoneLineError) { badLines = append(badLines, e.Line) })
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range badLines {
		if !bad[l] {
			t.Errorf("line %d reported bad", l)
		}
	}
	if len(badLines) != len(bad) || got != good {
		t.Errorf("%d bad lines reported (want %d), %d records read (want %d)", len(badLines), len(bad), got, good)
	}
}
