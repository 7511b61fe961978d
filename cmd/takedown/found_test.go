package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

func seedLookalikes(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "t.db")
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	err = st.Update(context.Background(), func(tx store.Tx) error {
		for _, l := range []store.Lookalike{
			{Brand: "paypal.com", Name: "paypa1.com", Unicode: "paypa1.com", Fuzzer: "homoglyph", Source: "permutation", Registered: store.RegYes},
			{Brand: "paypal.com", Name: "xn--pypal-4ve.com", Unicode: "pаypal.com", Fuzzer: "confusable", Source: "permutation", Registered: store.RegYes},
			{Brand: "thefoxcloud.com", Name: "thefoxcloud.net", Unicode: "thefoxcloud.net", Fuzzer: "tld-swap", Source: "feed:nrd", Registered: store.RegYes},
		} {
			l.FirstSeen, l.LastChecked = now, now
			if _, _, err := tx.UpsertLookalike(l); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func foundJSON(t *testing.T, db string, args ...string) []event.Lookalike {
	t.Helper()
	code, out, errs := runLookalikeCLI(t, append(append([]string{"found", "--json"}, args...), "--db", db)...)
	if code != 0 {
		t.Fatalf("found %v: exit %d: %s", args, code, errs)
	}
	var ls []event.Lookalike
	if err := unmarshalItems([]byte(out), &ls); err != nil {
		t.Fatal(err)
	}
	return ls
}

func TestFound(t *testing.T) {
	db := seedLookalikes(t)
	if ls := foundJSON(t, db); len(ls) != 3 {
		t.Fatalf("all: %d", len(ls))
	}
	if ls := foundJSON(t, db, "--brand", "https://www.PayPal.com/"); len(ls) != 2 {
		t.Errorf("--brand paypal.com: %d", len(ls))
	}
	code, out, _ := runLookalikeCLI(t, "found", "--db", db)
	if code != 0 || !strings.Contains(out, "xn--pypal-4ve.com (pаypal.com)") || !strings.Contains(out, "NAME") {
		t.Errorf("table:\n%s", out)
	}

	code, out, errs := runLookalikeCLI(t, "found", "ack", "paypa1.com", "--db", db)
	if code != 0 || !strings.Contains(out, "paypa1.com acknowledged") {
		t.Fatalf("ack: exit %d %s %s", code, out, errs)
	}
	if code, _, errs := runLookalikeCLI(t, "found", "dismiss", "pаypal.com", "--brand", "paypal.com", "--db", db); code != 0 {
		t.Fatalf("dismiss by Unicode name: exit %d %s", code, errs)
	}
	if ls := foundJSON(t, db, "--status", "acknowledged"); len(ls) != 1 || ls[0].Name != "paypa1.com" {
		t.Errorf("acknowledged: %+v", ls)
	}
	if ls := foundJSON(t, db, "--status", "dismissed"); len(ls) != 1 || ls[0].Name != "xn--pypal-4ve.com" {
		t.Errorf("dismissed: %+v", ls)
	}
	if ls := foundJSON(t, db, "--status", "new"); len(ls) != 1 || ls[0].Name != "thefoxcloud.net" {
		t.Errorf("new: %+v", ls)
	}

	for _, args := range [][]string{
		{"found", "ack", "nothere.com"},
		{"found", "dismiss", "bad..com"},
		{"found", "--status", "open"},
		{"found", "--brand", "not a domain"},
		{"found", "ack"},
	} {
		if code, _, errs := runLookalikeCLI(t, append(args, "--db", db)...); code != exitUsage {
			t.Errorf("%v: exit %d (%s), want 2", args, code, errs)
		}
	}
}
