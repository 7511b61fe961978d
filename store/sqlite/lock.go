package sqlite

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ErrLocked is returned by Lock when another process holds the database.
var ErrLocked = errors.New("database in use by another process")

// maxLockInfo bounds what is read of another process's lock file.
const maxLockInfo = 512

// Lock takes the single-writer lock of the SQLite database at path: an
// advisory lock (flock) on path+".lock", which the kernel releases when
// the process ends, however it ends. SQLite mode is one daemon: a second
// `run` on the same file would double every check and alert. The lock
// file holds the holder's pid, command and start time so that the refusal
// can name it. Read-only commands do not take it.
func Lock(path, command string) (unlock func(), err error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		info := holder(f)
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w (%s); SQLite mode runs one daemon: stop it first, or use PostgreSQL for several", path, ErrLocked, info)
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	info := fmt.Sprintf("pid %d, %s, since %s", os.Getpid(), command, time.Now().UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(info+"\n"), 0)
	}
	return func() {
		_ = f.Truncate(0)
		_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	}, nil
}

// holder describes the process named in a held lock file.
func holder(f *os.File) string {
	b := make([]byte, maxLockInfo)
	n, _ := f.ReadAt(b, 0)
	s := strings.TrimSpace(strings.ToValidUTF8(string(b[:n]), "?"))
	pid, _, _ := strings.Cut(strings.TrimPrefix(s, "pid "), ",")
	if _, err := strconv.Atoi(pid); err != nil || s == "" {
		return "held by another process"
	}
	return "held by " + strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
