package simnet

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// RIRNetwork is one network a simulated RIR hands out, with its holder's
// abuse contact (RIPE's abuse-c: an entity with role abuse under the
// holder's org entity) and its origin AS.
type RIRNetwork struct {
	Prefix     netip.Prefix
	Handle     string
	Name       string
	Country    string
	ASN        uint32
	ASName     string
	AbuseEmail string
	AbusePhone string
}

// RIR is a simulated regional registry's RDAP service (RFC 9083 IP
// network and autnum objects) on 127.0.0.1, plus the RFC 9224 IPv4, IPv6
// and ASN bootstrap files that point at it.
//
//	GET /rdap/ip/ADDR      the most specific network holding ADDR, 404 if none
//	GET /rdap/autnum/N     the AS, 404 if unknown
//	GET /ipv4.json /ipv6.json /asn.json   bootstraps
type RIR struct {
	srv  *http.Server
	addr string
	wg   sync.WaitGroup

	mu      sync.Mutex
	nets    []RIRNetwork
	status  int // when not 0, every query answers this status
	queries atomic.Int64
}

// DefaultRIRNetworks are what StartRIR serves: simnet's hosts on
// 127.0.0.0/24 and ::1, held by a hoster with an abuse desk.
var DefaultRIRNetworks = []RIRNetwork{
	{Prefix: netip.MustParsePrefix("127.0.0.0/24"), Handle: "NET-127-0-0-0-1", Name: "SIMNET-HOSTING", Country: "US",
		ASN: 64500, ASName: "SIMNET-AS", AbuseEmail: "abuse@hoster.example", AbusePhone: "+1-555-0100"},
	{Prefix: netip.MustParsePrefix("::1/128"), Handle: "NET6-SIMNET-1", Name: "SIMNET-HOSTING-V6", Country: "US",
		ASN: 64500, ASName: "SIMNET-AS", AbuseEmail: "abuse@hoster.example", AbusePhone: "+1-555-0100"},
}

// StartRIR starts the RIR serving nets (DefaultRIRNetworks when none).
func StartRIR(nets ...RIRNetwork) (*RIR, error) {
	if len(nets) == 0 {
		nets = DefaultRIRNetworks
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("simnet rir: %w", err)
	}
	r := &RIR{addr: ln.Addr().String(), nets: append([]RIRNetwork(nil), nets...)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rdap/ip/{addr}", r.ip)
	mux.HandleFunc("GET /rdap/autnum/{n}", r.autnum)
	for _, f := range []string{"ipv4.json", "ipv6.json", "asn.json"} {
		mux.HandleFunc("GET /"+f, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(r.Bootstrap(f))
		})
	}
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		_ = r.srv.Serve(ln)
	}()
	return r, nil
}

// BaseURL is the RIR's RDAP base URL; it ends in "/".
func (r *RIR) BaseURL() string { return "http://" + r.addr + "/rdap/" }

// Queries counts ip and autnum queries received.
func (r *RIR) Queries() int64 { return r.queries.Load() }

// SetNetwork adds a network, or replaces the one with the same prefix.
func (r *RIR) SetNetwork(n RIRNetwork) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.nets {
		if r.nets[i].Prefix == n.Prefix {
			r.nets[i] = n
			return
		}
	}
	r.nets = append(r.nets, n)
}

// SetDown makes every query answer status (503: the RIR is down); 0
// restores service.
func (r *RIR) SetDown(status int) {
	r.mu.Lock()
	r.status = status
	r.mu.Unlock()
}

// rirBlocks are the RIR's allocations as IANA's bootstraps list them:
// all of loopback and the documentation AS numbers, so a network the test
// adds later inside them is found without a new bootstrap.
var rirBlocks = map[string][]string{
	"ipv4.json": {"127.0.0.0/8"},
	"ipv6.json": {"::1/128"},
	"asn.json":  {"64496-64511"},
}

// Bootstrap is the RFC 9224 file (ipv4.json, ipv6.json or asn.json)
// sending the RIR's blocks to BaseURL.
func (r *RIR) Bootstrap(file string) []byte {
	b, _ := json.Marshal(map[string]any{
		"description": "RDAP bootstrap file for " + file + " (takedown simnet RIR)",
		"publication": rfc3339(time.Now()),
		"version":     "1.0",
		"services":    [][][]string{{rirBlocks[file], {r.BaseURL()}}},
	})
	return b
}

