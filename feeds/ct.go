package feeds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	ct "github.com/google/certificate-transparency-go"
	"github.com/google/certificate-transparency-go/client"
	"github.com/google/certificate-transparency-go/jsonclient"
	ctx509 "github.com/google/certificate-transparency-go/x509"
	"golang.org/x/time/rate"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// CTOptions tune how Certificate Transparency logs are followed.
type CTOptions struct {
	// BatchSize is how many entries one get-entries asks for. Logs cap it
	// (often at 256 or 1,000) and the runner follows the cap they show.
	// Default 256.
	BatchSize int
	// Parallel is how many get-entries requests to one log may be in
	// flight. Default 4.
	Parallel int
	// Rate bounds requests per second to one log. Each 429 lowers it by a
	// fifth (to a tenth of Rate at least) and each success raises it by a
	// tenth, back up to Rate. Default 10.
	Rate float64
	// MaxEntries bounds the entries one run reads. Default 0: up to the
	// tree size read at the start of the run.
	MaxEntries int64
	// Attempts is how often a failing request (other than 429) is tried
	// before the run gives up. Default 8.
	Attempts int
	// MaxRateLimited is how many 429s in a row one request rides out.
	// Default 200.
	MaxRateLimited int
	// MaxBackoff caps the wait between tries. A Retry-After is honoured
	// as the log gives it, up to an hour. Default 2m.
	MaxBackoff time.Duration
	// RequestTimeout bounds one request. Default 30s.
	RequestTimeout time.Duration
	// MaxResponse bounds one response body. Default 64 MiB.
	MaxResponse int64
}

func (o CTOptions) withDefaults() CTOptions {
	if o.BatchSize <= 0 {
		o.BatchSize = 256
	}
	if o.Parallel <= 0 {
		o.Parallel = 4
	}
	if o.Rate <= 0 {
		o.Rate = 10
	}
	if o.Attempts <= 0 {
		o.Attempts = 8
	}
	if o.MaxRateLimited <= 0 {
		o.MaxRateLimited = 200
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 2 * time.Minute
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 30 * time.Second
	}
	if o.MaxResponse <= 0 {
		o.MaxResponse = 64 << 20
	}
	return o
}

// ctCursor is a CT feed's resume point: the index of the next entry to
// read. The tree size is the log's when the cursor was written.
type ctCursor struct {
	Next     int64 `json:"next"`
	TreeSize int64 `json:"tree_size,omitempty"`
}

// CTCursor is the cursor that makes a CT feed start at entry next (0: the
// whole log). A feed without a cursor starts at the log's current head.
func CTCursor(next int64) string { return string(mustJSON(ctCursor{Next: next})) }

// RateLimitedError is a 429 (or a 503 with Retry-After) from a log.
type RateLimitedError struct {
	URL        string
	RetryAfter time.Duration // 0 when the server did not say
}

func (e *RateLimitedError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("%s: rate limited, retry after %s", e.URL, e.RetryAfter)
	}
	return e.URL + ": rate limited"
}

// ctEntry is what the runner keeps of one log entry.
type ctEntry struct {
	index   int64
	precert bool
	names   []string
	key     string // issuer and serial: a precertificate and its certificate share it
	fp      string // SHA-256 of the certificate (of a precertificate's TBS)
	spki    string // SHA-256 of its public key info
	issuer  string
	serial  string
	err     error
}

