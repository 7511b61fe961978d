package simnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
)

// RDAP is a simulated RDAP service (RFC 9082/9083) on 127.0.0.1 that answers
// from a Registry, plus the RFC 9224 bootstrap file that points at it.
//
//	GET /dns.json               bootstrap: every TLD served -> BaseURL()
//	GET /rdap/domain/NAME       the domain object, 404 when not registered
type RDAP struct {
	reg     *Registry
	srv     *http.Server
	addr    string
	latency delay

	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
	tlds   []string
	fault  Fault
	closed bool
	wg     sync.WaitGroup

	queries atomic.Int64
	rir     atomic.Pointer[RIR]
}

// RDAPTLDs are the TLDs StartRDAP publishes by default: DefaultTLDs minus
// .de, whose registry is not in IANA's RDAP bootstrap (so .de stays on WHOIS,
// as in life).
var RDAPTLDs = []string{"com", "net", "org", "info", "asia", "cloud", "services", "tech"}

// StartRDAP starts the RDAP server answering from reg for tlds (RDAPTLDs
// when none are given). Close stops it.
func StartRDAP(reg *Registry, tlds ...string) (*RDAP, error) {
	if len(tlds) == 0 {
		tlds = RDAPTLDs
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("simnet rdap: %w", err)
	}
	r := &RDAP{reg: reg, ln: ln, addr: ln.Addr().String(), tlds: slices.Clone(tlds), conns: map[net.Conn]struct{}{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dns.json", r.bootstrap)
	for _, f := range []string{"ipv4.json", "ipv6.json", "asn.json"} {
		mux.HandleFunc("GET /"+f, func(w http.ResponseWriter, _ *http.Request) {
			rir := r.rir.Load()
			if rir == nil {
				writeRDAP(w, http.StatusNotFound, rdapError(404, "Not Found", "no RIR attached"))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(rir.Bootstrap(f))
		})
	}
	mux.HandleFunc("GET /rdap/domain/{name}", r.domain)
	mux.HandleFunc("GET /rdap/help", func(w http.ResponseWriter, _ *http.Request) {
		writeRDAP(w, http.StatusOK, map[string]any{"rdapConformance": conformance, "notices": notices})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeRDAP(w, http.StatusBadRequest, rdapError(400, "Bad Request", "unsupported query"))
	})
	r.srv = &http.Server{Handler: r.faulty(mux), ReadHeaderTimeout: 5 * time.Second, ConnState: r.track}
	r.serve(ln)
	return r, nil
}

func (r *RDAP) serve(ln net.Listener) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		_ = r.srv.Serve(ln)
	}()
}

// Addr is the server's host:port.
func (r *RDAP) Addr() string { return r.addr }

// BaseURL is the RDAP base URL, for config.Network.RDAPURL; it ends in "/".
func (r *RDAP) BaseURL() string { return "http://" + r.addr + "/rdap/" }

// BootstrapURL is the URL of the bootstrap file, for
// config.Network.RDAPBootstrap.
func (r *RDAP) BootstrapURL() string { return "http://" + r.addr + "/dns.json" }

// SetRIR makes the server publish rir's IPv4, IPv6 and ASN bootstrap files
// beside its dns.json, so BootstrapBase holds all four.
func (r *RDAP) SetRIR(rir *RIR) { r.rir.Store(rir) }

// BootstrapBase is the directory URL holding dns.json (and, with SetRIR,
// ipv4.json, ipv6.json and asn.json), for config.Network.RDAPBootstrap.
func (r *RDAP) BootstrapBase() string { return "http://" + r.addr + "/" }

// Queries counts domain queries received.
func (r *RDAP) Queries() int64 { return r.queries.Load() }

// SetTLDs replaces the TLDs the bootstrap file lists.
func (r *RDAP) SetTLDs(tlds ...string) {
	r.mu.Lock()
	r.tlds = slices.Clone(tlds)
	r.mu.Unlock()
}

// SetFault changes how the server misbehaves: FaultRateLimit answers 429
// with Retry-After, FaultHuge a 50 MiB body, FaultBinary and
// FaultInvalidUTF8 junk bodies as 200 application/rdap+json, FaultStall
// never answers, FaultReset drops the connection, FaultRefuse stops
// listening. FaultNone restores normal service on the same address.
func (r *RDAP) SetFault(f Fault) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errors.New("simnet rdap: closed")
	}
	r.fault = f
	switch {
	case f == FaultRefuse && r.ln != nil:
		err := r.ln.Close()
		r.ln = nil
		// A server that went away takes its keep-alive connections along.
		for c := range r.conns {
			c.Close()
		}
		return err
	case f != FaultRefuse && r.ln == nil:
		ln, err := net.Listen("tcp", r.addr)
		if err != nil {
			return fmt.Errorf("simnet rdap: listen again on %s: %w", r.addr, err)
		}
		r.ln = ln
		r.serve(ln)
	}
	return nil
}

