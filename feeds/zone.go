package feeds

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// ZoneOptions tune zone files.
type ZoneOptions struct {
	// MaxBytes bounds a download and the decompressed zone. Default 64 GiB
	// (CZDS .com is about 25 GiB of text).
	MaxBytes int64
	// Timeout bounds one download. Default 2 hours.
	Timeout time.Duration
	// ChunkNames is how many names are sorted in memory before they spill
	// to a run file on disk. Default 2,000,000 (some 100 MB).
	ChunkNames int
	// MaxBadLines: a zone with more bad records than this is not diffed
	// (its delegations cannot be trusted to be complete). Default 1,000.
	MaxBadLines int
}

func (o ZoneOptions) withDefaults() ZoneOptions {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 64 << 30
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Hour
	}
	if o.ChunkNames <= 0 {
		o.ChunkNames = 2_000_000
	}
	if o.MaxBadLines <= 0 {
		o.MaxBadLines = 1000
	}
	return o
}

// zoneCursor is a zone feed's resume point: the file last diffed and the
// snapshot of its delegated names that the next file is diffed against.
type zoneCursor struct {
	validators
	Origin   string `json:"origin,omitempty"`
	Serial   uint32 `json:"serial,omitempty"`
	Names    int64  `json:"names"`
	Snapshot string `json:"snapshot,omitempty"` // file name in the feed's directory
}

// ZoneLineError is a record the zone parser refused; the rest of the file
// is still read.
type ZoneLineError struct {
	File string
	Line int
	Err  string
}

func (e ZoneLineError) Error() string { return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Err) }

func (r *Runner) runZone(ctx context.Context, f store.Feed, m *Matcher, log *slog.Logger) (Stats, error) {
	o := r.Zone.withDefaults()
	var st Stats
	var cur zoneCursor
	if f.Cursor != "" {
		if err := json.Unmarshal([]byte(f.Cursor), &cur); err != nil {
			return st, fmt.Errorf("cursor %q: %w", f.Cursor, err)
		}
	}
	root, err := r.dir()
	if err != nil {
		return st, err
	}
	dir := filepath.Join(root, "zone-"+Slug(f.Name))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return st, err
	}
	staleDownloads(dir)
	l, err := r.fetch(ctx, f.URL, cur.validators, dir, o.MaxBytes, o.Timeout)
	if err != nil {
		return st, err
	}
	defer l.close()
	if l.notModified || l.v.SHA256 == cur.SHA256 {
		log.Debug("zone file unchanged", "file", f.URL)
		return st, nil
	}
	rc, err := openContent(l.path, o.MaxBytes)
	if err != nil {
		return st, err
	}
	defer rc.Close()
	snap := "names-" + l.v.SHA256[:16] + ".gz"
	rx, err := r.relatedIndex(ctx)
	if err != nil {
		return st, err
	}
	onWatchedNS, nsOf := zoneNS(rx, r.Related.withDefaults().CommonThreshold)
	info, err := buildSnapshot(ctx, rc, filepath.Base(f.URL), filepath.Join(dir, snap), dir, o, func(e ZoneLineError) {
		log.Warn("bad zone record skipped", "line", e.Line, "err", e.Err)
		st.bad(e.Error())
	}, onWatchedNS)
	if err != nil {
		os.Remove(filepath.Join(dir, snap))
		return st, err
	}
	if info.bad > o.MaxBadLines {
		os.Remove(filepath.Join(dir, snap))
		return st, fmt.Errorf("%s: %d bad records (more than %d): not diffed", f.URL, info.bad, o.MaxBadLines)
	}
	if info.origin == "" && info.names == 0 {
		os.Remove(filepath.Join(dir, snap))
		return st, fmt.Errorf("%s: %w: no SOA and no delegation (%d bad records)", f.URL, ErrNotNameList, info.bad)
	}
	st.Files = 1
	next := zoneCursor{validators: l.v, Origin: info.origin, Serial: info.serial, Names: info.names, Snapshot: snap}
	b := &batch{}
	if cur.Snapshot == "" {
		// The first file is the baseline: every name in it was registered
		// before the feed existed, and announcing them all would bury what
		// comes next.
		log.Info("zone baseline", "origin", info.origin, "delegations", info.names)
	} else {
		src := map[string]any{"zone": info.origin, "serial": info.serial}
		err := diffSorted(filepath.Join(dir, cur.Snapshot), filepath.Join(dir, snap), func(name string, added bool) {
			if added {
				st.Added++
				b.names++
				if w, ok := m.watched[name]; ok {
					b.watched = append(b.watched, zoneWatched(f.Name, w, event.DelegationAdded, info))
				}
				b.matchName(m, name, src)
				if hosts := nsOf(name); len(hosts) > 0 {
					if h, ok := rx.match(m, name, nsKeys(hosts), src); ok {
						b.addRelated(h)
					}
				}
				return
			}
			st.Removed++
			if w, ok := m.watched[name]; ok {
				b.watched = append(b.watched, zoneWatched(f.Name, w, event.DelegationRemoved, info))
			}
		})
		if err != nil {
			os.Remove(filepath.Join(dir, snap))
			return st, err
		}
	}
	st.Names += b.names
	f.Cursor = string(mustJSON(next))
	if err := r.commit(ctx, &f, b, &st); err != nil {
		os.Remove(filepath.Join(dir, snap))
		return st, err
	}
	// Committed: older snapshots and leftovers of killed runs can go.
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			if e.Name() != snap && e.Name() != filepath.Base(l.path) {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	return st, nil
}

