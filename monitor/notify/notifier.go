package notify

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// Options tune a Notifier. Zero values take the defaults in the comments.
type Options struct {
	// Now is the clock. Default time.Now. Tests move it forward; it should
	// not run behind the real clock, because the store stamps immediate
	// outbox rows with the real time.
	Now func() time.Time
	// BackoffBase is the delay after the first failure; it doubles per
	// attempt up to BackoffMax, with jitter. Defaults 30s and 1h.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// MaxAttempts bounds deliveries of a row before it is marked failed.
	// Default config.Alerts.MaxAttempts, else 20.
	MaxAttempts int
	// PollInterval is how often Run looks for due rows. Default 5s.
	PollInterval time.Duration
	// SMTPTimeout bounds one SMTP connection; WebhookTimeout one request.
	// Defaults 30s and 10s.
	SMTPTimeout    time.Duration
	WebhookTimeout time.Duration
	// BatchSize is how many due rows one pass reads at a time. Default 500.
	BatchSize int
	// RootCAs replaces config.SMTP.CAFile and the system roots for the
	// relay's certificate.
	RootCAs *x509.CertPool
	// HTTPClient posts webhooks. Default a plain http.Client.
	HTTPClient *http.Client
	// Logger. Default slog.Default() with component=notify.
	Logger *slog.Logger
	// Rand returns jitter in [0, 1). Default math/rand/v2.
	Rand func() float64
	// Worker names this sender to the other daemons on the database: due
	// rows are leased to it before they are sent, so each is sent by one.
	// Default the host name and process ID.
	Worker string
	// LeaseTTL is how long a leased row stays this sender's; a sender that
	// died leaves its rows to the others after it. It must outlast a
	// delivery. Default 2m.
	LeaseTTL time.Duration

	// CaseReport renders the outbox rows of CaseChannel (see case.go);
	// nil leaves them pending for a sender that has it.
	CaseReport CaseReportFunc

	// afterDeliver runs after a delivery succeeds and before it is marked
	// sent: tests crash the process there.
	afterDeliver func()
}

// Notifier routes events to channels and delivers the outbox. Create one per
// database with New; install Router with Store.SetRouter; run Run in the
// daemon. Safe for concurrent use; passes (Flush) never overlap.
type Notifier struct {
	cfg      config.Alerts
	st       Store
	opts     Options
	log      *slog.Logger
	channels []*channel
	byName   map[string]*channel
	mailer   *mailer
	hooks    *hookSender
	kick     chan struct{}
	mu       sync.Mutex // one pass at a time
}

