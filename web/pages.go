package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/base/when"
	"github.com/takedownhq/takedown/store"
)

// Page sizes. The domain timeline pages too: a domain probed every 15
// minutes for years has tens of thousands of events, and an analyst reads
// the newest first and filters by kind to go further back.
const (
	defaultLimit  = 50
	maxLimit      = 500
	timelineLimit = 50
)

type stateCount struct {
	State string
	N     int
}

func (s *Server) overviewPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	counts, err := s.st.CountByState(ctx)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	var states []stateCount
	total := 0
	for _, st := range event.Strings(event.States) {
		states = append(states, stateCount{st, counts[st]})
		total += counts[st]
	}
	for st, n := range counts { // states this build does not know still count
		if !event.State(st).Valid() {
			states = append(states, stateCount{st, n})
			total += n
		}
	}
	recent, err := s.st.Events(ctx, store.EventQuery{Limit: 15})
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	urgent, err := s.st.Events(ctx, store.EventQuery{Limit: 8, MinSev: event.SevWarning, Since: s.opts.Now().Add(-7 * 24 * time.Hour)})
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	failing, err := s.st.FailingProbes(ctx, 15)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	depth, err := s.st.OutboxDepth(ctx)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	looks, nLooks, err := s.st.Lookalikes(ctx, store.LookalikeQuery{Status: store.StatusNew, Registered: store.RegYes, Limit: 8})
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	chart, err := s.cachedChart(ctx, counts)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "overview", "Overview", "overview", map[string]any{
		"States": states, "Total": total, "Recent": s.eventViews(recent), "Urgent": s.eventViews(urgent),
		"Failing": failing, "Outbox": depth, "Lookalikes": looks, "NewLookalikes": nLooks, "Chart": chart,
	})
}

// searchTerm is what the search box matches: a URL or a Unicode name
// pasted in is read as the CLI reads it (https://www.Bücher.com/x searches
// xn--bcher-kva.com); anything else is matched as typed.
func searchTerm(v string) string {
	v = strings.TrimSpace(v)
	if strings.ContainsAny(v, "/:") || !isASCII(v) {
		if n, err := domain.Normalize(v); err == nil {
			return n.ASCII
		}
	}
	return v
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// domainQuery reads the domains filters shared by the page, the API and
// the export. A filter value that can match nothing is an error naming it,
// as on the command line, not an empty list.
func domainQuery(q url.Values) (store.DomainQuery, error) {
	dq := store.DomainQuery{
		Search: searchTerm(q.Get("q")),
		State:  event.State(strings.ToLower(strings.TrimSpace(q.Get("state")))),
		Tag:    strings.ToLower(strings.TrimSpace(q.Get("tag"))),
		Kind:   event.DomainKind(strings.ToLower(strings.TrimSpace(q.Get("kind")))),
		Sort:   q.Get("sort"),
	}
	if len(dq.Search) > 253 {
		dq.Search = dq.Search[:253]
	}
	// Removed domains keep their history but leave the lists, unless asked.
	if q.Get("removed") != "1" {
		enabled := true
		dq.Enabled = &enabled
	}
	if dq.State != "" && !dq.State.Valid() {
		return dq, badValue("state", string(dq.State), wantOf(event.States))
	}
	if dq.Kind != "" && !dq.Kind.Valid() {
		return dq, badValue("kind", string(dq.Kind), wantOf(event.DomainKinds))
	}
	return dq, checkPaging(q)
}

// badValue names a filter value that can match nothing and what is wanted.
func badValue(key, v, want string) error {
	return errors.New(key + " " + strconv.Quote(clip(v, 40)) + ": want " + want)
}

// wantOf lists a vocabulary's words, and any extra ones a filter takes,
// for badValue: the words come from the vocabulary, never typed again.
func wantOf[T ~string](list []T, extra ...string) string {
	return strings.Join(append(event.Strings(list), extra...), ", ")
}

// checkPaging refuses a limit or offset that is not a whole number; a
// larger one than allowed is clamped, as documented.
func checkPaging(q url.Values) error {
	for _, key := range []string{"limit", "offset"} {
		if v := q.Get(key); v != "" {
			if n, err := strconv.Atoi(v); err != nil || n < 0 {
				return badValue(key, v, "a whole number, 0 or more")
			}
		}
	}
	return nil
}

func (s *Server) domainsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	dq, err := domainQuery(q)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	dq.Limit = intParam(q, "limit", defaultLimit, maxLimit)
	if dq.Limit == 0 {
		dq.Limit = defaultLimit
	}
	dq.Offset = intParam(q, "offset", 0, 0)
	ds, total, err := s.st.Domains(ctx, dq)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	// A search that names exactly one domain goes straight to it.
	if dq.Search != "" && total == 1 && dq.Offset == 0 && q.Get("go") != "" {
		http.Redirect(w, r, "/domains/"+url.PathEscape(ds[0].Name), http.StatusSeeOther)
		return
	}
	var tags []store.Count
	if tags, err = s.st.TagCounts(ctx); err != nil {
		s.storeFail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "domains", "Domains", "domains", map[string]any{
		"Domains": ds, "Query": q, "Filter": dq, "Tags": tags,
		"Page": newPager(q, "offset", dq.Limit, dq.Offset, len(ds), total),
	})
}

