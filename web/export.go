package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Exports stream every row that matches the list filters, a page of
// exportBatch at a time, so memory stays flat however big the table.
const exportBatch = 1000

// csvSafe neutralises a cell a spreadsheet would run as a formula. Values
// here come from WHOIS records, page titles and notes, all of which an
// attacker can choose; a leading apostrophe makes them text.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// exporter writes one kind of row as CSV or JSON.
type exporter struct {
	header []string
	// each calls fn for every row, batch by batch, until fn fails.
	each func(ctx context.Context, fn func(csvRow []string, jsonRow any) error) error
}

func (s *Server) apiExport(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	what, format, _ := strings.Cut(file, ".")
	if format != "csv" && format != "json" {
		s.fail(w, r, http.StatusNotFound, "export "+strconv.Quote(clip(file, 40))+": want domains, events or lookalikes .csv or .json")
		return
	}
	ex, err := s.exporter(what, r)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if ex == nil {
		s.fail(w, r, http.StatusNotFound, "export "+strconv.Quote(clip(file, 40))+": want domains, events or lookalikes .csv or .json")
		return
	}
	name := fmt.Sprintf("takedown-%s-%s.%s", what, s.opts.Now().UTC().Format("20060102-150405"), format)
	h := w.Header()
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	ctx := r.Context()
	if format == "csv" {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		cw := csv.NewWriter(w)
		cw.Write(ex.header)
		err = ex.each(ctx, func(row []string, _ any) error {
			for i := range row {
				row[i] = csvSafe(row[i])
			}
			return cw.Write(row)
		})
		cw.Flush()
	} else {
		h.Set("Content-Type", "application/json; charset=utf-8")
		enc := json.NewEncoder(w)
		first := true
		w.Write([]byte("["))
		err = ex.each(ctx, func(_ []string, v any) error {
			if !first {
				w.Write([]byte(","))
			}
			first = false
			return enc.Encode(v)
		})
		w.Write([]byte("]\n"))
	}
	if err != nil {
		// Headers are gone; the truncated file is the signal. Log why.
		s.log.Error("export", "file", file, "err", err)
	}
}

func (s *Server) exporter(what string, r *http.Request) (*exporter, error) {
	q := r.URL.Query()
	switch what {
	case "domains":
		dq, err := domainQuery(q)
		if err != nil {
			return nil, err
		}
		return &exporter{
			header: []string{"domain", "unicode", "kind", "state", "state_since", "state_reasons", "tags", "note",
				"source", "added_at", "last_checked", "enabled"},
			each: func(ctx context.Context, fn func([]string, any) error) error {
				for off := 0; ; off += exportBatch {
					dq.Limit, dq.Offset = exportBatch, off
					ds, _, err := s.st.Domains(ctx, dq)
					if err != nil {
						return err
					}
					for _, d := range ds {
						row := []string{d.Name, d.Unicode, string(d.Kind), string(d.State), csvTime(d.StateSince),
							strings.Join(d.StateReasons, "; "), strings.Join(d.Tags, " "), d.Note, d.Source,
							csvTime(d.AddedAt), csvTime(d.LastChecked), strconv.FormatBool(d.Enabled)}
						if err := fn(row, d); err != nil {
							return err
						}
					}
					if len(ds) < exportBatch {
						return nil
					}
				}
			},
		}, nil
	case "events":
		eq, err := eventQuery(q)
		if err != nil {
			return nil, err
		}
		return &exporter{
			header: []string{"id", "at", "domain", "kind", "severity", "probe", "field", "old", "new", "detail"},
			each: func(ctx context.Context, fn func([]string, any) error) error {
				for off := 0; ; off += exportBatch {
					eq.Limit, eq.Offset = exportBatch, off
					evs, err := s.st.Events(ctx, eq)
					if err != nil {
						return err
					}
					for _, e := range evs {
						row := []string{strconv.FormatInt(e.ID, 10), csvTime(e.At), e.Domain, string(e.Kind), string(e.Severity),
							string(e.Probe), e.Field, e.Old, e.New, string(e.Detail)}
						if err := fn(row, toAPIEvent(e)); err != nil {
							return err
						}
					}
					if len(evs) < exportBatch {
						return nil
					}
				}
			},
		}, nil
	case "lookalikes":
		lq, err := lookalikeQuery(q)
		if err != nil {
			return nil, err
		}
		return &exporter{
			header: []string{"brand", "name", "unicode", "fuzzer", "source", "score", "registered", "registered_seen",
				"created", "first_seen", "last_checked", "status", "status_at", "dns"},
			each: func(ctx context.Context, fn func([]string, any) error) error {
				for off := 0; ; off += exportBatch {
					lq.Limit, lq.Offset = exportBatch, off
					ls, _, err := s.st.Lookalikes(ctx, lq)
					if err != nil {
						return err
					}
					for _, l := range ls {
						row := []string{l.Brand, l.Name, l.Unicode, l.Fuzzer, l.Source,
							strconv.FormatFloat(l.Score, 'f', -1, 64), string(l.Registered), csvTime(l.RegisteredSeen),
							csvTime(l.Created), csvTime(l.FirstSeen), csvTime(l.LastChecked), string(l.Status),
							csvTime(l.StatusAt), string(l.DNS)}
						if err := fn(row, toAPILookalike(l)); err != nil {
							return err
						}
					}
					if len(ls) < exportBatch {
						return nil
					}
				}
			},
		}, nil
	}
	return nil, nil
}
