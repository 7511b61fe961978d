package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"
)

// runLookalikeCLI runs one command line in-process with a fresh database.
func runLookalikeCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	if !containsArg(args, "--db") {
		args = append(args, "--db", filepath.Join(t.TempDir(), "t.db"))
	}
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func containsArg(args []string, a string) bool {
	for _, x := range args {
		if x == a {
			return true
		}
	}
	return false
}

// TestLookalikesDnstwistParity: every name dnstwist lists for the reference
// domains comes out of "takedown lookalikes DOMAIN --format list".
func TestLookalikesDnstwistParity(t *testing.T) {
	files, err := filepath.Glob("../../monitor/lookalike/testdata/dnstwist/*.tsv")
	if err != nil || len(files) == 0 {
		t.Fatalf("reference files: %v", err)
	}
	for _, f := range files {
		input := strings.TrimSuffix(filepath.Base(f), ".tsv")
		t.Run(input, func(t *testing.T) {
			code, out, errs := runLookalikeCLI(t, "lookalikes", input, "--format", "list")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			got := map[string]bool{}
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				if got[line] {
					t.Fatalf("%s listed twice", line)
				}
				got[line] = true
			}
			if got[input] {
				t.Errorf("the input itself is listed")
			}
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			sc := bufio.NewScanner(fh)
			missing := 0
			for sc.Scan() {
				_, name, _ := strings.Cut(sc.Text(), "\t")
				if !got[name] {
					missing++
					if missing < 10 {
						t.Errorf("missing %s", name)
					}
				}
			}
			if missing > 0 {
				t.Errorf("%d names missing", missing)
			}
		})
	}
}

func TestLookalikesFormats(t *testing.T) {
	code, out, errs := runLookalikeCLI(t, "lookalikes", "bücher.com", "paypal.com", "--fuzzers", "homoglyph,omission", "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "input,fuzzer,domain,unicode" || len(recs) < 100 {
		t.Fatalf("csv: %d records, header %v", len(recs), recs[0])
	}
	inputs := map[string]bool{}
	for _, r := range recs[1:] {
		inputs[r[0]] = true
		if r[1] != "homoglyph" && r[1] != "omission" {
			t.Fatalf("fuzzer %s not asked for", r[1])
		}
	}
	if !inputs["xn--bcher-kva.com"] || !inputs["paypal.com"] {
		t.Errorf("inputs %v", inputs)
	}

	code, out, _ = runLookalikeCLI(t, "lookalikes", "paypal.com", "--fuzzers", "omission", "--format", "json")
	var rows []lookalikeRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil || code != 0 {
		t.Fatalf("json: %v (exit %d)", err, code)
	}
	if len(rows) != 6 || rows[0].Fuzzer != "omission" || rows[0].Domain == "" || rows[0].DNS != nil {
		t.Errorf("json rows %+v", rows)
	}
}

func TestLookalikesBadInputExits2(t *testing.T) {
	dir := t.TempDir()
	dict := filepath.Join(dir, "words.txt")
	os.WriteFile(dict, []byte("# words\nlogin\n\nsecure\nbad word\n"), 0o644)
	tlds := filepath.Join(dir, "tlds.txt")
	os.WriteFile(tlds, []byte("net\n.co.uk\nnotasuffix\n"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"lookalikes", "paypal.com", "bad..com"}, `"bad..com"`},
		{[]string{"lookalikes", "paypal.com", "--dictionary", dict}, "words.txt line 5"},
		{[]string{"lookalikes", "paypal.com", "--tld-file", tlds}, "tlds.txt line 3"},
		{[]string{"lookalikes", "paypal.com", "--dictionary", filepath.Join(dir, "none.txt")}, "none.txt"},
		{[]string{"lookalikes", "paypal.com", "--fuzzers", "omission,typo"}, `"typo"`},
		{[]string{"lookalikes", "paypal.com", "--format", "xml"}, `"xml"`},
		{[]string{"lookalikes", "paypal.com", "--fuzzers", "omission", "--tld-file", tlds}, "tld"},
		{[]string{"lookalikes"}, ""},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errs := runLookalikeCLI(t, tc.args...)
			if code != exitUsage || !strings.Contains(errs, tc.want) {
				t.Errorf("%v: exit %d, stderr %q; want 2 naming %s", tc.args, code, errs, tc.want)
			}
		})
	}
	// Good files work, comments and blank lines skipped.
	os.WriteFile(dict, []byte("# words\nlogin\n\nsecure # trailing comment\n"), 0o644)
	os.WriteFile(tlds, []byte("net\n.co.uk\n"), 0o644)
	code, out, errs := runLookalikeCLI(t, "lookalikes", "paypal.com", "--fuzzers", "dictionary,tld-swap", "--dictionary", dict, "--tld-file", tlds)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, w := range []string{"paypal-login.com", "securepaypal.com", "paypal.net", "paypal.co.uk"} {
		if !strings.Contains(out, w+"\n") {
			t.Errorf("missing %s", w)
		}
	}
	if n := strings.Count(out, "\n"); n != 10 {
		t.Errorf("%d names, want 8 dictionary + 2 tld-swap:\n%s", n, out)
	}
}

// fakeResolver answers NS for paypa1.com and NXDOMAIN for the rest, and
// counts queries.
func fakeResolver(t *testing.T) (addr string, queries *atomic.Int64) {
	t.Helper()
	queries = new(atomic.Int64)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
			queries.Add(1)
			m := new(dns.Msg)
			m.SetReply(req)
			q := req.Question[0]
			if strings.EqualFold(q.Name, "paypa1.com.") {
				if q.Qtype == dns.TypeNS {
					ns, _ := dns.NewRR("paypa1.com. 300 IN NS ns1.evil.example.")
					m.Answer = append(m.Answer, ns)
				}
			} else {
				m.Rcode = dns.RcodeNameError
			}
			_ = w.WriteMsg(m)
		})}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String(), queries
}

func TestLookalikesRegistered(t *testing.T) {
	addr, queries := fakeResolver(t)
	// Without --registered: no network, even with a resolver configured.
	code, out, _ := runLookalikeCLI(t, "lookalikes", "paypal.com", "--fuzzers", "homoglyph", "--resolver", addr)
	if code != 0 || !strings.Contains(out, "paypa1.com\n") || queries.Load() != 0 {
		t.Fatalf("exit %d, %d queries", code, queries.Load())
	}
	code, out, errs := runLookalikeCLI(t, "lookalikes", "paypal.com", "--fuzzers", "homoglyph", "--resolver", addr, "--registered", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rows []lookalikeRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Domain != "paypa1.com" || rows[0].DNS == nil || rows[0].DNS.NS[0] != "ns1.evil.example" {
		t.Errorf("registered rows %+v", rows)
	}
	// stderr is not a terminal here: it still says what it does and how
	// it ended, so a long scan never looks stuck.
	if !regexp.MustCompile(`(?m)^checking \d+ candidate names`).MatchString(errs) || !regexp.MustCompile(`(?m)^1 of \d+ registered$`).MatchString(errs) {
		t.Errorf("stderr lacks the plan or the summary:\n%s", errs)
	}
	if queries.Load() < 100 {
		t.Errorf("only %d queries", queries.Load())
	}
}
