package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// csp forbids everything but our own script and style files: no inline
// script or style, no plugins, no framing, forms only to ourselves.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// checkOrigin refuses cross-site writes from browsers (Sec-Fetch-Site and
// Origin), a second wall behind the CSRF token.
func (s *Server) checkOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusForbidden, "cross-origin request refused")
	}))
	return cop.Handler(next)
}

const (
	sessionCookie = "takedown_session"
	csrfCookie    = "takedown_csrf"
	flashCookie   = "takedown_flash"
)

// public paths need no credentials.
func public(p string) bool {
	return p == "/healthz" || p == "/login" || strings.HasPrefix(p, "/static/")
}

func isAPI(p string) bool { return strings.HasPrefix(p, "/api/") }

// authenticate enforces the access rule: with a token, a bearer header or
// a valid session cookie; without one, a loopback client that names a
// loopback host (a DNS-rebinding page names its own host and is refused).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Token == "" {
			if !loopbackRemote(r.RemoteAddr) {
				s.fail(w, r, http.StatusForbidden, "a token is required for clients off loopback; configure web.token")
				return
			}
			if !s.allowedHost(r.Host) {
				s.fail(w, r, http.StatusMisdirectedRequest, "host "+strconv.Quote(r.Host)+" is not served without a token")
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if public(r.URL.Path) || s.sessionOK(r) {
			next.ServeHTTP(w, r)
			return
		}
		if r.Header.Get("Authorization") != "" {
			ok, wait, err := s.fails.try(r.Context(), r.RemoteAddr, func() bool { return s.bearerOK(r) })
			if err != nil {
				s.tooMany(w, r, wait)
				return
			}
			if ok {
				next.ServeHTTP(w, r)
				return
			}
		}
		if isAPI(r.URL.Path) || r.URL.Path == "/metrics" || r.Method != http.MethodGet {
			w.Header().Set("WWW-Authenticate", `Bearer realm="takedown"`)
			s.fail(w, r, http.StatusUnauthorized, "authentication required: send Authorization: Bearer TOKEN")
			return
		}
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	})
}

func loopbackRemote(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *Server) allowedHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return true
	}
	return slices.ContainsFunc(s.opts.AllowedHosts, func(a string) bool { return strings.EqualFold(a, host) })
}

// tokenEqual compares in constant time; hashing first hides the length too.
func (s *Server) tokenEqual(got string) bool {
	a := sha256.Sum256([]byte(got))
	b := sha256.Sum256([]byte(s.opts.Token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func (s *Server) bearerOK(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(auth, " ")
	return ok && strings.EqualFold(scheme, "Bearer") && s.tokenEqual(strings.TrimSpace(tok))
}

// A session cookie is "v2.EXPIRY.ID.MAC": the token itself never sits in
// the browser, and the random ID is what logout revokes, in the database,
// so a copied cookie dies with the session on every daemon.
func (s *Server) sessionValue(exp time.Time, id string) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	m := hmac.New(sha256.New, s.sessionKey)
	m.Write([]byte("v2." + e + "." + id))
	return "v2." + e + "." + id + "." + hex.EncodeToString(m.Sum(nil))
}

// newSessionValue mints the cookie of a new session.
func (s *Server) newSessionValue() string {
	b := make([]byte, 16)
	rand.Read(b)
	return s.sessionValue(s.opts.Now().Add(s.opts.SessionTTL), hex.EncodeToString(b))
}

// session returns the ID and expiry of the request's signed, unexpired
// session cookie, revoked or not.
func (s *Server) session(r *http.Request) (id string, exp time.Time, ok bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || s.sessionKey == nil {
		return "", time.Time{}, false
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 4 || parts[0] != "v2" || len(parts[2]) != 32 {
		return "", time.Time{}, false
	}
	e, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || s.opts.Now().Unix() >= e {
		return "", time.Time{}, false
	}
	if !hmac.Equal([]byte(c.Value), []byte(s.sessionValue(time.Unix(e, 0), parts[2]))) {
		return "", time.Time{}, false
	}
	return parts[2], time.Unix(e, 0), true
}

func (s *Server) sessionOK(r *http.Request) bool {
	id, _, ok := s.session(r)
	if !ok {
		return false
	}
	revoked, err := s.st.SessionRevoked(r.Context(), id)
	if err != nil {
		// Fail closed: the analyst logs in again once the database answers.
		s.log.Warn("session check failed", "err", err)
		return false
	}
	return !revoked
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteStrictMode})
}

// csrfToken returns the form token of this browser, setting the cookie
// that binds it on first visit; call it once per response. The token is an
// HMAC of the cookie under a server key: a page elsewhere can neither read
// the cookie nor mint a token for a cookie it planted.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 43 {
		return s.csrfFor(c.Value)
	}
	b := make([]byte, 32)
	rand.Read(b)
	id := base64.RawURLEncoding.EncodeToString(b)
	s.setCookie(w, csrfCookie, id, 0)
	return s.csrfFor(id)
}

func (s *Server) csrfFor(id string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("csrf\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfOK checks a form's token against the browser's cookie. The form must
// already be parsed.
func (s *Server) csrfOK(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value == "" {
		return false
	}
	got := r.PostFormValue("csrf")
	return got != "" && hmac.Equal([]byte(got), []byte(s.csrfFor(c.Value)))
}

// localPath keeps a redirect target on this site: a path, not "//host" or
// a scheme, so a crafted "next" cannot bounce the analyst elsewhere.
func localPath(p, def string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, `/\`) ||
		strings.ContainsAny(p, "\r\n\x00") {
		return def
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return def
	}
	return p
}