func (r *RIR) down(w http.ResponseWriter) bool {
	r.queries.Add(1)
	r.mu.Lock()
	st := r.status
	r.mu.Unlock()
	if st != 0 {
		writeRDAP(w, st, rdapError(st, http.StatusText(st), "simulated outage"))
		return true
	}
	return false
}

func (r *RIR) ip(w http.ResponseWriter, req *http.Request) {
	if r.down(w) {
		return
	}
	a, err := netip.ParseAddr(req.PathValue("addr"))
	if err != nil {
		writeRDAP(w, http.StatusBadRequest, rdapError(400, "Bad Request", "not an address"))
		return
	}
	r.mu.Lock()
	var best *RIRNetwork
	for i := range r.nets {
		n := &r.nets[i]
		if n.Prefix.Contains(a.Unmap()) && (best == nil || n.Prefix.Bits() > best.Prefix.Bits()) {
			best = n
		}
	}
	var n RIRNetwork
	if best != nil {
		n = *best
	}
	r.mu.Unlock()
	if best == nil {
		writeRDAP(w, http.StatusNotFound, rdapError(404, "Not Found", "no network holds "+a.String()))
		return
	}
	writeRDAP(w, http.StatusOK, r.renderNetwork(n))
}

// renderNetwork builds the RFC 9083 ip network object the way RIPE and
// ARIN do: cidr0 CIDRs, ARIN's origin AS extension, and the holder's org
// entity carrying the abuse-c entity.
func (r *RIR) renderNetwork(n RIRNetwork) map[string]any {
	p := n.Prefix.Masked()
	version, key := "v4", "v4prefix"
	if p.Addr().Is6() {
		version, key = "v6", "v6prefix"
	}
	last := p.Addr().AsSlice()
	for i := p.Bits(); i < len(last)*8; i++ {
		last[i/8] |= 0x80 >> (i % 8)
	}
	end, _ := netip.AddrFromSlice(last)
	abuse := vcard("Abuse desk", "", "", "")
	props := abuse[1].([]any)
	if n.AbuseEmail != "" {
		props = append(props, []any{"email", map[string]any{}, "text", n.AbuseEmail})
	}
	if n.AbusePhone != "" {
		props = append(props, []any{"tel", map[string]any{"type": "voice"}, "text", n.AbusePhone})
	}
	org := map[string]any{
		"objectClassName": "entity", "handle": "ORG-" + n.Name, "roles": []string{"registrant"},
		"vcardArray": vcard(n.Name, n.Name, "", n.Country),
		"entities": []map[string]any{{"objectClassName": "entity", "handle": "AR-" + n.Name, "roles": []string{"abuse"},
			"vcardArray": []any{"vcard", props}}},
	}
	out := map[string]any{
		"objectClassName": "ip network", "handle": n.Handle, "name": n.Name, "country": n.Country, "type": "ASSIGNED PA",
		"startAddress": p.Addr().String(), "endAddress": end.String(), "ipVersion": version,
		"cidr0_cidrs":     []map[string]any{{key: p.Addr().String(), "length": p.Bits()}},
		"entities":        []map[string]any{org},
		"rdapConformance": []string{"rdap_level_0", "cidr0", "arin_originas0"},
	}
	if n.ASN != 0 {
		out["arin_originas0_originautnums"] = []uint32{n.ASN}
	}
	return out
}

func (r *RIR) autnum(w http.ResponseWriter, req *http.Request) {
	if r.down(w) {
		return
	}
	v, err := strconv.ParseUint(req.PathValue("n"), 10, 32)
	r.mu.Lock()
	var name string
	for _, n := range r.nets {
		if err == nil && uint64(n.ASN) == v {
			name = n.ASName
		}
	}
	r.mu.Unlock()
	if name == "" {
		writeRDAP(w, http.StatusNotFound, rdapError(404, "Not Found", "no such AS"))
		return
	}
	writeRDAP(w, http.StatusOK, map[string]any{"objectClassName": "autnum", "handle": "AS" + strconv.FormatUint(v, 10),
		"startAutnum": v, "endAutnum": v, "name": name, "rdapConformance": []string{"rdap_level_0"}})
}

// Close stops the server.
func (r *RIR) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := r.srv.Shutdown(ctx)
	if err != nil {
		err = r.srv.Close()
	}
	r.wg.Wait()
	return err
}