// New compiles the alert rules. With no channel and no SMTP address the
// Notifier has no channels: Router routes nothing and Flush only ages out
// rows left by an earlier configuration.
func New(cfg config.Alerts, st Store, opts Options) (*Notifier, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BackoffBase <= 0 {
		opts.BackoffBase = 30 * time.Second
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = time.Hour
	}
	if opts.BackoffMax < opts.BackoffBase {
		opts.BackoffMax = opts.BackoffBase
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = cfg.MaxAttempts
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 20
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 5 * time.Second
	}
	if opts.SMTPTimeout <= 0 {
		opts.SMTPTimeout = 30 * time.Second
	}
	if opts.WebhookTimeout <= 0 {
		opts.WebhookTimeout = 10 * time.Second
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	if opts.Worker == "" {
		opts.Worker = DefaultWorker()
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = 2 * time.Minute
	}
	chs, err := compileChannels(cfg)
	if err != nil {
		return nil, err
	}
	n := &Notifier{cfg: cfg, st: st, opts: opts, log: opts.Logger.With("component", "notify"), channels: chs,
		byName: map[string]*channel{}, kick: make(chan struct{}, 1),
		hooks: newHookSender(opts.HTTPClient, opts.WebhookTimeout)}
	for _, c := range chs {
		n.byName[c.name] = c
	}
	if cfg.SMTP.Addr != "" {
		n.mailer, err = newMailer(cfg.SMTP, opts.RootCAs, opts.SMTPTimeout)
		if err != nil {
			return nil, err
		}
	}
	for _, c := range chs {
		for k := range c.kinds {
			if !event.Known(k) {
				// Not an error: the daemon may add kinds this version does
				// not know. But a typo would silence a channel.
				n.log.Warn("alert channel names an event kind this version does not know", "channel", c.name, "kind", k)
			}
		}
	}
	if len(chs) > 0 && chs[0].implicit {
		n.log.Info("no alert channels configured: mailing new look-alikes and state changes to alerts.smtp.from",
			"to", chs[0].emails[0])
	}
	return n, nil
}

// Channels lists the channel names, in configuration order.
func (n *Notifier) Channels() []string {
	var out []string
	for _, c := range n.channels {
		out = append(out, c.name)
	}
	return out
}

// Router returns the function the store calls, inside the transaction that
// writes an event, to decide its outbox rows: one per matching channel and
// recipient; digest channels' rows wait for the end of their window.
func (n *Notifier) Router() store.Router {
	return func(ev store.Event) []store.Delivery {
		var out []store.Delivery
		for _, c := range n.channels {
			if !c.matches(ev) {
				continue
			}
			nb := c.digestEnd(n.opts.Now())
			for _, r := range c.recipients() {
				out = append(out, store.Delivery{Channel: c.name, Recipient: r, NotBefore: nb})
			}
		}
		if len(out) > 0 {
			n.Kick()
		}
		return out
	}
}

// Kick asks Run for a pass soon, without waiting for the poll interval.
func (n *Notifier) Kick() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// Run delivers due rows until ctx ends, every PollInterval and shortly after
// a Kick. Store errors are logged and retried on the next pass; a cancelled
// context is a clean stop (nil).
func (n *Notifier) Run(ctx context.Context) error {
	t := time.NewTicker(n.opts.PollInterval)
	defer t.Stop()
	for {
		if _, err := n.Flush(ctx); err != nil && ctx.Err() == nil {
			n.log.Warn("alert pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-n.kick:
			// The router runs before its transaction commits: give the
			// commit a moment so the pass sees the rows.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// Stats counts what a pass did. Rows count outbox rows; Messages counts
// mails and webhook requests that succeeded (a digest is one message for
// many rows).
type Stats struct {
	Messages int
	Sent     int
	Retried  int
	Failed   int
}

func (s *Stats) add(o Stats) {
	s.Messages += o.Messages
	s.Sent += o.Sent
	s.Retried += o.Retried
	s.Failed += o.Failed
}

// DefaultWorker names this process among the daemons on one database:
// host name and process ID.
func DefaultWorker() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "host"
	}
	return fmt.Sprintf("%s-%d", h, os.Getpid())
}

// Flush makes one pass: it delivers every row that is due now and marks
// each sent only after its delivery succeeded, or reschedules it with
// backoff, or marks it failed. It returns when nothing is due.
func (n *Notifier) Flush(ctx context.Context) (Stats, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var total Stats
	// Every row handled leaves the due set (sent, failed or rescheduled
	// into the future), so this ends; the bound guards a clock gone wrong.
	for range 1000 {
		now := n.opts.Now()
		rows, err := n.st.LeaseOutbox(ctx, n.opts.Worker, now, n.opts.BatchSize, n.opts.LeaseTTL)
		if err != nil {
			return total, fmt.Errorf("alerts: due outbox: %w", err)
		}
		if len(rows) == 0 {
			return total, nil
		}
		s, err := n.pass(ctx, rows, now)
		total.add(s)
		if err != nil {
			return total, err
		}
		if ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
	return total, nil
}

// group is the rows that go out as one message.
type group struct {
	ch        *channel
	recipient string
	rows      []store.OutboxItem
	events    []*store.Event
	key       string
	err       error // set when the group cannot even be built
}

// pass delivers one batch of due rows: it groups them into messages, loads
// their events, records the groups that cannot go out, then sends mail and
// posts webhooks.
func (n *Notifier) pass(ctx context.Context, rows []store.OutboxItem, now time.Time) (Stats, error) {
	events := &eventCache{st: n.st, events: map[int64]*store.Event{}, tags: map[string][]string{}}
	var done, mails, hooks, reports []*group
	for _, g := range n.groupRows(rows) {
		if g.rows[0].Channel == CaseChannel {
			reports = append(reports, g)
			continue
		}
		if err := n.build(ctx, g, events); err != nil {
			return Stats{}, err
		}
		switch {
		case g.err != nil:
			done = append(done, g)
		case g.ch.isMail():
			mails = append(mails, g)
		default:
			hooks = append(hooks, g)
		}
	}
	var st Stats
	for _, g := range done {
		if err := n.record(ctx, g, g.err, now, &st); err != nil {
			return st, err
		}
	}
	if err := n.sendMails(ctx, mails, now, &st); err != nil {
		return st, err
	}
	if err := n.postHooks(ctx, hooks, now, &st); err != nil {
		return st, err
	}
	if err := n.sendCaseReports(ctx, reports, now, &st); err != nil {
		return st, err
	}
	return st, nil
}

// groupRows gathers rows into the messages they go out as, in the order of
// each message's first row: a row alone, or the rows of one digest window,
// up to maxGroupEvents in a message.
func (n *Notifier) groupRows(rows []store.OutboxItem) []*group {
	var out []*group
	byKey := map[string]*group{}
	for _, r := range rows {
		ch := n.byName[r.Channel]
		k := fmt.Sprintf("row\x00%d", r.ID)
		if ch != nil && ch.digest > 0 {
			// Rows of one digest window share next_try, and a failed
			// digest is rescheduled as a whole, so they stay together
			// across retries and the digest keeps its Message-ID.
			k = fmt.Sprintf("digest\x00%s\x00%s\x00%d", r.Channel, r.Recipient, r.NextTry.UnixNano())
		}
		g := byKey[k]
		if g == nil || len(g.rows) >= maxGroupEvents {
			if g != nil {
				k += fmt.Sprintf("\x00%d", r.ID)
			}
			g = &group{ch: ch, recipient: r.Recipient}
			byKey[k] = g
			out = append(out, g)
		}
		g.rows = append(g.rows, r)
	}
	return out
}

// build gives g its key and events. A group without a configured channel,
// or with an event gone from the store, gets g.err: it can never be sent.
// Any other store error ends the pass.
func (n *Notifier) build(ctx context.Context, g *group, events *eventCache) error {
	g.key = groupKey(g.rows)
	if g.ch == nil {
		g.err = fmt.Errorf("channel %q is not configured", g.rows[0].Channel)
		return nil
	}
	for _, r := range g.rows {
		ev, err := events.get(ctx, r.EventID)
		if errors.Is(err, store.ErrNotFound) {
			g.err = permanent(fmt.Errorf("event %d: %w", r.EventID, err))
			return nil
		}
		if err != nil {
			return fmt.Errorf("alerts: event %d: %w", r.EventID, err)
		}
		g.events = append(g.events, ev)
	}
	return nil
}

// eventCache loads each event of a pass once: the rows of several channels
// share an event, and events often share a domain.
type eventCache struct {
	st     Store
	events map[int64]*store.Event
	tags   map[string][]string // by domain
}

func (c *eventCache) get(ctx context.Context, id int64) (*store.Event, error) {
	if ev := c.events[id]; ev != nil {
		return ev, nil
	}
	e, err := c.st.Event(ctx, id)
	if err != nil {
		return nil, err
	}
	// Tags are not stored with events; show the domain's current ones
	// where it is watched.
	tags, ok := c.tags[e.Domain]
	if !ok {
		if d, err := c.st.Domain(ctx, e.Domain); err == nil {
			tags = d.Tags
		}
		c.tags[e.Domain] = tags
	}
	e.Tags = tags
	c.events[id] = e
	return e, nil
}

// sendMails sends the mail groups, as many to a connection as the mailer
// allows. Each group is marked as soon as its own delivery is known, so a
// crash later in the pass resends nothing sent.
func (n *Notifier) sendMails(ctx context.Context, groups []*group, now time.Time, st *Stats) error {
	if n.mailer == nil {
		for _, g := range groups {
			if err := n.record(ctx, g, errors.New("alerts.smtp.addr is not set"), now, st); err != nil {
				return err
			}
		}
		return nil
	}
	for start := 0; start < len(groups); start += n.mailer.perDialMsgs {
		chunk := groups[start:min(start+n.mailer.perDialMsgs, len(groups))]
		if err := n.sendMailChunk(ctx, chunk, now, st); err != nil {
			return err
		}
	}
	return nil
}

// sendMailChunk sends the groups of one connection. A group that does not
// render fails for good and does not hold up the others.
func (n *Notifier) sendMailChunk(ctx context.Context, chunk []*group, now time.Time, st *Stats) error {
	var mails []outMail
	var sent []*group
	for _, g := range chunk {
		msg, err := n.message(g)
		if err != nil {
			if err := n.record(ctx, g, permanent(err), now, st); err != nil {
				return err
			}
			continue
		}
		mails = append(mails, outMail{to: g.recipient, msg: msg})
		sent = append(sent, g)
	}
	return n.mailer.send(ctx, mails, now, func(i int, err error) error {
		return n.record(ctx, sent[i], err, now, st)
	})
}

// postHooks posts each webhook group and records its outcome.
func (n *Notifier) postHooks(ctx context.Context, groups []*group, now time.Time, st *Stats) error {
	for _, g := range groups {
		msg, err := n.message(g)
		if err == nil {
			err = n.hooks.post(ctx, g.ch.webhook, g.ch.secret, payloadOf(msg, now), now)
		} else {
			err = permanent(err)
		}
		if err := n.record(ctx, g, err, now, st); err != nil {
			return err
		}
	}
	return nil
}

func groupKey(rows []store.OutboxItem) string {
	if len(rows) == 1 {
		return rows[0].IdempotencyKey
	}
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.IdempotencyKey
	}
	sort.Strings(keys)
	h := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	return fmt.Sprintf("digest%d-%s", len(rows), hex.EncodeToString(h[:8]))
}

func (n *Notifier) message(g *group) (message, error) {
	vs := make([]view, len(g.events))
	for i, ev := range g.events {
		vs[i] = newView(*ev, n.cfg.BaseURL)
	}
	return render(g.ch.name, g.key, n.cfg.BaseURL, vs, false)
}

// record writes a group's outcome. Marking uses a context that the caller's
// cancellation does not end: a message that went out must be marked sent
// even while the daemon shuts down.
func (n *Notifier) record(ctx context.Context, g *group, derr error, now time.Time, st *Stats) error {
	if derr != nil && ctx.Err() != nil && !IsPermanent(derr) {
		// Interrupted by shutdown, not the receiver's fault: leave the
		// rows as they were; the next start sends them.
		return nil
	}
	if derr == nil && n.opts.afterDeliver != nil {
		n.opts.afterDeliver()
	}
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	attempts := 0
	for _, r := range g.rows {
		attempts = max(attempts, r.Attempts)
	}
	attempts++
	log := n.log.With("channel", g.rows[0].Channel, "recipient", g.recipient, "delivery", g.key, "rows", len(g.rows))
	var next time.Time
	failed := false
	msg := ""
	if derr != nil {
		msg = cleanLine(derr.Error(), 500)
		failed = IsPermanent(derr) || attempts >= n.opts.MaxAttempts
		if !failed {
			next = now.Add(n.backoff(attempts, derr))
		}
	}
	err := n.st.Update(mctx, func(tx store.Tx) error {
		for _, r := range g.rows {
			var err error
			switch {
			case derr == nil:
				err = tx.MarkSent(r.ID, now)
			case failed:
				err = tx.MarkFailed(r.ID, attempts, msg)
			default:
				err = tx.MarkRetry(r.ID, attempts, next, msg)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("alerts: record delivery %s: %w", g.key, err)
	}
	switch {
	case derr == nil:
		st.Messages++
		st.Sent += len(g.rows)
		log.Debug("alert delivered")
	case failed:
		st.Failed += len(g.rows)
		log.Error("alert failed for good", "attempts", attempts, "err", msg)
	default:
		st.Retried += len(g.rows)
		log.Warn("alert delivery failed, will retry", "attempts", attempts, "next", next, "err", msg)
	}
	return nil
}

// backoff is the delay before attempt+1: BackoffBase doubling per attempt,
// capped at BackoffMax, in [d/2, d) for jitter, and no less than a
// server's Retry-After (itself capped).
func (n *Notifier) backoff(attempts int, err error) time.Duration {
	d := n.opts.BackoffBase
	for i := 1; i < attempts && d < n.opts.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, n.opts.BackoffMax)
	d = d/2 + time.Duration(n.opts.Rand()*float64(d/2))
	var ra *retryAfterError
	if errors.As(err, &ra) && ra.after > d {
		d = min(ra.after, n.opts.BackoffMax)
	}
	return max(d, time.Millisecond)
}

// TestResult is the outcome of one test delivery.
type TestResult struct {
	Channel   string
	Recipient string
	Err       error
}

// Test sends a test message through one channel (all when name is empty),
// now and outside the outbox, and reports each recipient's outcome.
func (n *Notifier) Test(ctx context.Context, name string) ([]TestResult, error) {
	var chs []*channel
	for _, c := range n.channels {
		if name == "" || c.name == name {
			chs = append(chs, c)
		}
	}
	if len(chs) == 0 {
		if name != "" {
			return nil, fmt.Errorf("no alert channel named %q (have: %s)", name, strings.Join(n.Channels(), ", "))
		}
		return nil, errors.New("no alert channels: set alerts.smtp.addr or alerts.channels")
	}
	now := n.opts.Now()
	ev := store.Event{Domain: "example.org", At: now, Kind: event.Test, Severity: event.SevInfo,
		Detail: []byte(`{"note":"sent by takedown alerts test"}`)}
	var out []TestResult
	for _, c := range chs {
		for _, r := range c.recipients() {
			h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d", c.name, r, now.UnixNano()))
			key := "test-" + hex.EncodeToString(h[:8])
			msg, err := render(c.name, key, n.cfg.BaseURL, []view{newView(ev, "")}, true)
			if err == nil {
				if c.isMail() {
					if n.mailer == nil {
						err = errors.New("alerts.smtp.addr is not set")
					} else {
						err = n.mailer.sendNow(ctx, outMail{to: r, msg: msg}, now)
					}
				} else {
					err = n.hooks.post(ctx, c.webhook, c.secret, payloadOf(msg, now), now)
				}
			}
			out = append(out, TestResult{Channel: c.name, Recipient: r, Err: err})
		}
	}
	return out, nil
}

func topSeverity(vs []view) event.Severity {
	top := event.Severity("")
	for _, v := range vs {
		if top == "" || event.Rank(v.Severity) > event.Rank(top) {
			top = v.Severity
		}
	}
	return top
}
