package monitor_test

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// The daemon keeps network lookups in the database, so a restart (or
// another daemon) does not ask the RIR again.
func TestDaemonKeepsNetworksInTheStore(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := simnet.StartNet(ctx, simnet.NetOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.AddSite(simnet.Site{Domain: "thefoxcloud.com"}); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "takedown.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AddDomains(ctx, []store.NewDomain{{Name: "thefoxcloud.com"}}); err != nil {
		t.Fatal(err)
	}
	off := false
	cfg := config.Default()
	cfg.Network = n.Network(cfg.Network)
	cfg.Monitor.Screenshots, cfg.Monitor.WatchInfrastructure = &off, &off
	d, err := monitor.New(ctx, monitor.Config{Config: cfg, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Monitor.Check(ctx, "thefoxcloud.com", []event.Probe{event.ProbeHosting}); err != nil {
		t.Fatal(err)
	}
	nw, err := st.IPNetwork(ctx, netip.MustParseAddr("127.0.0.1"))
	if err != nil || nw == nil || nw.Prefix.String() != "127.0.0.0/24" || !strings.Contains(string(nw.Data), "abuse@hoster.example") {
		t.Fatalf("stored network: %+v %v", nw, err)
	}
}

// With IANA's bootstraps (no rdap_url, no rdap_bootstrap) the daemon starts
// from the copy a refresh stored, without touching the network.
func TestDaemonStartsFromStoredBootstrap(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "takedown.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b, err := os.ReadFile("regdata/data/dns.json")
	if err != nil {
		t.Fatal(err)
	}
	newer := strings.Replace(string(b), `"services": [`, `"services": [[["example"], ["https://rdap.example/"]],`, 1)
	now := time.Now()
	if err := st.PutBootstrapFile(ctx, store.BootstrapFile{Name: "dns.json", Body: []byte(newer), Services: 598,
		Fetched: now, Checked: now}); err != nil {
		t.Fatal(err)
	}
	off := false
	cfg := config.Default()
	cfg.Monitor.Screenshots, cfg.Monitor.WatchInfrastructure = &off, &off
	d, err := monitor.New(ctx, monitor.Config{Config: cfg, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	urls, err := d.Probers.RDAP.Servers(ctx, "shop.example")
	if err != nil || len(urls) != 1 || urls[0].String() != "https://rdap.example/" {
		t.Fatalf("stored bootstrap not in use: %v %v", urls, err)
	}
}