// Close stops the server, dropping stalled requests.
func (r *RDAP) Close() error {
	r.mu.Lock()
	r.closed = true
	r.ln = nil
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := r.srv.Shutdown(ctx)
	if err != nil {
		err = r.srv.Close()
	}
	r.wg.Wait()
	return err
}

// track keeps the open connections, so FaultRefuse can drop them.
func (r *RDAP) track(c net.Conn, st http.ConnState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch st {
	case http.StateNew:
		r.conns[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(r.conns, c)
	}
}

func (r *RDAP) faulty(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.HasPrefix(req.URL.Path, "/rdap/domain/") {
			r.queries.Add(1)
		}
		r.mu.Lock()
		f := r.fault
		r.mu.Unlock()
		if strings.HasSuffix(req.URL.Path, ".json") && !strings.HasPrefix(req.URL.Path, "/rdap/") && f != FaultStall {
			f = FaultNone // keep the bootstrap reachable so tests isolate the domain query
		}
		switch f {
		case FaultRateLimit:
			w.Header().Set("Retry-After", "2")
			writeRDAP(w, http.StatusTooManyRequests, rdapError(429, "Too Many Requests", "query rate limit exceeded"))
		case FaultHuge:
			w.Header().Set("Content-Type", "application/rdap+json")
			_, _ = io.WriteString(w, `{"objectClassName":"domain","remarks":[{"description":["`)
			writeHuge(w)
		case FaultBinary:
			w.Header().Set("Content-Type", "application/rdap+json")
			_, _ = w.Write(binaryJunk(64 << 10))
		case FaultInvalidUTF8:
			w.Header().Set("Content-Type", "application/rdap+json")
			_, _ = w.Write(latinJunk(16 << 10))
		case FaultStall:
			select {
			case <-req.Context().Done():
			case <-time.After(2 * time.Minute):
			}
		case FaultReset:
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					if tc, ok := c.(*net.TCPConn); ok {
						_ = tc.SetLinger(0)
					}
					c.Close()
				}
			}
		default:
			r.latency.wait(req.Context())
			next.ServeHTTP(w, req)
		}
	})
}

var conformance = []string{"rdap_level_0", "icann_rdap_technical_implementation_guide_1", "icann_rdap_response_profile_1"}

var notices = []map[string]any{
	{"title": "Terms of Use", "description": []string{"Service subject to Terms of Use of the simulated registry."}},
	{"title": "Status Codes", "description": []string{"For more information on domain status codes, please visit https://icann.org/epp"},
		"links": []map[string]string{{"href": "https://icann.org/epp", "rel": "glossary", "type": "text/html"}}},
}

func rdapError(code int, title, desc string) map[string]any {
	return map[string]any{"rdapConformance": []string{"rdap_level_0"}, "errorCode": code, "title": title, "description": []string{desc}}
}

func writeRDAP(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/rdap+json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (r *RDAP) bootstrap(w http.ResponseWriter, _ *http.Request) {
	r.mu.Lock()
	tlds := slices.Clone(r.tlds)
	r.mu.Unlock()
	sort.Strings(tlds)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"description": "RDAP bootstrap file for Domain Name System registrations (takedown simnet)",
		"publication": rfc3339(time.Now()),
		"version":     "1.0",
		"services":    [][][]string{{tlds, {r.BaseURL()}}},
	})
}

func (r *RDAP) domain(w http.ResponseWriter, req *http.Request) {
	name := strings.ToLower(strings.TrimSuffix(req.PathValue("name"), "."))
	r.mu.Lock()
	served := slices.Contains(r.tlds, tldOf(name))
	r.mu.Unlock()
	reg, ok := r.reg.Get(name)
	if !served || !ok {
		writeRDAP(w, http.StatusNotFound, rdapError(404, "Not Found", "The domain "+name+" was not found"))
		return
	}
	writeRDAP(w, http.StatusOK, r.render(reg))
}

