package pgtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

const helperEnv = "PGTEST_HELPER"

// TestHelperCluster is the child of TestKilledBinaryLeavesNoServer: it
// starts a cluster, says where, and waits to be killed.
func TestHelperCluster(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		t.Skip("helper for TestKilledBinaryLeavesNoServer")
	}
	c, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("CLUSTER %s %d\n", c.dir, postmasterPID(c.dir))
	time.Sleep(time.Minute)
}

// TestKilledBinaryLeavesNoServer: a test binary killed with SIGKILL while
// its cluster runs (as a timeout, a crash or kill -9 would) takes the
// postmaster with it, and the next Sweep removes the cluster's directory.
func TestKilledBinaryLeavesNoServer(t *testing.T) {
	if _, err := FindBin(); err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCluster$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var dir string
	var pid int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "CLUSTER "); ok {
			fmt.Sscan(rest, &dir, &pid)
			break
		}
	}
	if dir == "" || pid == 0 {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal("the helper did not start a cluster")
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	start := time.Now()
	for alive(pid) && time.Since(start) < 10*time.Second {
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("postmaster %d after the binary's kill: alive %v after %s", pid, alive(pid), time.Since(start).Round(time.Millisecond))
	if alive(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("postmaster %d outlived its test binary", pid)
	}
	if n := Sweep(); n < 1 {
		t.Errorf("Sweep removed %d clusters", n)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		os.RemoveAll(dir)
		t.Errorf("%s left behind: %v", dir, err)
	}
}
