package httpprobe

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Page is Probe that also returns the body as received (at most MaxBody
// bytes): the HTML the look-alike watch compares with the brand's page.
func (p *Prober) Page(ctx context.Context, domain string) (*Snapshot, []byte, error) {
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	if domain == "" || strings.ContainsAny(domain, "/?#@ ") {
		return nil, nil, fmt.Errorf("httpprobe %q: %w: not a host name", domain, ErrProbeFailed)
	}
	var keep bytes.Buffer
	s, err := p.probe(ctx, domain, &keep)
	if err != nil {
		return nil, nil, err
	}
	return s, keep.Bytes(), nil
}

// Get fetches one http(s) URL on the web ports through the address guard,
// following no redirect beyond the web ports, and returns at most max
// bytes of a 2xx body (a favicon, say). Another status is an error.
func (p *Prober) Get(ctx context.Context, rawURL string, max int64) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !p.webPort(u.Port()) {
		return nil, fmt.Errorf("httpprobe get %q: %w: not an http(s) URL on a web port", rawURL, ErrProbeFailed)
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	client := &http.Client{Transport: p.transport, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > MaxRedirects || (req.URL.Scheme != "http" && req.URL.Scheme != "https") || !p.webPort(req.URL.Port()) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", p.userAgent)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("httpprobe get %s: %w: %w", rawURL, ErrProbeFailed, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("httpprobe get %s: %w: HTTP %d", rawURL, ErrProbeFailed, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max))
	if err != nil {
		return nil, fmt.Errorf("httpprobe get %s: %w: %w", rawURL, ErrProbeFailed, err)
	}
	return b, nil
}