// runCT reads a CT feed from its cursor up to the log's tree size at the
// start of the run (or MaxEntries further) and stores what matches, batch
// by batch.
func (r *Runner) runCT(ctx context.Context, f store.Feed, m *Matcher, log *slog.Logger) (Stats, error) {
	var st Stats
	base, key, err := ParseLogURL(f.URL)
	if err != nil {
		return st, err
	}
	cur, err := parseCTCursor(f.Cursor)
	if err != nil {
		return st, err
	}
	lg, err := r.openCTLog(base, key, log)
	if err != nil {
		return st, err
	}
	size, err := lg.treeSize(ctx)
	if err != nil {
		return st, err
	}
	if cur.Next < 0 {
		// A new feed follows what is logged from now on: real logs hold
		// billions of entries. CTCursor(0) reads a log from its start.
		f.Cursor = string(mustJSON(ctCursor{Next: size, TreeSize: size}))
		log.Info("following the log from its head", "tree_size", size)
		err := r.commit(ctx, &f, &batch{}, &st)
		return st, err
	}
	if size < cur.Next {
		return st, fmt.Errorf("log %s: tree size %d is below the cursor %d: the log shrank or is another log", base, size, cur.Next)
	}
	end := size
	if lg.o.MaxEntries > 0 && cur.Next+lg.o.MaxEntries < end {
		end = cur.Next + lg.o.MaxEntries
	}
	if cur.Next == end {
		f.Cursor = string(mustJSON(ctCursor{Next: cur.Next, TreeSize: size}))
		st.Cursor = f.Cursor
		return st, nil
	}
	rx, err := r.relatedIndex(ctx)
	if err != nil {
		return st, err
	}
	run := &ctRun{r: r, lg: lg, url: base, f: f, m: m, rx: rx, size: size}
	err = run.read(ctx, cur.Next, end)
	return run.st, err
}

// parseCTCursor reads a feed's cursor; without one, Next is -1.
func parseCTCursor(s string) (ctCursor, error) {
	cur := ctCursor{Next: -1}
	if s != "" {
		if err := json.Unmarshal([]byte(s), &cur); err != nil || cur.Next < 0 {
			return cur, fmt.Errorf("cursor %q: want {\"next\": N}", s)
		}
	}
	return cur, nil
}

// openCTLog makes the client of one log. Its transport bounds response
// bodies, since a log (or whatever answers at its URL) may send without end.
func (r *Runner) openCTLog(base string, key []byte, log *slog.Logger) (*ctLog, error) {
	o := r.CT.withDefaults()
	hc := r.httpClient()
	tr := hc.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	lc, err := client.New(base, &http.Client{Transport: &ctTransport{base: tr, max: o.MaxResponse}, CheckRedirect: hc.CheckRedirect},
		jsonclient.Options{PublicKeyDER: key, UserAgent: userAgent})
	if err != nil {
		return nil, fmt.Errorf("log %s: %w", base, err)
	}
	lg := &ctLog{lc: lc, o: o, lim: rate.NewLimiter(rate.Limit(o.Rate), o.Parallel), log: log}
	lg.batch.Store(int64(o.BatchSize))
	return lg, nil
}

// treeSize asks the log for its signed tree head.
func (lg *ctLog) treeSize(ctx context.Context) (int64, error) {
	var sth *ct.SignedTreeHead
	if err := lg.call(ctx, "get-sth", func(ctx context.Context) (err error) {
		sth, err = lg.lc.GetSTH(ctx)
		return err
	}); err != nil {
		return 0, err
	}
	return int64(sth.TreeSize), nil
}

// ctRun is one run over a log's entries: the feed whose cursor it moves
// and what it has counted so far.
type ctRun struct {
	r    *Runner
	lg   *ctLog
	url  string // the log's base URL, as the events name it
	f    store.Feed
	m    *Matcher
	rx   *relatedIndex
	size int64 // the tree size read at the start, kept in every cursor
	st   Stats
}

// ctJob is one get-entries range, [start, end), and its result once fetched.
type ctJob struct {
	start, end int64
	done       chan ctResult
}

// read stores entries [from, end). It fetches in parallel and commits in
// order: jobs enter order as they are made, so the committer takes their
// results in log order and the cursor only ever moves past entries that
// are stored.
func (c *ctRun) read(ctx context.Context, from, end int64) error {
	fetchCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *ctJob)
	order := make(chan *ctJob, 2*c.lg.o.Parallel)
	var wg sync.WaitGroup
	wg.Go(func() { c.lg.plan(fetchCtx, from, end, order, work) })
	for range c.lg.o.Parallel {
		wg.Go(func() { c.lg.fetchJobs(fetchCtx, work) })
	}
	err := c.commitInOrder(ctx, fetchCtx, order)
	// An error leaves jobs in flight: stop them before returning.
	cancel()
	wg.Wait()
	return err
}

