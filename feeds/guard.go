package feeds

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/netguard"
)

// GuardedHTTPClient is DefaultHTTPClient dialing through g: a feed URL is
// chosen by whoever edits the configuration or runs `feed add`, and must
// not reach loopback, the LAN or a cloud metadata service unless the guard
// allows private addresses. It uses no environment proxy, so the guard
// sees the real target.
func GuardedHTTPClient(g *netguard.Guard) *http.Client {
	c := DefaultHTTPClient()
	t := c.Transport.(*http.Transport)
	t.Proxy = nil
	t.DialContext = g.DialContext
	return c
}

// CheckLocation refuses a feed location that the guard refuses (a URL whose
// host resolves only to refused addresses) or that is missing (a URL whose
// host does not resolve, a path that does not exist; for a path with
// {date}, its directory). Pass it as Spec.Check, with the guard bound.
func CheckLocation(ctx context.Context, g *netguard.Guard, loc string) error {
	if err := ValidateLocation(loc); err != nil {
		return err
	}
	if !IsURL(loc) {
		p := loc
		if strings.Contains(p, DatePlaceholder) {
			p = filepath.Dir(p)
		}
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("path %s: %w", p, err)
		}
		return nil
	}
	u, err := url.Parse(loc)
	if err != nil {
		return fmt.Errorf("url %q: %w", loc, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := g.Resolve(ctx, u.Hostname()); err != nil {
		return fmt.Errorf("url %s: %w", redact(u), err)
	}
	return nil
}

// redact drops a URL's query and user info, which may carry keys.
func redact(u *url.URL) string {
	c := *u
	c.RawQuery, c.User = "", nil
	return c.String()
}

// ErrNotNameList is returned for a feed file that holds no name at all:
// not a list of names, or not a zone file. It is never taken as a baseline
// and its lines are never echoed.
var ErrNotNameList = errors.New("not a list of domain names")

// quotedRE matches the tokens the zone parser quotes in its errors.
var quotedRE = regexp.MustCompile(`"[^"]*"`)

// withheld removes quoted input from a parser error: the file may be
// anything, and its content is not ours to print.
func withheld(msg string) string {
	return quotedRE.ReplaceAllString(msg, `(text withheld)`)
}
