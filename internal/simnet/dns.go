package simnet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/takedownhq/takedown/internal/base/domain"
)

// DNSDefaultTLDs are the registries a DNS starts with. Others are created the
// first time a domain under them is delegated.
var DNSDefaultTLDs = []string{"com", "net", "org", "asia", "cloud", "info", "services", "tech", "co.uk", "de", "gov", "io"}

// DNSSeizureNS are the name servers US law enforcement points seized domains
// at. Start registers their zone, seized.gov, so they resolve.
var DNSSeizureNS = []string{"ns1.fbi.seized.gov", "ns2.fbi.seized.gov"}

// DNSOptions configure a DNS. The zero value is ready to use.
type DNSOptions struct {
	// Port is the UDP and TCP port every server listens on. Default: a port
	// chosen at Start that is free on all simnet addresses.
	Port int
	// NoCache makes the resolver walk root → registry → child for every
	// query. Default false: answers and delegations are cached by TTL, and
	// every change to the simulated DNS empties the cache.
	NoCache bool
	// UpstreamTimeout bounds one query from the resolver to an authoritative
	// server. Default 1s.
	UpstreamTimeout time.Duration
	// TLDs are the registries created at Start. Default DNSDefaultTLDs.
	TLDs []string
	// Logger receives start and stop lines. Default slog.Default().
	Logger *slog.Logger
}

// DNSFault is a misbehaviour injected into simnet's DNS servers.
type DNSFault int

// The faults. DNSNoFault clears one.
const (
	DNSNoFault  DNSFault = iota
	DNSServFail          // answer SERVFAIL
	DNSRefused           // answer REFUSED
	DNSDrop              // send nothing: the client times out
	DNSTruncate          // over UDP, an empty answer with the TC bit; over TCP, the real answer
	DNSGarbage           // bytes that are not a DNS message (the query ID, then junk)
)

var dnsFaultNames = [...]string{"none", "servfail", "refused", "drop", "truncate", "garbage"}

