package simnet

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func query(t *testing.T, addr, q string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprintf(c, "%s\r\n", q); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(io.LimitReader(c, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestIANAReferralCarriesHostAndPort(t *testing.T) {
	w, err := StartWhois(NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	got := query(t, w.ReferralAddr(), "asia")
	if !strings.Contains(got, "refer:        "+w.Server("asia").Addr()+"\n") || !strings.Contains(got, "domain:       ASIA") {
		t.Fatalf("IANA reply:\n%s", got)
	}
	if got := query(t, w.ReferralAddr(), "example.nope"); !strings.Contains(got, "returned 0 objects") {
		t.Fatalf("unknown TLD:\n%s", got)
	}
}

func TestRegistryTextFollowsChanges(t *testing.T) {
	reg := NewRegistry()
	w, err := StartWhois(reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	com := w.Server("com").Addr()
	if got := query(t, com, "thefoxcloud.com"); !strings.HasPrefix(got, `No match for "THEFOXCLOUD.COM".`) {
		t.Fatalf("unregistered:\n%s", got)
	}
	r := ExampleRegistration("thefoxcloud.com", time.Date(2021, 3, 2, 0, 0, 0, 0, time.UTC))
	if err := reg.Set(r); err != nil {
		t.Fatal(err)
	}
	got := query(t, com, "domain thefoxcloud.com") // Verisign's query syntax
	for _, want := range []string{"   Domain Name: THEFOXCLOUD.COM\r\n", "   Registrar IANA ID: 1068\r\n",
		"   Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited\r\n",
		"   Creation Date: 2021-03-02T00:00:00Z\r\n", "   Name Server: DNS1.REGISTRAR-SERVERS.COM\r\n"} {
		if !strings.Contains(got, want) {
			t.Fatalf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Registrant") {
		t.Fatal("thin .com reply shows a registrant")
	}
	if err := reg.Seize("thefoxcloud.com", time.Now(), "ns1.fbi.seized.gov"); err != nil {
		t.Fatal(err)
	}
	got = query(t, com, "thefoxcloud.com")
	if !strings.Contains(got, "Domain Status: serverHold https://icann.org/epp#serverHold") || !strings.Contains(got, "NS1.FBI.SEIZED.GOV") ||
		strings.Contains(got, "REGISTRAR-SERVERS") {
		t.Fatalf("after seizure:\n%s", got)
	}
	// A .com name asked at the .info server is not there.
	if got := query(t, w.Server("info").Addr(), "thefoxcloud.com"); !strings.HasPrefix(got, "Domain not found.") {
		t.Fatalf("cross-TLD:\n%s", got)
	}
	if err := reg.Update("nope.com", func(*Registration) {}); !errors.Is(err, ErrNoSuchDomain) {
		t.Fatalf("update of missing: %v", err)
	}
	if !reg.Delete("thefoxcloud.com") || reg.Delete("thefoxcloud.com") {
		t.Fatal("delete reports wrong")
	}
}

func TestFaultsOnTheWire(t *testing.T) {
	w, err := StartWhois(NewRegistry(), "com")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	s := w.Server("com")

	must := func(f Fault) {
		t.Helper()
		if err := s.SetFault(f); err != nil {
			t.Fatal(err)
		}
	}
	must(FaultHuge)
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "x.com\r\n")
	n, _ := io.Copy(io.Discard, c)
	c.Close()
	if n < HugeReplySize {
		t.Fatalf("huge reply was %d bytes", n)
	}

	must(FaultRateLimit)
	if got := query(t, s.Addr(), "x.com"); got != RateLimitText {
		t.Fatalf("rate limit reply %q", got)
	}

	must(FaultRefuse)
	if _, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		t.Fatal("refusing server accepted")
	}
	must(FaultNone)
	if got := query(t, s.Addr(), "x.com"); !strings.HasPrefix(got, "No match") {
		t.Fatalf("after refuse: %q", got)
	}

	must(FaultStall)
	c, err = net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "x.com\r\n")
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := bufio.NewReader(c).ReadByte(); err == nil {
		t.Fatal("stalling server answered")
	}
	c.Close()
	must(FaultNone)

	s.SetRateLimit(1, 1)
	first, second := query(t, s.Addr(), "x.com"), query(t, s.Addr(), "x.com")
	if strings.HasPrefix(first, "%") || second != RateLimitText {
		t.Fatalf("server limit: %q then %q", first, second)
	}
}

func TestRegistryConcurrentUse(t *testing.T) {
	reg := NewRegistry()
	w, err := StartWhois(reg, "com")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := range 50 {
				d := fmt.Sprintf("d%d-%d.com", i, j)
				_ = reg.Set(ExampleRegistration(d, time.Now()))
				_ = reg.Update(d, func(r *Registration) { r.Statuses = append(r.Statuses, "serverHold") })
				reg.Delete(d)
			}
		}()
		go func() {
			defer wg.Done()
			for range 10 {
				query(t, w.Server("com").Addr(), fmt.Sprintf("d%d-1.com", i))
			}
		}()
	}
	wg.Wait()
}

func TestRDAPObjectAndBootstrap(t *testing.T) {
	reg := NewRegistry()
	r, err := StartRDAP(reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	x := ExampleRegistration("jinyang.asia", time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC))
	x.Statuses = []string{"serverHold", "ok"}
	if err := reg.Set(x); err != nil {
		t.Fatal(err)
	}

	var boot struct {
		Version  string       `json:"version"`
		Services [][][]string `json:"services"`
	}
	getJSON(t, r.BootstrapURL(), http.StatusOK, &boot)
	if boot.Version != "1.0" || len(boot.Services) != 1 || boot.Services[0][1][0] != r.BaseURL() ||
		!strings.Contains(strings.Join(boot.Services[0][0], ","), "asia") {
		t.Fatalf("bootstrap %+v", boot)
	}

	var dom struct {
		ObjectClassName string   `json:"objectClassName"`
		Handle          string   `json:"handle"`
		LDHName         string   `json:"ldhName"`
		Status          []string `json:"status"`
		Events          []struct {
			Action string `json:"eventAction"`
			Date   string `json:"eventDate"`
		} `json:"events"`
		Entities []struct {
			Roles     []string `json:"roles"`
			PublicIDs []struct {
				Type, Identifier string
			} `json:"publicIds"`
		} `json:"entities"`
		Nameservers []struct {
			LDHName string `json:"ldhName"`
		} `json:"nameservers"`
	}
	getJSON(t, r.BaseURL()+"domain/JINYANG.asia", http.StatusOK, &dom)
	if dom.ObjectClassName != "domain" || dom.LDHName != "jinyang.asia" || dom.Handle != x.RegistryDomainID ||
		strings.Join(dom.Status, ",") != "server hold,active" || len(dom.Nameservers) != 2 {
		t.Fatalf("domain %+v", dom)
	}
	if dom.Events[0].Action != "registration" || dom.Events[0].Date != "2020-01-02T03:04:05Z" ||
		dom.Events[1].Action != "expiration" || dom.Events[2].Action != "last changed" {
		t.Fatalf("events %+v", dom.Events)
	}
	if dom.Entities[0].Roles[0] != "registrar" || dom.Entities[0].PublicIDs[0].Identifier != "1068" ||
		dom.Entities[1].Roles[0] != "registrant" {
		t.Fatalf("entities %+v", dom.Entities)
	}
	getJSON(t, r.BaseURL()+"domain/nothere.asia", http.StatusNotFound, nil)
	getJSON(t, r.BaseURL()+"domain/beispiel.de", http.StatusNotFound, nil) // .de not served

	if err := r.SetFault(FaultRateLimit); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(r.BaseURL() + "domain/jinyang.asia")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("rate limit: %s %v", resp.Status, resp.Header)
	}
}

func getJSON(t *testing.T, url string, status int, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != status {
		t.Fatalf("GET %s: %s, want %d", url, resp.Status, status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
		t.Fatalf("GET %s: content type %q", url, ct)
	}
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRDAPStatusNames(t *testing.T) {
	for epp, want := range map[string]string{
		"serverHold": "server hold", "clientTransferProhibited": "client transfer prohibited",
		"ok": "active", "linked": "associated", "pendingDelete": "pending delete", "autoRenewPeriod": "auto renew period",
	} {
		t.Run(epp, func(t *testing.T) {
			if got := RDAPStatus(epp); got != want {
				t.Errorf("%s -> %q, want %q", epp, got, want)
			}
		})
	}
}
