package feeds

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/lookalike"
	"github.com/takedownhq/takedown/store"
)

// Watched is a watchlist entry as the feeds see it.
type Watched struct {
	ID    int64
	Name  string           // registrable domain, ASCII
	Kind  event.DomainKind // store.KindWatch or store.KindBrand
	State event.State      // lifecycle verdict when the matcher was built
}

// TakenDown reports whether the state is one a takedown put the domain in:
// a certificate, a registration or a delegation for it then means the
// takedown may not hold, or the name is back on the market.
func (w Watched) TakenDown() bool {
	switch w.State {
	case event.StateSeized, event.StateSinkholed, event.StateSuspended, event.StateExpired,
		event.StateRedemption, event.StatePendingDelete, event.StateDeleted:
		return true
	}
	return false
}

// MatcherOptions choose what counts as a brand.
type MatcherOptions struct {
	// BrandsOnly limits look-alike matching to domains of kind brand.
	// Default false: every enabled watched domain counts too, because a
	// seized or reported domain's actor tends to register the next one
	// nearby (thefoxcloud.com seized, thefoxcloud.net registered).
	BrandsOnly bool
	// Index tunes the look-alike matcher.
	Index lookalike.IndexOptions
	// MinScore drops weaker matches before they are stored. Default 0:
	// every fuzzer's match is kept with its score, addition and
	// bitsquatting included (bankofamerica9.com, bancofamerica.com), so
	// nothing a brand's owner might look for is thrown away.
	MinScore float64
	// AlertScore is the score from which a newly stored look-alike is
	// announced (a lookalike_registered event). Default 0.75. Feeds see
	// every name registered, not the candidates of one brand, and the
	// weakest rules (a digit run after the brand, an added letter, one
	// flipped bit, an edit no fuzzer names, all scored 0.75 or less) mostly
	// meet dictionary words there: binance and finance, fedex and fetex.
	// Matches below it are stored, not announced.
	AlertScore float64
	// Quiet lists fuzzers whose matches are stored but never announced.
	// Default bitsquatting: one flipped bit turns binance into finance and
	// fedex into fetex, and in a day's registrations such collisions
	// outnumber the squats. Use []string{} to announce every fuzzer.
	Quiet []string
	// Drop lists fuzzers whose matches feeds ignore. Default none.
	Drop []string
}

func (o MatcherOptions) withDefaults() MatcherOptions {
	if o.AlertScore == 0 {
		o.AlertScore = 0.75
	}
	if o.Quiet == nil {
		o.Quiet = []string{lookalike.Bitsquatting}
	}
	return o
}

// Matcher holds what a feed's candidates are checked against: the
// look-alike index of the brands and the watched names themselves. It is
// read-only once built and safe for concurrent use.
type Matcher struct {
	// Index matches look-alikes; it holds Brands.
	Index    *lookalike.Index
	watched  map[string]Watched
	brands   []string
	minScore float64
	alert    float64
	quiet    []string
	drop     []string
	print    uint64 // fingerprint of brands and options, to rebuild only on change
}

// NewMatcher builds a Matcher from watchlist entries (disabled ones are
// left out). Bad names are skipped; the index is built from the rest.
func NewMatcher(domains []store.Domain, opts MatcherOptions) (*Matcher, error) {
	opts = opts.withDefaults()
	m := &Matcher{watched: make(map[string]Watched, len(domains)), minScore: opts.MinScore, alert: opts.AlertScore, quiet: opts.Quiet, drop: opts.Drop}
	for _, d := range domains {
		if !d.Enabled {
			continue
		}
		m.watched[d.Name] = Watched{ID: d.ID, Name: d.Name, Kind: d.Kind, State: d.State}
		if !opts.BrandsOnly || d.Kind == store.KindBrand {
			m.brands = append(m.brands, d.Name)
		}
	}
	sort.Strings(m.brands)
	m.print = fingerprint(m.brands, opts)
	ix, err := lookalike.NewIndex(m.brands, opts.Index)
	if ix == nil {
		return nil, fmt.Errorf("feeds matcher: %w", err)
	}
	m.Index = ix
	return m, nil
}

// Match reports which brand a host name (lower-case ASCII or Unicode, with
// or without subdomains) imitates, applying the feed filters. It does not
// allocate for ASCII names.
func (m *Matcher) Match(name string) (lookalike.Match, bool) {
	mt, ok := m.Index.Match(name)
	if !ok || mt.Score < m.minScore {
		return lookalike.Match{}, false
	}
	for _, d := range m.drop {
		if mt.Fuzzer == d {
			return lookalike.Match{}, false
		}
	}
	return mt, true
}

// Alert reports whether a match is to be announced: strong enough, and
// not from a quiet fuzzer.
func (m *Matcher) Alert(mt lookalike.Match) bool {
	return mt.Score >= m.alert && !slices.Contains(m.quiet, mt.Fuzzer)
}

// Lookup returns the watchlist entry of a registrable ASCII name.
func (m *Matcher) Lookup(name string) (Watched, bool) {
	w, ok := m.watched[name]
	return w, ok
}

// Brands lists the names look-alikes are matched against, sorted.
func (m *Matcher) Brands() []string { return m.brands }

// withWatched returns a matcher that shares m's index but knows the
// watchlist's current states: states change far more often than the brand
// set, and rebuilding the index for 10,000 brands takes a while.
func (m *Matcher) withWatched(domains []store.Domain) *Matcher {
	n := *m
	n.watched = make(map[string]Watched, len(domains))
	for _, d := range domains {
		if d.Enabled {
			n.watched[d.Name] = Watched{ID: d.ID, Name: d.Name, Kind: d.Kind, State: d.State}
		}
	}
	return &n
}

func fingerprint(brands []string, opts MatcherOptions) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%v|%v|%v|%d|%v|%v|%v|%d\x00", opts.BrandsOnly, opts.Index.Keywords, opts.Index.MinScore, opts.Index.MinEditLen,
		opts.MinScore, opts.AlertScore, opts.Drop, len(brands))
	fmt.Fprintf(h, "%v\x00", opts.Quiet)
	for _, b := range brands {
		h.Write([]byte(b))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// LoadMatcher builds a Matcher from the store's watchlist.
func LoadMatcher(ctx context.Context, st Store, opts MatcherOptions) (*Matcher, error) {
	ds, _, err := st.Domains(ctx, store.DomainQuery{})
	if err != nil {
		return nil, fmt.Errorf("feeds matcher: watchlist: %w", err)
	}
	return NewMatcher(ds, opts)
}

// matcherCache rebuilds the index only when the brand set changes.
func matcherFrom(ctx context.Context, st Store, opts MatcherOptions, prev *Matcher) (*Matcher, error) {
	ds, _, err := st.Domains(ctx, store.DomainQuery{})
	if err != nil {
		return nil, fmt.Errorf("feeds matcher: watchlist: %w", err)
	}
	opts = opts.withDefaults()
	if prev != nil {
		var brands []string
		for _, d := range ds {
			if d.Enabled && (!opts.BrandsOnly || d.Kind == store.KindBrand) {
				brands = append(brands, d.Name)
			}
		}
		sort.Strings(brands)
		if fingerprint(brands, opts) == prev.print {
			return prev.withWatched(ds), nil
		}
	}
	return NewMatcher(ds, opts)
}