func (f DNSFault) String() string {
	if f >= 0 && int(f) < len(dnsFaultNames) {
		return dnsFaultNames[f]
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// Address plan inside 127.53.0.0/16.
var (
	dnsRootAddr     = netip.AddrFrom4([4]byte{127, 53, 0, 1})
	dnsResolverAddr = netip.AddrFrom4([4]byte{127, 53, 0, 53})
)

const (
	dnsRegistryNet = 1 // 127.53.1.x and up: registry name servers
	dnsHostNet     = 8 // 127.53.8.x and up: name servers simnet picks for domains
	dnsMaxHostNet  = 255
	dnsZoneTTL     = 300
	dnsRegistryTTL = 172800
	// dnsMaxQuery bounds the size of a query read over UDP.
	dnsMaxQuery = 2048
	// dnsSocketBuffer is the UDP socket buffer asked for.
	dnsSocketBuffer = 4 << 20
)

type dnsRole int

const (
	dnsRoleRoot dnsRole = iota
	dnsRoleRegistry
	dnsRoleHost
	dnsRoleResolver
)

// dnsRegistry is a registry zone: the root (".") or a public suffix.
type dnsRegistry struct {
	zone     string               // FQDN, "." for the root
	hosts    []string             // its name servers, FQDN
	children map[string]*dnsDeleg // delegated names, FQDN
}

// dnsDeleg is what a registry publishes for a child.
type dnsDeleg struct {
	ns []string // FQDN, in the order given
	ds []dns.RR
}

// dnsZone is a domain's own zone, served by every host listener.
type dnsZone struct {
	origin string
	names  map[string][]dns.RR // owner FQDN → records
	ents   map[string]bool     // empty non-terminals
	soa    *dns.SOA
}

type dnsListener struct {
	addr     netip.Addr
	role     dnsRole
	registry *dnsRegistry  // role registry and root
	servers  []*dns.Server // UDP ones, then TCP
}

type dnsNameFault struct {
	fault  DNSFault
	qtypes []uint16 // empty: all
}

// DNS is a simulated DNS hierarchy on loopback. See the package doc.
type DNS struct {
	opts    DNSOptions
	log     *slog.Logger
	latency delay // of authoritative answers

	mu          sync.RWMutex
	started     bool
	closed      bool
	port        int
	registries  map[string]*dnsRegistry // by zone FQDN
	zones       map[string]*dnsZone     // by origin FQDN
	hosts       map[string][]netip.Addr // name server host FQDN → addresses
	listeners   map[netip.Addr]*dnsListener
	nameFaults  map[string]dnsNameFault // FQDN
	addrFaults  map[netip.Addr]DNSFault
	nextReg     uint32 // next registry address offset
	nextHost    uint32 // next host address offset
	stopOnClose func() bool

	gen   atomic.Uint64 // bumped by every change; stale cache entries are ignored
	cache *dnsCache
	up    *dnsUpstream
}

// NewDNS returns a DNS that is not yet listening; call Start.
func NewDNS(opts DNSOptions) *DNS {
	if opts.UpstreamTimeout <= 0 {
		opts.UpstreamTimeout = time.Second
	}
	if opts.TLDs == nil {
		opts.TLDs = DNSDefaultTLDs
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &DNS{
		opts:       opts,
		log:        log.With("component", "simnet-dns"),
		registries: map[string]*dnsRegistry{},
		zones:      map[string]*dnsZone{},
		hosts:      map[string][]netip.Addr{},
		listeners:  map[netip.Addr]*dnsListener{},
		nameFaults: map[string]dnsNameFault{},
		addrFaults: map[netip.Addr]DNSFault{},
		cache:      newDNSCache(200_000),
		up:         newDNSUpstream(),
	}
}

// Start binds the root, the resolver and the registries of opts.TLDs, and
// registers seized.gov (DNSSeizureNS). Cancelling ctx closes the DNS, like
// Close.
func (d *DNS) Start(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.started {
		return errors.New("simnet dns: already started")
	}
	d.started = true
	var err error
	for try := 0; try < 20; try++ {
		if err = d.bindCore(); err == nil {
			break
		}
		d.closeListenersLocked()
		if d.opts.Port != 0 {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("simnet dns: start: %w", err)
	}
	for _, tld := range d.opts.TLDs {
		if _, err := d.registryLocked(dnsFqdn(tld)); err != nil {
			d.closeListenersLocked()
			return fmt.Errorf("simnet dns: start: registry %s: %w", tld, err)
		}
	}
	if err := d.registerLocked("seized.gov.", DNSSeizureNS, nil); err != nil {
		d.closeListenersLocked()
		return fmt.Errorf("simnet dns: start: %w", err)
	}
	d.stopOnClose = context.AfterFunc(ctx, func() { d.Close() })
	d.log.Debug("started", "resolver", d.resolverAddrLocked(), "root", netip.AddrPortFrom(dnsRootAddr, uint16(d.port)).String())
	return nil
}

// bindCore picks the port and binds the root and the resolver.
func (d *DNS) bindCore() error {
	d.port = d.opts.Port
	if _, err := d.listenLocked(dnsRootAddr, dnsRoleRoot, nil); err != nil {
		return err
	}
	root := &dnsRegistry{zone: ".", hosts: []string{"a.root-servers.net."}, children: map[string]*dnsDeleg{}}
	d.registries["."] = root
	d.listeners[dnsRootAddr].registry = root
	d.hosts["a.root-servers.net."] = []netip.Addr{dnsRootAddr}
	_, err := d.listenLocked(dnsResolverAddr, dnsRoleResolver, nil)
	return err
}

// Close stops every server. It is safe to call more than once.
func (d *DNS) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	if d.stopOnClose != nil {
		d.stopOnClose()
	}
	ls := d.listeners
	d.listeners = map[netip.Addr]*dnsListener{}
	d.mu.Unlock()
	err := shutdownDNSListeners(ls)
	d.up.close()
	return err
}

func (d *DNS) closeListenersLocked() {
	shutdownDNSListeners(d.listeners)
	d.listeners = map[netip.Addr]*dnsListener{}
	d.registries = map[string]*dnsRegistry{}
	d.hosts = map[string][]netip.Addr{}
	d.nextReg, d.nextHost = 0, 0
}

func shutdownDNSListeners(ls map[netip.Addr]*dnsListener) error {
	var errs []error
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, l := range ls {
		for _, s := range l.servers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				if err := s.ShutdownContext(ctx); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("simnet dns: stop %s: %w", l.addr, err))
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// listenLocked starts UDP and TCP servers on addr:d.port (picking d.port if
// it is still 0).
func (d *DNS) listenLocked(addr netip.Addr, role dnsRole, reg *dnsRegistry) (*dnsListener, error) {
	if l, ok := d.listeners[addr]; ok {
		return l, nil
	}
	if d.closed {
		return nil, errors.New("closed")
	}
	// The resolver and the domains' name servers take the load: several
	// sockets share their address (SO_REUSEPORT), each read by its own
	// server, so one reading goroutine does not bound the rate.
	n := 1
	if role == dnsRoleResolver || role == dnsRoleHost {
		n = dnsReusePortSockets()
	}
	var pcs []net.PacketConn
	closeAll := func() {
		for _, pc := range pcs {
			pc.Close()
		}
	}
	for i := 0; i < n; i++ {
		pc, err := dnsListenUDP(netip.AddrPortFrom(addr, uint16(d.port)), n > 1)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("listen %s: %w", addr, err)
		}
		if d.port == 0 {
			d.port = pc.LocalAddr().(*net.UDPAddr).Port
		}
		// Bursts of thousands of queries must queue, not drop, while the
		// machine is busy elsewhere; the kernel caps this at rmem_max.
		pc.SetReadBuffer(dnsSocketBuffer)
		pc.SetWriteBuffer(dnsSocketBuffer)
		pcs = append(pcs, pc)
	}
	ln, err := net.Listen("tcp4", netip.AddrPortFrom(addr, uint16(d.port)).String())
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	l := &dnsListener{addr: addr, role: role, registry: reg}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) { d.serve(l, w, r) })
	started := make(chan struct{}, n+1)
	notify := func() { started <- struct{}{} }
	for _, pc := range pcs {
		l.servers = append(l.servers, &dns.Server{PacketConn: dnsPacketConn{pc}, Handler: h, NotifyStartedFunc: notify, UDPSize: dnsMaxQuery})
	}
	l.servers = append(l.servers, &dns.Server{Listener: ln, Handler: h, NotifyStartedFunc: notify,
		ReadTimeout: 5 * time.Second, IdleTimeout: func() time.Duration { return 5 * time.Second }})
	for _, s := range l.servers {
		go func() {
			if err := s.ActivateAndServe(); err != nil {
				d.log.Debug("server ended", "addr", addr, "err", err)
			}
		}()
	}
	for range l.servers {
		<-started
	}
	d.listeners[addr] = l
	return l, nil
}

// dnsPacketConn hides the *net.UDPConn from miekg/dns, which then reads
// with ReadFrom instead of parsing each packet's control messages for a
// destination address: each listener has one address, so it needs none.
type dnsPacketConn struct{ net.PacketConn }

// ResolverAddr is the recursive resolver, host:port, for --resolver.
func (d *DNS) ResolverAddr() string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.resolverAddrLocked()
}