// plan cuts [from, end) into jobs of the log's batch size at the time,
// which shrinks once the log shows its cap. Each job enters order before
// work, so the committer meets jobs in log order.
func (lg *ctLog) plan(ctx context.Context, from, end int64, order, work chan<- *ctJob) {
	defer close(order)
	defer close(work)
	for s := from; s < end; {
		e := min(s+lg.batch.Load(), end)
		j := &ctJob{start: s, end: e, done: make(chan ctResult, 1)}
		select {
		case order <- j:
		case <-ctx.Done():
			return
		}
		select {
		case work <- j:
		case <-ctx.Done():
			return
		}
		s = e
	}
}

// fetchJobs fetches the jobs from work until it closes.
func (lg *ctLog) fetchJobs(ctx context.Context, work <-chan *ctJob) {
	for j := range work {
		j.done <- lg.fetch(ctx, j.start, j.end)
	}
}

// commitInOrder commits each job's entries once fetched, in log order; the
// first error ends the run.
func (c *ctRun) commitInOrder(ctx, fetchCtx context.Context, order <-chan *ctJob) error {
	for j := range order {
		var res ctResult
		select {
		case res = <-j.done:
		case <-fetchCtx.Done():
			res.err = ctx.Err()
		}
		if res.err != nil {
			return res.err
		}
		if err := c.commitJob(ctx, j, res.entries); err != nil {
			return err
		}
	}
	return nil
}

// commitJob matches one job's entries and stores the matches together with
// the cursor past them.
func (c *ctRun) commitJob(ctx context.Context, j *ctJob, entries []ctEntry) error {
	b := &batch{}
	for i := range entries {
		c.r.ctEntry(c.f.Name, c.url, c.m, &entries[i], b, &c.st, c.lg.log)
		ctRelated(c.m, c.rx, c.url, &entries[i], b)
	}
	c.f.Cursor = string(mustJSON(ctCursor{Next: j.end, TreeSize: c.size}))
	if err := c.r.commit(ctx, &c.f, b, &c.st); err != nil {
		return err
	}
	c.st.Entries += j.end - j.start
	c.st.Names += b.names
	return nil
}

// ctEntry matches one entry's names into b.
func (r *Runner) ctEntry(feed, logURL string, m *Matcher, e *ctEntry, b *batch, st *Stats, log *slog.Logger) {
	if e.err != nil {
		msg := clip(e.err.Error(), 200)
		log.Warn("log entry skipped", "index", e.index, "err", msg)
		st.bad(fmt.Sprintf("entry %d: %s", e.index, msg))
		return
	}
	b.names += int64(len(e.names))
	seen := map[string]bool{}
	var extra map[string]any
	for _, name := range e.names {
		if w, ok := watchedUnder(m, name); ok && !seen["w:"+w.Name] {
			seen["w:"+w.Name] = true
			b.watched = append(b.watched, certWatched(feed, logURL, w, e))
		}
		mt, ok := m.Match(name)
		if !ok || seen[mt.Brand+"|"+name] {
			continue
		}
		if extra == nil {
			extra = map[string]any{"log": logURL, "index": e.index, "precert": e.precert, "host": name}
		}
		before := len(b.hits)
		if b.matchName(m, name, extra) {
			h := b.hits[before]
			key := h.match.Brand + "|" + h.name
			if seen[key] {
				b.hits = b.hits[:before]
				continue
			}
			seen[key] = true
		}
	}
}

// watchedUnder finds the watched domain a host name lies under, without
// allocating: watched names are registrable, so it tries each suffix.
func watchedUnder(m *Matcher, host string) (Watched, bool) {
	for s := host; ; {
		if w, ok := m.watched[s]; ok {
			return w, true
		}
		i := strings.IndexByte(s, '.')
		if i < 0 {
			return Watched{}, false
		}
		s = s[i+1:]
	}
}

func certWatched(feed, logURL string, w Watched, e *ctEntry) watchedEvent {
	sev := event.SevInfo
	switch {
	case w.TakenDown():
		// A seized or sinkholed domain getting a certificate: the
		// takedown may not hold.
		sev = event.SevWarning
	case w.Kind == store.KindWatch:
		sev = event.SevNotice
	}
	names := e.names
	if len(names) > 20 {
		names = names[:20]
	}
	return watchedEvent{
		ev: store.Event{DomainID: w.ID, Domain: w.Name, Kind: event.CertIssued, Probe: event.ProbeCT, Severity: sev,
			New: e.serial, Detail: mustJSON(map[string]any{
				"source": SourcePrefix + feed, "log": logURL, "index": e.index, "precert": e.precert,
				"issuer": e.issuer, "serial": e.serial, "names": names, "state": w.State,
			})},
		scope: "cert", key: w.Name + " " + e.key,
	}
}

