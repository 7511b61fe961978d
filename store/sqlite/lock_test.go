package sqlite

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const lockChildEnv = "TAKEDOWN_LOCK_CHILD"

// TestLockHeldByOtherProcess holds the lock in a child process, as a
// daemon would, and checks a second taker is refused with the holder's
// pid, then gets it once the child is gone (killed: the kernel frees it).
func TestLockHeldByOtherProcess(t *testing.T) {
	if p := os.Getenv(lockChildEnv); p != "" {
		if _, err := Lock(p, "run"); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("locked\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	db := filepath.Join(t.TempDir(), "takedown.db")
	child := exec.Command(os.Args[0], "-test.run=^TestLockHeldByOtherProcess$")
	child.Env = append(os.Environ(), lockChildEnv+"="+db)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || string(buf) != "locked\n" {
		t.Fatalf("child: %q %v", buf, err)
	}
	_, err = Lock(db, "run --once")
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v, want ErrLocked", err)
	}
	if msg := err.Error(); !strings.Contains(msg, db) || !strings.Contains(msg, "pid ") || !strings.Contains(msg, "run") {
		t.Errorf("refusal does not name the file and the holder: %s", msg)
	}
	child.Process.Kill()
	child.Wait()
	unlock, err := Lock(db, "run")
	if err != nil {
		t.Fatalf("lock after the holder died: %v", err)
	}
	unlock()
}
