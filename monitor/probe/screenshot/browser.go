package screenshot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/corona10/goimagehash"
)

// ErrBrowserDown is wrapped when a shot finds the browser dead and its next
// start not yet due (it failed to start a moment ago).
var ErrBrowserDown = errors.New("screenshot: browser down")

// ErrMemory is the cause of the shots that were in flight when the browser
// passed its memory ceiling and was killed.
var ErrMemory = errors.New("screenshot: browser over its memory ceiling, killed")

// ownerFile in a profile directory holds the PID of the takedown that made
// it, so a later start can tell a killed run's directory from a live one's.
const ownerFile = "takedown-owner"

// dirPrefix names the profile directories under TempDir.
const dirPrefix = "takedown-chromium-"

// Shooter keeps one browser at a time and takes shots in it. Safe for
// concurrent use.
type Shooter struct {
	opt   Options
	proxy *proxy // the pages' way out, set per tab's browser context
	sink  *proxy // the browser's own: refuses everything
	tabs  chan struct{}
	heavy sync.Mutex // serialises the shots that take every tab

	mu        sync.Mutex // guards the fields below; held while a browser starts
	cur       *instance
	failures  int       // failed starts in a row
	notBefore time.Time // no start before this, after a failed one
	starts    int
	closed    bool

	live     atomic.Pointer[instance] // cur, for the memory watch
	kills    atomic.Int64
	restarts atomic.Int64
	done     chan struct{}
	wg       sync.WaitGroup
}

// instance is one running browser.
type instance struct {
	dir    string
	ctx    context.Context // the browser's chromedp context
	cancel func()
	lost   <-chan struct{} // closes when the browser's connection ends
	rss    atomic.Int64    // bytes, as last measured
	killed atomic.Bool     // killed by the watch: start another

	mu    sync.Mutex
	shots map[*context.CancelCauseFunc]struct{}
}

// New starts the browser, after removing the profile directories of runs
// that were killed. Close it when done.
func New(ctx context.Context, opt Options) (*Shooter, error) {
	opt = opt.withDefaults()
	if opt.ExecPath == "" {
		p, err := FindBrowser()
		if err != nil {
			return nil, err
		}
		opt.ExecPath = p
	}
	if n := SweepStale(opt.TempDir); n > 0 {
		opt.Logger.Info("removed profile directories of killed runs", "dirs", n)
	}
	px, err := startProxy(opt.dial, opt.Timeout)
	if err != nil {
		return nil, err
	}
	// The browser's own requests (component updates, sign-in, variations)
	// go to a proxy that refuses them all: only pages, in their own
	// browser contexts, use the guarded one. Switches alone did not stop
	// them all.
	log := opt.Logger
	sink, err := startProxy(func(_ context.Context, _, addr string) (net.Conn, error) {
		log.Debug("browser's own request refused", "addr", addr)
		return nil, fmt.Errorf("screenshot: browser's own request to %s refused", addr)
	}, opt.Timeout)
	if err != nil {
		_ = px.Close()
		return nil, err
	}
	s := &Shooter{opt: opt, proxy: px, sink: sink, tabs: make(chan struct{}, opt.Tabs), done: make(chan struct{})}
	s.mu.Lock()
	inst, err := s.start(ctx)
	if err == nil {
		s.cur = inst
		s.live.Store(inst)
	}
	s.mu.Unlock()
	if err != nil {
		_ = px.Close()
		_ = sink.Close()
		return nil, err
	}
	s.wg.Add(1)
	go s.watch()
	return s, nil
}

// Close stops the browser and removes its profile directory.
func (s *Shooter) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	if s.cur != nil {
		s.cur.stop()
		s.cur = nil
		s.live.Store(nil)
	}
	close(s.done)
	s.mu.Unlock()
	s.wg.Wait()
	return errors.Join(s.proxy.Close(), s.sink.Close())
}

// UserDataDir is the running browser's profile directory ("" when none).
func (s *Shooter) UserDataDir() string {
	if inst := s.live.Load(); inst != nil {
		return inst.dir
	}
	return ""
}

// Kills and Restarts count the browsers killed past the memory ceiling and
// the starts after the first.
func (s *Shooter) Kills() int64    { return s.kills.Load() }
func (s *Shooter) Restarts() int64 { return s.restarts.Load() }

// flags are the browser's switches beyond the profile and the proxy.
func (s *Shooter) flags(dir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(s.opt.ExecPath),
		chromedp.UserDataDir(dir),
		// Whatever Chromium writes outside the profile ($HOME/.pki,
		// ~/.config, caches, crash dumps) lands in it too.
		chromedp.Env("HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
			"XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "XDG_DATA_HOME="+filepath.Join(dir, "data"),
			// Without Google API keys the browser has no Google services
			// to sign in to or sync with.
			"GOOGLE_API_KEY=", "GOOGLE_DEFAULT_CLIENT_ID=", "GOOGLE_DEFAULT_CLIENT_SECRET="),
		chromedp.Flag("disk-cache-dir", filepath.Join(dir, "cache")),
		chromedp.Flag("crash-dumps-dir", filepath.Join(dir, "crash")),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// The browser's own traffic (component and safe-browsing updates,
		// variations, sync, metrics, domain reliability, translation,
		// autofill, optimisation hints) is off: only the page talks.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-component-extensions-with-background-pages", true),
		chromedp.Flag("disable-field-trial-config", true),
		chromedp.Flag("disable-search-engine-choice-screen", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("no-service-autorun", true),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,OptimizationGuideModelDownloading,MediaRouter,"+
			"DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater,"+
			"InterestFeedContentSuggestions,NetworkTimeServiceQuerying,SafeBrowsing,PrivacySandboxSettings4"),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("ignore-certificate-errors", true), // look-alikes serve whatever certificate they like
		// A page's JavaScript heap is capped; buffers outside it are
		// caught by the memory watch.
		chromedp.Flag("js-flags", "--max-old-space-size="+strconv.Itoa(s.opt.JSHeapMiB)),
		// Every connection through a proxy, loopback too (Chromium
		// bypasses proxies for loopback unless told otherwise), and no UDP
		// of its own: no QUIC, no WebRTC outside the proxy.
		chromedp.ProxyServer(s.sink.URL()),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("force-webrtc-ip-handling-policy", true),
		chromedp.Flag("webrtc-ip-handling-policy", "disable_non_proxied_udp"),
		chromedp.WindowSize(s.opt.Width, s.opt.Height),
	}
}

// start launches a browser in a fresh profile directory, downloads denied
// before any page opens. Called with s.mu held.
func (s *Shooter) start(ctx context.Context) (*instance, error) {
	s.starts++
	dir, err := os.MkdirTemp(s.opt.TempDir, dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("screenshot: profile dir: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("screenshot: profile dir: %w", err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(ctx), s.flags(dir)...)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	inst := &instance{dir: dir, ctx: browser, cancel: func() { cancelBrowser(); cancelAlloc() },
		shots: map[*context.CancelCauseFunc]struct{}{}}
	if err := chromedp.Do(browser); err != nil { // starts the browser
		inst.stop()
		return nil, fmt.Errorf("screenshot: start %s: %w", s.opt.ExecPath, err)
	}
	// Browser-wide, so no tab ever gets to write a file: a page that
	// clicks a download link gets nothing.
	if _, err := chromedp.CallBrowser(browser, cdpbrowser.SetDownloadBehavior,
		cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorDeny}); err != nil {
		inst.stop()
		return nil, fmt.Errorf("screenshot: deny downloads: %w", err)
	}
	inst.lost = chromedp.FromContext(browser).Browser.LostConnection
	return inst, nil
}

// stop ends the browser, its leftovers and its profile directory.
func (inst *instance) stop() {
	inst.cancel()
	killUsing(inst.dir)
	_ = os.RemoveAll(inst.dir)
}

// kill ends the browser at once and fails the shots in flight with cause.
func (inst *instance) kill(cause error) {
	inst.killed.Store(true)
	inst.mu.Lock()
	for c := range inst.shots {
		(*c)(cause)
	}
	inst.mu.Unlock()
	killUsing(inst.dir)
}

func (inst *instance) track(c *context.CancelCauseFunc) func() {
	inst.mu.Lock()
	inst.shots[c] = struct{}{}
	inst.mu.Unlock()
	return func() {
		inst.mu.Lock()
		delete(inst.shots, c)
		inst.mu.Unlock()
	}
}

// browser returns the running browser, starting one when it died (a kill,
// a crash, the OOM killer). A failed start waits a doubling, jittered,
// capped time before the next; shots in between fail with ErrBrowserDown.
func (s *Shooter) browser(ctx context.Context) (*instance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("screenshot: shooter closed")
	}
	if s.cur != nil {
		select {
		case <-s.cur.lost:
		default:
			if !s.cur.killed.Load() {
				return s.cur, nil
			}
		}
		if !s.cur.killed.Load() {
			s.opt.Logger.Warn("browser died; starting another", "dir", s.cur.dir)
		}
		s.cur.stop()
		s.cur = nil
		s.live.Store(nil)
	}
	if now := time.Now(); now.Before(s.notBefore) {
		return nil, fmt.Errorf("%w: next start in %s", ErrBrowserDown, s.notBefore.Sub(now).Round(time.Millisecond))
	}
	inst, err := s.start(ctx)
	if err != nil {
		s.failures++
		wait := s.backoff(s.failures)
		s.notBefore = time.Now().Add(wait)
		s.opt.Logger.Warn("browser start failed", "err", err, "retry_in", wait)
		return nil, err
	}
	s.failures = 0
	s.cur = inst
	s.live.Store(inst)
	s.restarts.Add(1)
	s.opt.Metrics.BrowserRestarted()
	s.opt.Logger.Warn("browser restarted", "restarts", s.restarts.Load())
	return inst, nil
}

// backoff is the wait after the n-th failed start in a row: RestartBase
// doubled n-1 times, capped at RestartMax, plus up to half again of jitter.
func (s *Shooter) backoff(n int) time.Duration {
	d := s.opt.RestartBase
	for i := 1; i < n && d < s.opt.RestartMax; i++ {
		d *= 2
	}
	d = min(d, s.opt.RestartMax)
	return d + time.Duration(rand.Int64N(int64(d)/2+1))
}

// watch measures the browser's processes twice a second and kills the
// browser past MaxMiB.
func (s *Shooter) watch() {
	defer s.wg.Done()
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		inst := s.live.Load()
		if inst == nil || inst.killed.Load() {
			continue
		}
		rss := rssUsing(inst.dir)
		inst.rss.Store(rss)
		if rss > int64(s.opt.MaxMiB)<<20 {
			s.kills.Add(1)
			s.opt.Metrics.BrowserKilled("memory")
			s.opt.Logger.Warn("browser over its memory ceiling: killed", "rss_mib", rss>>20, "max_mib", s.opt.MaxMiB)
			inst.kill(ErrMemory)
		}
	}
}

// acquire takes a tab, or every tab when the browser already uses more
// than half its ceiling: a heavy page then has the browser to itself.
func (s *Shooter) acquire(ctx context.Context) (release func(), err error) {
	n := 1
	if inst := s.live.Load(); inst != nil && inst.rss.Load() > s.opt.heavy {
		n = s.opt.Tabs
		s.heavy.Lock()
		defer s.heavy.Unlock()
	}
	got := 0
	release = func() {
		for range got {
			<-s.tabs
		}
	}
	for got < n {
		select {
		case s.tabs <- struct{}{}:
			got++
		case <-ctx.Done():
			release()
			return nil, ctx.Err()
		}
	}
	return release, nil
}

// Shot navigates a fresh tab to rawURL and captures the viewport. It waits
// for a free tab; the shot's deadline starts when the tab is had.
func (s *Shooter) Shot(ctx context.Context, rawURL string) (*Shot, error) {
	if err := s.check(ctx, rawURL); err != nil {
		return nil, err
	}
	release, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	inst, err := s.browser(ctx)
	if err != nil {
		return nil, fmt.Errorf("screenshot %s: %w", rawURL, err)
	}
	start := time.Now()
	raw, forced, err := s.capture(ctx, inst, rawURL)
	if err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("screenshot %s: decode: %w", rawURL, err)
	}
	shot := &Shot{URL: rawURL, PNG: raw, Scale: 1, Forced: forced}
	for len(shot.PNG) > s.opt.MaxPNG && shot.Scale > 1.0/64 {
		shot.Scale /= 2
		if shot.PNG, err = scaled(img, shot.Scale); err != nil {
			return nil, fmt.Errorf("screenshot %s: %w", rawURL, err)
		}
	}
	if len(shot.PNG) > s.opt.MaxPNG {
		return nil, fmt.Errorf("screenshot %s: PNG over %d bytes at 1/64 scale", rawURL, s.opt.MaxPNG)
	}
	h, err := goimagehash.AverageHash(img)
	if err != nil {
		return nil, fmt.Errorf("screenshot %s: hash: %w", rawURL, err)
	}
	shot.AHash = fmt.Sprintf("%016x", h.GetHash())
	shot.Millis = time.Since(start).Milliseconds()
	return shot, nil
}

// capture loads and shoots rawURL in a new tab, in a browser context of
// its own whose only way out is the guarded proxy. A page that has not
// loaded and been shot by the load deadline (two thirds of Timeout) — a
// dripping document, a script without end — is halted and shot as it is:
// forced. Dialogs are dismissed as they open, since one blocks the page.
func (s *Shooter) capture(ctx context.Context, inst *instance, rawURL string) (raw []byte, forced bool, err error) {
	tab, closeTab := chromedp.NewContext(inst.ctx, chromedp.WithNewBrowserContext(func(p *target.CreateBrowserContextParams) {
		p.ProxyServer, p.ProxyBypassList = s.proxy.URL(), "<-loopback>"
	}))
	defer closeTab() // closes the tab and disposes of its context
	shot, cancel := context.WithCancelCause(tab)
	defer cancel(nil)
	untrack := inst.track(&cancel)
	defer untrack()
	stop := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) }) // the caller's cancel ends the shot too
	defer stop()
	shot, cancelT := context.WithTimeout(shot, s.opt.Timeout)
	defer cancelT()
	fail := func(stage string, err error) ([]byte, bool, error) {
		if c := context.Cause(shot); c != nil && !errors.Is(err, c) {
			err = fmt.Errorf("%w (%w)", c, err)
		}
		return nil, false, fmt.Errorf("screenshot %s: %s: %w", rawURL, stage, err)
	}
	if err := chromedp.Do(shot, chromedp.EmulateViewport(int64(s.opt.Width), int64(s.opt.Height))); err != nil {
		return fail("open tab", err)
	}
	// Browser.setDownloadBehavior is per browser context: this tab's
	// context denies downloads as the default one does.
	if _, err := chromedp.CallBrowser(shot, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorDeny, BrowserContextID: chromedp.FromContext(shot).BrowserContextID}); err != nil {
		return fail("deny downloads", err)
	}
	if err := chromedp.Listen(shot, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go func() {
				_, _ = chromedp.Call(shot, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}()
		}
	}); err != nil {
		return fail("listen", err)
	}
	load, cancelLoad := context.WithTimeout(shot, s.opt.Timeout*2/3)
	err = chromedp.Do(load, chromedp.Navigate(rawURL))
	if err == nil {
		raw, err = chromedp.Run(load, chromedp.CaptureScreenshot())
	}
	loadTimedOut := load.Err() != nil
	cancelLoad()
	switch {
	case err == nil:
		return raw, false, nil
	case shot.Err() == nil && loadTimedOut:
		s.halt(shot)
	default:
		return fail("navigate", err)
	}
	raw, err = chromedp.Run(shot, chromedp.CaptureScreenshot())
	if err != nil {
		return fail("capture", err)
	}
	return raw, true, nil
}

