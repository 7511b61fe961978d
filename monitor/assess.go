package monitor

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/engine"
	"github.com/takedownhq/takedown/monitor/lifecycle"
	"github.com/takedownhq/takedown/monitor/lifecycle/judge"
)

// MaxAssessParallel bounds the one-shot checks AssessOnce runs at once:
// each runs every probe, so a long command line stays polite to the
// resolver and the registries.
const MaxAssessParallel = 8

// AssessOnce probes each name once and judges it, as `takedown check` does:
// both registry views (a person asking once wants RDAP and WHOIS), the
// lifecycle judge over ind, and a watched domain judged with its history
// in st (nil: no history). Nothing is written. kinds are probe kinds (all
// when empty). The results are in the order of names; the first failure
// cancels the rest and is returned.
func AssessOnce(ctx context.Context, n config.Network, st engine.Store, ind *lifecycle.Indicators, probeTimeout time.Duration, names []string, kinds []event.Probe) ([]*engine.Assessment, error) {
	ps, err := NewProbers(n)
	if err != nil {
		return nil, err
	}
	defer ps.Close()
	ps.WhoisEverywhere = true
	list, err := ps.List(kinds...)
	if err != nil {
		return nil, err
	}
	m := engine.New(st, list, judge.Lifecycle{Indicators: ind}, engine.Options{ProbeTimeout: probeTimeout})
	out := make([]*engine.Assessment, len(names))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(MaxAssessParallel)
	for i, name := range names {
		g.Go(func() error {
			as, err := m.Assess(gctx, name, kinds)
			if err != nil {
				return fmt.Errorf("check %s: %w", name, err)
			}
			out[i] = as
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// A cancelled check may leave holes; the caller's context says why.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
