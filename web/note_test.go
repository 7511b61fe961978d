package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

// TestAddDomainNoteRule: the web form applies the same note rule as the
// CLI: at most 1,000 characters and no control or bidi characters; a bad
// note adds nothing (it is no longer clipped). The same name with a good
// note is added, so the refusals are the note's doing.
func TestAddDomainNoteRule(t *testing.T) {
	hs, st := newTestServer(t, Options{})
	c := client(t)
	csrf := csrfOf(t, c, hs.URL+"/domains")
	const name = "notes-test.org"
	for _, note := range []string{strings.Repeat("n", 1001), "see \x1b[2J", "txt\u202egpj"} {
		postForm(t, c, hs.URL+"/domains", url.Values{"csrf": {csrf}, "names": {name}, "note": {note}})
		if _, err := st.Domain(context.Background(), name); err == nil {
			t.Fatalf("note %.20q…: domain added", note)
		}
	}
	postForm(t, c, hs.URL+"/domains", url.Values{"csrf": {csrf}, "names": {name}, "note": {strings.Repeat("é", 1000)}})
	d, err := st.Domain(context.Background(), name)
	if err != nil {
		t.Fatalf("good note: %v", err)
	}
	if n := len([]rune(d.Note)); n != 1000 {
		t.Fatalf("1,000-character note stored with %d characters", n)
	}
}
