package lookalike

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// event.LookalikeRegistered is the event kind Hunt writes for a look-alike
// seen registered for the first time.

// SourcePermutation is the lookalikes.source of rows Hunt writes.
const SourcePermutation = "permutation"

// HuntOptions tune one round of brand hunting.
type HuntOptions struct {
	Generate Options
	Scan     ScanOptions
}

// HuntResult counts what one round found.
type HuntResult struct {
	Brand      string   `json:"brand"`
	Candidates int      `json:"candidates"` // registrable names checked
	Registered int      `json:"registered"`
	Unknown    int      `json:"unknown"`
	Stored     int      `json:"stored"`    // rows inserted or updated
	New        []string `json:"new"`       // newly registered this round: one event each
	Wildcards  []string `json:"wildcards"` // suffixes answering for any name
}

// eventDetail is the detail JSON of a lookalike_registered event.
type eventDetail struct {
	Brand   string        `json:"brand"`
	Fuzzer  string        `json:"fuzzer"`
	Unicode string        `json:"unicode"`
	Score   float64       `json:"score"`
	DNS     *Registration `json:"dns,omitempty"`
}

// Hunt runs one round of brand hunting for brand (a watched domain of kind
// brand, or a seized domain whose actor may register the next one):
// generate the look-alikes, check which are registered, store them and
// write a lookalike_registered event (severity warning) for each one seen
// registered for the first time. A look-alike is announced once: later
// rounds only refresh it; one registered later is announced then.
//
// What is stored: registered names always; names the DNS failed on with a
// server failure (often a registered name with broken name servers) as
// unknown; names already in the table are refreshed whatever the answer.
// New unregistered permutations are not stored: thousands a brand a day
// would bury the findings, and a name that gets registered later is
// inserted then, which is what makes it "new".
func Hunt(ctx context.Context, st Store, brand string, opts HuntOptions, checker Checker, now time.Time) (HuntResult, error) {
	log := slog.With("component", "lookalike", "brand", brand)
	n, err := domain.Normalize(brand)
	if err != nil {
		return HuntResult{}, fmt.Errorf("hunt %s: %w", brand, err)
	}
	res := HuntResult{Brand: n.ASCII, New: []string{}, Wildcards: []string{}}
	cands, err := Generate(n.ASCII, opts.Generate)
	if err != nil {
		return res, fmt.Errorf("hunt %s: %w", n.ASCII, err)
	}
	// Look up each registrable domain once, under the first fuzzer that
	// produced it (p.aypal.com is about aypal.com).
	var names []string
	byName := map[string]Candidate{}
	for _, c := range cands {
		r, err := domain.Normalize(c.Name)
		if err != nil || r.ASCII == n.ASCII {
			continue
		}
		if _, ok := byName[r.ASCII]; ok {
			continue
		}
		byName[r.ASCII] = Candidate{Name: r.ASCII, Unicode: r.Unicode, Fuzzer: c.Fuzzer}
		names = append(names, r.ASCII)
	}
	res.Candidates = len(names)
	known := map[string]bool{}
	existing, _, err := st.Lookalikes(ctx, store.LookalikeQuery{Brand: n.ASCII})
	if err != nil {
		return res, fmt.Errorf("hunt %s: %w", n.ASCII, err)
	}
	for _, l := range existing {
		known[l.Name] = true
	}
	scan, err := Scan(ctx, checker, names, opts.Scan)
	if err != nil {
		return res, fmt.Errorf("hunt %s: %w", n.ASCII, err)
	}
	res.Wildcards = append(res.Wildcards, scan.Wildcards...)
	err = st.Update(ctx, func(tx store.Tx) error {
		for i, name := range names {
			reg := scan.Registrations[i]
			switch reg.Status {
			case store.RegYes:
				res.Registered++
			case store.RegUnknown:
				res.Unknown++
			}
			if !worthStoring(reg, known[name]) {
				continue
			}
			c := byName[name]
			summary, err := json.Marshal(reg)
			if err != nil {
				return err
			}
			l := store.Lookalike{
				Brand: n.ASCII, Name: name, Unicode: c.Unicode, Fuzzer: c.Fuzzer, Source: SourcePermutation,
				Score: FuzzerScore(c.Fuzzer), FirstSeen: now, LastChecked: now, Registered: reg.Status, DNS: summary,
			}
			stored, newly, err := tx.UpsertLookalike(l)
			if err != nil {
				return err
			}
			res.Stored++
			if !newly {
				continue
			}
			detail, err := json.Marshal(eventDetail{Brand: n.ASCII, Fuzzer: stored.Fuzzer, Unicode: stored.Unicode,
				Score: stored.Score, DNS: &reg})
			if err != nil {
				return err
			}
			if _, err := tx.AddEvent(store.Event{Domain: name, At: now, Kind: event.LookalikeRegistered,
				Severity: event.SevWarning, New: string(store.RegYes), Detail: detail}); err != nil {
				return err
			}
			res.New = append(res.New, name)
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("hunt %s: store: %w", n.ASCII, err)
	}
	log.Info("hunted", "candidates", res.Candidates, "registered", res.Registered, "new", len(res.New),
		"unknown", res.Unknown, "wildcards", len(res.Wildcards))
	return res, nil
}

// worthStoring decides whether a check result earns a row (see Hunt).
func worthStoring(reg Registration, known bool) bool {
	switch {
	case known, reg.Status == store.RegYes:
		return true
	case reg.Status == store.RegUnknown && !reg.Wildcard && reg.Rcode == "SERVFAIL":
		return true
	}
	return false
}

// FuzzerScore is how strongly a fuzzer's output suggests imitation, 0..1:
// names that read the same as the brand score highest.
func FuzzerScore(fuzzer string) float64 {
	switch fuzzer {
	case Homoglyph, Confusable, Cyrillic, MultiChar:
		return 0.95
	case TLDSwap, Various:
		return 0.9
	case Combosquatting, Dictionary:
		return 0.85
	case Transposition, Omission, Repetition, Hyphenation, Subdomain, Plural:
		return 0.8
	case Replacement, Insertion, VowelSwap, Bitsquatting:
		return 0.75
	case Addition:
		return 0.7
	}
	return 0.5
}
