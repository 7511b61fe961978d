// Package screenshot takes screenshots of web pages in one headless
// Chromium and compares them with a perceptual hash, as dnstwist's
// --phash does: an 8×8 average hash of the viewport and dnstwist's
// similarity formula, 0–100.
//
// One browser serves every shot; at most Tabs pages are open at once (one
// when the browser's memory passes half of MaxMiB), each shot has its own
// deadline and its tab is closed after it, the PNG is kept under MaxPNG by
// halving its resolution. A page that has not loaded by the load deadline
// is shot as it is (Shot.Forced). The browser is a hostile page's host and
// is treated like any other child that can misbehave (browser.go): its
// downloads are denied, everything it writes stays in a fresh profile
// directory (removed after it, and swept at the next start when a run was
// killed), its memory is watched and capped, and a browser that died is
// started again with backoff.
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
	"log/slog"
	"math"
	"math/bits"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/nfnt/resize"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/metrics"
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

	// MaxMiB is the memory ceiling of the browser's processes together
	// (resident set); past it the browser is killed, the shots in flight
	// fail, and the next shot starts a fresh one. Past half of it shots go
	// one tab at a time. Default 1024 (monitor.screenshot_max_mib).
	MaxMiB int
	// JSHeapMiB caps V8's old space in each renderer. Default 512.
	JSHeapMiB int
	// RestartBase and RestartMax bound the wait before starting the browser
	// again after a failed start: doubling from the base, jittered, capped.
	// Defaults 1s and 5m.
	RestartBase, RestartMax time.Duration
	// Logger receives browser deaths, kills and restarts. Default slog's.
	Logger *slog.Logger
	// Metrics counts kills and restarts. Default metrics.Default.
	Metrics *metrics.Metrics
	// TempDir holds the profile directories. Default os.TempDir().
	TempDir string

	// heavy is the memory, in bytes, past which shots go one at a time;
	// half of MaxMiB, lower in tests.
	heavy int64

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
	if o.MaxMiB <= 0 {
		o.MaxMiB = 1024
	}
	if o.heavy <= 0 {
		o.heavy = int64(o.MaxMiB) << 19
	}
	if o.JSHeapMiB <= 0 {
		o.JSHeapMiB = 512
	}
	if o.RestartBase <= 0 {
		o.RestartBase = time.Second
	}
	if o.RestartMax <= 0 {
		o.RestartMax = 5 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Logger = o.Logger.With("component", "screenshot")
	if o.Metrics == nil {
		o.Metrics = metrics.Default
	}
	if o.TempDir == "" {
		o.TempDir = os.TempDir()
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

const debianChromium = "/usr/lib/chromium/chromium"

// ErrNoBrowser is returned by New when no Chromium is installed.
var ErrNoBrowser = errors.New("screenshot: no chromium found (Debian: apt-get install chromium)")

// FindBrowser returns the path of an installed Chromium, or ErrNoBrowser.
// Debian's binary is taken without its /usr/bin/chromium wrapper, which
// sources /etc/chromium.d: Google API keys (with them the browser signs in
// to accounts.google.com on its own) and flags of its own.
func FindBrowser() (string, error) {
	if fi, err := os.Stat(debianChromium); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		return debianChromium, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

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
	// Forced: the page had not finished loading (or held a dialog, or ran
	// a script without end) at the load deadline, and was shot as it was.
	Forced bool `json:"forced,omitempty"`
}

// ErrBlocked is returned for a URL whose host is an internal address.
var ErrBlocked = netguard.ErrBlocked

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