func zoneWatched(feed string, w Watched, kind event.Kind, info zoneInfo) watchedEvent {
	sev := event.SevNotice
	switch {
	case kind == event.DelegationRemoved:
		sev = event.SevWarning // suspended, deleted or pulled by the registry
	case w.TakenDown():
		sev = event.SevWarning // back in the zone after a takedown
	}
	return watchedEvent{ev: store.Event{DomainID: w.ID, Domain: w.Name, Kind: kind, Probe: event.ProbeZone, Severity: sev,
		Detail: mustJSON(map[string]any{"source": SourcePrefix + feed, "zone": info.origin, "serial": info.serial, "state": w.State})}}
}

type zoneInfo struct {
	origin string
	serial uint32
	names  int64
	bad    int
}

// buildSnapshot parses a zone and writes the sorted, distinct names it
// delegates (owners of NS records below the apex) to out, gzipped. Names
// are sorted in chunks of o.ChunkNames that spill to run files in tmpDir
// and are merged, so memory stays bounded whatever the zone's size.
//
// onNS, when not nil, is told every delegation's owner and name server.
func buildSnapshot(ctx context.Context, r io.Reader, file, out, tmpDir string, o ZoneOptions, bad func(ZoneLineError),
	onNS func(owner, host string)) (zoneInfo, error) {
	var info zoneInfo
	nr := &nameRuns{dir: tmpDir, size: o.ChunkNames, chunk: make([]string, 0, min(o.ChunkNames, 1<<16))}
	defer nr.remove()
	n := 0
	err := ParseZone(r, file, func(rr dns.RR) error {
		n++
		if n&0xffff == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		return info.record(rr, nr, onNS)
	}, func(e ZoneLineError) {
		info.bad++
		bad(e)
	})
	if err != nil {
		return info, err
	}
	f, err := os.Create(out)
	if err != nil {
		return info, err
	}
	if info.names, err = nr.write(f, info.origin); err != nil {
		os.Remove(out)
		return info, fmt.Errorf("zone snapshot: %w", err)
	}
	return info, nil
}

// record reads one record of a zone: its first SOA names the zone, an NS
// record below the apex names a delegated domain, which goes to nr.
func (info *zoneInfo) record(rr dns.RR, nr *nameRuns, onNS func(owner, host string)) error {
	h := rr.Header()
	switch rr := rr.(type) {
	case *dns.SOA:
		if info.origin == "" {
			info.origin, info.serial = strings.ToLower(strings.TrimSuffix(h.Name, ".")), rr.Serial
		}
	case *dns.NS:
		name := strings.ToLower(strings.TrimSuffix(h.Name, "."))
		if onNS != nil && name != info.origin && name != "" {
			onNS(name, strings.ToLower(strings.TrimSuffix(rr.Ns, ".")))
		}
		if name == info.origin || name == "" {
			return nil
		}
		return nr.add(name)
	}
	return nil
}

// nameRuns sorts names in chunks of size that spill, sorted and
// distinct, to run files in dir, so memory stays bounded.
type nameRuns struct {
	dir   string
	size  int
	chunk []string
	runs  []string
	last  string // a zone lists a name's NS records together: skip repeats early
}

func (nr *nameRuns) add(name string) error {
	if name == nr.last {
		return nil
	}
	nr.last = name
	nr.chunk = append(nr.chunk, name)
	if len(nr.chunk) >= nr.size {
		return nr.spill()
	}
	return nil
}

func (nr *nameRuns) spill() error {
	if len(nr.chunk) == 0 {
		return nil
	}
	slices.Sort(nr.chunk)
	nr.chunk = slices.Compact(nr.chunk)
	tf, err := os.CreateTemp(nr.dir, "run-*")
	if err != nil {
		return err
	}
	nr.runs = append(nr.runs, tf.Name())
	err = writeNames(tf, nr.chunk, false)
	nr.chunk = nr.chunk[:0]
	return err
}

