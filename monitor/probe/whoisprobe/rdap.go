package whoisprobe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openrdap/rdap"
	"github.com/openrdap/rdap/bootstrap"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/ratelimit"
	"github.com/takedownhq/takedown/monitor/regdata"
)

// bootstrapRefresh is how long a lab's bootstrap fetched from a URL is used
// before it is fetched again.
const bootstrapRefresh = 24 * time.Hour

// RDAP queries registries over RDAP through github.com/openrdap/rdap. It is
// safe for concurrent use: it looks servers up itself in a read-only
// regdata.Registry and gives each request its own copy of the base URL,
// because openrdap's bootstrap client and Request.URL mutate shared state.
type RDAP struct {
	opts    regdata.Options
	bootURL string // a lab's bootstrap fetched over HTTP(S), lazily
	timeout time.Duration
	lim     *ratelimit.Limiter
	client  *rdap.Client
	log     *slog.Logger

	mu      sync.Mutex
	reg     *regdata.Registry
	fetched time.Time
}

// NewRDAP builds the RDAP probe: n.RDAPURL sends every query to one base
// URL; otherwise n.RDAPBootstrap (a directory or base URL holding the four
// RFC 9224 files, or one dns.json file or URL; fetched on first use and
// daily after) or else the embedded IANA files and override table
// (package regdata) pick the server per TLD. lim is shared with the other
// workers; nil makes a private one at n.WhoisRate.
func NewRDAP(n config.Network, lim *ratelimit.Limiter) (*RDAP, error) {
	r := &RDAP{timeout: n.Timeout, lim: lim, log: slog.With("component", "rdapprobe"), opts: RegistryOptions(n)}
	if r.timeout <= 0 {
		r.timeout = 5 * time.Second
	}
	if r.lim == nil {
		r.lim = ratelimit.PerSecond(n.WhoisRate)
	}
	r.client = &rdap.Client{HTTP: newHTTPClient(), Bootstrap: &bootstrap.Client{}, Verbose: func(string) {},
		UserAgent: "takedown (+https://github.com/takedownhq/takedown)"}
	// Every field set above, so Client.Do never lazily initialises (a data
	// race between workers).
	if n.RDAPURL != "" {
		u, err := url.Parse(n.RDAPURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("rdap url %q: want an http(s) base URL", n.RDAPURL)
		}
	}
	set, bootURL, err := LabSet(n.RDAPBootstrap)
	if err != nil {
		return nil, err
	}
	r.bootURL = bootURL
	if bootURL != "" {
		return r, nil // fetched on first use
	}
	r.opts.Set = set
	if r.reg, err = regdata.New(r.opts); err != nil {
		return nil, err
	}
	return r, nil
}

// RegistryOptions are the regdata options the network settings give
// (without a Set: LabSet or the embedded one supplies it).
func RegistryOptions(n config.Network) regdata.Options {
	o := regdata.Options{RDAPURL: n.RDAPURL, WhoisServers: n.WhoisServers, WhoisReferral: n.WhoisReferral,
		NoEmbeddedOverrides: n.RDAPBootstrap != ""}
	if n.RDAPBootstrap != "" {
		o.SetSource = regdata.SourceConfig
	}
	for _, ov := range n.RDAPOverrides {
		o.Overrides = append(o.Overrides, regdata.Override{TLD: ov.TLD, URL: ov.URL, Operator: ov.Operator,
			Date: ov.Date, Source: ov.Source})
	}
	return o
}

