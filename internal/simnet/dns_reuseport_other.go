//go:build !unix

package simnet

import (
	"net"
	"net/netip"
)

func dnsReusePortSockets() int { return 1 }

func dnsListenUDP(ap netip.AddrPort, _ bool) (*net.UDPConn, error) {
	return net.ListenUDP("udp4", net.UDPAddrFromAddrPort(ap))
}