// eventView is an event prepared for the timeline.
type eventView struct {
	store.Event
	Detail  []Field
	DiffURL string
}

func (s *Server) eventViews(evs []store.Event) []eventView {
	out := make([]eventView, 0, len(evs))
	for _, e := range evs {
		v := eventView{Event: e}
		if len(e.Detail) > 0 {
			v.Detail = Flatten("", e.Detail)
		}
		if e.Probe != "" && e.Domain != "" {
			v.DiffURL = "/domains/" + url.PathEscape(e.Domain) + "/diff?" + url.Values{
				"probe": {string(e.Probe)}, "at": {e.At.UTC().Format(time.RFC3339Nano)}}.Encode()
		}
		out = append(out, v)
	}
	return out
}

// dayGroup is one day of a timeline.
type dayGroup struct {
	Day    time.Time
	Events []eventView
}

func byDay(evs []eventView) []dayGroup {
	var out []dayGroup
	for _, e := range evs {
		d := e.At.UTC().Truncate(24 * time.Hour)
		if len(out) == 0 || !out[len(out)-1].Day.Equal(d) {
			out = append(out, dayGroup{Day: d})
		}
		out[len(out)-1].Events = append(out[len(out)-1].Events, e)
	}
	return out
}

// observation is the newest snapshot of one probe with its health.
type observation struct {
	Probe    event.Probe
	Snapshot *store.Snapshot
	Fields   []Field
	Count    int
	Status   *store.ProbeStatus
}

// shotView is what the domain page shows of its screenshot: the image is
// served by /domains/{name}/screenshot.png.
type shotView struct {
	URL    string
	SHA256 string
	At     time.Time
}

// screenshotOf reads the screenshot snapshot among a domain's observations
// (written with the screenshot itself); nil when it has none.
func screenshotOf(obs []observation) *shotView {
	for _, o := range obs {
		if o.Probe != event.ProbeScreenshot || o.Snapshot == nil {
			continue
		}
		var v struct {
			URL    string `json:"url"`
			SHA256 string `json:"sha256"`
		}
		if json.Unmarshal(o.Snapshot.Data, &v) != nil {
			return nil
		}
		return &shotView{URL: v.URL, SHA256: v.SHA256, At: o.Snapshot.LastSeen}
	}
	return nil
}

