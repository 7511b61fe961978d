package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// The JSON API mirrors the pages. Lists come in an envelope with the total
// and ready-made next/prev links; snapshot data and event details are
// embedded as JSON, not base64. The contract is web/openapi.yaml.

const apiMaxLimit = 1000

// listPage is the envelope of every list.
type listPage[T any] struct {
	Items  []T    `json:"items"`
	Total  *int   `json:"total,omitempty"` // absent when the store cannot count
	Limit  int    `json:"limit"`
	Offset int    `json:"offset"`
	Next   string `json:"next,omitempty"`
	Prev   string `json:"prev,omitempty"`
}

func newListPage[T any](r *http.Request, items []T, limit, offset, total int) listPage[T] {
	if items == nil {
		items = []T{}
	}
	p := newPager(r.URL.Query(), "offset", limit, offset, len(items), total)
	lp := listPage[T]{Items: items, Limit: limit, Offset: offset}
	if total >= 0 {
		lp.Total = &total
	}
	if p.NextQuery != "" {
		lp.Next = r.URL.Path + p.NextQuery
	}
	if p.PrevQuery != "" {
		lp.Prev = r.URL.Path + p.PrevQuery
	}
	return lp
}

// apiLimits reads limit and offset of an API list.
func apiLimits(q url.Values) (limit, offset int) {
	limit = intParam(q, "limit", defaultLimit, apiMaxLimit)
	if limit == 0 {
		limit = defaultLimit
	}
	return limit, intParam(q, "offset", 0, 0)
}

// raw embeds stored JSON; anything that is not valid JSON goes out as a
// string rather than breaking the response.

type apiSnapshot struct {
	ID        int64           `json:"id"`
	Probe     event.Probe     `json:"probe"`
	FirstSeen event.Time      `json:"first_seen"`
	LastSeen  event.Time      `json:"last_seen"`
	Hash      string          `json:"hash"`
	Data      json.RawMessage `json:"data"`
}

func toAPISnapshot(s store.Snapshot) apiSnapshot {
	return apiSnapshot{ID: s.ID, Probe: s.Probe, FirstSeen: event.T(s.FirstSeen), LastSeen: event.T(s.LastSeen), Hash: s.Hash, Data: event.RawJSON(s.Data)}
}

type apiEvent = event.Wire

func toAPIEvent(e store.Event) apiEvent { return e.Wire() }

func toAPIEvents(evs []store.Event) []apiEvent {
	out := make([]apiEvent, len(evs))
	for i, e := range evs {
		out[i] = toAPIEvent(e)
	}
	return out
}

type apiLookalike = event.Lookalike

func toAPILookalike(l store.Lookalike) apiLookalike { return l.Wire() }

type apiOutboxItem = store.OutboxWire

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusNotFound, "no such endpoint: "+r.URL.Path+" (see /api/v1/openapi.yaml)")
}

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Write(openAPI)
}

func (s *Server) apiOverview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	counts, err := s.st.CountByState(ctx)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	depth, err := s.st.OutboxDepth(ctx)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	looks := map[event.LookalikeStatus]int{}
	for _, st := range event.LookalikeStatuses {
		_, n, err := s.st.Lookalikes(ctx, store.LookalikeQuery{Status: st, Limit: 1})
		if err != nil {
			s.storeFail(w, r, err)
			return
		}
		looks[st] = n
	}
	failing, err := s.st.FailingProbes(ctx, 50)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	if failing == nil {
		failing = []store.ProbeStatusOf{}
	}
	recent, err := s.st.Events(ctx, store.EventQuery{Limit: 20})
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"domains": total, "states": counts, "outbox": depth, "lookalikes": looks,
		"failing_checks": failing, "recent_events": toAPIEvents(recent),
	})
}

func (s *Server) apiDomains(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	dq, err := domainQuery(q)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	dq.Limit, dq.Offset = apiLimits(q)
	ds, total, err := s.st.Domains(r.Context(), dq)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newListPage(r, ds, dq.Limit, dq.Offset, total))
}

func (s *Server) apiDomain(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, _, err := s.lookupDomain(ctx, r.PathValue("name"))
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	obs, err := s.observations(ctx, d)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	latest := map[event.Probe]apiSnapshot{}
	probes := []store.ProbeStatus{}
	counts := map[event.Probe]int{}
	for _, o := range obs {
		if o.Snapshot != nil {
			latest[o.Probe] = toAPISnapshot(*o.Snapshot)
			counts[o.Probe] = o.Count
		}
		if o.Status != nil {
			probes = append(probes, *o.Status)
		}
	}
	trs, err := s.st.Transitions(ctx, d.ID)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	if trs == nil {
		trs = []store.Transition{}
	}
	errs, err := s.st.ProbeErrors(ctx, d.ID, 20)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	if errs == nil {
		errs = []store.ProbeError{}
	}
	base := "/api/v1/domains/" + url.PathEscape(d.Name)
	writeJSON(w, http.StatusOK, map[string]any{
		"domain": d, "latest": latest, "snapshot_counts": counts, "probes": probes,
		"transitions": trs, "recent_errors": errs,
		"links": map[string]string{"history": base + "/history", "snapshots": base + "/snapshots", "page": "/domains/" + url.PathEscape(d.Name)},
	})
}

