// Package simnet is a simulated internet on loopback for tests and for
// `takedown demo` / `takedown simnet`: DNS, WHOIS, RDAP, HTTPS, HTTP and SMTP
// servers that speak the real protocols byte for byte, and that a test can
// change while they run (alter a zone, a WHOIS record, a certificate, a page).
//
// # DNS
//
// [DNS] runs a small DNS hierarchy with github.com/miekg/dns:
//
//   - a root server, which delegates every top-level domain;
//   - one registry per public suffix (com, net, org, asia, cloud, info,
//     services, tech, uk and co.uk, de, gov, io, and any other suffix the
//     first time a domain under it is delegated), each with two name servers
//     a.nic.SUFFIX and b.nic.SUFFIX. The registry publishes the delegation of
//     each domain: NS names, glue addresses and DS records;
//   - name servers for the domains themselves. Every name server host that a
//     delegation names gets a loopback address (its glue, or one simnet picks)
//     and a listener there. All of them serve every child zone set with
//     [DNS.SetZone], like one big hosting provider, so the delegation at the
//     registry and the NS records in the child zone can differ, as they do
//     after a seizure;
//   - a recursive resolver ([DNS.ResolverAddr]) that really walks
//     root → registry → child over loopback sockets, follows CNAMEs, falls
//     back to TCP on truncation and caches answers (any change to the
//     simulated DNS empties the cache).
//
// Every server listens on UDP and TCP on its own address in 127.53.0.0/16
// (the root on 127.53.0.1, the resolver on 127.53.0.53), all on one port
// ([DNS.Port]). Glue is published as given; listeners are started only for
// IPv4 loopback addresses, so a non-loopback glue address is a dead server.
// The monitor reaches the registries directly for the delegation probe by
// setting its authoritative port (config.Network.AuthPort) to [DNS.Port],
// and may start its walk at [DNS.RootAddr] (config.Network.RootServers).
//
// Faults are injected per name ([DNS.SetFault]: every simnet server that
// answers a query for the name or below it, the resolver included) or per
// server ([DNS.SetServerFault]): SERVFAIL, REFUSED, a dropped query (the
// client times out), truncation over UDP (the client must retry over TCP) and
// garbage bytes.
//
// A seizure is two calls: the registry's delegation moves to the seizure
// name servers, and the child zone says what they answer:
//
//	d := simnet.NewDNS(simnet.DNSOptions{})
//	if err := d.Start(ctx); err != nil { ... }
//	defer d.Close()
//	d.Register("thefoxcloud.com", []string{"ns1.hoster.net", "ns2.hoster.net"},
//		"@ A 127.0.0.10", "@ MX 10 mail")
//	// later: the seizure
//	d.SetDelegation("thefoxcloud.com", simnet.DNSSeizureNS, nil)
//	d.SetZone("thefoxcloud.com", "@ NS ns1.fbi.seized.gov.", "@ NS ns2.fbi.seized.gov.",
//		"@ A 127.0.0.66")
//
// All methods of DNS are safe for concurrent use.
package simnet