// LabSet reads network.rdap_bootstrap: "" gives the embedded set; a
// directory its four files; a file its dns.json beside the embedded address
// files; an http(s) URL is returned to be fetched later (bootURL).
func LabSet(loc string) (set *regdata.Set, bootURL string, err error) {
	switch {
	case loc == "":
		return regdata.Embedded(), "", nil
	case strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://"):
		return nil, loc, nil
	}
	st, err := os.Stat(loc)
	if err != nil {
		return nil, "", fmt.Errorf("rdap bootstrap: %w", err)
	}
	if st.IsDir() {
		s, err := regdata.Load(loc)
		return s, "", err
	}
	if st.Size() > regdata.MaxFileBytes {
		return nil, "", fmt.Errorf("rdap bootstrap %s: more than %d bytes", loc, regdata.MaxFileBytes)
	}
	b, err := os.ReadFile(loc)
	if err != nil {
		return nil, "", fmt.Errorf("rdap bootstrap: %w", err)
	}
	d, err := regdata.ParseBootstrap(regdata.FileDNS, b)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", loc, err)
	}
	return regdata.Embedded().WithDNS(d, loc), "", nil
}

func newHTTPClient() *http.Client {
	return &http.Client{
		Transport: cappedTransport{http.DefaultTransport},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("more than 3 redirects")
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to %s scheme", req.URL.Scheme)
			}
			return nil
		},
	}
}

// Servers returns the RDAP base URLs for name, https first, fetching a
// configured bootstrap URL first if needed. None (and a nil error) means
// no RDAP service is known for it.
func (r *RDAP) Servers(ctx context.Context, name string) ([]*url.URL, error) {
	reg, err := r.Registry(ctx)
	if err != nil {
		return nil, err
	}
	return reg.RDAPBases(name), nil
}

// Registry is the registry the probe answers from (fetching a lab's
// bootstrap URL when due).
func (r *RDAP) Registry(ctx context.Context) (*regdata.Registry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bootURL == "" || (r.reg != nil && time.Since(r.fetched) < bootstrapRefresh) {
		return r.reg, nil
	}
	set, err := r.fetchBootstrap(ctx)
	if err == nil && r.reg != nil {
		err = regdata.Better(r.reg.Set().DNS, set.DNS)
	}
	var reg *regdata.Registry
	if err == nil {
		o := r.opts
		o.Set = set
		reg, err = regdata.New(o)
	}
	if err != nil {
		if r.reg != nil {
			r.log.Warn("rdap bootstrap refresh failed; keeping the old one", "url", r.bootURL, "err", err)
			r.fetched = time.Now() // retry tomorrow, not on every query
			return r.reg, nil
		}
		return nil, failf("rdap bootstrap %s: %w", r.bootURL, err)
	}
	r.reg, r.fetched = reg, time.Now()
	return reg, nil
}

// UseSet installs a newer bootstrap set (the daemon's daily refresh), if
// it is no worse than the one in use.
func (r *RDAP) UseSet(set *regdata.Set) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reg != nil {
		for _, f := range regdata.Files {
			if err := regdata.Better(r.reg.Set().File(f), set.File(f)); err != nil {
				return err
			}
		}
	}
	o := r.opts
	o.Set = set
	reg, err := regdata.New(o)
	if err != nil {
		return err
	}
	r.reg = reg
	return nil
}

func (r *RDAP) fetchBootstrap(ctx context.Context) (*regdata.Set, error) {
	ctx, cancel := context.WithTimeout(ctx, 4*r.timeout)
	defer cancel()
	if strings.HasSuffix(r.bootURL, ".json") {
		b, _, err := regdata.FetchFile(ctx, r.client.HTTP, r.bootURL, regdata.Validators{})
		if err != nil {
			return nil, err
		}
		d, err := regdata.ParseBootstrap(regdata.FileDNS, b)
		if err != nil {
			return nil, err
		}
		return regdata.Embedded().WithDNS(d, r.bootURL), nil
	}
	return regdata.FetchSet(ctx, r.client.HTTP, r.bootURL)
}

// Covers reports whether the bootstrap (or the override) has an RDAP server
// for name's TLD. A bootstrap that cannot be fetched counts as covering, so
// the failure shows as an RDAP error rather than a silent switch.
func (r *RDAP) Covers(ctx context.Context, name string) bool {
	urls, err := r.Servers(ctx, name)
	return err != nil || len(urls) > 0
}

