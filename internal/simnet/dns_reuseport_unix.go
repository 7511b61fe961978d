//go:build unix

package simnet

import (
	"context"
	"net"
	"net/netip"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// dnsReusePortSockets is how many UDP sockets share a busy address: one
// per processor, up to four.
func dnsReusePortSockets() int { return min(max(runtime.GOMAXPROCS(0), 1), 4) }

// dnsListenUDP binds a UDP socket, with SO_REUSEPORT when shared. Only
// sockets that all set it may share an address, so a port another program
// holds still fails to bind.
func dnsListenUDP(ap netip.AddrPort, shared bool) (*net.UDPConn, error) {
	lc := net.ListenConfig{}
	if shared {
		lc.Control = func(network, address string, c syscall.RawConn) error {
			var serr error
			if err := c.Control(func(fd uintptr) {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
			}); err != nil {
				return err
			}
			return serr
		}
	}
	pc, err := lc.ListenPacket(context.Background(), "udp4", ap.String())
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}
