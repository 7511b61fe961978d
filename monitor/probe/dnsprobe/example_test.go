package dnsprobe_test

import (
	"context"
	"fmt"

	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/monitor/probe/dnsprobe"
)

// A seized domain seen both ways: the registry delegates it to the seizure
// name servers, which still serve the old zone's NS records.
func Example() {
	ctx := context.Background()
	sim := simnet.NewDNS(simnet.DNSOptions{})
	if err := sim.Start(ctx); err != nil {
		panic(err)
	}
	defer sim.Close()
	if err := sim.Register("thefoxcloud.com", []string{"ns1.hoster.net", "ns2.hoster.net"}, "@ A 192.0.2.10"); err != nil {
		panic(err)
	}
	if err := sim.SetDelegation("thefoxcloud.com", simnet.DNSSeizureNS, nil); err != nil {
		panic(err)
	}

	p, err := dnsprobe.New(dnsprobe.Options{Resolver: sim.ResolverAddr(), AuthPort: sim.Port()})
	if err != nil {
		panic(err)
	}
	defer p.Close()
	snap, err := p.Probe(ctx, "thefoxcloud.com")
	if err != nil {
		panic(err)
	}
	del, err := p.Delegation(ctx, "thefoxcloud.com")
	if err != nil {
		panic(err)
	}
	fmt.Println("A:", snap.A)
	fmt.Println("child NS:", snap.NS)
	fmt.Println("registry NS:", del.NS, "from", del.Servers)
	// Output:
	// A: [192.0.2.10]
	// child NS: [ns1.hoster.net ns2.hoster.net]
	// registry NS: [ns1.fbi.seized.gov ns2.fbi.seized.gov] from [a.nic.com b.nic.com]
}