// ctLog is one log being read: its client, rate limit and shared pause.
type ctLog struct {
	lc      *client.LogClient
	o       CTOptions
	lim     *rate.Limiter
	log     *slog.Logger
	batch   atomic.Int64 // entries to ask for: the option, or the log's cap
	learned atomic.Int64 // largest short answer seen: the log's cap
	mu      sync.Mutex
	until   time.Time // no request before this (429 Retry-After)
}

type ctResult struct {
	entries []ctEntry
	err     error
}

// fetch reads entries [start, end), in as many requests as the log needs,
// and parses them. Entries that do not parse come back with their error.
func (lg *ctLog) fetch(ctx context.Context, start, end int64) ctResult {
	out := make([]ctEntry, 0, end-start)
	for start < end {
		var resp *ct.GetEntriesResponse
		err := lg.call(ctx, fmt.Sprintf("get-entries %d-%d", start, end-1), func(ctx context.Context) (err error) {
			resp, err = lg.lc.GetRawEntries(ctx, start, end-1)
			if err == nil && len(resp.Entries) == 0 {
				err = errors.New("no entries in the answer")
			}
			return err
		})
		if err != nil {
			return ctResult{err: err}
		}
		n := int64(len(resp.Entries))
		if n > end-start {
			n = end - start // more than asked: the rest is not ours to trust
		}
		if n < end-start {
			lg.learn(n)
		}
		for i := range n {
			out = append(out, parseEntry(start+i, &resp.Entries[i]))
		}
		start += n
	}
	return ctResult{entries: out}
}

// learn records a short answer: logs cap get-entries, and asking for more
// than the cap only costs a second request per batch.
func (lg *ctLog) learn(n int64) {
	for {
		old := lg.learned.Load()
		if n <= old {
			break
		}
		if lg.learned.CompareAndSwap(old, n) {
			lg.batch.Store(n)
			lg.log.Debug("log caps get-entries", "max", n)
			break
		}
	}
}

