package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/takedownhq/takedown/internal/pgtest"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/postgres"
)

// checkLogoutRevokes logs in on one server, copies the session cookie,
// logs out, and replays the copy on that server and on a second one over
// the same database (another daemon): both refuse it.
func checkLogoutRevokes(t *testing.T, st store.Store) {
	const token = "s3cret-Token-0f-the-SOC"
	a, b := serveStore(t, st, Options{Token: token}), serveStore(t, st, Options{Token: token})
	c := client(t)
	csrf := csrfOf(t, c, a.URL+"/login")
	r := postForm(t, c, a.URL+"/login", url.Values{"csrf": {csrf}, "token": {token}, "next": {"/"}})
	var session string
	for _, ck := range r.header.Values("Set-Cookie") {
		if h, err := http.ParseSetCookie(ck); err == nil && h.Name == sessionCookie {
			session = h.Value
		}
	}
	if r.status != http.StatusSeeOther || session == "" {
		t.Fatalf("login: %d, session %q", r.status, session)
	}
	replay := func(base string) int {
		req, _ := http.NewRequest("GET", base+"/api/v1/overview", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := replay(a.URL); got != http.StatusOK {
		t.Fatalf("session before logout: %d", got)
	}
	if got := replay(b.URL); got != http.StatusOK {
		t.Fatalf("session on the second daemon before logout: %d", got)
	}
	csrf = csrfOf(t, c, a.URL+"/domains")
	if r := postForm(t, c, a.URL+"/logout", url.Values{"csrf": {csrf}}); r.status != http.StatusSeeOther {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	for name, base := range map[string]string{"the same daemon": a.URL, "another daemon": b.URL} {
		if got := replay(base); got != http.StatusUnauthorized {
			t.Errorf("cookie replayed after logout on %s: %d, want 401", name, got)
		}
	}
}

func TestLogoutRevokesSessionSQLite(t *testing.T) { checkLogoutRevokes(t, openStore(t)) }

func TestLogoutRevokesSessionPostgreSQL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	if _, err := pgtest.FindBin(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	cl, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Stop() })
	u, err := cl.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	checkLogoutRevokes(t, st)
}
