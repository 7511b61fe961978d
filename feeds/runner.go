package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// Feed kinds (the vocabulary's, named here for the feeds' callers).
const (
	KindNRD  = event.FeedNRD
	KindCT   = event.FeedCT
	KindZone = event.FeedZone
)

// ErrBusy is returned by Run when the same feed is already running.
var ErrBusy = errors.New("feed already running")

// Stats says what one run of a feed did.
type Stats struct {
	Feed    string         `json:"feed"`
	Kind    event.FeedKind `json:"kind"`
	Names   int64          `json:"names"`   // candidate names read
	Entries int64          `json:"entries"` // CT log entries processed
	Matches int            `json:"matches"` // look-alikes announced for the first time
	Known   int            `json:"known"`   // look-alike matches already announced before
	Watched int            `json:"watched"` // events about watched domains
	Skipped int64          `json:"skipped"` // lines or entries that did not parse
	Added   int64          `json:"added"`   // zone: delegations added
	Removed int64          `json:"removed"` // zone: delegations removed
	Files   int            `json:"files"`   // files processed (0: nothing new)
	Bad     []string       `json:"bad,omitempty"`
	Cursor  string         `json:"cursor"`
	Elapsed time.Duration  `json:"elapsed"`
}

// maxBadReports bounds the bad lines a run keeps for its report.
const maxBadReports = 100

func (s *Stats) bad(msg string) {
	s.Skipped++
	if len(s.Bad) < maxBadReports {
		s.Bad = append(s.Bad, msg)
	}
}

// Runner runs feeds: it reads a feed's source from its stored cursor,
// matches the candidate names and commits the findings together with the
// new cursor, batch by batch, so a restart neither skips nor repeats.
// Runs of different feeds may go on concurrently; a second run of a feed
// that is running returns ErrBusy.
type Runner struct {
	// Store is where findings and cursors go. Required.
	Store Store
	// Matcher returns what names are matched against. Default: built from
	// the store's watchlist at each run, the index rebuilt only when the
	// brand set changed.
	Matcher func(ctx context.Context) (*Matcher, error)
	// MatcherOptions apply to the default Matcher.
	MatcherOptions MatcherOptions
	// HTTPClient fetches files and talks to CT logs. Default: a client with
	// connect, TLS and response-header timeouts (10s, 10s, 60s).
	HTTPClient *http.Client
	// Dir keeps zone snapshots (sorted delegated names) and downloads.
	// Required: the caller knows where its state lives (`takedown` keeps
	// it beside the database).
	Dir string
	// NRD, CT and Zone tune those sources.
	NRD  NRDOptions
	CT   CTOptions
	Zone ZoneOptions
	// Related tunes discovery through shared infrastructure.
	Related RelatedOptions
	// Log receives progress and skipped input. Default slog.Default().
	Log *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time

	mu      sync.Mutex
	running map[string]bool
	cached  *Matcher
}

// Run runs one feed once: it reads what is new since f.Cursor and returns
// what it did. The cursor and counters are saved in the store with each
// committed batch; on error the error is recorded on the feed too. The feed
// row should be fresh (RunNamed reads it).
func (r *Runner) Run(ctx context.Context, f store.Feed) (Stats, error) {
	if !r.claim(f.Name) {
		return Stats{Feed: f.Name, Kind: f.Kind}, fmt.Errorf("feed %s: %w", f.Name, ErrBusy)
	}
	defer r.release(f.Name)
	start := time.Now()
	log := r.logger().With("feed", f.Name, "kind", f.Kind)
	st, err := r.run(ctx, f, log)
	st.Feed, st.Kind, st.Elapsed = f.Name, f.Kind, time.Since(start)
	if err != nil {
		err = fmt.Errorf("feed %s: %w", f.Name, err)
		if ctx.Err() == nil {
			r.recordError(f.Name, err)
		}
		log.Error("feed run failed", "err", err, "names", st.Names, "matches", st.Matches)
		return st, err
	}
	r.touch(f.Name)
	log.Info("feed run", "names", st.Names, "entries", st.Entries, "matches", st.Matches, "known", st.Known,
		"watched", st.Watched, "skipped", st.Skipped, "added", st.Added, "removed", st.Removed,
		"seconds", st.Elapsed.Seconds())
	return st, nil
}

// RunNamed reads the feed from the store and runs it.
func (r *Runner) RunNamed(ctx context.Context, name string) (Stats, error) {
	f, err := r.Store.Feed(ctx, name)
	if err != nil {
		return Stats{Feed: name}, err
	}
	return r.Run(ctx, *f)
}

// Job is the function the daemon schedules for a feed: it reads the feed
// fresh (its cursor moves with every run) and runs it. A run still going
// when the next tick comes is left alone.
func (r *Runner) Job(name string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		_, err := r.RunNamed(ctx, name)
		if errors.Is(err, ErrBusy) {
			r.logger().Info("feed still running; tick skipped", "feed", name)
			return nil
		}
		return err
	}
}