func (s *Server) apiHistory(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("name")
	d, canon, err := s.lookupDomain(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.storeFail(w, r, err)
		return
	}
	if d != nil {
		name = d.Name
	} else if canon != "" {
		name = canon
	}
	q := r.URL.Query()
	eq, err := eventQuery(q)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	eq.Domain = name
	eq.Limit, eq.Offset = apiLimits(q)
	evs, err := s.st.Events(ctx, eq)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	total := -1
	if total, err = s.st.CountEvents(ctx, eq); err != nil {
		s.storeFail(w, r, err)
		return
	}
	if d == nil && total == 0 && eq.Offset == 0 && len(eq.Kinds) == 0 {
		s.fail(w, r, http.StatusNotFound, "domain "+name+" is not watched and has no history")
		return
	}
	trs := []store.Transition{}
	if d != nil {
		if trs, err = s.st.Transitions(ctx, d.ID); err != nil {
			s.storeFail(w, r, err)
			return
		}
		if trs == nil {
			trs = []store.Transition{}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"domain": name, "watched": d != nil, "transitions": trs,
		"events": newListPage(r, toAPIEvents(evs), eq.Limit, eq.Offset, total),
	})
}

func (s *Server) apiSnapshots(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, _, err := s.lookupDomain(ctx, r.PathValue("name"))
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	q := r.URL.Query()
	probe := q.Get("probe")
	limit, offset := apiLimits(q)
	// Snapshots has no offset; a domain's distinct observations are few
	// (they are stored only when something changed), so read past it.
	list, err := s.st.Snapshots(ctx, d.ID, probe, offset+limit)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	total := -1
	counts, err := s.st.SnapshotCounts(ctx, d.ID)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	total = 0
	for p, n := range counts {
		if probe == "" || p == probe {
			total += n
		}
	}
	out := []apiSnapshot{}
	for i := offset; i < len(list); i++ {
		out = append(out, toAPISnapshot(list[i]))
	}
	writeJSON(w, http.StatusOK, newListPage(r, out, limit, offset, total))
}

func (s *Server) apiSnapshot(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "snapshot id "+strconv.Quote(clip(r.PathValue("id"), 30))+" is not a number")
		return
	}
	sn, err := s.st.Snapshot(r.Context(), id)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPISnapshot(*sn))
}

type apiDiffRow struct {
	Path string `json:"path"`
	Op   string `json:"op"`
	A    any    `json:"a"` // string, list of strings, or null when absent
	B    any    `json:"b"`
}

func fieldValue(f *Field) any {
	switch {
	case f == nil:
		return nil
	case f.IsList:
		return f.List
	}
	return f.Value
}

func (s *Server) apiDiff(w http.ResponseWriter, r *http.Request) {
	d, dd, ok := s.diffRequest(w, r)
	if !ok {
		return
	}
	rows := make([]apiDiffRow, 0, len(dd.Rows))
	for _, row := range dd.Rows {
		rows = append(rows, apiDiffRow{Path: row.Path, Op: row.Op, A: fieldValue(row.A), B: fieldValue(row.B)})
	}
	out := map[string]any{"domain": d.Name, "probe": dd.Probe, "summary": map[string]int{
		"changed": dd.Summary.Changed, "added": dd.Summary.Added, "removed": dd.Summary.Removed, "same": dd.Summary.Same,
	}, "rows": rows}
	if dd.A != nil {
		out["a"] = toAPISnapshot(*dd.A)
	}
	if dd.B != nil {
		out["b"] = toAPISnapshot(*dd.B)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiLookalikes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lq, err := lookalikeQuery(q)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	lq.Limit, lq.Offset = apiLimits(q)
	ls, total, err := s.st.Lookalikes(r.Context(), lq)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	out := make([]apiLookalike, len(ls))
	for i, l := range ls {
		out[i] = toAPILookalike(l)
	}
	writeJSON(w, http.StatusOK, newListPage(r, out, lq.Limit, lq.Offset, total))
}

func (s *Server) apiEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	eq, err := eventQuery(q)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	eq.Limit, eq.Offset = apiLimits(q)
	evs, err := s.st.Events(r.Context(), eq)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	total := -1
	if total, err = s.st.CountEvents(r.Context(), eq); err != nil {
		s.storeFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newListPage(r, toAPIEvents(evs), eq.Limit, eq.Offset, total))
}

func (s *Server) apiOutbox(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	oq := store.OutboxQuery{Status: event.OutboxStatus(q.Get("status")), Channel: q.Get("channel")}
	oq.Limit, oq.Offset = apiLimits(q)
	items, total, err := s.outboxItems(r.Context(), oq)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	out := make([]apiOutboxItem, len(items))
	for i, it := range items {
		out[i] = store.NewOutboxWire(it.OutboxItem, it.Event)
	}
	depth, err := s.st.OutboxDepth(r.Context())
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		listPage[apiOutboxItem]
		Depth map[string]int `json:"depth"`
	}{newListPage(r, out, oq.Limit, oq.Offset, total), depth})
}
