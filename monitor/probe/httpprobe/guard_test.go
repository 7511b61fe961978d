package httpprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/config"
	"github.com/takedownhq/takedown/internal/base/netguard"
	"github.com/takedownhq/takedown/internal/simnet"
)

// internalService serves an "internal" page on addr, standing in for a
// service on the monitor host that must never be reached.
func internalService(t *testing.T, addr string) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html><head><title>internal admin</title></head><body>secrets</body></html>")
	}), ReadHeaderTimeout: time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// TestProbeRedirectToOtherPortNotFollowed: a redirect to a port other than
// the web ports in use is recorded, not followed.
func TestProbeRedirectToOtherPortNotFollowed(t *testing.T) {
	f := newFixture(t, "hop.example", "inner.example")
	other := internalService(t, "127.0.0.1:0")
	_, otherPort, _ := net.SplitHostPort(other)
	f.web.SetPage("hop.example", simnet.RedirectPage(302, "http://inner.example:"+otherPort+"/"))
	s, err := f.prober().Probe(context.Background(), "hop.example")
	if err != nil {
		t.Fatal(err)
	}
	if s.RedirectStop != StopPort || s.Status != 302 || strings.Contains(s.Title, "internal") {
		t.Fatalf("redirect to port %s: stop %q status %d title %q", otherPort, s.RedirectStop, s.Status, s.Title)
	}
}

// TestProbeErrorNamesConfiguredResolver: with the configured resolver dead,
// the error names it rather than the server in /etc/resolv.conf.
func TestProbeErrorNamesConfiguredResolver(t *testing.T) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := c.LocalAddr().String()
	c.Close()
	_, err = New(config.Network{Resolver: dead, Timeout: time.Second}).Probe(context.Background(), "gone.example")
	if err == nil || !strings.Contains(err.Error(), "lookup gone.example on "+dead) {
		t.Fatalf("err = %v, want it to name resolver %s", err, dead)
	}
}

// ownAddr is added to loopback inside the test's own network namespace and
// stands in for the host's public interface address.
const ownAddr = "11.22.33.44"

// TestProbeRefusesHostOwnAddress: a domain resolving to an address of the
// host's own interfaces must not reach a service bound to 0.0.0.0. The test
// re-runs itself in a new user and network namespace (unshare -rn) where
// ownAddr is added to lo, so no traffic touches the real interfaces.
func TestProbeRefusesHostOwnAddress(t *testing.T) {
	if os.Getenv("TAKEDOWN_TEST_NETNS") != "1" {
		if _, err := exec.LookPath("unshare"); err != nil {
			t.Skip("unshare not available; TestGuardRefusesHostOwnAddresses covers the rule with an injected list")
		}
		script := fmt.Sprintf("ip link set lo up && ip addr add %s/32 dev lo && exec \"$0\" -test.run='^TestProbeRefusesHostOwnAddress$' -test.v", ownAddr)
		cmd := exec.Command("unshare", "-rn", "sh", "-c", script, os.Args[0])
		cmd.Env = append(os.Environ(), "TAKEDOWN_TEST_NETNS=1")
		out, err := cmd.CombinedOutput()
		if err != nil && strings.Contains(string(out), "unshare:") {
			t.Skipf("cannot create a network namespace here: %s", out)
		}
		if err != nil || !strings.Contains(string(out), "--- PASS: TestProbeRefusesHostOwnAddress") {
			t.Fatalf("in namespace: %v\n%s", err, out)
		}
		return
	}
	bound := internalService(t, "0.0.0.0:0")
	_, prt := splitPort(t, bound)
	d := startDNS(t, map[string]string{"own.example": ownAddr})
	n := config.Network{Resolver: d.Addr(), HTTPPort: prt, HTTPSPort: prt, Timeout: 2 * time.Second}

	// The real interface list of the namespace: lo with 127.0.0.1 and ownAddr.
	_, err := New(n).Probe(context.Background(), "own.example")
	if !errors.Is(err, netguard.ErrBlocked) || !strings.Contains(err.Error(), "this host") {
		t.Fatalf("probe of a name resolving to the host's own address: err = %v, want refusal", err)
	}
	// Proof the setup would leak without the rule: a guard told the host
	// has no addresses reaches the internal page.
	p := New(n)
	p.guard = netguard.New(n, netguard.WithInterfaceAddrs(func() ([]netip.Addr, error) { return nil, nil }))
	s, err := p.Probe(context.Background(), "own.example")
	if err != nil || !strings.Contains(s.Title, "internal") {
		t.Fatalf("control probe without the host rule: %+v %v", s, err)
	}
}

func splitPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(p, &n)
	return h, n
}
