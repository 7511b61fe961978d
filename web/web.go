// Package web is takedown's analysts' UI and JSON API over the store:
// server-rendered pages (html/template, embedded static files, no CDN, one
// small script), a versioned JSON API under /api/v1/ with CSV and JSON
// exports, /metrics and /healthz.
//
// New builds the handler; Listen and Serve run it with the address rule
// that keeps an unauthenticated UI on loopback:
//
//	srv, err := web.New(st, web.Options{Token: cfg.Web.Token})
//	ln, err := srv.Listen(cfg.Web.Listen) // refuses 0.0.0.0 without a token
//	err = srv.Serve(ctx, ln)              // returns when ctx is cancelled
//
// Security: every response carries a strict Content-Security-Policy and the
// usual headers; every value is escaped by html/template; forms carry a
// CSRF token bound to a per-browser cookie; with a token configured, the API
// wants "Authorization: Bearer TOKEN" and the UI a session cookie from the
// login form. Without a token only loopback clients naming a loopback host
// are served, which also stops DNS-rebinding pages from reading the API.
package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/metrics"
	"github.com/takedownhq/takedown/monitor/cases/report"
	"github.com/takedownhq/takedown/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed openapi.yaml
var openAPI []byte

// Options configure the server. The zero value serves loopback clients
// without authentication.
type Options struct {
	// Token, when set, is required of every request but /healthz and the
	// static files: a bearer header, or the session cookie the login form
	// sets. Default "": no token, loopback clients only.
	Token string
	// Metrics is exposed at /metrics. Default metrics.Default.
	Metrics *metrics.Metrics
	// Logger gets request failures. Default slog.Default().
	Logger *slog.Logger
	// AllowedHosts are extra Host header names accepted without a token
	// (besides localhost and loopback addresses), for a loopback reverse
	// proxy that keeps the Host. Default none.
	AllowedHosts []string
	// SecureCookies marks cookies Secure; set it behind a TLS proxy.
	// Default false (plain HTTP on loopback).
	SecureCookies bool
	// SessionTTL is how long a login lasts. Default 12h.
	SessionTTL time.Duration
	// MaxBodyBytes bounds a request body. Default 1 MiB.
	MaxBodyBytes int64
	// Now is the clock for relative times. Default time.Now.
	Now func() time.Time
	// Version is shown in the footer and /healthz. Default "dev".
	Version string
	// Cases are the takedown cases the Cases pages and API show (the
	// store's own, usually). Default nil: they answer 404.
	Cases store.CaseStore
	// CaseReporter is who the case reports say they come from (the
	// alerts' sender). Default "takedown", without an address: the XARF
	// report, which requires one, then fails.
	CaseReporter report.Party
	// CaseSMTP says an SMTP server is configured (alerts.smtp.addr), so
	// the case page may queue reports. Default false: it refuses.
	CaseSMTP bool
	// InfraCommonThreshold is infra.common_threshold: keys more domains
	// share are common. Default 100.
	InfraCommonThreshold int
}

// Server is the web UI and API. It is an http.Handler.
type Server struct {
	st      Store
	opts    Options
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	pages   map[string]*pageTemplate
	// csrfKey signs CSRF tokens; random per process, so a restart only
	// costs an open form one reload.
	csrfKey []byte
	// sessionKey signs login cookies; derived from the token, so sessions
	// survive a restart and die when the token changes.
	sessionKey []byte
	static     http.Handler
	staticVer  string
	routes     []string
	// fails counts wrong tokens per client address (authlimit.go).
	fails *failLimiter
	// charts keeps the overview's charts for a minute (chart.go).
	charts chartCache
}