func (r *Runner) run(ctx context.Context, f store.Feed, log *slog.Logger) (Stats, error) {
	if r.Store == nil {
		return Stats{}, errors.New("runner has no store")
	}
	m, err := r.matcher(ctx)
	if err != nil {
		return Stats{}, err
	}
	switch f.Kind {
	case KindNRD:
		return r.runNRD(ctx, f, m, log)
	case KindCT:
		return r.runCT(ctx, f, m, log)
	case KindZone:
		return r.runZone(ctx, f, m, log)
	}
	return Stats{}, fmt.Errorf("unknown kind %q", f.Kind)
}

func (r *Runner) claim(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running == nil {
		r.running = map[string]bool{}
	}
	if r.running[name] {
		return false
	}
	r.running[name] = true
	return true
}

func (r *Runner) release(name string) {
	r.mu.Lock()
	delete(r.running, name)
	r.mu.Unlock()
}

func (r *Runner) matcher(ctx context.Context) (*Matcher, error) {
	if r.Matcher != nil {
		return r.Matcher(ctx)
	}
	r.mu.Lock()
	prev := r.cached
	r.mu.Unlock()
	m, err := matcherFrom(ctx, r.Store, r.MatcherOptions, prev)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.cached = m
	r.mu.Unlock()
	return m, nil
}

// touch records a successful run on the feed, also when it found nothing
// new and committed nothing.
func (r *Runner) touch(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f, err := r.Store.Feed(ctx, name)
	if err == nil {
		f.LastRun, f.LastError = r.now(), ""
		err = r.Store.Update(ctx, func(tx store.Tx) error { return tx.SaveFeed(*f) })
	}
	if err != nil {
		r.logger().Warn("could not record the feed's run", "feed", name, "err", err)
	}
}

// recordError notes a failed run on the feed, keeping the committed cursor.
func (r *Runner) recordError(name string, runErr error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f, err := r.Store.Feed(ctx, name)
	if err == nil {
		f.LastRun, f.LastError = r.now(), clip(runErr.Error(), 1000)
		err = r.Store.Update(ctx, func(tx store.Tx) error { return tx.SaveFeed(*f) })
	}
	if err != nil {
		r.logger().Warn("could not record the feed's error", "feed", name, "err", err)
	}
}

func (r *Runner) logger() *slog.Logger {
	if r.Log != nil {
		return r.Log.With("component", "feeds")
	}
	return slog.Default().With("component", "feeds")
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// DefaultHTTPClient is the client feeds use unless told otherwise: bounded
// connect, TLS and header waits; bodies are bounded by the readers and the
// overall time by each call's context.
func DefaultHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   16,
		ForceAttemptHTTP2:     true,
	}}
}

func (r *Runner) httpClient() *http.Client {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.HTTPClient == nil {
		r.HTTPClient = DefaultHTTPClient()
	}
	return r.HTTPClient
}

// dir is the runner's state directory, created on first use.
func (r *Runner) dir() (string, error) {
	d := r.Dir
	if d == "" {
		return "", errors.New("feed state directory: Runner.Dir is not set")
	}
	// Zone snapshots and downloads are the team's data: only its user reads them.
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", fmt.Errorf("feed state directory: %w", err)
	}
	if err := os.Chmod(d, 0o700); err != nil {
		return "", fmt.Errorf("feed state directory: %w", err)
	}
	return d, nil
}

// staleDownloads removes downloads a killed run left in dir: a download is
// bounded to hours, so one older than a day belongs to no live run.
func staleDownloads(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "download-") && !strings.HasPrefix(e.Name(), "run-") {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > 24*time.Hour {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Scheduled is a feed as the daemon schedules it.
type Scheduled struct {
	Name string
	Spec string // cron spec or descriptor; the kind's default when the feed has none
	Run  func(ctx context.Context) error
}

// Schedules lists the store's feeds with the function to run each on its
// schedule (monitor.Job{Name: "feed " + s.Name, Spec: s.Spec, Run: s.Run}).
// A feed whose schedule does not parse is reported and left out.
func (r *Runner) Schedules(ctx context.Context) ([]Scheduled, error) {
	fs, err := r.Store.Feeds(ctx)
	if err != nil {
		return nil, err
	}
	var out []Scheduled
	var bad []error
	for _, f := range fs {
		spec := f.Schedule
		if spec == "" {
			spec = DefaultSchedule(f.Kind)
		}
		if err := ValidateSchedule(spec); err != nil {
			bad = append(bad, fmt.Errorf("feed %s: %w", f.Name, err))
			continue
		}
		out = append(out, Scheduled{Name: f.Name, Spec: spec, Run: r.Job(f.Name)})
	}
	return out, errors.Join(bad...)
}