// call runs one request within the log's rate limit, riding out 429s
// (honouring Retry-After) and retrying other failures with capped,
// jittered backoff.
func (lg *ctLog) call(ctx context.Context, what string, fn func(ctx context.Context) error) error {
	backoff := 100 * time.Millisecond
	failures, limited := 0, 0
	for {
		if err := lg.wait(ctx); err != nil {
			return err
		}
		if err := lg.lim.Wait(ctx); err != nil {
			return err
		}
		rctx, cancel := context.WithTimeout(ctx, lg.o.RequestTimeout)
		err := fn(rctx)
		cancel()
		if err == nil {
			lg.recover()
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		jitter := time.Duration(rand.Int64N(int64(backoff/2) + 1))
		var rl *RateLimitedError
		if errors.As(err, &rl) {
			limited++
			if limited > lg.o.MaxRateLimited {
				return fmt.Errorf("%s: %w (rate limited %d times)", what, err, limited)
			}
			wait := rl.RetryAfter
			if wait <= 0 {
				wait = backoff + jitter
				backoff = min(2*backoff, lg.o.MaxBackoff)
			}
			lg.slowDown(wait)
			continue
		}
		failures++
		if failures >= lg.o.Attempts {
			return fmt.Errorf("%s: %w (tried %d times)", what, err, failures)
		}
		lg.log.Debug("log request failed; retrying", "request", what, "err", err, "wait", backoff)
		t := time.NewTimer(backoff + jitter)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		backoff = min(2*backoff, lg.o.MaxBackoff)
	}
}

// slowDown pauses every request to the log and lowers its rate: a 429 is
// about the client, not about one request.
func (lg *ctLog) slowDown(d time.Duration) {
	lg.mu.Lock()
	if t := time.Now().Add(d); t.After(lg.until) {
		lg.until = t
	}
	lg.mu.Unlock()
	lg.lim.SetLimit(max(lg.lim.Limit()*0.8, rate.Limit(lg.o.Rate/10)))
}

// recover raises the rate back towards the configured one after a success.
func (lg *ctLog) recover() {
	if l := lg.lim.Limit(); l < rate.Limit(lg.o.Rate) {
		lg.lim.SetLimit(min(l*1.1, rate.Limit(lg.o.Rate)))
	}
}

func (lg *ctLog) wait(ctx context.Context) error {
	lg.mu.Lock()
	d := time.Until(lg.until)
	lg.mu.Unlock()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxCertNames bounds the names taken from one certificate.
const maxCertNames = 1000

// parseEntry takes the names and identity of one log entry. A
// precertificate's TBS already carries the final issuer, so issuer and
// serial are the same as its certificate's.
func parseEntry(index int64, le *ct.LeafEntry) ctEntry {
	e := ctEntry{index: index}
	le2, err := ct.LogEntryFromLeaf(index, le)
	if le2 == nil {
		e.err = err
		if e.err == nil {
			e.err = errors.New("empty entry")
		}
		return e
	}
	var c *ctx509.Certificate
	switch {
	case le2.X509Cert != nil:
		c = le2.X509Cert
	case le2.Precert != nil && le2.Precert.TBSCertificate != nil:
		c, e.precert = le2.Precert.TBSCertificate, true
	default:
		e.err = errors.New("neither a certificate nor a precertificate")
		return e
	}
	h := sha256.New()
	h.Write(c.RawIssuer)
	h.Write([]byte{0})
	if c.SerialNumber != nil {
		h.Write(c.SerialNumber.Bytes())
		e.serial = hex.EncodeToString(c.SerialNumber.Bytes())
	}
	e.key = hex.EncodeToString(h.Sum(nil)[:16])
	fp, spki := sha256.Sum256(c.Raw), sha256.Sum256(c.RawSubjectPublicKeyInfo)
	e.fp, e.spki = hex.EncodeToString(fp[:]), hex.EncodeToString(spki[:])
	e.issuer = clip(c.Issuer.CommonName, 200)
	e.names = certNames(c.DNSNames, c.Subject.CommonName)
	return e
}

// certNames collects a certificate's DNS names and common name, cleaned
// for matching: lower case, no wildcard label, no trailing dot, each once.
func certNames(dnsNames []string, cn string) []string {
	out := make([]string, 0, len(dnsNames)+1)
	add := func(s string) {
		if len(out) >= maxCertNames {
			return
		}
		s = strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "*."), ".")
		if s == "" || len(s) > 253 || !strings.Contains(s, ".") || strings.ContainsAny(s, " @/:*") {
			return
		}
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	for _, n := range dnsNames {
		add(n)
	}
	add(cn)
	return out
}

// ctTransport turns 429s into RateLimitedError (keeping Retry-After, which
// the CT client's errors drop) and bounds every response body.
type ctTransport struct {
	base http.RoundTripper
	max  int64
}

func (t *ctTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	ra := resp.Header.Get("Retry-After")
	if resp.StatusCode == http.StatusTooManyRequests || (resp.StatusCode == http.StatusServiceUnavailable && ra != "") {
		drain(resp)
		return nil, &RateLimitedError{URL: req.URL.Redacted(), RetryAfter: parseRetryAfter(ra, time.Now())}
	}
	resp.Body = &limitBody{rc: resp.Body, left: t.max}
	return resp, nil
}

func drain(resp *http.Response) {
	buf := make([]byte, 4096)
	for n := 0; n < 64<<10; {
		k, err := resp.Body.Read(buf)
		n += k
		if err != nil {
			break
		}
	}
	resp.Body.Close()
}

// parseRetryAfter reads seconds or an HTTP date, bounded to an hour.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	var secs int64
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && fmt.Sprint(secs) == v {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return max(0, min(d, time.Hour))
}

type limitBody struct {
	rc interface {
		Read([]byte) (int, error)
		Close() error
	}
	left int64
}

func (b *limitBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, fmt.Errorf("response body: %w", ErrTooLarge)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitBody) Close() error { return b.rc.Close() }
