package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserInfrastructure: the domain page's Infrastructure panel lists
// each key with its pivot count linking to /infra/KIND/VALUE, the common
// name server greyed; the server-drawn neighbourhood graph renders under
// the strict CSP with at most MaxGraphNodes nodes; hostile tracker and
// registrant values show as text and never run; a pivot link leads to the
// key's domains.
func TestBrowserInfrastructure(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedInfra(t, st)
	b := newBrowser(t, hs)

	b.open("/domains/foxseized.com", "#infrastructure svg.infra-graph")
	panel := b.text("#infrastructure")
	b.wantContains("panel", panel, "ns1.foxdns.net", "ns1.crowded-host.net", "common", "foxtwin.com", "foxsibling.com",
		keyXSSTracker, keyXSSRegistrant)
	if n := b.count("#infrastructure a.pivot"); n != 6 {
		t.Errorf("%d pivot links, want 6", n)
	}
	if href := b.eval(`document.querySelector('#infrastructure tr.common a.pivot').getAttribute("href")`); href != "/infra/ns/ns1.crowded-host.net" {
		t.Errorf("common key link %v", href)
	}
	if n := b.count("svg.infra-graph circle, svg.infra-graph rect"); n < 4 || n > MaxGraphNodes {
		t.Errorf("graph has %d nodes", n)
	}
	if n := b.count("svg.infra-graph a.g-common"); n != 1 {
		t.Errorf("%d grey (common) key nodes, want 1", n)
	}
	if w := b.eval(`document.querySelector("svg.infra-graph").getBoundingClientRect().width`); w == float64(0) {
		t.Error("the graph is not drawn")
	}
	if v := b.eval("typeof window.__xss"); v != "undefined" {
		t.Errorf("a hostile key value ran: window.__xss is %v", v)
	}
	if n := b.count(`img, iframe, script:not([src^="/static/"]), [onerror], [onload], svg:not(.infra-graph)`); n != 0 {
		t.Errorf("%d injected elements or handlers", n)
	}
	b.shot("infrastructure-panel")

	b.do("follow a pivot", chromedp.Click(chromedp.CSS(`#infrastructure a.pivot[href="/infra/ns/ns1.foxdns.net"]`)))
	b.waitFor(`location.pathname === "/infra/ns/ns1.foxdns.net" && document.querySelector("#key-domains") !== null`)
	b.wantContains("key page", b.text("#key-domains"), "foxseized.com", "foxsibling.com", "seized")
	if !strings.Contains(b.text("h1"), "ns1.foxdns.net") {
		t.Errorf("key page heading %q", b.text("h1"))
	}
	b.clean()
}
