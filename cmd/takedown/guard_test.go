package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/takedownhq/takedown/internal/base/event"
	"github.com/takedownhq/takedown/internal/simnet"
	"github.com/takedownhq/takedown/store"
	"github.com/takedownhq/takedown/store/sqlite"
)

// cliChildEnv makes the test binary act as the takedown binary, signals
// and exit code included: TAKEDOWN_CLI_CHILD holds the arguments, one per
// line.
const cliChildEnv = "TAKEDOWN_CLI_CHILD"

func init() {
	if raw, ok := os.LookupEnv(cliChildEnv); ok {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, strings.Split(raw, "\n"), os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
}

// blackhole is a UDP and TCP address on loopback that accepts and never
// answers: every probe against it waits for its timeout.
func blackhole(t *testing.T) string {
	t.Helper()
	// The resolver is asked over UDP and TCP on one port: find a port free
	// for both (a few tries; another process may hold the TCP side).
	for try := 0; try < 20; try++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			continue
		}
		t.Cleanup(func() { pc.Close(); ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() })
			}
		}()
		return pc.LocalAddr().String()
	}
	t.Fatal("no port free for both UDP and TCP")
	return ""
}

// startChild runs the CLI in a child process with args.
func startChild(t *testing.T, args ...string) (*exec.Cmd, *bufio.Reader, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), cliChildEnv+"="+strings.Join(args, "\n"), "TAKEDOWN_CONFIG=", "TAKEDOWN_DB=")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, bufio.NewReader(out), &stderr
}

// deadNetwork are the flags that point every probe at a server that never
// answers, so checks take their whole timeout and nothing leaves loopback.
func deadNetwork(t *testing.T) []string {
	hole := blackhole(t)
	return []string{"--resolver", hole, "--rdap-url", "http://" + hole + "/", "--whois-server", "com=" + hole, "--allow-private"}
}

// Ctrl-C during run --once exits 130 and says how far it got.
func TestInterruptedRunOnceExits130(t *testing.T) {
	c := newCLI(t)
	c.ok("watch", "add", "one-example.com", "two-example.com", "three-example.com")
	args := append([]string{"--db", c.db}, deadNetwork(t)...)
	cmd, _, stderr := startChild(t, append(args, "run", "--once")...)
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	if code != exitInterrupted {
		t.Fatalf("exit %d (%v), want 130; stderr:\n%s", code, err, stderr)
	}
	if !regexp.MustCompile(`takedown: interrupted after \d+/\d+ checks; nothing lost`).MatchString(stderr.String()) {
		t.Errorf("stderr does not say how far it got:\n%s", stderr)
	}
	// The count is explained: 3 imported, the rest the operators' domains.
	if !regexp.MustCompile(`checking \d+ domains \(\d+ of them the seizure and sinkhole operators' own domains`).MatchString(stderr.String()) ||
		strings.Contains(stderr.String(), "1 queries") {
		t.Errorf("the plan is not explained:\n%s", stderr)
	}
	// Nothing lost: the watchlist is intact and readable.
	if out := c.ok("watch", "list"); !strings.Contains(out, "two-example.com") {
		t.Errorf("watch list after the interrupt:\n%s", out)
	}
}

// A second daemon, or a run --once, on the SQLite file a daemon holds is
// refused with the file and the holder named; reading beside it works.
func TestSecondDaemonOnOneSQLiteFileIsRefused(t *testing.T) {
	c := newCLI(t)
	c.ok("watch", "add", "one-example.com")
	args := append([]string{"--db", c.db}, deadNetwork(t)...)
	_, out, stderr := startChild(t, append(args, "run")...)
	line, err := out.ReadString('\n')
	if err != nil || !strings.Contains(line, "daemon running") {
		t.Fatalf("first daemon: %q %v; stderr:\n%s", line, err, stderr)
	}
	for _, second := range [][]string{{"run"}, {"run", "--once"}} {
		r := c.run(append(deadNetwork(t), second...)...)
		if r.code != exitRuntime || !strings.Contains(r.stderr, c.db) || !strings.Contains(r.stderr, "pid ") || !strings.Contains(r.stderr, "in use") {
			t.Errorf("%v beside a daemon: exit %d\n%s", second, r.code, r.stderr)
		}
	}
	if out := c.ok("watch", "list"); !strings.Contains(out, "one-example.com") {
		t.Errorf("watch list beside the daemon:\n%s", out)
	}
}

