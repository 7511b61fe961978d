package feeds_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/takedownhq/takedown/feeds"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// A newly-registered-domain list served on loopback, matched against a
// seized domain: the actor's next domain is found.
func ExampleRunner() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "feeds-example")
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "takedown.db"))
	if err != nil {
		panic(err)
	}
	defer st.Close()
	st.AddDomains(ctx, []store.NewDomain{{Name: "thefoxcloud.com", Unicode: "thefoxcloud.com"}})

	files, err := simnet.StartFeedFiles()
	if err != nil {
		panic(err)
	}
	defer files.Close()
	files.Put("/nrd/latest.txt", simnet.NRDText([]string{"gardenparty.com", "thefoxcloud-careers.com", "bluefox.net"}))
	st.AddFeed(ctx, store.Feed{Name: "nrd", Kind: feeds.KindNRD, URL: files.URL("/nrd/latest.txt")})

	r := &feeds.Runner{Store: st, Dir: filepath.Join(dir, "feeds"), Log: slog.New(slog.DiscardHandler)}
	s, err := r.RunNamed(ctx, "nrd")
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Names, "names,", s.Matches, "look-alike")
	ls, _, _ := st.Lookalikes(ctx, store.LookalikeQuery{})
	for _, l := range ls {
		fmt.Println(l.Name, "imitates", l.Brand, "("+l.Fuzzer+", "+l.Source+")")
	}
	// Output:
	// 3 names, 1 look-alike
	// thefoxcloud-careers.com imitates thefoxcloud.com (combosquatting, feed:nrd)
}
