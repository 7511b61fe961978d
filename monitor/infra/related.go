package infra

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// Report is the one JSON shape of a domain's neighbourhood: `related
// --json` and /api/v1/domains/{name}/related print it.
type Report struct {
	Domain  string    `json:"domain"`
	Keys    []Key     `json:"keys"`
	Related []Related `json:"related"`
}

// Key is one of the domain's keys with its pivot count.
type Key struct {
	Kind   string `json:"kind"`
	Value  string `json:"value"`
	Count  int    `json:"count"`
	Common bool   `json:"common"`
	// Why it is common, and when the domain was on it: for text and UI.
	CommonWhy string    `json:"-"`
	FirstSeen time.Time `json:"-"`
	LastSeen  time.Time `json:"-"`
}

// Related is a domain that shares at least one uncommon key.
type Related struct {
	Domain    string     `json:"domain"`
	Score     int        `json:"score"`
	Shares    []Shared   `json:"shares"`
	Reasons   []string   `json:"reasons"`
	Source    string     `json:"source"`
	FirstSeen event.Time `json:"first_seen"`
	// Its own state and kind, for text and UI.
	State string `json:"-"`
	Kind  string `json:"-"`
}

// Shared is one uncommon key two domains share.
type Shared struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	Count int    `json:"count"`
}

// weight is how strongly sharing one rare key of a kind links two
// domains, 0–100: a certificate key, a tracker ID or a registrant is
// chosen by the actor and rarely shared by accident; a network or an AS
// holds many strangers.
var weight = map[string]float64{
	KindCertKey: 60, KindCert: 60, KindTracker: 55, KindRegistrant: 50, KindFavicon: 35, KindSOARName: 40,
	KindNS: 45, KindNSDomain: 40, KindIP: 40, KindPage: 30, KindMX: 35, KindPrefix: 15, KindASN: 8,
}

// Relate builds a domain's report from its keys and the shares the store
// found (store.Infra.Related): common keys are shown and never relate a
// domain; each related domain gets a score (0–100: every shared rare key
// adds its weight, less as more domains share it) and reasons; riskiest
// first, then by name.
func (c *Commonness) Relate(name string, keys []store.DomainKey, shares []store.Share) Report {
	r := Report{Domain: name, Keys: []Key{}, Related: []Related{}}
	for _, k := range keys {
		isCommon, why := c.Common(k.InfraKey, k.Count)
		r.Keys = append(r.Keys, Key{Kind: k.Kind, Value: k.Value, Count: k.Count, Common: isCommon, CommonWhy: why,
			FirstSeen: k.FirstSeen, LastSeen: k.LastSeen})
	}
	byDomain := map[string]*Related{}
	var order []string
	for _, s := range shares {
		if s.Domain == name {
			continue
		}
		if isCommon, _ := c.Common(s.Key, s.Count); isCommon {
			continue
		}
		rel := byDomain[s.Domain]
		if rel == nil {
			rel = &Related{Domain: s.Domain, Source: s.Source, State: s.State, Kind: s.Kind, FirstSeen: event.T(s.FirstSeen)}
			if rel.Source == "" {
				rel.Source = s.Kind
			}
			byDomain[s.Domain] = rel
			order = append(order, s.Domain)
		}
		if !s.FirstSeen.IsZero() && (rel.FirstSeen.IsZero() || s.FirstSeen.Before(rel.FirstSeen.Time)) {
			rel.FirstSeen = event.T(s.FirstSeen)
		}
		sh := Shared{Kind: s.Key.Kind, Value: s.Key.Value, Count: s.Count}
		if !slices.Contains(rel.Shares, sh) {
			rel.Shares = append(rel.Shares, sh)
		}
	}
	for _, d := range order {
		rel := byDomain[d]
		c.score(rel)
		r.Related = append(r.Related, *rel)
	}
	slices.SortStableFunc(r.Related, func(a, b Related) int {
		if a.Score != b.Score {
			return b.Score - a.Score
		}
		return strings.Compare(a.Domain, b.Domain)
	})
	return r
}

// score fills a related domain's score and reasons.
func (c *Commonness) score(rel *Related) {
	slices.SortFunc(rel.Shares, func(a, b Shared) int {
		if d := weight[b.Kind] - weight[a.Kind]; d != 0 {
			return int(math.Copysign(1, d))
		}
		return strings.Compare(a.Kind+" "+a.Value, b.Kind+" "+b.Value)
	})
	miss := 1.0
	for _, s := range rel.Shares {
		miss *= 1 - weight[s.Kind]*c.rarity(s.Count)/100
		others := s.Count - 1
		rel.Reasons = append(rel.Reasons, fmt.Sprintf("shares %s %s (%d %s)", s.Kind, s.Value, others,
			plural(others, "other domain", "other domains")))
	}
	rel.Score = int(math.Round(100 * (1 - miss)))
	if event.TakenDown(event.State(rel.State)) {
		rel.Reasons = append(rel.Reasons, "is "+rel.State)
	}
}

// rarity scales a key's weight by how few domains share it: 1 for two
// (the pair itself), falling towards a quarter at the threshold.
func (c *Commonness) rarity(count int) float64 {
	if count <= 2 {
		return 1
	}
	f := 1 - math.Log(float64(count-1))/math.Log(float64(c.Threshold))
	return max(0.25, f)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
