package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/takedownhq/takedown/store/sqlite"
	"github.com/takedownhq/takedown/web"
)

// Serving the UI beside other work, as `takedown run --listen` does: Listen
// applies the loopback-or-token rule, Serve stops when the context ends.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "takedown-example")
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "takedown.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()

	srv, err := web.New(st, web.Options{}) // no token: loopback only
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := srv.Listen("0.0.0.0:8080"); err != nil {
		fmt.Println("refused: a token is required off loopback")
	}
	ln, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(string(body))

	cancel() // graceful shutdown
	fmt.Println("stopped:", <-done)
	// Output:
	// refused: a token is required off loopback
	// ok
	// stopped: <nil>
}
