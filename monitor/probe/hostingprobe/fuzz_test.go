package hostingprobe

import (
	"encoding/json"
	"net/netip"
	"testing"
)

// FuzzIPNetwork: whatever an RIR sends, reading it never panics, a prefix
// it yields holds the address, and contacts are clean.
func FuzzIPNetwork(f *testing.F) {
	f.Add(`{"objectClassName":"ip network","handle":"N","startAddress":"192.0.2.0","endAddress":"192.0.2.255",
"cidr0_cidrs":[{"v4prefix":"192.0.2.0","length":24}],"entities":[{"roles":["registrant"],"entities":[{"roles":["abuse"],
"vcardArray":["vcard",[["version",{},"text","4.0"],["email",{},"text","abuse@example.net"],["tel",{},"uri","tel:+1-555-0100"]]]}]}]}`, "192.0.2.7")
	f.Add(`{"startAddress":"2001:db8::","endAddress":"2001:db8::ffff"}`, "2001:db8::1")
	f.Add(`{"startAddress":"10.0.0.5","endAddress":"10.0.0.9"}`, "10.0.0.7")
	f.Fuzz(func(t *testing.T, body, addr string) {
		ip, err := netip.ParseAddr(addr)
		if err != nil {
			return
		}
		var n ipNetwork
		if json.Unmarshal([]byte(body), &n) != nil {
			return
		}
		if p, err := n.prefix(ip); err == nil && !p.Contains(ip) {
			t.Fatalf("prefix %s does not hold %s", p, ip)
		}
		for _, c := range n.abuse() {
			if c.Email == "" && c.Phone == "" || c.Source != AbuseSource {
				t.Fatalf("contact %+v", c)
			}
		}
	})
}
