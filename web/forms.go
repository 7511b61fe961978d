package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/domain"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/monitor/watchlist"
	"github.com/takedownhq/takedown/store"
)

// maxFormNames bounds one watchlist submission; bigger lists go through
// `takedown watch import`.
const maxFormNames = 5000

// postForm parses a form post and checks its CSRF token; it answers the
// request itself and returns false when the post must not go on.
func (s *Server) postForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("form larger than %d bytes", mbe.Limit))
			return false
		}
		s.fail(w, r, http.StatusBadRequest, "bad form: "+err.Error())
		return false
	}
	if name, ok := badValues(r.PostForm); !ok {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("parameter %q: NUL byte or invalid UTF-8", name))
		return false
	}
	if !s.csrfOK(r) {
		s.fail(w, r, http.StatusForbidden, "form expired or forged (missing or wrong CSRF token): reload the page and try again")
		return false
	}
	return true
}

func (s *Server) back(w http.ResponseWriter, r *http.Request, def string) {
	http.Redirect(w, r, localPath(r.PostFormValue("back"), def), http.StatusSeeOther)
}

// addDomains adds names from the domains page's form; like `watch add`, a
// bad name adds nothing and says which.
func (s *Server) addDomains(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r) {
		return
	}
	fields := strings.FieldsFunc(r.PostFormValue("names"), func(c rune) bool {
		return c == ',' || c == ';' || c == ' ' || c == '\n' || c == '\r' || c == '\t'
	})
	if len(fields) == 0 {
		s.setFlash(w, "error", "no domain given")
		s.back(w, r, "/domains")
		return
	}
	if len(fields) > maxFormNames {
		s.setFlash(w, "error", fmt.Sprintf("%d names in one go; the form takes %d, use `takedown watch import` for more", len(fields), maxFormNames))
		s.back(w, r, "/domains")
		return
	}
	tags, err := watchlist.CleanTags(watchlist.SplitTags(r.PostFormValue("tags")))
	if err != nil {
		s.setFlash(w, "error", "nothing added: "+err.Error())
		s.back(w, r, "/domains")
		return
	}
	kind := store.KindWatch
	if r.PostFormValue("brand") != "" {
		kind = store.KindBrand
	}
	note, err := watchlist.CleanNote(r.PostFormValue("note"))
	if err != nil {
		s.setFlash(w, "error", "nothing added: "+err.Error())
		s.back(w, r, "/domains")
		return
	}
	var bad []string
	var ds []store.NewDomain
	for _, f := range fields {
		n, err := domain.Normalize(f)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		ds = append(ds, store.NewDomain{Name: n.ASCII, Unicode: n.Unicode, Kind: kind, Tags: tags, Note: note, Source: "web"})
	}
	if len(bad) > 0 {
		if len(bad) > 5 {
			bad = append(bad[:5], fmt.Sprintf("and %d more", len(bad)-5))
		}
		s.setFlash(w, "error", "nothing added, bad domain(s): "+strings.Join(bad, "; "))
		s.back(w, r, "/domains")
		return
	}
	res, err := s.st.AddDomains(r.Context(), ds)
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	s.log.Info("watchlist edit", "added", len(res.Added), "merged", len(res.Merged), "remote", r.RemoteAddr)
	msg := fmt.Sprintf("added %d, merged %d", len(res.Added), len(res.Merged))
	if len(ds) == 1 {
		msg = "added " + ds[0].Name
		if len(res.Added) == 0 {
			msg = "merged " + ds[0].Name
		}
		s.setFlash(w, "ok", msg)
		http.Redirect(w, r, "/domains/"+url.PathEscape(ds[0].Name), http.StatusSeeOther)
		return
	}
	s.setFlash(w, "ok", msg)
	s.back(w, r, "/domains")
}

func (s *Server) setTags(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r) {
		return
	}
	name := r.PathValue("name")
	tags, err := watchlist.CleanTags(watchlist.SplitTags(r.PostFormValue("tags")))
	if err != nil {
		s.setFlash(w, "error", "tags not changed: "+err.Error())
		http.Redirect(w, r, "/domains/"+url.PathEscape(name), http.StatusSeeOther)
		return
	}
	if err := s.st.SetTags(r.Context(), name, tags); err != nil {
		s.storeFail(w, r, err)
		return
	}
	s.log.Info("watchlist edit", "domain", name, "tags", tags, "remote", r.RemoteAddr)
	s.setFlash(w, "ok", "tags of "+name+" saved")
	http.Redirect(w, r, "/domains/"+url.PathEscape(name), http.StatusSeeOther)
}

func (s *Server) removeDomain(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r) {
		return
	}
	name := r.PathValue("name")
	removed, err := s.st.RemoveDomains(r.Context(), []string{name})
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	if len(removed) == 0 {
		s.fail(w, r, http.StatusNotFound, "domain "+name+" is not watched")
		return
	}
	s.log.Info("watchlist edit", "removed", name, "remote", r.RemoteAddr)
	s.setFlash(w, "ok", "stopped watching "+name+"; its history stays")
	http.Redirect(w, r, "/domains", http.StatusSeeOther)
}

func (s *Server) triageLookalike(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r) {
		return
	}
	name, brand, status := r.PostFormValue("name"), r.PostFormValue("brand"), event.LookalikeStatus(r.PostFormValue("status"))
	if !status.Valid() {
		s.fail(w, r, http.StatusBadRequest, "status "+fmt.Sprintf("%q", clip(string(status), 20))+": want "+wantOf(event.LookalikeStatuses))
		return
	}
	if _, err := s.st.SetLookalikeStatus(r.Context(), name, brand, status); err != nil {
		s.storeFail(w, r, err)
		return
	}
	verb := map[event.LookalikeStatus]string{store.StatusNew: "reopened", store.StatusAcknowledged: "acknowledged", store.StatusDismissed: "dismissed"}[status]
	s.setFlash(w, "ok", verb+" "+name)
	s.back(w, r, "/lookalikes")
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if s.opts.Token == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if !s.postForm(w, r) {
		return
	}
	next := localPath(r.PostFormValue("next"), "/")
	ok, wait, err := s.fails.try(r.Context(), r.RemoteAddr, func() bool { return s.tokenEqual(r.PostFormValue("token")) })
	if err != nil {
		s.tooMany(w, r, wait)
		return
	}
	if !ok {
		s.log.Warn("failed login", "remote", r.RemoteAddr)
		// A pause makes guessing slow without keeping state per client.
		select {
		case <-time.After(300 * time.Millisecond):
		case <-r.Context().Done():
		}
		s.render(w, r, http.StatusUnauthorized, "login", "Log in", "", map[string]any{"Next": next, "Error": "wrong token"})
		return
	}
	s.setCookie(w, sessionCookie, s.newSessionValue(), int(s.opts.SessionTTL.Seconds()))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r) {
		return
	}
	if id, exp, ok := s.session(r); ok {
		if err := s.st.RevokeSession(r.Context(), id, exp, s.opts.Now()); err != nil {
			s.fail(w, r, http.StatusInternalServerError, "logout: the session could not be ended: "+err.Error())
			return
		}
	}
	s.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
