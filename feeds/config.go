package feeds

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
)

// ValidateSchedule checks a cron spec as the daemon will read it.
func ValidateSchedule(spec string) error {
	if _, err := config.ScheduleParser().Parse(spec); err != nil {
		return fmt.Errorf("schedule %q: %w", spec, err)
	}
	return nil
}

// DefaultSchedule is how often a feed of a kind runs when none is given:
// CT logs grow by the second, NRD lists come daily at varying hours (a
// conditional GET makes polling cheap), CZDS zones once a day.
func DefaultSchedule(kind event.FeedKind) string {
	switch kind {
	case KindCT:
		return "@every 5m"
	case KindNRD:
		return "@every 6h"
	}
	return "@daily"
}

var feedName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ValidateName checks a feed name: lower-case letters, digits, dot,
// underscore and hyphen, at most 64, starting with a letter or digit.
func ValidateName(name string) error {
	if !feedName.MatchString(name) {
		return fmt.Errorf("feed name %q: want lower-case letters, digits, '.', '_' or '-' (at most 64)", name)
	}
	return nil
}

// ValidateKind checks a feed kind.
func ValidateKind(kind event.FeedKind) error {
	_, err := event.ParseFeedKind(string(kind))
	return err
}

// LoadLogList reads a log list from a path or an http(s) URL (bounded in
// size and time) and parses it.
func LoadLogList(ctx context.Context, hc *http.Client, loc string) ([]LogInfo, error) {
	var data []byte
	if IsURL(loc) {
		if hc == nil {
			hc = DefaultHTTPClient()
		}
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("User-Agent", userAgent)
		resp, err := hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("log list %s: %w", loc, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("log list %s: HTTP %s", loc, resp.Status)
		}
		if data, err = io.ReadAll(io.LimitReader(resp.Body, maxLogList+1)); err != nil {
			return nil, fmt.Errorf("log list %s: %w", loc, err)
		}
	} else {
		f, err := os.Open(loc)
		if err != nil {
			return nil, fmt.Errorf("log list: %w", err)
		}
		defer f.Close()
		if data, err = io.ReadAll(io.LimitReader(f, maxLogList+1)); err != nil {
			return nil, fmt.Errorf("log list %s: %w", loc, err)
		}
	}
	logs, err := ParseLogList(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", loc, err)
	}
	return logs, nil
}

// DescribeCursor says where a feed stands, for people: "next 1234" for a
// log, the last day or file for a list, the serial and size of a zone.
func DescribeCursor(kind event.FeedKind, cursor string) string {
	if cursor == "" {
		return "-"
	}
	switch kind {
	case KindCT:
		var c ctCursor
		if json.Unmarshal([]byte(cursor), &c) == nil {
			return fmt.Sprintf("next %d of %d", c.Next, max(c.TreeSize, c.Next))
		}
	case KindNRD:
		var c nrdCursor
		if json.Unmarshal([]byte(cursor), &c) == nil {
			if c.Date != "" {
				return c.Date
			}
			return "file " + c.SHA256[:min(12, len(c.SHA256))]
		}
	case KindZone:
		var c zoneCursor
		if json.Unmarshal([]byte(cursor), &c) == nil {
			return fmt.Sprintf("%s serial %d, %d names", c.Origin, c.Serial, c.Names)
		}
	}
	return clip(cursor, 40)
}
