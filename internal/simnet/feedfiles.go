package simnet

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// FeedFiles serves newly-registered-domain lists and zone files over HTTP
// on loopback, as NRD providers and CZDS mirrors do: with ETag and
// Last-Modified, so conditional requests answer 304. Safe for concurrent
// use.
type FeedFiles struct {
	srv *http.Server
	ln  net.Listener

	mu    sync.Mutex
	files map[string]feedFile
	hits  map[string]int
}

type feedFile struct {
	data []byte
	mod  time.Time
	etag string
}

// StartFeedFiles starts the file server on 127.0.0.1. Close stops it.
func StartFeedFiles() (*FeedFiles, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("simnet feed files: %w", err)
	}
	s := &FeedFiles{ln: ln, files: map[string]feedFile{}, hits: map[string]int{}}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Put publishes data at path ("/nrd/2026-01-02.zip"), replacing what was there.
func (s *FeedFiles) Put(path string, data []byte) {
	sum := sha256.Sum256(data)
	s.mu.Lock()
	s.files[cleanPath(path)] = feedFile{data: data, mod: time.Now().UTC().Truncate(time.Second),
		etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	s.mu.Unlock()
}

// Remove unpublishes path.
func (s *FeedFiles) Remove(path string) {
	s.mu.Lock()
	delete(s.files, cleanPath(path))
	s.mu.Unlock()
}

// URL is the address of path.
func (s *FeedFiles) URL(path string) string {
	return "http://" + s.ln.Addr().String() + cleanPath(path)
}

// Requests counts the requests for path (any answer).
func (s *FeedFiles) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[cleanPath(path)]
}

// Close stops the server.
func (s *FeedFiles) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

func cleanPath(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

func (s *FeedFiles) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	f, ok := s.files[r.URL.Path]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("ETag", f.etag)
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, "", f.mod, bytes.NewReader(f.data))
}

// NRDText is a newly-registered-domain list as plain text, one name a line.
func NRDText(names []string) []byte {
	var b bytes.Buffer
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// NRDZip is the common NRD format: a zip holding one text file (file)
// with one name a line.
func NRDZip(file string, names []string) ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create(file)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(NRDText(names)); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ZoneText is a TLD zone file in the layout CZDS publishes: the SOA, the
// apex NS records, then for each delegated name (sorted) its NS records,
// one absolute record a line. delegations maps a registrable name
// ("example.com") to its name servers.
func ZoneText(origin string, serial uint32, delegations map[string][]string) []byte {
	origin = strings.TrimSuffix(origin, ".")
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s.\t86400\tin\tsoa\ta.nic.%s. noc.nic.%s. %d 1800 900 604800 86400\n", origin, origin, origin, serial)
	fmt.Fprintf(&b, "%s.\t172800\tin\tns\ta.nic.%s.\n", origin, origin)
	names := make([]string, 0, len(delegations))
	for n := range delegations {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, ns := range delegations[n] {
			fmt.Fprintf(&b, "%s.\t172800\tin\tns\t%s.\n", n, strings.TrimSuffix(ns, "."))
		}
	}
	return b.Bytes()
}

// Gzip compresses data, as CZDS serves zone files.
func Gzip(data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}