// lookupDomain finds a watched domain by its ASCII name, or by any spelling
// Normalize accepts (Unicode, upper case, a URL); canonical is the name to
// redirect to when the request used another spelling.
func (s *Server) lookupDomain(ctx context.Context, name string) (d *store.Domain, canonical string, err error) {
	d, err = s.st.Domain(ctx, name)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return d, "", err
	}
	n, nerr := domain.Normalize(name)
	if nerr != nil || n.ASCII == name {
		return nil, "", err
	}
	if d, err2 := s.st.Domain(ctx, n.ASCII); err2 == nil {
		return d, n.ASCII, nil
	}
	return nil, n.ASCII, err
}

func (s *Server) domainPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("name")
	d, canon, err := s.lookupDomain(ctx, name)
	if canon != "" && d != nil {
		http.Redirect(w, r, "/domains/"+url.PathEscape(canon), http.StatusSeeOther)
		return
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.storeFail(w, r, err)
		return
	}
	q := r.URL.Query()
	kind := q.Get("kind")
	eq := store.EventQuery{Domain: name, Limit: timelineLimit, Offset: intParam(q, "tl", 0, 0)}
	if kind != "" {
		eq.Kinds = []event.Kind{event.Kind(kind)}
	}
	evs, err := s.st.Events(ctx, eq)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	total := -1
	var kinds []store.Count
	if total, err = s.st.CountEvents(ctx, eq); err != nil {
		s.storeFail(w, r, err)
		return
	}
	if kinds, err = s.st.EventKinds(ctx, name); err != nil {
		s.storeFail(w, r, err)
		return
	}
	if d == nil && len(evs) == 0 && kind == "" {
		s.fail(w, r, http.StatusNotFound, "domain "+name+" is not watched and has no history")
		return
	}
	data := map[string]any{
		"Name": name, "Domain": d, "Query": q, "Kind": kind, "Kinds": kinds,
		"Timeline": byDay(s.eventViews(evs)),
		"Page":     newPager(q, "tl", timelineLimit, eq.Offset, len(evs), total),
	}
	title := name
	if d != nil {
		if d.Unicode != "" && d.Unicode != d.Name {
			title = d.Unicode + " (" + d.Name + ")"
		}
		if data["Transitions"], err = s.st.Transitions(ctx, d.ID); err != nil {
			s.storeFail(w, r, err)
			return
		}
		obs, err := s.observations(ctx, d)
		if err != nil {
			s.storeFail(w, r, err)
			return
		}
		data["Observations"] = obs
		data["Screenshot"] = screenshotOf(obs)
		if data["Infra"], err = s.domainInfra(ctx, d.Name); err != nil {
			s.storeFail(w, r, err)
			return
		}
		if data["Errors"], err = s.st.ProbeErrors(ctx, d.ID, 10); err != nil {
			s.storeFail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "domain", title, "domains", data)
}