// remove deletes the run files.
func (nr *nameRuns) remove() {
	for _, p := range nr.runs {
		os.Remove(p)
	}
}

// write writes every name but origin, sorted and distinct, gzipped to f
// and returns how many; straight from memory when nothing spilled.
func (nr *nameRuns) write(f *os.File, origin string) (int64, error) {
	// The origin's own NS records may come before its SOA.
	if origin != "" {
		nr.chunk = slices.DeleteFunc(nr.chunk, func(s string) bool { return s == origin })
	}
	if len(nr.runs) == 0 {
		slices.Sort(nr.chunk)
		nr.chunk = slices.Compact(nr.chunk)
		return int64(len(nr.chunk)), writeNames(f, nr.chunk, true)
	}
	if err := nr.spill(); err != nil {
		return 0, err
	}
	return mergeRuns(f, nr.runs, origin)
}

// writeNames writes names one a line, gzipped or not, and closes w.
func writeNames(w io.WriteCloser, names []string, gz bool) error {
	var dst io.Writer = w
	var zw *gzip.Writer
	if gz {
		zw, _ = gzip.NewWriterLevel(w, gzip.BestSpeed)
		dst = zw
	}
	bw := bufio.NewWriterSize(dst, 1<<16)
	for _, n := range names {
		bw.WriteString(n)
		bw.WriteByte('\n')
	}
	err := bw.Flush()
	if zw != nil {
		err = errors.Join(err, zw.Close())
	}
	return errors.Join(err, w.Close())
}

// mergeRuns merges sorted run files into w (gzipped), dropping duplicates
// and the origin, and returns the count written.
func mergeRuns(w io.WriteCloser, runs []string, origin string) (int64, error) {
	h := &runHeap{}
	for _, p := range runs {
		f, err := os.Open(p)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		s := bufio.NewScanner(bufio.NewReaderSize(f, 1<<16))
		s.Buffer(make([]byte, 512), 1024)
		if s.Scan() {
			heap.Push(h, &runReader{s: s, cur: s.Text()})
		} else if err := s.Err(); err != nil {
			return 0, err
		}
	}
	zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
	bw := bufio.NewWriterSize(zw, 1<<16)
	var count int64
	prev := ""
	for h.Len() > 0 {
		top := (*h)[0]
		if top.cur != prev && top.cur != origin {
			bw.WriteString(top.cur)
			bw.WriteByte('\n')
			count++
			prev = top.cur
		}
		if top.s.Scan() {
			top.cur = top.s.Text()
			heap.Fix(h, 0)
		} else {
			if err := top.s.Err(); err != nil {
				return 0, err
			}
			heap.Pop(h)
		}
	}
	err := errors.Join(bw.Flush(), zw.Close(), w.Close())
	return count, err
}

type runReader struct {
	s   *bufio.Scanner
	cur string
}

type runHeap []*runReader

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return h[i].cur < h[j].cur }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// diffSorted streams two sorted name files (gzipped snapshots) side by side
// and reports each name only in the new one (added) or only in the old
// one (removed).
func diffSorted(oldPath, newPath string, fn func(name string, added bool)) error {
	open := func(p string) (*bufio.Scanner, func(), error) {
		f, err := os.Open(p)
		if err != nil {
			return nil, nil, fmt.Errorf("zone snapshot: %w", err)
		}
		zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<16))
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("zone snapshot %s: %w", filepath.Base(p), err)
		}
		s := bufio.NewScanner(zr)
		s.Buffer(make([]byte, 1024), 1024)
		return s, func() { zr.Close(); f.Close() }, nil
	}
	a, closeA, err := open(oldPath)
	if err != nil {
		return err
	}
	defer closeA()
	b, closeB, err := open(newPath)
	if err != nil {
		return err
	}
	defer closeB()
	okA, okB := a.Scan(), b.Scan()
	for okA || okB {
		switch {
		case !okB || (okA && a.Text() < b.Text()):
			fn(a.Text(), false)
			okA = a.Scan()
		case !okA || b.Text() < a.Text():
			fn(b.Text(), true)
			okB = b.Scan()
		default:
			okA, okB = a.Scan(), b.Scan()
		}
	}
	return errors.Join(a.Err(), b.Err())
}

// zoneChunkLines is how many lines the zone parser gets at a time. A bad
// record ends miekg/dns's parser, so the file goes to it in chunks cut
// between records; a chunk with a bad record is parsed again from the
// line after it, and the rest of the file is not lost.
const zoneChunkLines = 4096

// maxZoneLine bounds one line of a zone file.
const maxZoneLine = 64 << 10

