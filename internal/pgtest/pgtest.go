// Package pgtest runs a throwaway PostgreSQL cluster for tests: Debian's
// postgresql binaries, a temporary directory, a free loopback port. One
// cluster serves a test binary; each test gets a fresh database.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestX(t *testing.T) {
//		url := pgtest.DB(t) // skips when PostgreSQL is not installed
//		...
//	}
//
// When the test process runs as root, the server runs as the "postgres"
// user (or "nobody"), because PostgreSQL refuses to run as root.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	dirPrefix = "pgtest-"
	ownerFile = "owner.pid"
)

// ErrNoPostgres says the PostgreSQL server binaries are not installed.
var ErrNoPostgres = errors.New("pgtest: PostgreSQL binaries (initdb, pg_ctl) not found; install the Debian postgresql package or set PGTEST_BIN")

// Cluster is a running throwaway server. Its superuser is "postgres" and
// trusts every local and loopback connection.
type Cluster struct {
	bin  string // directory holding initdb and pg_ctl
	dir  string // temporary directory: data/, run/ (sockets), log
	port int
	cred *syscall.Credential // nil: run as ourselves

	n atomic.Int64 // databases created

	proc   *os.Process   // the postmaster, our child
	exited chan struct{} // closes when it exits
}

// FindBin returns the directory of the newest installed initdb and pg_ctl:
// $PGTEST_BIN, else /usr/lib/postgresql/*/bin, else $PATH.
func FindBin() (string, error) {
	ok := func(dir string) bool {
		for _, b := range []string{"initdb", "pg_ctl"} {
			if fi, err := os.Stat(filepath.Join(dir, b)); err != nil || fi.IsDir() {
				return false
			}
		}
		return true
	}
	if d := os.Getenv("PGTEST_BIN"); d != "" {
		if ok(d) {
			return d, nil
		}
		return "", fmt.Errorf("%w (PGTEST_BIN=%s has no initdb and pg_ctl)", ErrNoPostgres, d)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// Newest major version first: 16 before 9.6.
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		if ok(d) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil && ok(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	return "", ErrNoPostgres
}

func version(binDir string) int {
	v := filepath.Base(filepath.Dir(binDir))
	major, minor, _ := strings.Cut(v, ".")
	a, _ := strconv.Atoi(major)
	b, _ := strconv.Atoi(minor)
	return a*100 + b
}

// Start initializes and starts a cluster. It returns ErrNoPostgres when the
// binaries are absent. Stop it with Stop.
func Start(ctx context.Context) (*Cluster, error) {
	bin, err := FindBin()
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin}
	if os.Geteuid() == 0 {
		if c.cred, err = unprivileged(); err != nil {
			return nil, err
		}
	}
	if c.dir, err = os.MkdirTemp("", dirPrefix); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	// The owner's PID tells a later sweep whether this cluster's test
	// binary is still alive.
	if err := os.WriteFile(filepath.Join(c.dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(c.dir)
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			c.Stop()
		}
	}()
	if err := os.Mkdir(filepath.Join(c.dir, "run"), 0o700); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if c.cred != nil {
		for _, p := range []string{c.dir, filepath.Join(c.dir, "run")} {
			if err := os.Chown(p, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				return nil, fmt.Errorf("pgtest: hand %s to the server user: %w", p, err)
			}
		}
	}
	if err := c.run(ctx, "initdb", "-D", c.data(), "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		return nil, err
	}
	// A free port can be taken between probing and binding; try a few.
	for attempt := 0; ; attempt++ {
		if c.port, err = freePort(); err != nil {
			return nil, err
		}
		err = c.startServer(ctx)
		if err == nil || attempt == 2 {
			break
		}
	}
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		return nil, fmt.Errorf("%w\nserver log:\n%s", err, log)
	}
	ok = true
	return c, nil
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

// run runs a server binary as the cluster's user.
func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: %s: %w\n%s", name, err, out)
	}
	return nil
}

// unprivileged picks the user a root test process runs the server as.
func unprivileged() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, errors.New("pgtest: running as root and found neither a postgres nor a nobody user to run the server as")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// URL is the connection URL of database db on the cluster.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// NewDatabase creates an empty database and returns its URL.
func (c *Cluster) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d", c.n.Add(1))
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return "", fmt.Errorf("pgtest: connect: %w", err)
	}
	defer conn.Close(ctx)
	// template0: a clean copy whatever happened to template1.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		return "", fmt.Errorf("pgtest: create database: %w", err)
	}
	return c.URL(name), nil
}

// DropDatabase drops a database made by NewDatabase, closing its sessions.
func (c *Cluster) DropDatabase(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("pgtest: connect: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{cfg.Database}.Sanitize()+" WITH (FORCE)")
	return err
}

// Stop stops the server (immediate shutdown) and removes its directory.
// Safe to call twice.
func (c *Cluster) Stop() error {
	if c.dir == "" {
		return nil
	}
	var err error
	if c.proc != nil {
		_ = c.proc.Signal(syscall.SIGQUIT) // immediate shutdown: a throwaway needs no checkpoint
		select {
		case <-c.exited:
		case <-time.After(30 * time.Second):
			_ = c.proc.Kill()
			<-c.exited
			err = errors.New("pgtest: server ignored SIGQUIT for 30s; killed")
		}
		c.proc = nil
	}
	err = errors.Join(err, os.RemoveAll(c.dir))
	c.dir = ""
	return err
}

var (
	mu       sync.Mutex
	shared   *Cluster
	errStart error = errors.New("pgtest: the cluster is started by pgtest.Main in TestMain")
)

// Main starts the shared cluster, runs the tests and stops it; its result is
// the exit code. Without the binaries the tests run and DB skips them; a
// cluster that fails to start fails the binary.
func Main(m *testing.M) int {
	if n := Sweep(); n > 0 {
		fmt.Fprintf(os.Stderr, "pgtest: removed %d clusters left by killed test binaries\n", n)
	}
	c, err := Start(context.Background())
	switch {
	case errors.Is(err, ErrNoPostgres):
		mu.Lock()
		errStart = err
		mu.Unlock()
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		return 1
	default:
		mu.Lock()
		shared, errStart = c, nil
		mu.Unlock()
		defer c.Stop()
		stop := stopOnSignal(c)
		defer stop()
	}
	return m.Run()
}

// DB creates a fresh database on the shared cluster, dropped when the test
// ends, and returns its URL. It skips the test when PostgreSQL is absent.
func DB(t testing.TB) string {
	t.Helper()
	mu.Lock()
	c, err := shared, errStart
	mu.Unlock()
	if errors.Is(err, ErrNoPostgres) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	url, err := c.NewDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.DropDatabase(context.Background(), url); err != nil {
			t.Logf("drop test database: %v", err)
		}
	})
	return url
}