func (s *Server) observations(ctx context.Context, d *store.Domain) ([]observation, error) {
	sts, err := s.st.ProbeStatuses(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	counts, err := s.st.SnapshotCounts(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	probes := slices.Clone(probeOrder)
	extra := func(p event.Probe) {
		if !slices.Contains(probes, p) {
			probes = append(probes, p)
		}
	}
	for _, st := range sts {
		extra(st.Probe)
	}
	for p := range counts {
		extra(event.Probe(p))
	}
	slices.Sort(probes[len(probeOrder):])
	var out []observation
	for _, p := range probes {
		o := observation{Probe: p, Count: counts[string(p)]}
		if o.Snapshot, err = s.st.LatestSnapshot(ctx, d.ID, string(p)); err != nil {
			return nil, err
		}
		if o.Snapshot != nil {
			o.Fields = Flatten(string(p), o.Snapshot.Data)
		}
		for i := range sts {
			if sts[i].Probe == p {
				o.Status = &sts[i]
			}
		}
		if o.Snapshot == nil && o.Status == nil {
			continue
		}
		out = append(out, o)
	}
	return out, nil
}

// diffData resolves the two snapshots to compare: explicit ids a and b;
// or the snapshot current at time "at" and the one before it (links from
// timeline events); or the newest two.
type diffData struct {
	Name      string
	Probe     string
	Probes    []string
	Snapshots []store.Snapshot
	A, B      *store.Snapshot
	Rows      []DiffRow
	Summary   DiffSummary
	All       bool
}

const maxDiffSnapshots = 500

func (s *Server) resolveDiff(ctx context.Context, d *store.Domain, q url.Values) (*diffData, int, error) {
	dd := &diffData{Name: d.Name, Probe: q.Get("probe"), All: q.Get("all") != ""}
	counts, err := s.st.SnapshotCounts(ctx, d.ID)
	if err != nil {
		return nil, http.StatusInternalServerError, err
	}
	for _, p := range event.Strings(probeOrder) {
		if counts[p] > 0 {
			dd.Probes = append(dd.Probes, p)
		}
	}
	for p := range counts {
		if !slices.Contains(dd.Probes, p) {
			dd.Probes = append(dd.Probes, p)
		}
	}
	if dd.Probe == "" {
		for _, p := range dd.Probes {
			if counts[p] > 1 {
				dd.Probe = p
				break
			}
		}
		if dd.Probe == "" && len(dd.Probes) > 0 {
			dd.Probe = dd.Probes[0]
		}
	}
	if dd.Probe == "" {
		return dd, http.StatusOK, nil
	}
	list, err := s.st.Snapshots(ctx, d.ID, dd.Probe, maxDiffSnapshots)
	if err != nil {
		return nil, http.StatusInternalServerError, err
	}
	dd.Snapshots = list
	pick := func(key string) (*store.Snapshot, error) {
		v := q.Get(key)
		if v == "" {
			return nil, nil
		}
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, errors.New("snapshot id " + strconv.Quote(v) + " is not a number")
		}
		sn, err := s.st.Snapshot(ctx, id)
		if err != nil {
			return nil, err
		}
		if sn.DomainID != d.ID || string(sn.Probe) != dd.Probe {
			return nil, store.ErrNotFound
		}
		return sn, nil
	}
	if dd.A, err = pick("a"); err != nil {
		return nil, statusOf(err), err
	}
	if dd.B, err = pick("b"); err != nil {
		return nil, statusOf(err), err
	}
	if dd.A == nil && dd.B == nil && len(list) > 0 {
		i := 0
		if at := q.Get("at"); at != "" {
			t, err := time.Parse(time.RFC3339Nano, at)
			if err != nil {
				return nil, http.StatusBadRequest, errors.New("at " + strconv.Quote(at) + ": want an RFC 3339 time")
			}
			// The newest snapshot first seen by then; a second of slack for
			// a daemon that stamps the event and the snapshot separately.
			i = slices.IndexFunc(list, func(sn store.Snapshot) bool { return !sn.FirstSeen.After(t.Add(time.Second)) })
			if i < 0 {
				i = len(list) - 1
			}
		}
		dd.B = &list[i]
		if i+1 < len(list) {
			dd.A = &list[i+1]
		}
	}
	var fa, fb []Field
	if dd.A != nil {
		fa = Flatten(dd.Probe, dd.A.Data)
	}
	if dd.B != nil {
		fb = Flatten(dd.Probe, dd.B.Data)
	}
	rows, sum := Diff(fa, fb)
	if !dd.All {
		rows = slices.DeleteFunc(rows, func(r DiffRow) bool { return r.Op == OpSame })
	}
	dd.Rows, dd.Summary = rows, sum
	return dd, http.StatusOK, nil
}

func statusOf(err error) int {
	if errors.Is(err, store.ErrNotFound) {
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// diffRequest resolves the domain and the two snapshots a diff request
// names, for the page and the API; on failure it has answered already.
func (s *Server) diffRequest(w http.ResponseWriter, r *http.Request) (*store.Domain, *diffData, bool) {
	ctx := r.Context()
	d, _, err := s.lookupDomain(ctx, r.PathValue("name"))
	if err != nil {
		s.storeFail(w, r, err)
		return nil, nil, false
	}
	dd, status, err := s.resolveDiff(ctx, d, r.URL.Query())
	if err != nil {
		if status >= 500 {
			s.storeFail(w, r, err)
		} else {
			s.fail(w, r, status, err.Error())
		}
		return nil, nil, false
	}
	return d, dd, true
}

func (s *Server) diffPage(w http.ResponseWriter, r *http.Request) {
	d, dd, ok := s.diffRequest(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "diff", "Compare "+probeNames[event.Probe(dd.Probe)]+" · "+d.Name, "domains",
		map[string]any{"Diff": dd, "Domain": d, "Query": r.URL.Query()})
}

// lookalikeQuery reads the look-alike filters shared by page, API and export.
func lookalikeQuery(q url.Values) (store.LookalikeQuery, error) {
	lq := store.LookalikeQuery{
		Brand: q.Get("brand"), Status: event.LookalikeStatus(q.Get("status")), Fuzzer: q.Get("fuzzer"), Source: q.Get("source"),
		Registered: event.Registration(q.Get("registered")), Search: searchTerm(q.Get("q")), Sort: "risk",
	}
	if lq.Status == "all" {
		lq.Status = ""
	}
	if lq.Status != "" && !lq.Status.Valid() {
		return lq, badValue("status", string(lq.Status), wantOf(event.LookalikeStatuses, "all"))
	}
	if lq.Registered != "" && !lq.Registered.Valid() {
		return lq, badValue("registered", string(lq.Registered), wantOf(event.Registrations))
	}
	if err := checkPaging(q); err != nil {
		return lq, err
	}
	if v := q.Get("since"); v != "" {
		t, err := parseDate("since", v)
		if err != nil {
			return lq, err
		}
		lq.Since = t
	}
	return lq, nil
}

// parseDate reads a time parameter by the CLI's rule (package when):
// RFC 3339, a date, 7d, 36h, today, yesterday.
func parseDate(key, v string) (time.Time, error) {
	t, err := when.Parse(v, time.Now())
	if err != nil {
		return t, badValue(key, v, when.Forms)
	}
	return t, nil
}

func (s *Server) lookalikesPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	if !q.Has("status") {
		// Triage starts with what nobody has looked at.
		q.Set("status", string(store.StatusNew))
	}
	lq, err := lookalikeQuery(q)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	lq.Limit = intParam(q, "limit", defaultLimit, maxLimit)
	if lq.Limit == 0 {
		lq.Limit = defaultLimit
	}
	lq.Offset = intParam(q, "offset", 0, 0)
	ls, total, err := s.st.Lookalikes(ctx, lq)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	// Counts for the status tabs under the other filters.
	tabs := []stateCount{}
	for _, st := range append(event.Strings(event.LookalikeStatuses), "all") {
		cq := lq
		cq.Status, cq.Limit, cq.Offset = event.LookalikeStatus(st), 1, 0
		if st == "all" {
			cq.Status = ""
		}
		_, n, err := s.st.Lookalikes(ctx, cq)
		if err != nil {
			s.storeFail(w, r, err)
			return
		}
		tabs = append(tabs, stateCount{st, n})
	}
	var facets store.LookalikeFacets
	if facets, err = s.st.LookalikeFacets(ctx); err != nil {
		s.storeFail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "lookalikes", "Look-alikes", "lookalikes", map[string]any{
		"Lookalikes": ls, "Query": q, "Filter": lq, "Tabs": tabs, "Facets": facets,
		"Page": newPager(q, "offset", lq.Limit, lq.Offset, len(ls), total),
	})
}

// eventQuery reads the event filters shared by page, API and export.
func eventQuery(q url.Values) (store.EventQuery, error) {
	eq := store.EventQuery{Domain: strings.ToLower(strings.TrimSpace(q.Get("domain"))), MinSev: event.Severity(q.Get("severity"))}
	for _, k := range q["kind"] {
		for _, k := range strings.Split(k, ",") {
			if k = strings.TrimSpace(k); k != "" {
				eq.Kinds = append(eq.Kinds, event.Kind(k))
			}
		}
	}
	if eq.MinSev != "" && !eq.MinSev.Valid() {
		return eq, errors.New("severity " + strconv.Quote(clip(string(eq.MinSev), 20)) + ": want " + wantOf(event.Severities))
	}
	for _, k := range eq.Kinds {
		if !event.Known(k) {
			return eq, badValue("kind", string(k), "an event kind (see /api/v1/openapi.yaml)")
		}
	}
	if err := checkPaging(q); err != nil {
		return eq, err
	}
	for key, dst := range map[string]*time.Time{"since": &eq.Since, "until": &eq.Until} {
		if v := q.Get(key); v != "" {
			t, err := parseDate(key, v)
			if err != nil {
				return eq, err
			}
			*dst = t
		}
	}
	if v := q.Get("before"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return eq, errors.New("before " + strconv.Quote(clip(v, 20)) + ": want an event id")
		}
		eq.BeforeID = id
	}
	return eq, nil
}

func (s *Server) eventsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	eq, err := eventQuery(q)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	eq.Limit = intParam(q, "limit", 100, maxLimit)
	if eq.Limit == 0 {
		eq.Limit = 100
	}
	eq.Offset = intParam(q, "offset", 0, 0)
	// The feed opens on news: a newly watched domain's first verdict is a
	// baseline, shown only when asked (?baseline=1).
	eq.HideBaseline = q.Get("baseline") != "1"
	evs, err := s.st.Events(ctx, eq)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	total := -1
	var kinds []store.Count
	if total, err = s.st.CountEvents(ctx, eq); err != nil {
		s.storeFail(w, r, err)
		return
	}
	if kinds, err = s.st.EventKinds(ctx, ""); err != nil {
		s.storeFail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "events", "Events", "events", map[string]any{
		"Timeline": byDay(s.eventViews(evs)), "Query": q, "Filter": eq, "Kinds": kinds,
		"Page": newPager(q, "offset", eq.Limit, eq.Offset, len(evs), total),
	})
}

