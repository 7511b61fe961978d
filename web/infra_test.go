package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/infra"
	"github.com/takedownhq/takedown/store"
)

// Hostile key values: what a page's tracker or a registry's registrant
// field can say.
const (
	keyXSSTracker    = `<img src=x onerror="window.__xss=7">`
	keyXSSRegistrant = `"><svg onload=window.__xss=8>`
)

// seedInfra: a seized domain on a dedicated name server, a prefix and a
// crowded name server; a sibling on the dedicated one, a twin on its
// certificate key and the hostile tracker and registrant; 120 tenants on
// the crowded name server.
func seedInfra(t testing.TB, st store.Store) {
	t.Helper()
	ctx := context.Background()
	ds := []store.NewDomain{{Name: "foxseized.com"}, {Name: "foxsibling.com", Source: "feed:com"}, {Name: "foxtwin.com"}}
	for i := range 120 {
		ds = append(ds, store.NewDomain{Name: fmt.Sprintf("tenant%03d.com", i)})
	}
	if _, err := st.AddDomains(ctx, ds); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	crowded := store.InfraKey{Kind: infra.KindNS, Value: "ns1.crowded-host.net"}
	update(t, st, func(tx store.Tx) {
		for _, d := range ds {
			sd := txDomain(t, tx, d.Name)
			keys := []store.InfraKey{crowded}
			switch d.Name {
			case "foxseized.com":
				setState(t, tx, sd, at, event.StateSeized, event.SevCritical, "seized")
				keys = append(keys, store.InfraKey{Kind: infra.KindNS, Value: "ns1.foxdns.net"},
					store.InfraKey{Kind: infra.KindPrefix, Value: "192.0.2.0/24"},
					store.InfraKey{Kind: infra.KindCertKey, Value: "ab12"},
					store.InfraKey{Kind: infra.KindTracker, Value: keyXSSTracker},
					store.InfraKey{Kind: infra.KindRegistrant, Value: keyXSSRegistrant})
			case "foxsibling.com":
				keys = append(keys, store.InfraKey{Kind: infra.KindNS, Value: "ns1.foxdns.net"},
					store.InfraKey{Kind: infra.KindPrefix, Value: "192.0.2.0/24"})
			case "foxtwin.com":
				keys = append(keys, store.InfraKey{Kind: infra.KindCertKey, Value: "ab12"},
					store.InfraKey{Kind: infra.KindTracker, Value: keyXSSTracker},
					store.InfraKey{Kind: infra.KindRegistrant, Value: keyXSSRegistrant})
			}
			if _, err := tx.ObserveKeys(sd.ID, at, keys); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestAPIRelatedAndInfra(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	seedInfra(t, st)
	c := client(t)
	r := get(t, c, hs.URL+"/api/v1/domains/foxseized.com/related")
	if r.status != http.StatusOK {
		t.Fatalf("related: %d %s", r.status, r.body)
	}
	var rep infra.Report
	if err := json.Unmarshal([]byte(r.body), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Domain != "foxseized.com" || len(rep.Keys) != 6 || len(rep.Related) != 2 || rep.Related[0].Domain != "foxtwin.com" {
		t.Errorf("related: %s", r.body)
	}
	var raw struct {
		Keys []struct {
			Common *bool `json:"common"`
		} `json:"keys"`
		Related []map[string]json.RawMessage `json:"related"`
	}
	if err := json.Unmarshal([]byte(r.body), &raw); err != nil {
		t.Fatal(err)
	}
	common := 0
	for _, k := range raw.Keys {
		if k.Common != nil && *k.Common {
			common++
		}
	}
	if common != 1 {
		t.Errorf("%d common keys, want 1 (the crowded name server)", common)
	}
	for _, field := range []string{"domain", "score", "shares", "reasons", "source", "first_seen"} {
		if _, ok := raw.Related[1][field]; !ok {
			t.Errorf("related entry lacks %s: %s", field, r.body)
		}
	}
	if rep.Related[1].Source != "feed:com" {
		t.Errorf("source %q", rep.Related[1].Source)
	}
	r = get(t, c, hs.URL+"/api/v1/domains/foxseized.com/related?format=csv")
	if r.status != http.StatusOK || !strings.HasPrefix(r.body, "domain,related,score") || !strings.Contains(r.body, "foxsibling.com") {
		t.Errorf("related CSV: %d %s", r.status, r.body)
	}
	if r = get(t, c, hs.URL+"/api/v1/domains/foxseized.com/related?format=xml"); r.status != http.StatusBadRequest {
		t.Errorf("bad format: %d", r.status)
	}
	if r = get(t, c, hs.URL+"/api/v1/domains/nowhere.com/related"); r.status != http.StatusNotFound {
		t.Errorf("unknown domain: %d", r.status)
	}
	r = get(t, c, hs.URL+"/api/v1/infra/prefix/192.0.2.0%2F24")
	var kr infra.KeyReport
	if err := json.Unmarshal([]byte(r.body), &kr); err != nil || r.status != http.StatusOK || kr.Count != 2 || len(kr.Domains) != 2 || kr.Common {
		t.Errorf("infra prefix: %d %s", r.status, r.body)
	}
	r = get(t, c, hs.URL+"/api/v1/infra/ns/ns1.crowded-host.net")
	if err := json.Unmarshal([]byte(r.body), &kr); err != nil || kr.Count != 123 || !kr.Common || !strings.Contains(kr.CommonReason, "123") {
		t.Errorf("infra crowded: %d %s", r.status, r.body)
	}
	if r = get(t, c, hs.URL+"/api/v1/infra/bogus/x"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "bogus") {
		t.Errorf("bad kind: %d %s", r.status, r.body)
	}
	if r = get(t, c, hs.URL+"/api/v1/infra/ip/not-an-ip"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "not-an-ip") {
		t.Errorf("bad value: %d %s", r.status, r.body)
	}
	r = get(t, c, hs.URL+"/infra/ns/ns1.foxdns.net")
	if r.status != http.StatusOK || !strings.Contains(r.body, "foxsibling.com") || !strings.Contains(r.body, "foxseized.com") {
		t.Errorf("infra page: %d", r.status)
	}
}

// The graph is bounded and escapes what the network said.
func TestGraphSVGBoundedAndEscaped(t *testing.T) {
	rep := infra.Report{Domain: "a.com"}
	for i := range 100 {
		rep.Keys = append(rep.Keys, infra.Key{Kind: "tracker", Value: fmt.Sprintf(`<script>x%d</script>"'&`, i), Count: 2})
		rep.Related = append(rep.Related, infra.Related{Domain: fmt.Sprintf("d%d.com", i),
			Shares: []infra.Shared{{Kind: "tracker", Value: fmt.Sprintf(`<script>x%d</script>"'&`, i)}}})
	}
	svg := string(graphSVG(rep))
	nodes := strings.Count(svg, "<circle") + strings.Count(svg, "<rect")
	if nodes > MaxGraphNodes {
		t.Errorf("%d nodes, want at most %d", nodes, MaxGraphNodes)
	}
	if strings.Contains(svg, "<script") || strings.Contains(svg, `"'&`) {
		t.Errorf("an unescaped value in the graph: %.300s", svg)
	}
}
