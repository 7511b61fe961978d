package web

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/takedownhq/takedown/store"
)

// pngMagic opens every PNG file.
var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// screenshotPNG serves a domain's latest screenshot (the seizure banner of
// a watched domain, the page of a look-alike) as image/png, for both
// /domains/{name}/screenshot.png and the API's
// /api/v1/domains/{name}/screenshot. It is same-origin, so the UI's CSP
// (img-src 'self') shows it; nosniff and a fixed content type keep the
// browser from reading the bytes as anything but an image, and bytes that
// are not a PNG are never served. 404 when there is none.
func (s *Server) screenshotPNG(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	sc, err := s.st.Screenshot(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		if d, canon, _ := s.lookupDomain(r.Context(), name); d != nil && canon != "" {
			sc, err = s.st.Screenshot(r.Context(), canon)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "no screenshot of "+clip(name, 253))
		return
	}
	if err != nil {
		s.storeFail(w, r, err)
		return
	}
	if !bytes.HasPrefix(sc.PNG, pngMagic) {
		s.log.Error("stored screenshot is not a PNG", "domain", name, "bytes", len(sc.PNG))
		s.fail(w, r, http.StatusNotFound, "no screenshot of "+clip(name, 253))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", `inline; filename="screenshot.png"`)
	// A new screenshot replaces the old one: the browser revalidates, and
	// the ETag (the PNG's SHA-256) answers 304 while it is the same.
	h.Set("Cache-Control", "private, no-cache")
	if sc.SHA256 != "" {
		h.Set("ETag", `"`+sc.SHA256+`"`)
	}
	http.ServeContent(w, r, "", sc.TakenAt, bytes.NewReader(sc.PNG))
}
