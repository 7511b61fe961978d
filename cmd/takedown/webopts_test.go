package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestWebTokenTooShortExit2: a token under 16 characters is refused.
func TestWebTokenTooShortExit2(t *testing.T) {
	c := newCLI(t)
	c.env["TAKEDOWN_TOKEN"] = "x"
	r := c.run("serve", "--listen", "127.0.0.1:0")
	if r.code != exitUsage || !strings.Contains(r.stderr, "web.token") || strings.Contains(r.stderr, ": x") {
		t.Fatalf("serve with a 1-character token: exit %d, %q", r.code, r.stderr)
	}
}

// TestWebSecurityOptions: web.secure_cookies and web.allowed_hosts can be
// set from the environment and from flags, and reach the server.
func TestWebSecurityOptions(t *testing.T) {
	c := newCLI(t)
	c.env["TAKEDOWN_SECURE_COOKIES"] = "true"
	c.env["TAKEDOWN_ALLOWED_HOSTS"] = "a.example, b.example"
	out := c.ok("config", "show")
	if !strings.Contains(out, "secure_cookies: true") || !strings.Contains(out, "- a.example") || !strings.Contains(out, "- b.example") {
		t.Fatalf("config show lacks the web options:\n%s", out)
	}
	c.env["TAKEDOWN_SECURE_COOKIES"] = "maybe"
	if r := c.run("config", "show"); r.code != exitUsage || !strings.Contains(r.stderr, `"maybe"`) {
		t.Fatalf("TAKEDOWN_SECURE_COOKIES=maybe: exit %d %q", r.code, r.stderr)
	}
	delete(c.env, "TAKEDOWN_SECURE_COOKIES")
	if r := c.run("serve", "--allowed-host", "http://x.example:80"); r.code != exitUsage || !strings.Contains(r.stderr, "http://x.example:80") {
		t.Fatalf("--allowed-host with a scheme: exit %d %q", r.code, r.stderr)
	}

	db := filepath.Join(t.TempDir(), "t.db")
	if code := run(context.Background(), []string{"--db", db, "watch", "add", "example.org"}, nil, io.Discard, io.Discard); code != 0 {
		t.Fatalf("watch add: exit %d", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"--db", db, "serve", "--listen", "127.0.0.1:0", "--secure-cookies", "--allowed-host", "proxy.example"}, nil, pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no banner: %v", err)
	}
	go io.Copy(io.Discard, pr)
	m := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("banner %q names no address", line)
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	get := func(host string) *http.Response {
		req, _ := http.NewRequest("GET", "http://"+m[1]+"/domains", nil)
		req.Host = host
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	resp := get("proxy.example")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("allowed host: status %d", resp.StatusCode)
	}
	secure := false
	for _, ck := range resp.Cookies() {
		secure = secure || ck.Secure
	}
	if len(resp.Cookies()) == 0 || !secure {
		t.Fatalf("--secure-cookies: cookies %v are not Secure", resp.Cookies())
	}
	if r := get("evil.example"); r.StatusCode != http.StatusMisdirectedRequest {
		t.Fatalf("host not allowed: status %d", r.StatusCode)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}
