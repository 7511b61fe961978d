package whoisprobe_test

import (
	"context"
	"fmt"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/ratelimit"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor/probe/whoisprobe"
)

// The daemon's wiring, pointed at simnet: one limiter shared by every
// worker, RDAP first, WHOIS for ccTLDs and as fallback.
func Example() {
	reg := simnet.NewRegistry()
	ws, _ := simnet.StartWhois(reg)
	defer ws.Close()
	rs, _ := simnet.StartRDAP(reg)
	defer rs.Close()
	_ = reg.Set(simnet.ExampleRegistration("thefoxcloud.com", time.Date(2021, 3, 2, 0, 0, 0, 0, time.UTC)))
	_ = reg.Seize("thefoxcloud.com", time.Date(2023, 10, 17, 0, 0, 0, 0, time.UTC), "ns1.fbi.seized.gov", "ns2.fbi.seized.gov")

	n := config.Network{WhoisReferral: ws.ReferralAddr(), RDAPBootstrap: rs.BootstrapURL(), Timeout: 2 * time.Second, WhoisRate: 1}
	p, err := whoisprobe.New(n, ratelimit.PerSecond(n.WhoisRate))
	if err != nil {
		panic(err)
	}
	rec, err := p.Probe(context.Background(), "thefoxcloud.com")
	if err != nil {
		panic(err)
	}
	fmt.Println(rec.Found, rec.Registrar, rec.Updated.Format(time.DateOnly))
	fmt.Println(rec.Statuses)
	fmt.Println(rec.Nameservers)

	reg.Delete("thefoxcloud.com")
	rec, err = p.Probe(context.Background(), "thefoxcloud.com")
	fmt.Println(rec.Found, err)
	// Output:
	// true NameCheap, Inc. 2023-10-17
	// [serverDeleteProhibited serverHold serverTransferProhibited serverUpdateProhibited]
	// [ns1.fbi.seized.gov ns2.fbi.seized.gov]
	// false <nil>
}
