// Package watchlist parses the files a team keeps its watchlist in: plain
// text (one name a line), CSV with a header, or JSON; every bad line is
// reported with its number, value and reason.
package watchlist

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/infra"
	"github.com/takedownhq/takedown/store"
)

// Entry is one parsed watchlist line.
type Entry struct {
	Line int
	Name domain.Name
	Tags []string
	Note string
	Kind event.DomainKind // "", watch or brand; or ns, ip, asn for Infra
	// Infra is set, and Name empty, for a line of watched infrastructure
	// (kind ns, ip or asn: a name server, an address or CIDR, an AS).
	Infra *store.InfraWatch
}

// LineError is a bad watchlist line.
type LineError struct {
	Line   int
	Value  string
	Reason string
}

func (e LineError) Error() string {
	return fmt.Sprintf("line %d: %q: %s", e.Line, e.Value, e.Reason)
}

// BadLines is every bad line of a watchlist; parsing does not stop at the first.
type BadLines []LineError

func (b BadLines) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d bad line(s):", len(b))
	for _, e := range b {
		sb.WriteString("\n  ")
		sb.WriteString(e.Error())
	}
	return sb.String()
}

// Watchlist formats.
const (
	FormatTxt  = "txt"
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// MaxWatchlist bounds what one import reads (a watchlist, not a zone file).
const MaxWatchlist = 256 << 20

// FormatOf guesses a format from a file name, falling back to the content.
func FormatOf(name string, head []byte) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return FormatCSV
	case ".json":
		return FormatJSON
	case ".txt", ".list":
		return FormatTxt
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return FormatJSON
	}
	first, _, _ := bytes.Cut(trimmed, []byte("\n"))
	if bytes.Contains(bytes.ToLower(first), []byte("domain")) && bytes.ContainsAny(first, ",") {
		return FormatCSV
	}
	return FormatTxt
}

// Parse reads a whole watchlist. It returns every good entry and,
// when any line is bad, a BadLines error naming each; callers that import
// all-or-nothing write nothing in that case.
func Parse(r io.Reader, format string) ([]Entry, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxWatchlist+1))
	if err != nil {
		return nil, fmt.Errorf("read watchlist: %w", err)
	}
	if len(data) > MaxWatchlist {
		return nil, fmt.Errorf("watchlist larger than %d MiB", MaxWatchlist>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	switch format {
	case FormatTxt, "":
		return parseTxt(data)
	case FormatCSV:
		return parseCSV(data)
	case FormatJSON:
		return parseJSON(data)
	}
	return nil, fmt.Errorf("watchlist format %q: want txt, csv or json", format)
}

type collector struct {
	entries []Entry
	bad     BadLines
}

func (c *collector) add(line int, value string, tags []string, note, kind string) {
	if k := strings.ToLower(strings.TrimSpace(kind)); slices.Contains(infra.WatchKinds, k) {
		c.addInfra(line, value, note, k)
		return
	}
	n, err := domain.Normalize(value)
	if err != nil {
		var de *domain.Error
		reason := err.Error()
		if errors.As(err, &de) {
			reason = de.Reason
		}
		c.bad = append(c.bad, LineError{Line: line, Value: value, Reason: reason})
		return
	}
	kind = strings.ToLower(strings.TrimSpace(kind))
	if kind != "" && kind != "watch" && kind != "brand" {
		c.bad = append(c.bad, LineError{Line: line, Value: kind, Reason: "kind must be watch, brand, ns, ip or asn"})
		return
	}
	clean, err := CleanTags(tags)
	if err != nil {
		c.bad = append(c.bad, LineError{Line: line, Value: strings.Join(tags, ","), Reason: err.Error()})
		return
	}
	note, err = CleanNote(note)
	if err != nil {
		c.bad = append(c.bad, LineError{Line: line, Value: value, Reason: err.Error()})
		return
	}
	c.entries = append(c.entries, Entry{Line: line, Name: n, Tags: clean, Note: note, Kind: event.DomainKind(kind)})
}

func (c *collector) result() ([]Entry, error) {
	if len(c.bad) > 0 {
		return c.entries, c.bad
	}
	return c.entries, nil
}

func parseTxt(data []byte) ([]Entry, error) {
	var c collector
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i]
		}
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		c.add(line, s, nil, "", "")
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	return c.result()
}