// outboxView is an outbox row with the event it delivers.
type outboxView struct {
	store.OutboxItem
	Event *store.Event
}

func (s *Server) outboxItems(ctx context.Context, oq store.OutboxQuery) ([]outboxView, int, error) {
	items, err := s.st.Outbox(ctx, oq)
	if err != nil {
		return nil, 0, err
	}
	total := -1
	if total, err = s.st.CountOutbox(ctx, oq); err != nil {
		return nil, 0, err
	}
	out := make([]outboxView, 0, len(items))
	for _, it := range items {
		v := outboxView{OutboxItem: it}
		if ev, err := s.st.Event(ctx, it.EventID); err == nil {
			v.Event = ev
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, 0, err
		}
		out = append(out, v)
	}
	return out, total, nil
}

func (s *Server) outboxPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	oq := store.OutboxQuery{Status: event.OutboxStatus(q.Get("status")), Channel: q.Get("channel"),
		Limit: intParam(q, "limit", defaultLimit, 200), Offset: intParam(q, "offset", 0, 0)}
	if oq.Limit == 0 {
		oq.Limit = defaultLimit
	}
	items, total, err := s.outboxItems(ctx, oq)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	depth, err := s.st.OutboxDepth(ctx)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "outbox", "Alerts", "alerts", map[string]any{
		"Items": items, "Depth": depth, "Query": q, "Filter": oq,
		"Page": newPager(q, "offset", oq.Limit, oq.Offset, len(items), total),
	})
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if s.opts.Token == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", "Log in", "", map[string]any{
		"Next": localPath(r.URL.Query().Get("next"), "/")})
}
