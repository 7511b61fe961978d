package web

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/takedownhq/takedown/internal/pgtest"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/postgres"
)

// badInputs are the requests that answered 500 on PostgreSQL ("invalid
// byte sequence for encoding UTF8: 0x00"), and invalid UTF-8 beside them,
// with the parameter each answer must name.
var badInputs = []struct{ path, param string }{
	{"/api/v1/domains/%00", "name"},
	{"/api/v1/domains?tag=%00", "tag"},
	{"/api/v1/domains?q=%00", "q"},
	{"/api/v1/domains?q=%ff%fe", "q"},
	{"/api/v1/events?domain=%00", "domain"},
	{"/api/v1/lookalikes?brand=%00", "brand"},
	{"/api/v1/domains/%c3%28/history", "name"},
	{"/domains?q=%00", "q"},
	{"/domains/%00", "name"},
	{"/events?domain=a%00b", "domain"},
}

func checkBadInputs(t *testing.T, st store.Store) {
	hs := serveStore(t, st, Options{})
	c := client(t)
	for _, tc := range badInputs {
		r := get(t, c, hs.URL+tc.path)
		if r.status != 400 || !strings.Contains(r.body, `parameter &#34;`+tc.param+`&#34;`) && !strings.Contains(r.body, `parameter \"`+tc.param+`\"`) {
			t.Errorf("GET %s: %d %.200s; want 400 naming %q", tc.path, r.status, r.body, tc.param)
		}
	}
	// A form post: the names field of the watchlist form.
	csrf := csrfOf(t, c, hs.URL+"/domains")
	r := postForm(t, c, hs.URL+"/domains", url.Values{"csrf": {csrf}, "names": {"a\x00.example"}})
	if r.status != 400 || !strings.Contains(r.body, "names") {
		t.Errorf("POST /domains with a NUL: %d %.200s", r.status, r.body)
	}
}

// TestNULAndBadUTF8On400SQLite and ...PostgreSQL: every parameter that
// reaches SQL is checked once, the same on both drivers.
func TestNULAndBadUTF8Are400SQLite(t *testing.T) { checkBadInputs(t, openStore(t)) }

func TestNULAndBadUTF8Are400PostgreSQL(t *testing.T) {
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
	url, err := cl.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	checkBadInputs(t, st)
}
