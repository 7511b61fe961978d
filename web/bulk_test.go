package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// seedBulk stores n look-alikes of acme.example: homoglyph-0..n-1.
func seedBulk(t *testing.T, st store.Store, n int) {
	t.Helper()
	now := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	update(t, st, func(tx store.Tx) {
		for i := range n {
			name := fmt.Sprintf("acme-%d.example", i)
			l := store.Lookalike{Brand: "acme.example", Name: name, Unicode: name, Fuzzer: "addition", Source: "permutation",
				Registered: store.RegYes, FirstSeen: now, LastChecked: now}
			if _, _, err := tx.UpsertLookalike(l); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func lookalikeStatuses(t *testing.T, st store.Store) map[string]event.LookalikeStatus {
	t.Helper()
	ls, _, err := st.Lookalikes(context.Background(), store.LookalikeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]event.LookalikeStatus{}
	for _, l := range ls {
		m[l.Name] = l.Status
	}
	return m
}

func TestBulkTriageRefusals(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedBulk(t, st, 3)
	c := client(t)
	token := csrfOf(t, c, hs.URL+"/lookalikes")
	sel := func(n int) url.Values {
		v := url.Values{"csrf": {token}, "status": {"dismissed"}}
		for i := range n {
			v.Add("sel", fmt.Sprintf("acme-%d.example acme.example", i%3))
		}
		return v
	}
	noToken := sel(2)
	noToken.Del("csrf")
	if r := postForm(t, c, hs.URL+"/lookalikes/bulk", noToken); r.status != http.StatusForbidden {
		t.Errorf("without CSRF token: %d, want 403", r.status)
	}
	if r := postForm(t, c, hs.URL+"/lookalikes/bulk", sel(maxBulkSelection+1)); r.status != http.StatusBadRequest || !strings.Contains(r.body, "501 look-alikes selected") {
		t.Errorf("over the bound: %d %s", r.status, r.body)
	}
	bad := sel(1)
	bad.Set("status", "gone")
	if r := postForm(t, c, hs.URL+"/lookalikes/bulk", bad); r.status != http.StatusBadRequest {
		t.Errorf("bad status: %d", r.status)
	}
	for name, s := range lookalikeStatuses(t, st) {
		if s != store.StatusNew {
			t.Errorf("a refused post changed %s to %s", name, s)
		}
	}
	if r := postForm(t, c, hs.URL+"/lookalikes/bulk", sel(maxBulkSelection)); r.status != http.StatusSeeOther {
		t.Errorf("at the bound: %d %s", r.status, r.body)
	}
}

func TestBrowserBulkTriage(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedBulk(t, st, 4)
	b := newBrowser(t, hs)
	b.open("/lookalikes?status=all", "table.lookalikes")
	if n := b.count(`table.lookalikes input[type=checkbox][name=sel]`); n != 4 {
		t.Fatalf("%d checkboxes, want one per row (4)", n)
	}
	b.do("select two and dismiss",
		chromedp.Click(chromedp.CSS(`tr[data-name="acme-0.example"] input[name=sel]`)),
		chromedp.Click(chromedp.CSS(`tr[data-name="acme-2.example"] input[name=sel]`)),
		chromedp.SendKeys(chromedp.CSS(`#bulk input[name=reason]`), "our own campaign"),
		chromedp.Click(chromedp.CSS(`#bulk button[type=submit]`)))
	b.waitFor(`!!document.querySelector(".flash-ok")`)
	b.wantContains("flash", b.text(".flash"), "2 look-alike(s) marked dismissed")
	b.shot("bulk-triage")
	want := map[string]event.LookalikeStatus{"acme-0.example": store.StatusDismissed, "acme-1.example": store.StatusNew,
		"acme-2.example": store.StatusDismissed, "acme-3.example": store.StatusNew}
	got := lookalikeStatuses(t, st)
	for name, s := range want {
		if got[name] != s {
			t.Errorf("%s: %s, want %s", name, got[name], s)
		}
	}
	evs, err := st.Events(context.Background(), store.EventQuery{Kinds: []event.Kind{event.LookalikeTriaged}})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("%d triage events, want 2", len(evs))
	}
	var d map[string]string
	if err := json.Unmarshal(evs[0].Detail, &d); err != nil || d["reason"] != "our own campaign" || d["status"] != "dismissed" {
		t.Errorf("event detail %s (%v)", evs[0].Detail, err)
	}
	b.clean()
}
