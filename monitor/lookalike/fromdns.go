package lookalike

import "github.com/takedownhq/takedown/store"

// RegistrationFromDNS is the registration answer of a DNS snapshot taken
// since the look-alike was found (the look-alike watch's): NXDOMAIN is not
// registered; NOERROR with name servers or addresses is registered;
// anything else (SERVFAIL, an empty answer) stays unknown, so a failed
// lookup never reads as a drop.
func RegistrationFromDNS(name, rcode string, ns, a, aaaa, mx []string) Registration {
	reg := Registration{Name: name, Status: store.RegUnknown, Rcode: rcode, NS: ns, A: a, MX: mx}
	switch {
	case rcode == "NXDOMAIN":
		reg.Status = store.RegNo
	case rcode == "NOERROR" && (len(ns) > 0 || len(a) > 0 || len(aaaa) > 0):
		reg.Status = store.RegYes
	}
	return reg
}
