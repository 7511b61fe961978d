package web

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// The overview's charts: chartDays days, drawn as server-side SVG (the
// CSP allows no script to draw them), from at most chartMaxEvents state
// changes; past that the state chart is left out rather than drawn wrong.
const (
	chartDays      = 30
	chartMaxEvents = 20000
	ovW, ovH       = 600, 160
	ovPad          = 24
	// chartTTL is how long drawn charts are served again: charts of days
	// need not cost their queries on every reload of the overview.
	chartTTL = time.Minute
)

// chartCache holds the last overview charts, safe for concurrent use.
type chartCache struct {
	mu sync.Mutex
	at time.Time
	c  *overviewChart
}

// cachedChart returns the charts drawn less than chartTTL ago, else draws
// them. The state cards above show the counts of now either way.
func (s *Server) cachedChart(ctx context.Context, counts map[string]int) (*overviewChart, error) {
	now := s.opts.Now()
	s.charts.mu.Lock()
	defer s.charts.mu.Unlock()
	if age := now.Sub(s.charts.at); s.charts.c != nil && age >= 0 && age < chartTTL {
		return s.charts.c, nil
	}
	c, err := s.buildChart(ctx, counts)
	if err != nil {
		return nil, err
	}
	s.charts.at, s.charts.c = now, c
	return c, nil
}

// overviewChart is what the overview's chart template draws.
type overviewChart struct {
	W, H, Pad  int
	From, To   string
	States     []chartLine
	StatesMax  int
	Truncated  bool
	Bars       []chartBar
	BarsMax    int
	BarsTotal  int
	AxisBottom int
}

// chartLine is one state's count at the end of each day.
type chartLine struct {
	State  string
	Points string // SVG polyline points
	Last   int
}

// chartBar is the look-alikes first seen on one day.
type chartBar struct {
	X, Y, W, H int
	Day        string
	N          int
}

// buildChart reads the counts per state today and replays the period's
// state changes backwards to get each day's counts; look-alikes found per
// day are counted from their first-seen times.
func (s *Server) buildChart(ctx context.Context, counts map[string]int) (*overviewChart, error) {
	end := s.opts.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	start := end.Add(-chartDays * 24 * time.Hour)
	c := &overviewChart{W: ovW, H: ovH, Pad: ovPad, AxisBottom: ovH - ovPad,
		From: start.Format(time.DateOnly), To: end.Add(-time.Hour).Format(time.DateOnly)}
	evs, err := s.st.Events(ctx, store.EventQuery{Kinds: []event.Kind{event.StateChanged}, Since: start, Limit: chartMaxEvents})
	if err != nil {
		return nil, fmt.Errorf("chart state changes: %w", err)
	}
	if len(evs) == chartMaxEvents {
		c.Truncated = true
	} else {
		c.States, c.StatesMax = stateLines(counts, evs, end)
	}
	if err := s.lookalikeBars(ctx, c, start); err != nil {
		return nil, err
	}
	return c, nil
}

// stateLines replays evs (newest first) backwards from the counts of now:
// the counts at the end of day i are now's minus every change after it.
func stateLines(now map[string]int, evs []store.Event, end time.Time) ([]chartLine, int) {
	cur := map[string]int{}
	for k, v := range now {
		cur[k] = v
	}
	perDay := make([]map[string]int, chartDays)
	j := 0
	for i := chartDays - 1; i >= 0; i-- {
		dayEnd := end.Add(-time.Duration(chartDays-1-i) * 24 * time.Hour)
		for ; j < len(evs) && !evs[j].At.Before(dayEnd); j++ {
			undo(cur, evs[j])
		}
		snap := make(map[string]int, len(cur))
		for k, v := range cur {
			snap[k] = v
		}
		perDay[i] = snap
	}
	top := 1
	seen := map[string]bool{}
	for _, m := range perDay {
		for k, v := range m {
			if v > 0 {
				seen[k] = true
				top = max(top, v)
			}
		}
	}
	var lines []chartLine
	for _, st := range chartStates(seen) {
		var pts []string
		for i, m := range perDay {
			x := ovPad + i*(ovW-2*ovPad)/(chartDays-1)
			y := ovH - ovPad - m[st]*(ovH-2*ovPad)/top
			pts = append(pts, fmt.Sprintf("%d,%d", x, y))
		}
		lines = append(lines, chartLine{State: st, Points: strings.Join(pts, " "), Last: perDay[chartDays-1][st]})
	}
	return lines, top
}

// undo takes one state change back. Look-alikes and related domains are
// not in the watchlist's counts, so their changes are not either.
func undo(cur map[string]int, ev store.Event) {
	if ev.DomainKind == store.KindLookalike || ev.DomainKind == event.DomainRelated {
		return
	}
	from := ev.Old
	if from == "" {
		from = string(event.StateUnknown)
	}
	if cur[ev.New] > 0 {
		cur[ev.New]--
	}
	cur[from]++
}

// chartStates orders the states drawn: the vocabulary's order, then any
// state this build does not know, sorted.
func chartStates(seen map[string]bool) []string {
	var out, other []string
	for _, st := range event.Strings(event.States) {
		if seen[st] {
			out = append(out, st)
		}
	}
	for st := range seen {
		if !event.State(st).Valid() {
			other = append(other, st)
		}
	}
	slices.Sort(other)
	return append(out, other...)
}

// lookalikeBars counts the look-alikes first seen each day, one count
// query per day boundary.
func (s *Server) lookalikeBars(ctx context.Context, c *overviewChart, start time.Time) error {
	totals := make([]int, chartDays+1)
	for i := range totals {
		_, n, err := s.st.Lookalikes(ctx, store.LookalikeQuery{Since: start.Add(time.Duration(i) * 24 * time.Hour), Limit: 1})
		if err != nil {
			return fmt.Errorf("chart look-alikes: %w", err)
		}
		totals[i] = n
	}
	per := make([]int, chartDays)
	top := 1
	for i := range per {
		per[i] = max(totals[i]-totals[i+1], 0)
		top = max(top, per[i])
		c.BarsTotal += per[i]
	}
	c.BarsMax = top
	w := (ovW - 2*ovPad) / chartDays
	for i, n := range per {
		h := n * (ovH - 2*ovPad) / top
		c.Bars = append(c.Bars, chartBar{X: ovPad + i*w, Y: ovH - ovPad - h, W: w - 2, H: h, N: n,
			Day: start.Add(time.Duration(i) * 24 * time.Hour).Format(time.DateOnly)})
	}
	return nil
}