func parseCSV(data []byte) ([]Entry, error) {
	var c collector
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.Comment = '#'
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("csv header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := col[h]; dup && (h == "domain" || h == "tags" || h == "note" || h == "kind") {
			return nil, fmt.Errorf("csv header %q: column %q named twice", strings.Join(header, ","), h)
		}
		col[h] = i
	}
	di, ok := col["domain"]
	if !ok {
		return nil, fmt.Errorf("csv header %q: no \"domain\" column", strings.Join(header, ","))
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				c.bad = append(c.bad, LineError{Line: pe.StartLine, Value: "", Reason: pe.Err.Error()})
				if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
					continue
				}
				return nil, fmt.Errorf("csv line %d: %w", pe.StartLine, err)
			}
			return nil, fmt.Errorf("csv: %w", err)
		}
		line, _ := r.FieldPos(0)
		if di >= len(rec) {
			c.bad = append(c.bad, LineError{Line: line, Value: strings.Join(rec, ","), Reason: "no domain column"})
			continue
		}
		c.add(line, rec[di], SplitTags(get(rec, "tags")), get(rec, "note"), get(rec, "kind"))
	}
	return c.result()
}

// addInfra adds a line of watched infrastructure.
func (c *collector) addInfra(line int, value, note, kind string) {
	w, err := infra.ParseWatch(kind, value)
	if err != nil {
		c.bad = append(c.bad, LineError{Line: line, Value: value, Reason: strings.TrimPrefix(err.Error(), infra.ErrBadWatch.Error()+": ")})
		return
	}
	if w.Note, err = CleanNote(note); err != nil {
		c.bad = append(c.bad, LineError{Line: line, Value: value, Reason: err.Error()})
		return
	}
	c.entries = append(c.entries, Entry{Line: line, Kind: event.DomainKind(kind), Infra: &w})
}

// jsonEntry is an object element of a JSON watchlist.
type jsonEntry struct {
	Domain string          `json:"domain"`
	Tags   json.RawMessage `json:"tags"`
	Note   string          `json:"note"`
	Kind   string          `json:"kind"`
}

func parseJSON(data []byte) ([]Entry, error) {
	var c collector
	dec := json.NewDecoder(bytes.NewReader(data))
	lineAt := func(off int64) int { return 1 + bytes.Count(data[:min(int(off), len(data))], []byte("\n")) }
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, errors.New("json watchlist: want an array of names or objects")
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("json line %d: unexpected end of input", lineAt(int64(len(bytes.TrimRight(data, "\n")))+1))
			}
			return nil, fmt.Errorf("json line %d: %w", lineAt(dec.InputOffset()), err)
		}
		// The element ends at InputOffset; its first byte is where it started.
		start := dec.InputOffset() - int64(len(raw))
		line := lineAt(start)
		switch t := bytes.TrimSpace(raw); {
		case len(t) > 0 && t[0] == '"':
			var s string
			json.Unmarshal(t, &s)
			c.add(line, s, nil, "", "")
		case len(t) > 0 && t[0] == '{':
			var e jsonEntry
			if err := json.Unmarshal(t, &e); err != nil {
				c.bad = append(c.bad, LineError{Line: line, Value: string(truncate(t, 80)), Reason: err.Error()})
				continue
			}
			tags, err := jsonTags(e.Tags)
			if err != nil {
				c.bad = append(c.bad, LineError{Line: line, Value: string(e.Tags), Reason: err.Error()})
				continue
			}
			c.add(line, e.Domain, tags, e.Note, e.Kind)
		default:
			c.bad = append(c.bad, LineError{Line: line, Value: string(truncate(t, 80)), Reason: "want a string or an object with \"domain\""})
		}
	}
	if _, err := dec.Token(); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("json line %d: unexpected end of input, want ]", lineAt(int64(len(data))))
		}
		return nil, fmt.Errorf("json line %d: %w", lineAt(dec.InputOffset()), err)
	}
	// Nothing may follow the array: `["a.com"] garbage` is not a list.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("json line %d: data after the closing ]", lineAt(dec.InputOffset()))
	}
	return c.result()
}

func jsonTags(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return SplitTags(s), nil
	}
	return nil, errors.New("tags: want a string or an array of strings")
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return append(b[:n:n], "…"...)
	}
	return b
}

// SplitTags splits "a;b, c" into tags.
func SplitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '|' || r == ' ' })
}

// CleanTags lower-cases tags, drops duplicates and rejects characters that
// would not survive a URL, a CSV cell or a shell.
func CleanTags(tags []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || seen[t] {
			continue
		}
		if len(t) > 64 {
			return nil, fmt.Errorf("tag %.20q… longer than 64 characters", t)
		}
		for _, r := range t {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:/", r)) {
				return nil, fmt.Errorf("tag %q: character %q not allowed (letters, digits, - _ . : /)", t, r)
			}
		}
		seen[t] = true
		out = append(out, t)
	}
	return out, nil
}