// render builds the RFC 9083 domain object along the ICANN gTLD RDAP
// response profile.
func (r *RDAP) render(reg Registration) map[string]any {
	ldh := reg.Domain
	if operatorFor(reg.TLD()).style == "verisign" {
		ldh = strings.ToUpper(ldh) // Verisign answers in upper case
	}
	self := r.BaseURL() + "domain/" + reg.Domain
	var events []map[string]string
	event := func(action string, t time.Time) {
		if !t.IsZero() {
			events = append(events, map[string]string{"eventAction": action, "eventDate": rfc3339(t)})
		}
	}
	event("registration", reg.Created)
	event("expiration", reg.Expires)
	event("last changed", reg.Updated)
	event("last update of RDAP database", time.Now())

	var status []string
	for _, s := range statusesOrOK(reg) {
		status = append(status, RDAPStatus(s))
	}
	var ns []map[string]any
	for _, n := range reg.Nameservers {
		host := strings.ToLower(n)
		if ldh != reg.Domain {
			host = strings.ToUpper(host)
		}
		ns = append(ns, map[string]any{"objectClassName": "nameserver", "ldhName": host})
	}

	registrar := map[string]any{
		"objectClassName": "entity",
		"roles":           []string{"registrar"},
		"vcardArray":      vcard(reg.Registrar, "", "", ""),
	}
	if reg.RegistrarIANAID != 0 {
		id := fmt.Sprint(reg.RegistrarIANAID)
		registrar["handle"] = id
		registrar["publicIds"] = []map[string]string{{"type": "IANA Registrar ID", "identifier": id}}
	}
	if reg.AbuseEmail != "" || reg.AbusePhone != "" {
		abuse := vcard("", "", "", "")
		props := abuse[1].([]any)
		if reg.AbuseEmail != "" {
			props = append(props, []any{"email", map[string]any{}, "text", reg.AbuseEmail})
		}
		if reg.AbusePhone != "" {
			props = append(props, []any{"tel", map[string]any{"type": "voice"}, "uri", "tel:" + reg.AbusePhone})
		}
		registrar["entities"] = []map[string]any{{"objectClassName": "entity", "roles": []string{"abuse"}, "vcardArray": []any{"vcard", props}}}
	}
	entities := []map[string]any{registrar}
	if reg.RegistrantOrg != "" || reg.RegistrantCountry != "" {
		entities = append(entities, map[string]any{
			"objectClassName": "entity",
			"roles":           []string{"registrant"},
			"vcardArray":      vcard("", reg.RegistrantOrg, reg.RegistrantState, reg.RegistrantCountry),
			"remarks": []map[string]any{{"title": "REDACTED FOR PRIVACY", "type": "object redacted due to authorization",
				"description": []string{"Some of the data in this object has been removed."}}},
		})
	}
	out := map[string]any{
		"objectClassName": "domain",
		"handle":          reg.RegistryDomainID,
		"ldhName":         ldh,
		"links":           []map[string]string{{"value": self, "rel": "self", "href": self, "type": "application/rdap+json"}},
		"status":          status,
		"entities":        entities,
		"events":          events,
		"secureDNS":       map[string]bool{"delegationSigned": reg.DNSSEC},
		"rdapConformance": conformance,
		"notices":         notices,
	}
	if len(ns) > 0 {
		out["nameservers"] = ns
	}
	return out
}

// vcard is a jCard (RFC 7095) with the fields RDAP registries fill.
func vcard(fn, org, region, cc string) []any {
	props := []any{
		[]any{"version", map[string]any{}, "text", "4.0"},
		[]any{"fn", map[string]any{}, "text", fn},
	}
	if org != "" {
		props = append(props, []any{"org", map[string]any{}, "text", org})
	}
	if region != "" || cc != "" {
		params := map[string]any{}
		if cc != "" {
			params["cc"] = cc
		}
		props = append(props, []any{"adr", params, "text", []string{"", "", "", "", region, "", ""}})
	}
	return []any{"vcard", props}
}

// rdapNames maps the EPP codes whose RFC 8056 RDAP name is not simply the
// words of the camelCase code.
var rdapNames = map[string]string{"ok": "active", "linked": "associated"}

// RDAPStatus is the RFC 8056 RDAP status for an EPP code:
// "clientTransferProhibited" -> "client transfer prohibited", "ok" -> "active".
func RDAPStatus(epp string) string {
	if n, ok := rdapNames[epp]; ok {
		return n
	}
	var b strings.Builder
	for i, r := range epp {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte(' ')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