// A mistyped --db is an error for commands that only read, and creates
// nothing; commands that write create the file, and a missing folder is
// named.
func TestMistypedDBIsNotCreated(t *testing.T) {
	c := newCLI(t)
	typo := filepath.Join(t.TempDir(), "typo.db")
	c.db = typo
	for _, args := range [][]string{{"watch", "list"}, {"history", "example.com"}, {"found"}, {"alerts", "list"}, {"feed", "list"}} {
		r := c.run(args...)
		if r.code != exitRuntime || !strings.Contains(r.stderr, "no database at "+typo) {
			t.Errorf("%v on a missing database: exit %d\n%s", args, r.code, r.stderr)
		}
		if _, err := os.Stat(typo); !os.IsNotExist(err) {
			t.Fatalf("%v created %s", args, typo)
		}
	}
	c.db = filepath.Join(t.TempDir(), "missing", "takedown.db")
	if r := c.run("watch", "add", "example.com"); r.code != exitRuntime || !strings.Contains(r.stderr, "folder "+filepath.Dir(c.db)+" does not exist") {
		t.Errorf("watch add into a missing folder: exit %d\n%s", r.code, r.stderr)
	}
	c.db = typo
	c.ok("watch", "add", "example.com")
	if out := c.ok("watch", "list"); !strings.Contains(out, "example.com") {
		t.Errorf("watch list after watch add:\n%s", out)
	}
}

// A mistyped subcommand gets a suggestion; a listen address that cannot
// be one is bad usage.
func TestTyposGetSuggestionsAndBadListenExits2(t *testing.T) {
	c := newCLI(t)
	if r := c.run("watch", "lst"); r.code != exitUsage || !strings.Contains(r.stderr, "did you mean list?") {
		t.Errorf("watch lst: exit %d %q", r.code, r.stderr)
	}
	if r := c.run("wathc", "list"); r.code != exitUsage || !strings.Contains(r.stderr, "watch") {
		t.Errorf("wathc list: exit %d %q", r.code, r.stderr)
	}
	c.ok("watch", "add", "example.org")
	for _, addr := range []string{"localhost:abc", "127.0.0.1:70000", "no-port"} {
		if r := c.run("serve", "--listen", addr); r.code != exitUsage || !strings.Contains(r.stderr, addr) {
			t.Errorf("serve --listen %s: exit %d %q", addr, r.code, r.stderr)
		}
	}
}

// check prints a certificate as a person reads it, and a verdict that no
// probe backs now as the stored one, with its date.
func TestCheckPrintsCertAndSaysWhenVerdictIsStored(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := simnet.StartNet(ctx, simnet.NetOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.AddSite(simnet.Site{Domain: "thefoxcloud.com"}); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t)
	out := c.ok(append(n.Flags(), "check", "thefoxcloud.com")...)
	for _, want := range []string{"leaf subject", "issuer", "serial", "names", "thefoxcloud.com", "valid "} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, `{"sha256"`) || strings.Contains(out, "stored verdict") {
		t.Errorf("raw chain JSON or a stored verdict in a fresh check:\n%s", out)
	}
	c.ok("watch", "add", "thefoxcloud.com")
	// A verdict stored by an earlier check (run --once would check the
	// operators' domains too, for half a minute).
	st, err := sqlite.Open(ctx, c.db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour)
	err = st.Update(ctx, func(tx store.Tx) error {
		d, err := tx.Domain("thefoxcloud.com")
		if err != nil {
			return err
		}
		if _, _, err := tx.SetState(d.ID, at, event.StateActive, []string{"delegation ns1.example.net"}); err != nil {
			return err
		}
		return tx.MarkChecked(d.ID, at)
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	dead := []string{"--resolver", "127.0.0.1:9", "--auth-port", "9", "--whois-referral", "127.0.0.1:9", "--rdap-url", "http://127.0.0.1:9/",
		"--cert-port", "9", "--https-port", "9", "--http-port", "9", "--allow-private"}
	r := c.run(append(dead, "check", "thefoxcloud.com")...)
	if r.code != exitRuntime || !regexp.MustCompile(`verdict +active \(stored verdict of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+: no probe answered now\)`).MatchString(r.stdout) {
		t.Errorf("check with every server dead: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// simnet prints a configuration file that works as it is, alerts
// included, and names no variable that looks like one of takedown's own.
func TestSimnetPrintsAWorkingConfig(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"simnet"}, nil, pw, io.Discard)
		pw.Close()
	}()
	defer func() {
		cancel()
		go io.Copy(io.Discard, pr)
		<-done
	}()
	var text strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		text.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "    from: ") {
			break
		}
	}
	out := text.String()
	if strings.Contains(out, "TAKEDOWN_FLAGS") {
		t.Errorf("simnet names a TAKEDOWN_ variable:\n%s", out)
	}
	i := strings.Index(out, "\nnetwork:\n")
	if i < 0 {
		t.Fatalf("no configuration in:\n%s", out)
	}
	cfg := filepath.Join(t.TempDir(), "simnet.yaml")
	if err := os.WriteFile(cfg, []byte(out[i+1:]), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t)
	if out := c.ok("--config", cfg, "check", "thefoxcloud.com"); !strings.Contains(out, "leaf subject") {
		t.Errorf("check with the printed config:\n%s", out)
	}
	if out := c.ok("--config", cfg, "config", "show"); !strings.Contains(out, "addr: 127.0.0.1:") {
		t.Errorf("the printed config has no SMTP address:\n%s", out)
	}
}
