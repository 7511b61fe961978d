package cases

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

type testStore struct {
	*sqlite.SQLite
}

func openStore(t testing.TB) testStore {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return testStore{st}
}

// Registration data is hostile input: an abuse address with a second
// recipient or a display name is dropped, a phone with CR/LF stays one
// line, and a provider in the web-form table gets its form instead of an
// address. Absent snapshots give no contact and no error.
func TestDiscoverReadsTheContractAndKeepsItInert(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: "acme-login.com"}, {Name: "bare.com"}}); err != nil {
		t.Fatal(err)
	}
	d, _ := st.Domain(ctx, "acme-login.com")
	snaps := map[event.Probe]string{
		event.ProbeRDAP: `{"registrar":"Evil\r\nBcc: x@y.z Registrar","registrar_abuse_email":"abuse@reg.example, boss@victim.example",` +
			`"registrar_abuse_phone":"+1\r\nX-Injected: 1","registrar_abuse_source":"rdap entity role abuse"}`,
		hostingProbe: `{"addresses":[{"ip":"192.0.2.1","asn":13335,"as_name":"CLOUDFLARENET","abuse":[{"email":"abuse@cloudflare.com","source":"rir rdap entity role abuse"}]},` +
			`{"ip":"192.0.2.2","network":{"name":"EXAMPLE-NET"},"abuse":[{"email":"Abuse Desk <abuse@example.net>","source":"rir"},{"email":"noc@example.net","source":"rir rdap entity role abuse"}]}]}`,
		event.ProbeDNS: `{"ns":["ns1.cloudflare.com","ns2.cloudflare.com"]}`,
	}
	if err := st.Update(ctx, func(tx store.Tx) error {
		for p, data := range snaps {
			if _, _, _, err := tx.ObserveSnapshot(d.ID, string(p), time.Now(), []byte(data)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f := Discover(ctx, st, d)
	var got []string
	for _, ct := range f.Contacts {
		line := ct.Role + " " + store.ContactAddress(ct) + " " + ct.Phone + " | " + ct.Name
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("contact on two lines: %q", line)
		}
		got = append(got, line)
	}
	want := []string{
		"registrar +1  X-Injected: 1 +1  X-Injected: 1 | Evil  Bcc: x@y.z Registrar",
		"hosting https://abuse.cloudflare.com/  | CLOUDFLARENET",
		"hosting noc@example.net  | EXAMPLE-NET",
		"dns https://abuse.cloudflare.com/  | cloudflare.com",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("contacts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if f.Hosting != "CLOUDFLARENET" {
		t.Errorf("hosting group %q", f.Hosting)
	}
	bare, _ := st.Domain(ctx, "bare.com")
	if f := Discover(ctx, st, bare); len(f.Contacts) != 0 || f.Registrar != "" {
		t.Errorf("without snapshots: %+v", f)
	}
}

func TestCheckNoteAndReason(t *testing.T) {
	for _, tc := range []struct {
		note string
		ok   bool
	}{
		{"", true},
		{"kit seen in a spam run — “urgent”", true},
		{strings.Repeat("é", MaxNote), true},
		{strings.Repeat("é", MaxNote+1), false},
		{"two\nlines", false},
		{"bell\a", false},
		{"line\u2028sep", false},
		{"bad \xff utf8", false},
	} {
		if err := CheckNote(tc.note); (err == nil) != tc.ok {
			t.Errorf("CheckNote(%.20q) = %v, want ok %v", tc.note, err, tc.ok)
		}
	}
	if r, err := CheckReason(""); r != "phishing" || err != nil {
		t.Errorf("default reason %q %v", r, err)
	}
	if _, err := CheckReason("spam"); err == nil || !strings.Contains(err.Error(), "spam") {
		t.Errorf("CheckReason(spam) = %v", err)
	}
}

func TestPercentile(t *testing.T) {
	for _, tc := range []struct {
		v    []int64
		p    float64
		want float64
	}{
		{[]int64{1, 2, 3, 4}, 50, 2.5},
		{[]int64{10}, 90, 10},
		{[]int64{0, 100}, 90, 90},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9.1},
	} {
		if got := Percentile(tc.v, tc.p); got < tc.want-1e-9 || got > tc.want+1e-9 {
			t.Errorf("Percentile(%v, %v) = %v, want %v", tc.v, tc.p, got, tc.want)
		}
	}
}

// A case on a name removed from the watchlist watches it again; a new
// name is added; a second case while one is open is refused.
func TestOpenWatches(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: "gone.com"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RemoveDomains(ctx, []string{"gone.com"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"gone.com", "new.com"} {
		if _, err := Open(ctx, st, name, name, "", "", time.Now()); err != nil {
			t.Fatal(err)
		}
		d, err := st.Domain(ctx, name)
		if err != nil || !d.Enabled {
			t.Errorf("%s after opening a case: %+v %v", name, d, err)
		}
	}
	if _, err := Open(ctx, st, "new.com", "new.com", "fraud", "", time.Now()); !errors.Is(err, store.ErrCaseOpen) {
		t.Errorf("second case: %v", err)
	}
}