// New builds the server over st.
func New(st Store, opts Options) (*Server, error) {
	if st == nil {
		return nil, errors.New("web: nil store")
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.Default
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	if opts.Token != "" && len(opts.Token) < MinTokenLen {
		return nil, ErrTokenTooShort
	}
	s := &Server{st: st, opts: opts, log: opts.Logger.With("component", "web"), mux: http.NewServeMux(),
		fails: newFailLimiter(opts.Now)}
	s.csrfKey = make([]byte, 32)
	if _, err := rand.Read(s.csrfKey); err != nil {
		return nil, fmt.Errorf("web: csrf key: %w", err)
	}
	if opts.Token != "" {
		k := sha256.Sum256([]byte("takedown session v1\x00" + opts.Token))
		s.sessionKey = k[:]
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	s.static, s.staticVer = staticHandler(sub)
	if s.pages, err = loadTemplates(s.funcs()); err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	s.registerRoutes()
	s.handler = s.securityHeaders(s.checkOrigin(s.authenticate(s.mux)))
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// handle registers a route and remembers it, so the OpenAPI test can hold
// the document and the router to each other.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.routes = append(s.routes, pattern)
	s.mux.HandleFunc(pattern, s.checkInput(pattern, h))
}

func (s *Server) registerRoutes() {
	// Pages.
	s.handle("GET /{$}", s.overviewPage)
	s.handle("GET /domains", s.domainsPage)
	s.handle("POST /domains", s.addDomains)
	s.handle("GET /domains/{name}", s.domainPage)
	s.handle("POST /domains/{name}/tags", s.setTags)
	s.handle("POST /domains/{name}/remove", s.removeDomain)
	s.handle("GET /domains/{name}/diff", s.diffPage)
	s.handle("GET /domains/{name}/screenshot.png", s.screenshotPNG)
	s.handle("GET /lookalikes", s.lookalikesPage)
	s.handle("POST /lookalikes/triage", s.triageLookalike)
	s.handle("POST /lookalikes/bulk", s.triageSelected)
	s.handle("GET /events", s.eventsPage)
	s.handle("GET /alerts", s.outboxPage)
	s.handle("GET /login", s.loginPage)
	s.handle("POST /login", s.login)
	s.handle("POST /logout", s.logout)

	// API.
	s.handle("GET /api/v1/", s.apiNotFound)
	s.handle("GET /api/v1/overview", s.apiOverview)
	s.handle("GET /api/v1/domains", s.apiDomains)
	s.handle("GET /api/v1/domains/{name}", s.apiDomain)
	s.handle("GET /api/v1/domains/{name}/history", s.apiHistory)
	s.handle("GET /api/v1/domains/{name}/snapshots", s.apiSnapshots)
	s.handle("GET /api/v1/domains/{name}/diff", s.apiDiff)
	s.handle("GET /api/v1/domains/{name}/screenshot", s.screenshotPNG)
	s.handle("GET /api/v1/domains/{name}/related", s.apiRelated)
	s.handle("GET /api/v1/infra/{kind}/{value}", s.apiInfra)
	s.handle("GET /infra/{kind}/{value}", s.infraPage)
	s.handle("GET /api/v1/snapshots/{id}", s.apiSnapshot)
	s.handle("GET /api/v1/lookalikes", s.apiLookalikes)
	s.handle("GET /api/v1/events", s.apiEvents)
	s.handle("GET /api/v1/outbox", s.apiOutbox)
	s.handle("GET /api/v1/export/{file}", s.apiExport)
	s.handle("GET /api/v1/openapi.yaml", s.apiOpenAPI)
	s.registerCaseRoutes()

	// Plumbing.
	s.handle("GET /static/", s.serveStatic)
	s.handle("GET /healthz", s.healthz)
	s.handle("GET /metrics", s.serveMetrics)
	s.handle("/", s.notFound)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if _, err := s.st.CountByState(ctx); err != nil {
		s.log.Error("health check", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "store unavailable")
		return
	}
	fmt.Fprintln(w, "ok")
}

// serveMetrics refreshes the gauges that mirror the store (outbox depth,
// domains by state) before each scrape, so `takedown serve` alone shows
// them; the daemon sets the same gauges from the same store.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if d, err := s.st.OutboxDepth(ctx); err == nil {
		s.opts.Metrics.SetOutboxDepths(d)
	} else {
		s.log.Warn("metrics: outbox depth", "err", err)
	}
	if c, err := s.st.CountByState(ctx); err == nil {
		s.opts.Metrics.SetDomainStates(c)
	} else {
		s.log.Warn("metrics: domain states", "err", err)
	}
	s.opts.Metrics.Handler().ServeHTTP(w, r)
}

// staticHandler serves the embedded files and a content version for their
// URLs, so they can be cached for long and still change with a release.
func staticHandler(sub fs.FS) (http.Handler, string) {
	h := sha256.New()
	fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(sub, p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return nil
	})
	return http.StripPrefix("/static/", http.FileServerFS(sub)), hex.EncodeToString(h.Sum(nil))[:12]
}

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/") {
		s.notFound(w, r) // no directory listings
		return
	}
	if r.URL.Query().Get("v") == s.staticVer {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	s.static.ServeHTTP(w, r)
}

// Listen opens addr for the server. An address that is not loopback is
// refused unless a token is configured: without one, anybody who can reach
// the port could read the history and edit the watchlist.
func (s *Server) Listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = config.Default().Web.Listen
	}
	if s.opts.Token == "" && !LoopbackAddr(addr) {
		return nil, fmt.Errorf("web: listen %s: %w", addr, ErrTokenRequired)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("web: listen %s: %w", addr, err)
	}
	// "localhost" could resolve anywhere: check what was really bound.
	if ta, ok := ln.Addr().(*net.TCPAddr); s.opts.Token == "" && (!ok || !ta.IP.IsLoopback()) {
		ln.Close()
		return nil, fmt.Errorf("web: listen %s: %w", addr, ErrTokenRequired)
	}
	return ln, nil
}

// LoopbackAddr reports whether a listen address (host:port) names only the
// loopback interface: a loopback IP or "localhost". An empty host (":8080")
// means every interface and is not loopback.
func LoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ErrTokenRequired is returned by Listen for a non-loopback address
// without a token.
var ErrTokenRequired = errors.New("a token is required to listen on an address other than loopback (set web.token or TAKEDOWN_TOKEN)")

// Serve serves on ln until ctx is cancelled, then shuts down gracefully,
// giving requests in flight up to 10 seconds. It returns nil after a
// cancel-initiated shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute, // large exports stream for a while
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("web: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fmt.Errorf("web: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("web: serve: %w", err)
	}
	return nil
}
