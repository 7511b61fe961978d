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

func TestServe(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	if code := run(context.Background(), []string{"--db", db, "watch", "add", "example.org"}, nil, io.Discard, io.Discard); code != 0 {
		t.Fatalf("watch add: exit %d", code)
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"--db", db, "watch", "add", "thefoxcloud.com"}, nil, io.Discard, &stderr); code != 0 {
		t.Fatalf("watch add: %d %s", code, stderr.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--db", db, "serve", "--listen", "127.0.0.1:0"}, nil, pw, io.Discard)
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
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + m[1] + "/api/v1/domains")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "thefoxcloud.com") {
		t.Fatalf("GET /api/v1/domains: %d %.200s", resp.StatusCode, b)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after cancel, want 0", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	if _, err := c.Get("http://" + m[1] + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func TestServeNeedsTokenOffLoopback(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	if code := run(context.Background(), []string{"--db", db, "watch", "add", "example.org"}, nil, io.Discard, io.Discard); code != 0 {
		t.Fatalf("watch add: exit %d", code)
	}
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"--db", db, "serve", "--listen", "0.0.0.0:0"}, nil, io.Discard, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "token is required") {
		t.Errorf("serve on 0.0.0.0 without a token: exit %d, %q", code, stderr.String())
	}
}