func (d *DNS) resolverAddrLocked() string {
	return netip.AddrPortFrom(dnsResolverAddr, uint16(d.port)).String()
}

// RootAddr is the root server, host:port, for config.Network.RootServers.
func (d *DNS) RootAddr() string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return netip.AddrPortFrom(dnsRootAddr, uint16(d.port)).String()
}

// Port is the port every simnet DNS server listens on, for
// config.Network.AuthPort.
func (d *DNS) Port() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.port
}

// TLDServers returns the name servers of a registry ("com", "co.uk") as
// host:port, or nil if simnet has no such registry.
func (d *DNS) TLDServers(suffix string) []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	reg := d.registries[dnsFqdn(suffix)]
	if reg == nil {
		return nil
	}
	var out []string
	for _, h := range reg.hosts {
		for _, a := range d.hosts[h] {
			out = append(out, netip.AddrPortFrom(a, uint16(d.port)).String())
		}
	}
	return out
}

// HostAddrs returns the addresses simnet has for a name server host: its
// glue, or the loopback address simnet picked for it.
func (d *DNS) HostAddrs(host string) []netip.Addr {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return slices.Clone(d.hosts[dnsFqdn(host)])
}

// SetDelegation publishes at the domain's registry that the domain is
// delegated to the name servers ns. glue gives addresses for some of them
// (IPv4 loopback addresses get a listener; others are published only). A
// name server without glue keeps the address it has, or gets a new loopback
// address. The registry is created if the domain's suffix has none yet.
// The DS records already published for the domain are kept.
func (d *DNS) SetDelegation(domainName string, ns []string, glue map[string][]netip.Addr) error {
	name, err := dnsRegistrable(domainName)
	if err != nil {
		return err
	}
	if len(ns) == 0 {
		return fmt.Errorf("simnet dns: delegation of %s: no name servers", name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.changed()
	return d.setDelegationLocked(name, ns, glue)
}

func (d *DNS) setDelegationLocked(name string, ns []string, glue map[string][]netip.Addr) error {
	if !d.started || d.closed {
		return errors.New("simnet dns: not running")
	}
	reg, err := d.registryLocked(dnsParentSuffix(name))
	if err != nil {
		return fmt.Errorf("simnet dns: delegation of %s: %w", name, err)
	}
	hosts := make([]string, 0, len(ns))
	for _, h := range ns {
		fh := dnsFqdn(h)
		if _, ok := dns.IsDomainName(fh); !ok || fh == "." {
			return fmt.Errorf("simnet dns: delegation of %s: bad name server %q", name, h)
		}
		if !slices.Contains(hosts, fh) {
			hosts = append(hosts, fh)
		}
	}
	fglue := map[string][]netip.Addr{}
	for h, addrs := range glue {
		fglue[dnsFqdn(h)] = addrs
	}
	for _, h := range hosts {
		addrs, given := fglue[h]
		if !given {
			addrs = d.hosts[h]
		}
		if len(addrs) == 0 {
			a, err := d.nextHostAddrLocked()
			if err != nil {
				return fmt.Errorf("simnet dns: delegation of %s: %w", name, err)
			}
			addrs = []netip.Addr{a}
		}
		for _, a := range addrs {
			if a.Is4() && a.IsLoopback() {
				if _, err := d.listenLocked(a, dnsRoleHost, nil); err != nil {
					return fmt.Errorf("simnet dns: name server %s: %w", h, err)
				}
			}
		}
		d.hosts[h] = slices.Clone(addrs)
	}
	old := reg.children[name]
	nd := &dnsDeleg{ns: hosts}
	if old != nil {
		nd.ds = old.ds
	}
	reg.children[name] = nd
	return nil
}

func (d *DNS) nextHostAddrLocked() (netip.Addr, error) {
	for {
		off := d.nextHost
		d.nextHost++
		hi, lo := dnsHostNet+off/254, off%254+1
		if hi > dnsMaxHostNet {
			return netip.Addr{}, errors.New("out of loopback addresses")
		}
		a := netip.AddrFrom4([4]byte{127, 53, byte(hi), byte(lo)})
		if _, used := d.listeners[a]; !used {
			return a, nil
		}
	}
}

// SetDS publishes DS records for the domain at its registry, replacing the
// old ones; none removes them. Records are zone-file text relative to the
// domain ("@ DS 12345 13 2 ABCD…" or just "12345 13 2 ABCD…" after "DS").
// The domain must be delegated.
func (d *DNS) SetDS(domainName string, ds ...string) error {
	name, err := dnsRegistrable(domainName)
	if err != nil {
		return err
	}
	rrs, err := dnsParseRecords(name, ds)
	if err != nil {
		return fmt.Errorf("simnet dns: DS of %s: %w", name, err)
	}
	for _, rr := range rrs {
		if rr.Header().Rrtype != dns.TypeDS || rr.Header().Name != name {
			return fmt.Errorf("simnet dns: DS of %s: %q is not a DS record of the domain", name, rr.String())
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.changed()
	reg := d.registries[dnsParentSuffix(name)]
	if reg == nil || reg.children[name] == nil {
		return fmt.Errorf("simnet dns: DS of %s: not delegated", name)
	}
	reg.children[name].ds = rrs
	return nil
}

// RemoveDelegation withdraws the domain from its registry's zone, as a
// registry hold does: the registry answers NXDOMAIN while the child zone
// stays on its name servers.
func (d *DNS) RemoveDelegation(domainName string) {
	name := dnsFqdn(domainName)
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.changed()
	if reg := d.registries[dnsParentSuffix(name)]; reg != nil {
		delete(reg.children, name)
	}
}

// SetZone replaces the domain's own zone with the records given as
// zone-file text, one or more records per string, names relative to the
// domain ("@ A 192.0.2.1", "www 60 CNAME @", "@ MX 10 mail.example.net.").
// The default TTL is 300. Without a SOA record the zone gets one. The NS
// records are whatever the text says: they may differ from the delegation.
func (d *DNS) SetZone(domainName string, rrs ...string) error {
	name, err := dnsRegistrable(domainName)
	if err != nil {
		return err
	}
	z, err := newDNSZone(name, rrs)
	if err != nil {
		return fmt.Errorf("simnet dns: zone %s: %w", name, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.changed()
	d.zones[name] = z
	return nil
}

// RemoveZone deletes the domain's own zone: its name servers answer REFUSED
// (a lame delegation) while the registry still delegates it.
func (d *DNS) RemoveZone(domainName string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.changed()
	delete(d.zones, dnsFqdn(domainName))
}

// Remove deletes the domain's delegation, DS and zone: it no longer exists
// (NXDOMAIN).
func (d *DNS) Remove(domainName string) {
	name := dnsFqdn(domainName)
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.changed()
	if reg := d.registries[dnsParentSuffix(name)]; reg != nil {
		delete(reg.children, name)
	}
	delete(d.zones, name)
}

// Register delegates the domain to ns (addresses as SetDelegation picks
// them) and sets its zone to a SOA, the NS records of ns, A records for the
// name servers inside the domain, and rrs.
func (d *DNS) Register(domainName string, ns []string, rrs ...string) error {
	name, err := dnsRegistrable(domainName)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.changed()
	return d.registerLocked(name, ns, rrs)
}

func (d *DNS) registerLocked(name string, ns []string, rrs []string) error {
	if len(ns) == 0 {
		return fmt.Errorf("simnet dns: register %s: no name servers", name)
	}
	if err := d.setDelegationLocked(name, ns, nil); err != nil {
		return err
	}
	lines := make([]string, 0, len(ns)*2+len(rrs))
	for _, h := range ns {
		fh := dnsFqdn(h)
		lines = append(lines, "@ NS "+fh)
		if dns.IsSubDomain(name, fh) {
			for _, a := range d.hosts[fh] {
				t := "A"
				if a.Is6() && !a.Is4In6() {
					t = "AAAA"
				}
				lines = append(lines, fh+" "+t+" "+a.String())
			}
		}
	}
	lines = append(lines, rrs...)
	z, err := newDNSZone(name, lines)
	if err != nil {
		return fmt.Errorf("simnet dns: register %s: %w", name, err)
	}
	d.zones[name] = z
	return nil
}

// SetFault makes every simnet server that answers a query for name, or a
// name below it, misbehave: the resolver and the authoritative servers
// alike. qtypes limits the fault to those query types (dns.TypeMX, …);
// none means all. DNSNoFault clears the name's fault.
func (d *DNS) SetFault(name string, f DNSFault, qtypes ...uint16) {
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.changed()
	n := dnsFqdn(name)
	if f == DNSNoFault {
		delete(d.nameFaults, n)
		return
	}
	d.nameFaults[n] = dnsNameFault{fault: f, qtypes: slices.Clone(qtypes)}
}

// SetServerFault makes one server misbehave for every query. server is
// "resolver", "." (the root), a registry's suffix ("com" — both its name
// servers), a name server host ("ns1.fbi.seized.gov", "a.nic.com") or an
// address ("127.53.0.1"). DNSNoFault clears it.
func (d *DNS) SetServerFault(server string, f DNSFault) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.changed()
	var addrs []netip.Addr
	switch s := strings.ToLower(strings.TrimSpace(server)); {
	case s == "resolver":
		addrs = []netip.Addr{dnsResolverAddr}
	case s == "." || s == "root":
		addrs = []netip.Addr{dnsRootAddr}
	default:
		if a, err := netip.ParseAddr(s); err == nil {
			addrs = []netip.Addr{a}
		} else if reg := d.registries[dnsFqdn(s)]; reg != nil {
			for _, h := range reg.hosts {
				addrs = append(addrs, d.hosts[h]...)
			}
		} else {
			addrs = d.hosts[dnsFqdn(s)]
		}
	}
	if len(addrs) == 0 {
		return fmt.Errorf("simnet dns: server fault: unknown server %q", server)
	}
	for _, a := range addrs {
		if f == DNSNoFault {
			delete(d.addrFaults, a)
		} else {
			d.addrFaults[a] = f
		}
	}
	return nil
}

// FlushCache empties the resolver's cache, as any change does.
func (d *DNS) FlushCache() { d.changed() }

// changed invalidates the resolver's cache.
func (d *DNS) changed() { d.gen.Add(1) }

// registryLocked returns the registry of zone (FQDN), creating it and its
// parents, with two name servers a.nic.ZONE and b.nic.ZONE.
func (d *DNS) registryLocked(zone string) (*dnsRegistry, error) {
	if reg := d.registries[zone]; reg != nil {
		return reg, nil
	}
	if zone == "." {
		return nil, errors.New("no root")
	}
	parent, err := d.registryLocked(dnsParentZone(zone))
	if err != nil {
		return nil, err
	}
	reg := &dnsRegistry{zone: zone, children: map[string]*dnsDeleg{}}
	for _, label := range []string{"a", "b"} {
		off := d.nextReg
		d.nextReg++
		hi := dnsRegistryNet + off/254
		if hi >= dnsHostNet {
			return nil, errors.New("too many registries")
		}
		a := netip.AddrFrom4([4]byte{127, 53, byte(hi), byte(off%254 + 1)})
		if _, err := d.listenLocked(a, dnsRoleRegistry, reg); err != nil {
			return nil, err
		}
		h := label + ".nic." + zone
		reg.hosts = append(reg.hosts, h)
		d.hosts[h] = []netip.Addr{a}
	}
	d.registries[zone] = reg
	parent.children[zone] = &dnsDeleg{ns: reg.hosts}
	return reg, nil
}

// dnsRegistrable checks a domain name given to the API and returns it as a
// lower-case FQDN. Public suffixes are refused: they are registries.
func dnsRegistrable(name string) (string, error) {
	n := dnsFqdn(name)
	if _, ok := dns.IsDomainName(n); !ok || n == "." {
		return "", fmt.Errorf("simnet dns: bad domain name %q", name)
	}
	if s, _ := domain.Suffix(strings.TrimSuffix(n, ".")); s+"." == n {
		return "", fmt.Errorf("simnet dns: %q is a public suffix, not a domain", name)
	}
	// Only the label right below a registry can be delegated by it.
	if dnsParentZone(n) != dnsParentSuffix(n) {
		return "", fmt.Errorf("simnet dns: %q is not a registrable domain (its registry is %s)", name, dnsParentSuffix(n))
	}
	return n, nil
}

// dnsParentSuffix is the registry zone (FQDN) that delegates name: its ICANN
// public suffix, or its last label if the list does not know it.
func dnsParentSuffix(name string) string {
	ascii := strings.TrimSuffix(name, ".")
	s, known := domain.Suffix(ascii)
	if !known {
		s = domain.TLD(ascii)
	}
	if s == ascii {
		// name is itself a suffix: its parent registry holds it.
		return dnsParentZone(name)
	}
	return s + "."
}

// dnsParentZone drops the first label: "co.uk." → "uk.", "com." → ".".
func dnsParentZone(zone string) string {
	i := strings.IndexByte(zone, '.')
	if i < 0 || i == len(zone)-1 {
		return "."
	}
	return zone[i+1:]
}

func dnsFqdn(s string) string {
	return dns.Fqdn(strings.ToLower(strings.TrimSpace(s)))
}

// dnsParseRecords parses zone-file text relative to origin.
func dnsParseRecords(origin string, lines []string) ([]dns.RR, error) {
	text := "$TTL " + strconv.Itoa(dnsZoneTTL) + "\n" + strings.Join(lines, "\n") + "\n"
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "")
	var out []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		h := rr.Header()
		h.Name = strings.ToLower(h.Name)
		if !dns.IsSubDomain(origin, h.Name) {
			return nil, fmt.Errorf("record %q is outside %s", rr.String(), origin)
		}
		out = append(out, rr)
	}
	if err := zp.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func newDNSZone(origin string, lines []string) (*dnsZone, error) {
	rrs, err := dnsParseRecords(origin, lines)
	if err != nil {
		return nil, err
	}
	z := &dnsZone{origin: origin, names: map[string][]dns.RR{}, ents: map[string]bool{}}
	for _, rr := range rrs {
		h := rr.Header()
		if soa, ok := rr.(*dns.SOA); ok {
			if h.Name != origin {
				return nil, fmt.Errorf("SOA %q is not at the apex", rr.String())
			}
			if z.soa != nil {
				continue
			}
			z.soa = soa
		}
		z.names[h.Name] = append(z.names[h.Name], rr)
	}
	if z.soa == nil {
		z.soa = &dns.SOA{
			Hdr:     dns.RR_Header{Name: origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: dnsZoneTTL},
			Ns:      "ns1." + origin,
			Mbox:    "hostmaster." + origin,
			Serial:  1,
			Refresh: 7200, Retry: 3600, Expire: 1209600, Minttl: dnsZoneTTL,
		}
		z.names[origin] = append(z.names[origin], z.soa)
	}
	for name := range z.names {
		for n := name; n != origin; {
			n = dnsParentZone(n)
			if _, ok := z.names[n]; !ok && dns.IsSubDomain(origin, n) {
				z.ents[n] = true
			}
			if !dns.IsSubDomain(origin, n) {
				break
			}
		}
	}
	return z, nil
}
