package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/store"
)

// maxBulkSelection bounds one selection on the look-alikes page: a page
// shows at most a few hundred rows, so more is a forged or runaway form;
// `takedown found dismiss --brand ... --fuzzer ...` triages wider sets.
const maxBulkSelection = 500

// triageSelected applies one triage status to every look-alike checked on
// the look-alikes page. Each checkbox carries "NAME BRAND"; each change
// gets its lookalike_triaged event, as `takedown found dismiss` writes.
func (s *Server) triageSelected(w http.ResponseWriter, r *http.Request) {
	if !s.postForm(w, r) {
		return
	}
	status := event.LookalikeStatus(r.PostFormValue("status"))
	if !status.Valid() {
		s.fail(w, r, http.StatusBadRequest, "status "+fmt.Sprintf("%q", clip(string(status), 20))+": want "+wantOf(event.LookalikeStatuses))
		return
	}
	sel := r.PostForm["sel"]
	if len(sel) > maxBulkSelection {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("%d look-alikes selected; one action takes at most %d (use `takedown found %s` with filters for more)",
			len(sel), maxBulkSelection, status))
		return
	}
	if len(sel) == 0 {
		s.setFlash(w, "error", "no look-alike selected")
		s.back(w, r, "/lookalikes")
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if len(reason) > 500 {
		reason = reason[:500]
	}
	n := 0
	for _, v := range sel {
		name, brand, ok := strings.Cut(v, " ")
		if !ok || name == "" || brand == "" {
			s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("selection %q: want NAME BRAND", clip(v, 80)))
			return
		}
		if _, err := s.st.SetLookalikeStatus(r.Context(), name, brand, status); err != nil {
			s.storeFail(w, r, err)
			return
		}
		if err := s.recordTriage(r.Context(), name, brand, status, reason); err != nil {
			s.storeFail(w, r, err)
			return
		}
		n++
	}
	s.log.Info("look-alike triage", "status", status, "count", n, "remote", r.RemoteAddr)
	s.setFlash(w, "ok", fmt.Sprintf("%d look-alike(s) marked %s", n, status))
	s.back(w, r, "/lookalikes")
}

// recordTriage writes the lookalike_triaged event of one decision, the
// same shape the CLI writes, so the history does not depend on where the
// analyst clicked.
func (s *Server) recordTriage(ctx context.Context, name, brand string, status event.LookalikeStatus, reason string) error {
	detail, err := json.Marshal(map[string]string{"status": string(status), "brand": brand, "reason": reason, "via": "web"})
	if err != nil {
		return err
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		ev := store.Event{Domain: name, At: time.Now().UTC(), Kind: event.LookalikeTriaged, Field: "status",
			New: string(status), Severity: event.SevInfo, Detail: detail}
		if d, err := tx.Domain(name); err == nil {
			ev.DomainID = d.ID
		}
		if _, err := tx.AddEvent(ev); err != nil {
			return fmt.Errorf("record triage of %s: %w", name, err)
		}
		return nil
	})
}
