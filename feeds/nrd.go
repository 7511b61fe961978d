package feeds

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unsafe"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// NRDOptions tune newly-registered-domain lists.
type NRDOptions struct {
	// MaxBytes bounds a download and its decompressed text. Default 1 GiB.
	MaxBytes int64
	// Timeout bounds one download. Default 10 minutes.
	Timeout time.Duration
	// Backfill is how many past days a dated feed ({date} in its URL)
	// reads on its first run, besides today. Default 1 (yesterday).
	Backfill int
	// Relist: a watched domain listed again after this long is announced
	// again (a drop and a new registration). Default 60 days.
	Relist time.Duration
}

func (o NRDOptions) withDefaults() NRDOptions {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 30
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	if o.Backfill < 0 {
		o.Backfill = 0
	} else if o.Backfill == 0 {
		o.Backfill = 1
	}
	if o.Relist <= 0 {
		o.Relist = 60 * 24 * time.Hour
	}
	return o
}

// DatePlaceholder in an NRD feed's URL or path is replaced by each day's
// date (YYYY-MM-DD, UTC): the feed then walks the days from its cursor to
// today, one file each.
const DatePlaceholder = "{date}"

// nrdCursor is an NRD feed's resume point: the last file processed (its
// date for dated feeds, its validators and hash), so a file is read once
// however often the feed runs and whatever the server says.
type nrdCursor struct {
	Date string `json:"date,omitempty"`
	validators
}

func (r *Runner) runNRD(ctx context.Context, f store.Feed, m *Matcher, log *slog.Logger) (Stats, error) {
	o := r.NRD.withDefaults()
	var st Stats
	var cur nrdCursor
	if f.Cursor != "" {
		if err := json.Unmarshal([]byte(f.Cursor), &cur); err != nil {
			return st, fmt.Errorf("cursor %q: %w", f.Cursor, err)
		}
	}
	dir, err := r.dir()
	if err != nil {
		return st, err
	}
	staleDownloads(dir)
	if !strings.Contains(f.URL, DatePlaceholder) {
		err := r.nrdFile(ctx, &f, m, f.URL, cur, "", o, dir, &st, log)
		return st, err
	}
	today := r.now().UTC().Truncate(24 * time.Hour)
	day := today.AddDate(0, 0, -o.Backfill)
	if cur.Date != "" {
		last, err := time.Parse(time.DateOnly, cur.Date)
		if err != nil {
			return st, fmt.Errorf("cursor date %q: %w", cur.Date, err)
		}
		day = last.AddDate(0, 0, 1)
	}
	for ; !day.After(today); day = day.AddDate(0, 0, 1) {
		date := day.Format(time.DateOnly)
		loc := strings.ReplaceAll(f.URL, DatePlaceholder, date)
		err := r.nrdFile(ctx, &f, m, loc, nrdCursor{Date: cur.Date}, date, o, dir, &st, log)
		switch {
		case errors.Is(err, ErrNotFound) && day.Equal(today):
			log.Debug("today's list is not published yet", "file", loc)
			return st, nil
		case errors.Is(err, ErrNotFound):
			// A past day's file that is missing will not appear later:
			// step over it so the feed does not stall.
			log.Warn("daily list missing; skipped", "file", loc)
			cur.Date = date
			f.Cursor = string(mustJSON(cur))
			if err := r.commit(ctx, &f, &batch{}, &st); err != nil {
				return st, err
			}
		case err != nil:
			return st, err
		default:
			cur.Date = date
		}
	}
	return st, nil
}

