package regdata

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// IANABase is where IANA publishes the four bootstrap files.
const IANABase = "https://data.iana.org/rdap/"

// ErrNotModified is FetchFile's answer to a conditional request the server
// answered 304: the copy in hand is current.
var ErrNotModified = errors.New("not modified")

// Validators are a file's HTTP cache validators, sent back on the next
// request so an unchanged file costs a 304.
type Validators struct {
	ETag         string
	LastModified string
}

// FetchFile GETs one bootstrap file, conditionally when v is set. It
// returns ErrNotModified on 304, the body (at most MaxFileBytes) and the
// new validators on 200, and an error naming the URL otherwise. ctx bounds
// the whole exchange.
func FetchFile(ctx context.Context, hc *http.Client, u string, v Validators) ([]byte, Validators, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, v, fmt.Errorf("rdap bootstrap %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "takedown (+https://github.com/takedownhq/takedown)")
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, v, fmt.Errorf("rdap bootstrap %s: %w", u, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return nil, v, ErrNotModified
	case http.StatusOK:
	default:
		return nil, v, fmt.Errorf("rdap bootstrap %s: HTTP %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxFileBytes+1))
	if err != nil {
		return nil, v, fmt.Errorf("rdap bootstrap %s: %w", u, err)
	}
	if len(b) > MaxFileBytes {
		return nil, v, fmt.Errorf("rdap bootstrap %s: more than %d bytes", u, MaxFileBytes)
	}
	return b, Validators{ETag: clip(resp.Header.Get("ETag"), 256), LastModified: clip(resp.Header.Get("Last-Modified"), 64)}, nil
}

// FileURL is the URL of one file under a base URL (a directory URL; a
// missing final slash is added).
func FileURL(base, name string) string {
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + name
}

// FetchSet GETs the four files under base (unconditionally) into a Set.
func FetchSet(ctx context.Context, hc *http.Client, base string) (*Set, error) {
	files := map[string][]byte{}
	for _, name := range Files {
		b, _, err := FetchFile(ctx, hc, FileURL(base, name), Validators{})
		if err != nil {
			return nil, err
		}
		files[name] = b
	}
	return SetFrom(base, files)
}

// WithDNS is a copy of s whose dns.json is d (a lab's single dns.json
// beside the embedded address files).
func (s *Set) WithDNS(d *Bootstrap, origin string) *Set {
	c := *s
	c.DNS, c.Origin = d, origin
	return &c
}
