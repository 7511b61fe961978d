package regdata

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/takedownhq/takedown/store/sqlite"
)

// A source of the four files that honours If-None-Match, counting what it
// sends, and whose dns.json can be replaced.
type source struct {
	mu      sync.Mutex
	files   map[string][]byte
	etags   map[string]string
	full    int // 200 answers
	partial int // 304 answers
}

func newSource(t *testing.T) *source {
	s := &source{files: map[string][]byte{}, etags: map[string]string{}}
	for _, f := range Files {
		b, err := os.ReadFile(filepath.Join("data", f))
		if err != nil {
			t.Fatal(err)
		}
		s.files[f], s.etags[f] = b, `"v1-`+f+`"`
	}
	return s
}

func (s *source) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := strings.TrimPrefix(r.URL.Path, "/rdap/")
	b, ok := s.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("If-None-Match") == s.etags[name] {
		s.partial++
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.full++
	w.Header().Set("ETag", s.etags[name])
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func TestRefreshConditionalAndNeverWorse(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src := newSource(t)
	// IANA publishes a newer dns.json with one more service.
	src.files[FileDNS] = []byte(strings.Replace(string(src.files[FileDNS]), `"services": [`,
		`"services": [[["example"], ["https://rdap.example/"]],`, 1))
	srv := httptest.NewServer(src)
	defer srv.Close()
	r := &Refresher{Store: st, Base: srv.URL + "/rdap/"}

	set, changed, err := r.Refresh(ctx)
	if err != nil || !changed || set.DNS.Services() != 598 || src.full != 4 {
		t.Fatalf("first refresh: changed %v, %d services, %d full answers, %v", changed, set.DNS.Services(), src.full, err)
	}
	stored, _ := st.BootstrapFiles(ctx)
	if len(stored) != 4 || stored[1].Name != FileDNS || stored[1].ETag != `"v1-dns.json"` || stored[1].Services != 598 {
		t.Fatalf("stored: %+v", stored)
	}

	// The next day nothing changed: four 304s, the stored copy stays.
	set, changed, err = r.Refresh(ctx)
	if err != nil || changed || src.partial != 4 || src.full != 4 || set.DNS.Services() != 598 {
		t.Fatalf("304 refresh: changed %v, %d services, %d/%d answers, %v", changed, set.DNS.Services(), src.full, src.partial, err)
	}
	after, _ := st.BootstrapFiles(ctx)
	if !after[1].Checked.After(stored[1].Checked) || !after[1].Fetched.Equal(stored[1].Fetched) {
		t.Fatalf("a 304 must move checked only: %+v -> %+v", stored[1], after[1])
	}

	// A shrunken file (a truncated mirror) is refused, loudly, and the
	// stored copy keeps serving, also after a restart (Load).
	src.mu.Lock()
	src.files[FileDNS] = []byte(`{"publication":"2026-12-07T00:00:00Z","services":[[["com"],["https://rdap.example/"]]]}`)
	src.etags[FileDNS] = `"v2"`
	src.mu.Unlock()
	set, changed, err = r.Refresh(ctx)
	if err == nil || !strings.Contains(err.Error(), "fewer services") || changed || set.DNS.Services() != 598 {
		t.Fatalf("shrunken file: changed %v, %d services, %v", changed, set.DNS.Services(), err)
	}
	loaded, err := (&Refresher{Store: st}).Load(ctx)
	if err != nil || loaded.DNS.Services() != 598 || loaded.Origin != "database" {
		t.Fatalf("load after refusal: %v %v", loaded, err)
	}

	// Unreachable: the set in force stays, with an error to log.
	srv.Close()
	set, _, err = r.Refresh(ctx)
	if err == nil || set.DNS.Services() != 598 {
		t.Fatalf("offline: %v", err)
	}
}
