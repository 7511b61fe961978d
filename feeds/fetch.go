package feeds

import (
	"archive/zip"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrNotFound is returned for a file the source does not have (HTTP 404 or
// a missing path): a daily file not published yet.
var ErrNotFound = errors.New("file not found")

// ErrTooLarge is returned when a download or its decompressed content
// passes the configured bound.
var ErrTooLarge = errors.New("larger than allowed")

// IsURL reports whether a feed location is an HTTP(S) URL rather than a path.
func IsURL(loc string) bool {
	return strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://")
}

// ValidateLocation checks a feed's URL or path as given by a user: an
// http(s) URL with a host, or a path (not checked for existence: a daily
// file may appear later).
func ValidateLocation(loc string) error {
	if strings.TrimSpace(loc) == "" {
		return errors.New("empty URL or path")
	}
	if strings.ContainsAny(loc, "\x00\r\n") {
		return fmt.Errorf("%q: control characters", loc)
	}
	if i := strings.Index(loc, "://"); i >= 0 {
		u, err := url.Parse(loc)
		if err != nil {
			return fmt.Errorf("%q: %v", loc, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return fmt.Errorf("%q: scheme %q: want http or https", loc, u.Scheme)
		}
		if u.Host == "" || u.Hostname() == "" {
			return fmt.Errorf("%q: no host", loc)
		}
	}
	return nil
}

// validators are what a conditional GET sends and a file's identity.
type validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	SHA256       string `json:"sha256,omitempty"`
}

// local is a fetched file on disk.
type local struct {
	path        string
	temp        bool // remove when done
	v           validators
	size        int64
	notModified bool
}

func (l *local) close() {
	if l != nil && l.temp {
		os.Remove(l.path)
	}
}

// fetch makes loc available as a local file: a path is used in place, a
// URL is downloaded (conditionally on prev, bounded by limit bytes and
// timeout) into dir. Either way the file is hashed, so an unchanged file
// is recognized whatever the server says.
func (r *Runner) fetch(ctx context.Context, loc string, prev validators, dir string, limit int64, timeout time.Duration) (*local, error) {
	if !IsURL(loc) {
		fi, err := os.Stat(loc)
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", loc, ErrNotFound)
		}
		if err != nil {
			return nil, err
		}
		if fi.Size() > limit {
			return nil, fmt.Errorf("%s: %d bytes: %w (%d)", loc, fi.Size(), ErrTooLarge, limit)
		}
		sum, err := hashFile(loc)
		if err != nil {
			return nil, err
		}
		return &local{path: loc, size: fi.Size(), v: validators{SHA256: sum}}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", userAgent)
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := r.httpClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return &local{notModified: true, v: prev}, nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, fmt.Errorf("%s: %w (HTTP %d)", loc, ErrNotFound, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%s: HTTP %s", loc, resp.Status)
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%s: %d bytes: %w (%d)", loc, resp.ContentLength, ErrTooLarge, limit)
	}
	f, err := os.CreateTemp(dir, "download-*")
	if err != nil {
		return nil, err
	}
	l := &local{path: f.Name(), temp: true}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(resp.Body, limit+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		l.close()
		return nil, fmt.Errorf("%s: download: %w", loc, err)
	case n > limit:
		l.close()
		return nil, fmt.Errorf("%s: %w (%d bytes)", loc, ErrTooLarge, limit)
	case resp.ContentLength >= 0 && n != resp.ContentLength:
		l.close()
		return nil, fmt.Errorf("%s: download: got %d of %d bytes", loc, n, resp.ContentLength)
	}
	l.size = n
	l.v = validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), SHA256: hex.EncodeToString(h.Sum(nil))}
	return l, nil
}

const userAgent = "takedown-feeds/1"

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// openContent opens a fetched file for reading its text: a zip holding one
// file (the common NRD format), gzip (CZDS zone files) or plain text,
// recognized by their first bytes. The text is bounded to limit bytes;
// reading past it fails with ErrTooLarge, so a compression bomb stops there.
func openContent(path string, limit int64) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(f, 1<<16)
	magic, _ := br.Peek(4)
	switch {
	case len(magic) >= 4 && string(magic) == "PK\x03\x04":
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		zr, err := zip.NewReader(f, fi.Size())
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: zip: %w", filepath.Base(path), err)
		}
		var file *zip.File
		for _, zf := range zr.File {
			if zf.FileInfo().IsDir() {
				continue
			}
			if file != nil {
				f.Close()
				return nil, fmt.Errorf("%s: zip holds more than one file (%s, %s)", filepath.Base(path), file.Name, zf.Name)
			}
			file = zf
		}
		if file == nil {
			f.Close()
			return nil, fmt.Errorf("%s: empty zip", filepath.Base(path))
		}
		rc, err := file.Open()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: zip %s: %w", filepath.Base(path), file.Name, err)
		}
		return &bounded{r: rc, left: limit, closers: []io.Closer{rc, f}}, nil
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: gzip: %w", filepath.Base(path), err)
		}
		return &bounded{r: zr, left: limit, closers: []io.Closer{zr, f}, gz: true}, nil
	}
	return &bounded{r: br, left: limit, closers: []io.Closer{f}}, nil
}

// bounded stops a reader at a size and names truncated compressed input.
type bounded struct {
	r       io.Reader
	left    int64
	closers []io.Closer
	gz      bool
}

func (b *bounded) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Allow a clean EOF exactly at the bound.
		var one [1]byte
		if n, _ := b.r.Read(one[:]); n == 0 {
			return 0, io.EOF
		}
		return 0, ErrTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("compressed data truncated: %w", err)
	}
	return n, err
}

func (b *bounded) Close() error {
	var err error
	for _, c := range b.closers {
		err = errors.Join(err, c.Close())
	}
	return err
}
