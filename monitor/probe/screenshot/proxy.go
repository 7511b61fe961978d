package screenshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"time"
)

// proxy is the only way out for the browser: Chromium is started with
// --proxy-server pointing here (loopback included), so every connection a
// page makes — the page, its redirects, scripts, images, frames — is
// dialled by dial, which resolves names through takedown's resolver and
// refuses internal addresses at connect time. Without it a look-alike's
// <img src="http://169.254.169.254/…"> would be fetched from the monitor's
// own network, and Chromium would resolve names through the system rather
// than the configured resolver (and past the guard's rebinding check).
type proxy struct {
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	timeout time.Duration // bounds one tunnel or request
	ln      net.Listener
	srv     *http.Server
	fwd     *httputil.ReverseProxy
	wg      sync.WaitGroup
}

// maxTunnels bounds the tunnels open at once: a page cannot make the
// monitor hold more than this many connections.
const maxTunnels = 64

func startProxy(dial func(ctx context.Context, network, addr string) (net.Conn, error), timeout time.Duration) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("screenshot: proxy: %w", err)
	}
	p := &proxy{dial: dial, timeout: timeout, ln: ln}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dial,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          maxTunnels,
		IdleConnTimeout:       timeout,
	}
	p.fwd = &httputil.ReverseProxy{
		// A proxy request carries the absolute URL: forward it as it is.
		Rewrite:   func(r *httputil.ProxyRequest) { r.Out.URL = r.In.URL; r.Out.Host = r.In.Host },
		Transport: tr,
		ErrorLog:  slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
	}
	sem := make(chan struct{}, maxTunnels)
	p.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			default:
				http.Error(w, "too many connections", http.StatusServiceUnavailable)
				return
			}
			if r.Method == http.MethodConnect {
				p.tunnel(w, r)
				return
			}
			if !r.URL.IsAbs() {
				http.Error(w, "not a proxy request", http.StatusBadRequest)
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), p.timeout)
			defer cancel()
			p.fwd.ServeHTTP(w, r.WithContext(ctx))
		}),
		ReadHeaderTimeout: timeout,
		ErrorLog:          slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		_ = p.srv.Serve(ln)
	}()
	return p, nil
}

// URL is the proxy's address for --proxy-server.
func (p *proxy) URL() string { return "http://" + p.ln.Addr().String() }

// tunnel serves CONNECT host:port: dial through the guard, then copy both
// ways until either side closes or the tunnel's time is up.
func (p *proxy) tunnel(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), p.timeout)
	defer cancel()
	up, err := p.dial(ctx, "tcp", r.Host)
	if err != nil {
		http.Error(w, "refused", http.StatusForbidden)
		return
	}
	defer up.Close()
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "no tunnel", http.StatusInternalServerError)
		return
	}
	down, rw, err := hj.Hijack()
	if err != nil {
		return
	}
	defer down.Close()
	deadline := time.Now().Add(p.timeout)
	_ = up.SetDeadline(deadline)
	_ = down.SetDeadline(deadline)
	if _, err := io.WriteString(down, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() {
		// Bytes the browser sent after the CONNECT line are in rw's buffer.
		_, _ = io.Copy(up, rw)
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(down, up)
		done <- struct{}{}
	}()
	<-done // either side closing ends the tunnel
}

func (p *proxy) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := p.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = p.srv.Close() // hijacked tunnels end with their deadline
	}
	p.wg.Wait()
	return err
}