// nrdFile reads one list and commits its matches with the cursor that
// names it. date is the day of a dated feed ("" otherwise).
func (r *Runner) nrdFile(ctx context.Context, f *store.Feed, m *Matcher, loc string, cur nrdCursor, date string,
	o NRDOptions, dir string, st *Stats, log *slog.Logger) error {
	prev := cur.validators
	if date != "" {
		prev = validators{} // another day's file: no conditional request
	}
	l, err := r.fetch(ctx, loc, prev, dir, o.MaxBytes, o.Timeout)
	if err != nil {
		return err
	}
	defer l.close()
	next := nrdCursor{Date: date, validators: l.v}
	if l.notModified || (date == "" && l.v.SHA256 == cur.SHA256) {
		log.Debug("list unchanged", "file", loc)
		return nil
	}
	rc, err := openContent(l.path, o.MaxBytes)
	if err != nil {
		return err
	}
	defer rc.Close()
	b := &batch{}
	var refused int64
	source := map[string]any{"file": loc}
	if date != "" {
		source["date"] = date
	}
	rx, err := r.relatedIndex(ctx)
	if err != nil {
		return err
	}
	rs := r.newResolver(ctx, m, rx, source)
	readErr := ScanNames(rc, func(name string) {
		b.names++
		if w, ok := m.watched[name]; ok {
			b.watched = append(b.watched, nrdWatched(f.Name, w, loc, date, o.Relist))
		} else {
			rs.add(ctx, name)
		}
		// name aliases the reader's buffer: matchName copies what it keeps.
		b.matchName(m, name, source)
	}, func(line int64, why string) {
		refused++
		st.bad(fmt.Sprintf("%s line %d: %s", loc, line, why))
	})
	for _, h := range rs.finish() {
		b.addRelated(h)
	}
	if err := ctx.Err(); err != nil {
		return err // names resolved before the end are not the whole list
	}
	st.Names += b.names
	if readErr == nil && b.names == 0 && refused > 0 {
		return fmt.Errorf("%s: %w: none of its lines is a domain name (%d refused)", loc, ErrNotNameList, refused)
	}
	if readErr != nil {
		// Matches read before the damage are real; commit them, but keep
		// the cursor so the file is read again when it is whole.
		g := *f
		if err := r.commit(ctx, &g, b, st); err != nil {
			return err
		}
		f.NamesSeen, f.Matches, f.LastRun = g.NamesSeen, g.Matches, g.LastRun
		return fmt.Errorf("%s: %w", loc, readErr)
	}
	f.Cursor = string(mustJSON(next))
	if err := r.commit(ctx, f, b, st); err != nil {
		return err
	}
	st.Files++
	return nil
}

func nrdWatched(feed string, w Watched, loc, date string, relist time.Duration) watchedEvent {
	sev := event.SevNotice
	if w.TakenDown() {
		sev = event.SevWarning // back on the market, maybe with the same actor
	}
	return watchedEvent{
		ev: store.Event{DomainID: w.ID, Domain: w.Name, Kind: event.NRDListed, Severity: sev, New: w.Name,
			Detail: mustJSON(map[string]any{"source": SourcePrefix + feed, "file": loc, "date": date, "state": w.State})},
		scope: "nrd", key: w.Name, refire: relist,
	}
}

// maxLine bounds one line of a list; longer ones are skipped.
const maxLine = 4096

// ScanNames reads a list of names, one a line, and calls fn with each,
// lower-cased, trimmed, without a trailing dot. Blank lines and # comments
// are skipped; a line's first field counts (lists with a date or a score
// after the name). bad is told about lines that cannot be a name. The
// string fn gets is only valid during the call (it aliases the read
// buffer, to keep a million names a second free of allocations): copy it
// to keep it.
func ScanNames(r io.Reader, fn func(name string), bad func(line int64, why string)) error {
	br := bufio.NewReaderSize(r, 256<<10)
	var line int64
	for {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			line++
			bad(line, fmt.Sprintf("longer than %d bytes", maxLine))
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			continue
		}
		if len(b) > 0 && (err == nil || err == io.EOF) {
			line++
			if name, why := cleanName(b); why != "" {
				bad(line, why)
			} else if len(name) > 0 {
				fn(unsafe.String(&name[0], len(name)))
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// cleanName turns a raw line into a candidate name in place: it returns an
// empty name for lines to skip silently and a reason for bad ones.
func cleanName(b []byte) ([]byte, string) {
	// Trim the line end and leading blanks.
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	if len(b) == 0 || b[0] == '#' {
		return nil, ""
	}
	if i := bytes.IndexAny(b, " \t,;"); i >= 0 {
		b = b[:i]
	}
	if len(b) > 0 && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return nil, ""
	}
	if len(b) > 253 {
		return nil, "longer than 253 bytes"
	}
	dot := false
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c == '.':
			dot = true
		case c >= 0x80:
			// Unicode names are matched as they are (the slow path).
		default:
			// The line is not quoted: the file may be anything (a path
			// pointing at /etc/passwd), and its lines are not ours to print.
			return nil, fmt.Sprintf("not a domain name (byte %#02x at column %d)", c, i+1)
		}
	}
	if !dot {
		return nil, "not a domain name (no dot)"
	}
	return b, ""
}