// Probe asks name's RDAP server about it. A 404 in RDAP form gives Found
// false and a nil error; every error wraps ErrProbeFailed (ErrNoRDAPServer
// when the bootstrap has no server for the TLD).
func (r *RDAP) Probe(ctx context.Context, name string) (Record, error) {
	n, err := domain.Normalize(name)
	if err != nil {
		return Record{}, failf("rdap %w", err)
	}
	d := n.ASCII
	bases, err := r.Servers(ctx, d)
	if err != nil {
		return Record{}, err
	}
	if len(bases) == 0 {
		return Record{}, failf("rdap %s: %w .%s", d, ErrNoRDAPServer, domain.TLD(d))
	}
	var errs []error
	for _, base := range bases {
		rec, err := r.query(ctx, base, d)
		if err == nil {
			return rec, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return Record{}, errors.Join(errs...)
}

func (r *RDAP) query(ctx context.Context, base *url.URL, d string) (rec Record, err error) {
	server := base.Host
	if err := r.lim.Wait(ctx, server); err != nil {
		return Record{}, failf("rdap %s: %w", d, err)
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	u := *base // each request its own copy: Request.URL mutates its Server
	req := (&rdap.Request{Type: rdap.DomainRequest, Query: d, Server: &u}).WithContext(ctx)
	src := req.URL().String()

	resp, derr := r.do(req)
	var hr *rdap.HTTPResponse
	if resp != nil && len(resp.HTTP) > 0 {
		hr = resp.HTTP[len(resp.HTTP)-1]
	}
	status := 0
	if hr != nil && hr.Response != nil {
		status = hr.Response.StatusCode
	}
	switch {
	case status == http.StatusTooManyRequests:
		e := fmt.Errorf("rdap %s: HTTP 429 rate limited", src)
		r.lim.Penalize(server, ratelimit.After(retryAfter(hr.Response.Header.Get("Retry-After")), e))
		return Record{}, failf("%w", e)
	case status >= 500:
		e := fmt.Errorf("rdap %s: HTTP %d", src, status)
		r.lim.Penalize(server, e)
		return Record{}, failf("%w (%w)", e, ErrRDAPUnavailable)
	case status == http.StatusNotFound:
		// Only an RDAP 404 is an answer; a web server's HTML 404 (a wrong
		// base URL) must not read as "domain deleted".
		ct := hr.Response.Header.Get("Content-Type")
		if !strings.Contains(ct, "json") {
			return Record{}, failf("rdap %s: HTTP 404 with %q, not an RDAP answer", src, ct)
		}
		r.lim.OK(server)
		return Record{Found: false, Source: src}, nil
	}
	if hr != nil && hr.Error != nil {
		if errors.Is(hr.Error, ErrReplyTooLarge) {
			return Record{}, failf("rdap %s: body larger than %d bytes", src, MaxReply)
		}
		if status == 0 && penalize(ctx, hr.Error) {
			r.lim.Penalize(server, hr.Error)
			return Record{}, failf("rdap %s: %w (%w)", src, hr.Error, ErrRDAPUnavailable)
		}
		return Record{}, failf("rdap %s: %w", src, hr.Error)
	}
	if derr != nil {
		return Record{}, failf("rdap %s: %w", src, derr)
	}
	dom, ok := resp.Object.(*rdap.Domain)
	if !ok {
		return Record{}, failf("rdap %s: HTTP %d answer is %T, not a domain", src, status, resp.Object)
	}
	rec, err = fromRDAP(d, dom)
	if err != nil {
		return Record{}, fmt.Errorf("rdap %s: %w", src, err)
	}
	r.lim.OK(server)
	rec.Source = src
	return rec, nil
}

// do runs the request and turns a panic in the decoder into an error.
func (r *RDAP) do(req *rdap.Request) (resp *rdap.Response, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("rdap decoder panic: %v", p)
		}
	}()
	return r.client.Do(req)
}

func retryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(min(s, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// fromRDAP maps an RFC 9083 domain object onto a Record.
func fromRDAP(d string, dom *rdap.Domain) (rec Record, err error) {
	defer func() {
		if p := recover(); p != nil {
			rec, err = Record{}, failf("rdap mapping panic: %v", p)
		}
	}()
	return mapRDAP(d, dom)
}

// mapRDAP is fromRDAP without the panic guard, so fuzzing sees panics.
func mapRDAP(d string, dom *rdap.Domain) (Record, error) {
	if dom == nil {
		return Record{}, failf("empty domain object")
	}
	if got := strings.TrimSuffix(dom.LDHName, "."); got != "" && !strings.EqualFold(got, d) {
		return Record{}, failf("answer is for %q, not %q", cleanText(got), d)
	}
	rec := Record{Found: true, RegistryDomainID: dom.Handle, Statuses: dom.Status}
	if em, ph := rdapAbuse(dom); em != "" || ph != "" {
		rec.RegistrarAbuseEmail, rec.RegistrarAbusePhone, rec.RegistrarAbuseSource = em, ph, AbuseFromRDAP
	}
	for _, ev := range dom.Events {
		t := parseRDAPTime(ev.Date)
		switch strings.ToLower(strings.TrimSpace(ev.Action)) {
		case "registration":
			rec.Created = t
		case "expiration":
			rec.Expires = t
		case "last changed":
			rec.Updated = t
		}
	}
	for _, ns := range dom.Nameservers {
		h := ns.LDHName
		if h == "" {
			h = ns.UnicodeName
		}
		rec.Nameservers = append(rec.Nameservers, h)
	}
	for i := range dom.Entities {
		e := &dom.Entities[i]
		switch {
		case hasRole(e, "registrar") && rec.Registrar == "":
			rec.Registrar = vcardText(e.VCard, "fn")
			if rec.Registrar == "" {
				rec.Registrar = vcardText(e.VCard, "org")
			}
			for _, id := range e.PublicIDs {
				if strings.Contains(strings.ToLower(id.Type), "iana") {
					rec.RegistrarIANAID = ianaID(id.Identifier)
				}
			}
		case hasRole(e, "registrant") && rec.RegistrantOrg == "" && rec.RegistrantCountry == "":
			rec.RegistrantOrg = vcardText(e.VCard, "org")
			rec.RegistrantCountry = vcardCountry(e.VCard)
		}
	}
	return rec.normalize(), nil
}

func hasRole(e *rdap.Entity, role string) bool {
	for _, r := range e.Roles {
		if strings.EqualFold(strings.TrimSpace(r), role) {
			return true
		}
	}
	return false
}

// vcardText is the first string value of a jCard property. It walks the
// value itself: openrdap's Values panics on types it does not expect.
func vcardText(v *rdap.VCard, name string) string {
	if v == nil {
		return ""
	}
	for _, p := range v.Properties {
		if p != nil && strings.EqualFold(p.Name, name) {
			if s := flatten(p.Value, 0); len(s) > 0 {
				return strings.Join(strings.Fields(strings.Join(s, " ")), " ")
			}
		}
	}
	return ""
}

// vcardCountry prefers the adr "cc" parameter (RFC 8605), then the
// country-name field.
func vcardCountry(v *rdap.VCard) string {
	if v == nil {
		return ""
	}
	for _, p := range v.Properties {
		if p == nil || !strings.EqualFold(p.Name, "adr") {
			continue
		}
		if cc := p.Parameters["cc"]; len(cc) > 0 && cc[0] != "" {
			return cc[0]
		}
		if vals := flatten(p.Value, 0); len(vals) > 6 {
			return vals[6]
		}
	}
	return ""
}

func flatten(v any, depth int) []string {
	if depth > 4 {
		return nil
	}
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, flatten(x, depth+1)...)
			if len(out) > 64 {
				break
			}
		}
		return out
	case []string:
		return v
	}
	return []string{""}
}

func parseRDAPTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// cappedTransport fails a body read past MaxReply.
type cappedTransport struct{ rt http.RoundTripper }

func (c cappedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &cappedBody{rc: resp.Body, left: MaxReply}
	return resp, nil
}

type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		if n, err := b.rc.Read(one[:]); n > 0 {
			return 0, ErrReplyTooLarge
		} else {
			return 0, err
		}
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }
