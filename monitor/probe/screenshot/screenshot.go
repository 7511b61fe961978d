// Package screenshot takes screenshots of web pages in one headless
// Chromium and compares them with a perceptual hash, as dnstwist's
// --phash does: an 8×8 average hash of the viewport and dnstwist's
// similarity formula, 0–100.
//
// One browser serves every shot; at most Tabs pages are open at once, each
// shot has its own deadline and its tab is closed after it, the PNG is
// kept under MaxPNG by halving its resolution. The browser runs with a
// fresh user-data-dir, removed by Close.
//
// Chromium fetches what the page asks for from addresses the page chooses,
// so it is given no network of its own: it is started with an in-process
// proxy (proxy.go) as its only way out, loopback included, and every
// connection — the page, redirects, subresources, frames — is dialled
// through the guard, which resolves names with takedown's resolver and
// refuses internal addresses at connect time.
package screenshot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/bits"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/corona10/goimagehash"
	"github.com/nfnt/resize"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/netguard"
)

// Options configure a Shooter. Zero values take the defaults.
type Options struct {
	// ExecPath is the browser binary. Default: the first of chromium,
	// chromium-browser, google-chrome found on PATH.
	ExecPath string
	// Tabs bounds the pages open at once. Default 4, at most 16.
	Tabs int
	// Timeout bounds one shot, navigation included. Default 15s.
	Timeout time.Duration
	// Width and Height are the viewport. Default 1366×768 (dnstwist's).
	Width, Height int
	// MaxPNG bounds a screenshot's size in bytes. Default 1 MiB.
	MaxPNG int
	// AllowPrivate lets shots go to loopback and private addresses (labs,
	// tests). Default false. Ignored when Guard is set.
	AllowPrivate bool
	// Guard dials every connection the browser makes. Default: a guard
	// with the system's resolver and AllowPrivate.
	Guard *netguard.Guard
	// HTTPSPort and HTTPPort are where the browser's connections to ports
	// 443 and 80 go, as the web probes' ports (labs, simnet). Zero: as is.
	HTTPSPort, HTTPPort int

	// dial replaces Guard.DialContext in tests.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

const maxTabs = 16

func (o Options) withDefaults() Options {
	if o.Tabs <= 0 {
		o.Tabs = 4
	}
	o.Tabs = min(o.Tabs, maxTabs)
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.Width <= 0 || o.Height <= 0 {
		o.Width, o.Height = 1366, 768
	}
	if o.MaxPNG <= 0 {
		o.MaxPNG = 1 << 20
	}
	if o.Guard == nil {
		o.Guard = netguard.New(config.Network{AllowPrivate: o.AllowPrivate})
	}
	if o.dial == nil {
		o.dial = o.Guard.DialContext
	}
	if o.HTTPSPort != 0 || o.HTTPPort != 0 {
		o.dial = remapPorts(o.dial, o.HTTPSPort, o.HTTPPort)
	}
	return o
}

// remapPorts sends connections to 443 and 80 to the configured web ports.
func remapPorts(dial func(ctx context.Context, network, addr string) (net.Conn, error), https, http int) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, port, err := net.SplitHostPort(addr); err == nil {
			switch {
			case port == "443" && https != 0:
				addr = net.JoinHostPort(host, strconv.Itoa(https))
			case port == "80" && http != 0:
				addr = net.JoinHostPort(host, strconv.Itoa(http))
			}
		}
		return dial(ctx, network, addr)
	}
}

// ErrNoBrowser is returned by New when no Chromium is installed.
var ErrNoBrowser = errors.New("screenshot: no chromium found (Debian: apt-get install chromium)")

// FindBrowser returns the path of an installed Chromium, or ErrNoBrowser.
func FindBrowser() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// Shooter holds one browser. Safe for concurrent use.
type Shooter struct {
	opt      Options
	proxy    *proxy
	dir      string
	browser  context.Context
	cancel   func()
	tabs     chan struct{}
	closeMux sync.Once
}

// New starts the browser. Close it when done.
func New(ctx context.Context, opt Options) (*Shooter, error) {
	opt = opt.withDefaults()
	if opt.ExecPath == "" {
		p, err := FindBrowser()
		if err != nil {
			return nil, err
		}
		opt.ExecPath = p
	}
	px, err := startProxy(opt.dial, opt.Timeout)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "takedown-chromium-")
	if err != nil {
		px.Close()
		return nil, fmt.Errorf("screenshot: user data dir: %w", err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(ctx),
		chromedp.ExecPath(opt.ExecPath),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("ignore-certificate-errors", true), // look-alikes serve whatever certificate they like
		// Every connection through the guarded proxy, loopback too (Chromium
		// bypasses proxies for loopback unless told otherwise), and no UDP
		// of its own: no QUIC, no WebRTC outside the proxy.
		chromedp.ProxyServer(px.URL()),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("force-webrtc-ip-handling-policy", true),
		chromedp.Flag("webrtc-ip-handling-policy", "disable_non_proxied_udp"),
		chromedp.WindowSize(opt.Width, opt.Height),
	)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(browser); err != nil { // starts the browser
		cancelBrowser()
		cancelAlloc()
		px.Close()
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("screenshot: start %s: %w", opt.ExecPath, err)
	}
	return &Shooter{
		opt: opt, proxy: px, dir: dir, browser: browser,
		cancel: func() { cancelBrowser(); cancelAlloc() },
		tabs:   make(chan struct{}, opt.Tabs),
	}, nil
}

// Close stops the browser and removes its user-data-dir.
func (s *Shooter) Close() error {
	s.closeMux.Do(func() {
		s.cancel()
		_ = s.proxy.Close()
		_ = os.RemoveAll(s.dir)
	})
	return nil
}

// UserDataDir is the browser's profile directory (for process accounting).
func (s *Shooter) UserDataDir() string { return s.dir }

// Shot is one screenshot.
type Shot struct {
	URL string `json:"url"`
	// PNG is the viewport, at most MaxPNG bytes.
	PNG []byte `json:"-"`
	// Scale is 1 for the full viewport, 0.5 after one halving, and so on.
	Scale float64 `json:"scale"`
	// AHash is the 8×8 average hash, hex.
	AHash string `json:"ahash"`
	// Millis is how long the shot took.
	Millis int64 `json:"millis"`
}

// ErrBlocked is returned for a URL whose host is an internal address.
var ErrBlocked = netguard.ErrBlocked

// Shot navigates a fresh tab to rawURL and captures the viewport. It waits
// for a free tab (at most Tabs at once); the shot's deadline starts when
// the tab is had.
func (s *Shooter) Shot(ctx context.Context, rawURL string) (*Shot, error) {
	if err := s.check(ctx, rawURL); err != nil {
		return nil, err
	}
	select {
	case s.tabs <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.tabs }()
	start := time.Now()
	raw, err := s.capture(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("screenshot %s: decode: %w", rawURL, err)
	}
	shot := &Shot{URL: rawURL, PNG: raw, Scale: 1}
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

func (s *Shooter) capture(ctx context.Context, rawURL string) ([]byte, error) {
	tab, closeTab := chromedp.NewContext(s.browser)
	defer closeTab() // closes the tab
	tab, cancel := context.WithTimeout(tab, s.opt.Timeout)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel) // the caller's cancel ends the shot too
	defer stop()
	if err := chromedp.Do(tab,
		chromedp.EmulateViewport(int64(s.opt.Width), int64(s.opt.Height)),
		chromedp.Navigate(rawURL),
	); err != nil {
		return nil, fmt.Errorf("screenshot %s: navigate: %w", rawURL, err)
	}
	raw, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		return nil, fmt.Errorf("screenshot %s: capture: %w", rawURL, err)
	}
	return raw, nil
}

// check refuses URLs that are not http(s) or whose host resolves to an
// address the guard refuses.
func (s *Shooter) check(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return fmt.Errorf("screenshot: %q is not an http(s) URL", rawURL)
	}
	// An early, clear refusal; the proxy refuses again at connect time.
	addrs, err := s.opt.Guard.Resolve(ctx, u.Hostname())
	if err != nil {
		return fmt.Errorf("screenshot %s: %w", rawURL, err)
	}
	for _, a := range addrs {
		if err := s.opt.Guard.Check(a); err != nil {
			return fmt.Errorf("screenshot %s: %w", rawURL, err)
		}
	}
	return nil
}

func scaled(img image.Image, f float64) ([]byte, error) {
	b := img.Bounds()
	w, h := max(1, int(float64(b.Dx())*f)), max(1, int(float64(b.Dy())*f))
	dst := resize.Resize(uint(w), uint(h), img, resize.Bilinear)
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, dst); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Similarity compares two average hashes (hex, as in Shot.AHash) with
// dnstwist's formula: with n = 64 bits and d differing bits,
// int((1 + e^((n-d)/n) - e) × 100), floored at 0. Identical hashes give
// 100, 8 differing bits 68, 16 bits 39, 29 or more 0. dnstwist's
// hash is the same 8×8 mean-threshold hash, computed on a LANCZOS
// downscale; goimagehash uses bilinear, so a bit or two can differ on the
// same image.
func Similarity(a, b string) (int, error) {
	x, err1 := strconv.ParseUint(a, 16, 64)
	y, err2 := strconv.ParseUint(b, 16, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("screenshot: similarity of %q and %q: %w", a, b, err)
	}
	return SimilarityBits(bits.OnesCount64(x ^ y)), nil
}

// SimilarityBits is Similarity for a Hamming distance over 64 bits.
func SimilarityBits(d int) int {
	const n = 64.0
	v := int((1 + math.Exp((n-float64(d))/n) - math.E) * 100)
	return max(v, 0)
}
