package cases

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/store"
)

// StatsBy are the groupings case stats knows; "" is all cases in one group.
var StatsBy = []string{"registrar", "hosting", "tld"}

// Group is the stats of one group of cases.
type Group struct {
	Group    string         `json:"group"`
	Cases    int            `json:"cases"`
	ByStatus map[string]int `json:"by_status"`
	// TakenDown counts the cases with a time to takedown; Median and P90
	// are over those, in seconds (nil without any).
	TakenDown int      `json:"taken_down"`
	Median    *float64 `json:"median_seconds"`
	P90       *float64 `json:"p90_seconds"`
	// Reverted counts cases that came back after a takedown (now reverted).
	Reverted int `json:"reverted"`
	// Times are the times to takedown, ascending, in seconds (for charts).
	Times []int64 `json:"-"`
}

// Stats groups cases by registrar, hosting network or TLD ("" for one
// group "all") and gives counts by status, the median and 90th percentile
// time to takedown, and the reverted cases. Groups are in name order, an
// unknown provider's group ("unknown") last.
func Stats(cs []store.Case, by string) []Group {
	groups := map[string]*Group{}
	for _, c := range cs {
		k := "all"
		switch by {
		case "registrar":
			k = c.Registrar
		case "hosting":
			k = c.Hosting
		case "tld":
			k = domain.TLD(c.Domain)
		}
		if strings.TrimSpace(k) == "" {
			k = "unknown"
		}
		g := groups[k]
		if g == nil {
			g = &Group{Group: k, ByStatus: map[string]int{}}
			groups[k] = g
		}
		g.Cases++
		g.ByStatus[c.Status]++
		if c.Status == store.CaseReverted {
			g.Reverted++
		}
		if c.TimeToTakedown != nil {
			g.Times = append(g.Times, *c.TimeToTakedown)
		}
	}
	out := make([]Group, 0, len(groups))
	for _, g := range groups {
		slices.Sort(g.Times)
		g.TakenDown = len(g.Times)
		if len(g.Times) > 0 {
			// Whole seconds: the times are whole seconds, and a figure
			// like 28440.000000000004 helps no one.
			m, p := math.Round(Percentile(g.Times, 50)), math.Round(Percentile(g.Times, 90))
			g.Median, g.P90 = &m, &p
		}
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Group == "unknown") != (out[j].Group == "unknown") {
			return out[j].Group == "unknown"
		}
		return out[i].Group < out[j].Group
	})
	return out
}

// Percentile is the p-th percentile of sorted values, interpolated
// linearly between the closest ranks (the method of numpy's default and
// Excel's PERCENTILE.INC): the median of 1, 2, 3, 4 is 2.5.
func Percentile(sorted []int64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	r := p / 100 * float64(len(sorted)-1)
	lo := int(r)
	if lo >= len(sorted)-1 {
		return float64(sorted[len(sorted)-1])
	}
	f := r - float64(lo)
	return float64(sorted[lo]) + f*float64(sorted[lo+1]-sorted[lo])
}

// Age is how long a case has been open, to now.
func Age(c store.Case, now time.Time) time.Duration { return now.Sub(c.OpenedAt) }
