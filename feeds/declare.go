package feeds

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// ErrInvalid is matched by every error Declare returns for a bad name,
// kind, location, schedule or start: the caller's input, not the network.
var ErrInvalid = errors.New("invalid feed")

// Spec declares a feed, from `feed add` or the configuration.
type Spec struct {
	Name     string
	Kind     event.FeedKind
	URL      string // http(s) URL or path; for ct also a log list (.json)
	Schedule string // default DefaultSchedule(Kind)
	// Start, for a ct feed, is the first entry to read; nil: the log's
	// head (or the cursor already stored).
	Start *int64
	// Check, when set, vets each location before it is stored (the URL
	// given, and each log of a log list): CheckLocation with the SSRF
	// guard. Its error is returned wrapping ErrInvalid.
	Check func(ctx context.Context, loc string) error
}

// Declared is one feed Declare stored.
type Declared struct {
	Name, URL, Schedule string
	Kind                event.FeedKind
	Updated             bool // it existed before
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Declare validates a feed and stores it. A CT log list declares one feed
// per usable log, named NAME-LOG. A feed whose kind or URL changed starts
// over: its cursor belonged to the old source. Idempotent.
func Declare(ctx context.Context, st Store, s Spec) ([]Declared, error) {
	if err := ValidateName(s.Name); err != nil {
		return nil, invalid("%v", err)
	}
	if err := ValidateKind(s.Kind); err != nil {
		return nil, invalid("%v", err)
	}
	if err := ValidateLocation(s.URL); err != nil {
		return nil, invalid("url: %v", err)
	}
	if s.Schedule == "" {
		s.Schedule = DefaultSchedule(s.Kind)
	}
	if err := ValidateSchedule(s.Schedule); err != nil {
		return nil, invalid("%v", err)
	}
	cursor := ""
	if s.Start != nil {
		if s.Kind != KindCT || *s.Start < 0 {
			return nil, invalid("start %d: want an entry index (0 or more) of a ct feed", *s.Start)
		}
		cursor = CTCursor(*s.Start)
	}
	if s.Check != nil {
		if err := s.Check(ctx, s.URL); err != nil {
			return nil, invalid("%v", err)
		}
	}
	type one struct{ name, url string }
	adds := []one{{s.Name, s.URL}}
	if s.Kind == KindCT && (!IsURL(s.URL) || strings.HasSuffix(strings.ToLower(strings.SplitN(s.URL, "?", 2)[0]), ".json")) {
		logs, err := LoadLogList(ctx, nil, s.URL)
		if err != nil {
			return nil, invalid("url: %v", err)
		}
		adds = adds[:0]
		for _, l := range logs {
			if s.Check != nil {
				if err := s.Check(ctx, l.URL); err != nil {
					return nil, invalid("log %s: %v", l.Slug, err)
				}
			}
			adds = append(adds, one{s.Name + "-" + l.Slug, l.URL})
		}
	} else if s.Kind == KindCT {
		if _, _, err := ParseLogURL(s.URL); err != nil {
			return nil, invalid("url: %v", err)
		}
	}
	var out []Declared
	for _, ad := range adds {
		if err := ValidateName(ad.name); err != nil {
			return out, invalid("%v", err)
		}
		old, err := st.Feed(ctx, ad.name)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return out, err
		}
		if err := st.AddFeed(ctx, store.Feed{Name: ad.name, Kind: s.Kind, URL: ad.url, Schedule: s.Schedule}); err != nil {
			return out, err
		}
		if reset := old != nil && (old.Kind != s.Kind || old.URL != ad.url); reset || cursor != "" {
			f, err := st.Feed(ctx, ad.name)
			if err != nil {
				return out, err
			}
			f.Cursor = cursor
			if err := st.Update(ctx, func(tx store.Tx) error { return tx.SaveFeed(*f) }); err != nil {
				return out, err
			}
		}
		out = append(out, Declared{Name: ad.name, Kind: s.Kind, URL: ad.url, Schedule: s.Schedule, Updated: old != nil})
	}
	return out, nil
}