// halt stops what a page still does, each step bounded: a script in an
// endless loop is terminated and scripts are turned off, loading stops.
func (s *Shooter) halt(ctx context.Context) {
	step := func(f func(context.Context) error) {
		c, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		_ = f(c)
	}
	step(func(c context.Context) error {
		_, err := chromedp.Call(c, cdpruntime.TerminateExecution, cdp.Empty{})
		return err
	})
	step(func(c context.Context) error {
		_, err := chromedp.Call(c, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	step(func(c context.Context) error {
		_, err := chromedp.Call(c, page.StopLoading, cdp.Empty{})
		return err
	})
}

// SweepStale removes the profile directories under tmp left by runs that
// were killed: those whose owner process is gone (or that name none and are
// older than a minute) and that no process uses. It returns how many it
// removed. Only the current user's directories are touched.
func SweepStale(tmp string) int {
	dirs, _ := filepath.Glob(filepath.Join(tmp, dirPrefix+"*"))
	n := 0
	for _, dir := range dirs {
		fi, err := os.Lstat(dir)
		if err != nil || !fi.IsDir() {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Getuid() {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, ownerFile)); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && alive(pid) {
				continue
			}
		} else if time.Since(fi.ModTime()) < time.Minute {
			continue // being made right now, or an older takedown's live one
		}
		if len(pidsUsing(dir)) > 0 {
			continue
		}
		if os.RemoveAll(dir) == nil {
			n++
		}
	}
	return n
}

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// pidsUsing lists the browser's processes: those started with
// --user-data-dir=dir (Chromium passes it to most children; a zygote's
// children rewrite their command line, spaces instead of NULs) and their
// descendants (the GPU and network processes do not carry it). Linux
// /proc; none elsewhere.
func pidsUsing(dir string) []int {
	want := []byte("--user-data-dir=" + dir)
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	parent := map[int]int{}
	in := map[int]bool{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if hasArg(cmd, want) {
			in[pid] = true
		}
		if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil {
			// pid (comm) state ppid ...: comm may hold spaces and parens.
			if i := bytes.LastIndexByte(st, ')'); i > 0 {
				if f := strings.Fields(string(st[i+1:])); len(f) > 1 {
					parent[pid], _ = strconv.Atoi(f[1])
				}
			}
		}
	}
	var out []int
	for pid := range parent {
		// Up the tree, bounded: a cycle cannot happen, a deep tree can.
		for p, depth := pid, 0; p > 1 && depth < 64; p, depth = parent[p], depth+1 {
			if in[p] {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

// hasArg reports whether the command line holds arg as a whole argument.
func hasArg(cmd, arg []byte) bool {
	for i := 0; ; {
		j := bytes.Index(cmd[i:], arg)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(arg)
		if (j == 0 || cmd[j-1] == 0 || cmd[j-1] == ' ') && (end == len(cmd) || cmd[end] == 0 || cmd[end] == ' ') {
			return true
		}
		i = j + 1
	}
}

// rssUsing sums the memory of the browser's processes, in bytes: the
// proportional set size (Pss of smaps_rollup), which splits the pages the
// forked children share instead of counting them once per child; the
// resident size where Pss is not available.
func rssUsing(dir string) int64 {
	var total int64
	page := int64(os.Getpagesize())
	for _, pid := range pidsUsing(dir) {
		base := "/proc/" + strconv.Itoa(pid)
		if b, err := os.ReadFile(base + "/smaps_rollup"); err == nil {
			if kb, ok := pss(b); ok {
				total += kb << 10
				continue
			}
		}
		b, err := os.ReadFile(base + "/statm")
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) > 1 {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			total += n * page
		}
	}
	return total
}

// pss reads the "Pss: N kB" line of smaps_rollup.
func pss(b []byte) (int64, bool) {
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		if rest, ok := bytes.CutPrefix(line, []byte("Pss:")); ok {
			f := strings.Fields(string(rest))
			if len(f) > 0 {
				n, err := strconv.ParseInt(f[0], 10, 64)
				return n, err == nil
			}
		}
	}
	return 0, false
}

// killUsing kills the browser's processes, again until none is left (a
// child can fork as its parent dies), for at most two seconds.
func killUsing(dir string) {
	deadline := time.Now().Add(2 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		pids := pidsUsing(dir)
		if len(pids) == 0 {
			quiet++
			continue
		}
		quiet = 0
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
