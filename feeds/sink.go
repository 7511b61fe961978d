package feeds

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/lookalike"
	"github.com/takedownhq/takedown/store"
)

// SourcePrefix starts the lookalikes.source of rows feeds write: "feed:NAME".
const SourcePrefix = "feed:"

// hit is a candidate the matcher recognized as a look-alike.
type hit struct {
	name    string // registrable, ASCII
	unicode string
	match   lookalike.Match
	extra   map[string]any // where it was seen: log and index, file, zone
	alert   bool           // announce it (Matcher.Alert)
	// suspicion is the name's phishing_catcher-style keyword score.
	suspicion int
}

// watchedEvent is an event about a watched domain, announced once per
// (scope, key) when scope is set.
type watchedEvent struct {
	ev    store.Event
	scope string
	key   string
	// refire: announce again when last seen longer ago than this (0: never).
	refire time.Duration
}

// batch collects what one unit of work found; commit writes it with the
// cursor that covers it in one transaction.
type batch struct {
	hits    []hit
	watched []watchedEvent
	names   int64
	// related are candidates sharing uncommon infrastructure with
	// watched domains (related.go).
	related []relatedHit
}

// lookalikeDetail is the detail JSON of a lookalike_registered event from a
// feed; the first fields are those brand hunting writes.
type lookalikeDetail struct {
	Brand   string         `json:"brand"`
	Fuzzer  string         `json:"fuzzer"`
	Unicode string         `json:"unicode"`
	Score   float64        `json:"score"`
	Kind    string         `json:"kind"`
	Source  string         `json:"source"`
	Seen    map[string]any `json:"seen,omitempty"`
	// Suspicion is the keyword score of the name as seen (lookalike.Index.Suspicion).
	Suspicion int `json:"suspicion,omitempty"`
}

// matchName runs a host name (any case, maybe with subdomains or a
// wildcard label) through the look-alike index and adds a hit. It reports
// whether the name matched.
func (b *batch) matchName(m *Matcher, host string, extra map[string]any) bool {
	mt, ok := m.Match(host)
	if !ok {
		return false
	}
	n, err := domain.Normalize(host)
	if err != nil {
		return false
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h != n.ASCII {
		// The registrable domain is what is stored; keep the name as seen
		// (paypal.com.secure-login.top for secure-login.top).
		seen := make(map[string]any, len(extra)+1)
		maps.Copy(seen, extra)
		seen["host"] = strings.Clone(h)
		extra = seen
	}
	b.hits = append(b.hits, hit{name: n.ASCII, unicode: n.Unicode, match: mt, extra: extra,
		alert: m.Alert(mt), suspicion: m.Index.Suspicion(host)})
	return true
}

// commit writes the batch's look-alikes and events and saves f (whose
// cursor the caller has moved past the batch) in one transaction. It
// updates f's counters and st.
func (r *Runner) commit(ctx context.Context, f *store.Feed, b *batch, st *Stats) error {
	now := r.now()
	source := SourcePrefix + f.Name
	var matches, known, watched int
	err := r.Store.Update(ctx, func(tx store.Tx) error {
		matches, known, watched = 0, 0, 0
		for _, h := range b.hits {
			fuzzer := h.match.Fuzzer
			if fuzzer == "" {
				fuzzer = h.match.Kind
			}
			stored, newly, err := tx.UpsertLookalike(store.Lookalike{
				Brand: h.match.Brand, Name: h.name, Unicode: h.unicode, Fuzzer: fuzzer, Source: source,
				Score: h.match.Score, FirstSeen: now, LastChecked: now, Registered: store.RegYes,
			})
			if err != nil {
				return err
			}
			if !newly {
				known++
				continue
			}
			if !h.alert {
				continue // stored with its score, below the alert threshold
			}
			detail, err := json.Marshal(lookalikeDetail{Brand: stored.Brand, Fuzzer: stored.Fuzzer, Unicode: stored.Unicode,
				Score: h.match.Score, Kind: h.match.Kind, Source: source, Seen: h.extra, Suspicion: h.suspicion})
			if err != nil {
				return err
			}
			if _, err := tx.AddEvent(store.Event{Domain: h.name, At: now, Kind: event.LookalikeRegistered,
				Severity: event.SevWarning, New: string(store.RegYes), Detail: detail}); err != nil {
				return fmt.Errorf("look-alike event %s: %w", h.name, err)
			}
			matches++
		}
		for _, w := range b.watched {
			if w.scope != "" {
				prev, err := tx.MarkSeen(w.scope, w.key, now)
				if err != nil {
					return err
				}
				if !prev.IsZero() && (w.refire == 0 || now.Sub(prev) < w.refire) {
					continue
				}
			}
			ev := w.ev
			ev.At = now
			if _, err := tx.AddEvent(ev); err != nil {
				return fmt.Errorf("%s event %s: %w", ev.Kind, ev.Domain, err)
			}
			watched++
		}
		nrel, err := commitRelated(tx, f.Name, b, now)
		if err != nil {
			return err
		}
		watched += nrel
		g := *f
		g.NamesSeen += b.names
		g.Matches += int64(matches + watched)
		g.LastRun, g.LastError = now, ""
		return tx.SaveFeed(g)
	})
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	f.NamesSeen += b.names
	f.Matches += int64(matches + watched)
	f.LastRun, f.LastError = now, ""
	st.Matches += matches
	st.Known += known
	st.Watched += watched
	st.Cursor = f.Cursor
	return nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte("{}")
	}
	return b
}
