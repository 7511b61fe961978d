package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// startServer runs the postmaster as our own child, not daemonized by
// pg_ctl, with a parent-death signal: a test binary that panics, times out,
// calls os.Exit or is killed takes its server with it. Its backends notice
// the postmaster's death and exit too. The directory of such a run is
// removed by Sweep at the next start.
func (c *Cluster) startServer(ctx context.Context) error {
	cmd := exec.Command(filepath.Join(c.bin, "postgres"), "-D", c.data(), "-p", strconv.Itoa(c.port),
		"-k", filepath.Join(c.dir, "run"), "-c", "listen_addresses=127.0.0.1", "-F",
		"-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	log, err := os.OpenFile(filepath.Join(c.dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: server log: %w", err)
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	// Setpgid: a Ctrl-C at the terminal reaches us, and we stop the
	// server; it must not reach the server first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true, Credential: c.cred}
	started := make(chan error, 1)
	exited := make(chan struct{})
	go func() {
		// Pdeathsig fires when the thread that started the child ends, so
		// that thread stays locked to this goroutine for the child's life
		// (go.dev/issue/27505).
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgtest: postgres: %w", err)
	}
	c.proc, c.exited = cmd.Process, exited
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-exited:
			c.proc = nil
			return fmt.Errorf("pgtest: postgres exited at start: %w", err)
		case <-ctx.Done():
			_ = c.proc.Kill()
			<-exited
			c.proc = nil
			return fmt.Errorf("pgtest: postgres not ready in 60s: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stopOnSignal stops c when the binary is interrupted (SIGINT, SIGTERM,
// SIGHUP), then exits; the returned func ends the watch.
func stopOnSignal(c *Cluster) func() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			fmt.Fprintf(os.Stderr, "pgtest: %s: stopping the test cluster\n", sig)
			mu.Lock()
			_ = c.Stop()
			mu.Unlock()
			os.Exit(1)
		case <-done:
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// Sweep removes the clusters under the temporary directory that killed
// test binaries left: whose owner process is gone. A postmaster still
// running there is killed first. It returns how many it removed.
func Sweep() int {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	n := 0
	for _, dir := range dirs {
		fi, err := os.Lstat(dir)
		if err != nil || !fi.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			// An older pgtest's directory (no owner file): only once its
			// postmaster is gone and it has been quiet for ten minutes.
			if time.Since(fi.ModTime()) < 10*time.Minute || alive(postmasterPID(dir)) {
				continue
			}
		} else if owner, _ := strconv.Atoi(strings.TrimSpace(string(b))); alive(owner) {
			continue
		}
		if pid := postmasterPID(dir); alive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			for i := 0; i < 100 && alive(pid); i++ {
				time.Sleep(20 * time.Millisecond)
			}
		}
		if os.RemoveAll(dir) == nil {
			n++
		}
	}
	return n
}

// postmasterPID reads the first line of data/postmaster.pid; 0 if none.
func postmasterPID(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return pid
}

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	// A zombie (exited, not yet reaped) is not alive.
	st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if i := strings.LastIndexByte(string(st), ')'); err == nil && i > 0 && len(st) > i+2 && st[i+2] == 'Z' {
		return false
	}
	return true
}