var parseErrLine = regexp.MustCompile(`^(.*) at line: (\d+):\d+$`)

// ParseZone reads an RFC 1035 master file with miekg/dns's zone parser
// and calls fn with each record. A bad record is reported to bad with its
// line and skipped; an error from fn or the reader (a truncated gzip) ends
// the parse. $INCLUDE is refused: a zone file must not read other files.
func ParseZone(r io.Reader, file string, fn func(dns.RR) error, bad func(ZoneLineError)) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var (
		lines     [][]byte // the chunk's lines
		first     = 1      // file line of lines[0]
		lineNo    = 0
		depth     = 0 // open parentheses
		origin    = ""
		ttl       = ""
		lastOwner = ""
		buf       bytes.Buffer
	)
	// parse feeds lines[from:] to a parser that starts with the state the
	// directives before them set.
	parse := func(from int) error {
		for from < len(lines) {
			buf.Reset()
			prefix := 0
			// Directives earlier in the chunk than from still apply.
			o, t := origin, ttl
			for _, l := range lines[:from] {
				o, t = directive(l, o, t)
			}
			if o != "" {
				fmt.Fprintf(&buf, "$ORIGIN %s\n", o)
				prefix++
			}
			if t != "" {
				fmt.Fprintf(&buf, "$TTL %s\n", t)
				prefix++
			}
			for i, l := range lines[from:] {
				if i == 0 && len(l) > 0 && (l[0] == ' ' || l[0] == '\t') && lastOwner != "" {
					// Restarting after a bad record: the line names no
					// owner, so give it the last one seen.
					buf.WriteString(lastOwner)
				}
				buf.Write(l)
				buf.WriteByte('\n')
			}
			zp := dns.NewZoneParser(bytes.NewReader(buf.Bytes()), "", file)
			zp.SetIncludeAllowed(false)
			for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
				lastOwner = rr.Header().Name
				if err := fn(rr); err != nil {
					return err
				}
			}
			perr := zp.Err()
			if perr == nil {
				break
			}
			msg := strings.TrimPrefix(perr.Error(), file+": ")
			rel := len(lines) - from // unknown line: give up on the chunk's rest
			if mm := parseErrLine.FindStringSubmatch(msg); mm != nil {
				msg = mm[1]
				if k, err := strconv.Atoi(mm[2]); err == nil && k-prefix >= 1 {
					rel = k - prefix
				}
			}
			bad(ZoneLineError{File: file, Line: first + from + rel - 1, Err: clip(withheld(msg), 200)})
			from += rel
		}
		return nil
	}
	flush := func() error {
		if len(lines) == 0 {
			return nil
		}
		if err := parse(0); err != nil {
			return err
		}
		for _, l := range lines {
			origin, ttl = directive(l, origin, ttl)
		}
		first += len(lines)
		lines = lines[:0]
		return nil
	}
	for {
		l, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) || len(l) > maxZoneLine {
			lineNo++
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			// Keep the line count right: an empty line stands in for it.
			if depth == 0 && len(lines) >= zoneChunkLines {
				if ferr := flush(); ferr != nil {
					return ferr
				}
			}
			lines = append(lines, nil)
			bad(ZoneLineError{File: file, Line: lineNo, Err: fmt.Sprintf("longer than %d bytes", maxZoneLine)})
		} else if len(l) > 0 {
			lineNo++
			l = bytes.TrimRight(l, "\r\n")
			// Cut chunks only between records: outside parentheses, before
			// a line that names its owner.
			if depth == 0 && len(lines) >= zoneChunkLines && len(l) > 0 && l[0] != ' ' && l[0] != '\t' {
				if ferr := flush(); ferr != nil {
					return ferr
				}
			}
			lines = append(lines, bytes.Clone(l))
			depth = max(0, depth+parens(l))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s line %d: %w", file, lineNo, err)
		}
	}
	return flush()
}

// directive applies a $ORIGIN or $TTL line to the state.
func directive(l []byte, origin, ttl string) (string, string) {
	if len(l) == 0 || l[0] != '$' {
		return origin, ttl
	}
	f := strings.Fields(string(l))
	if len(f) < 2 {
		return origin, ttl
	}
	switch strings.ToUpper(f[0]) {
	case "$ORIGIN":
		origin = f[1]
	case "$TTL":
		ttl = f[1]
	}
	return origin, ttl
}

// parens counts the parentheses a line opens minus those it closes,
// outside quotes and comments.
func parens(l []byte) int {
	n, quoted := 0, false
	for i := 0; i < len(l); i++ {
		switch c := l[i]; {
		case c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ';':
			return n
		case c == '(':
			n++
		case c == ')':
			n--
		}
	}
	return n
}
