package backup

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// LockName is the lock file in the backup directory.
const LockName = ".surveytui.lock"

// Holder says who holds the lock.
type Holder struct {
	PID    int       `json:"pid"`
	Host   string    `json:"host"`
	User   string    `json:"user"`
	Action string    `json:"action"`
	Since  time.Time `json:"since"`
}

// Lock is held by one backup or restore at a time, across processes.
type Lock struct {
	f    *os.File
	path string
}

// LockedError says another backup or restore holds the lock.
type LockedError struct {
	Holder Holder
	Path   string
}

func (e *LockedError) Error() string {
	h := e.Holder
	return fmt.Sprintf("another %s holds %s (pid %d on %s, user %s, since %s); wait for it to finish (the lock frees itself if that process dies)",
		orDefault(h.Action, "backup or restore"), e.Path, h.PID, h.Host, h.User, h.Since.Local().Format("2006-01-02 15:04:05"))
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// AcquireLock takes the backup directory's lock for action ("backup", "restore", "prune") or
// fails at once with a *LockedError naming the holder. The lock is an flock on the file, so a
// holder that dies (even by kill -9) releases it; the holder's details are written into the
// file for the next one to read. Leftover temporary files of a dead holder are removed.
func AcquireLock(dir, action string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create backup directory %s: %v; choose another with --backup-dir", dir, err)
	}
	p := filepath.Join(dir, LockName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the lock %s: %v", p, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			var h Holder
			data := make([]byte, 4096)
			n, _ := f.ReadAt(data, 0)
			_ = json.Unmarshal(data[:n], &h)
			return nil, &LockedError{Holder: h, Path: p}
		}
		return nil, fmt.Errorf("cannot lock %s: %v", p, err)
	}
	host, _ := os.Hostname()
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	h := Holder{PID: os.Getpid(), Host: host, User: name, Action: action, Since: time.Now().UTC()}
	data, _ := json.Marshal(h)
	// The holder's details are a courtesy for the next locker's message: the flock is what
	// excludes, so a failed write here does not fail the lock.
	if f.Truncate(0) == nil {
		_, _ = f.WriteAt(append(data, '\n'), 0)
	}
	removeLeftovers(dir)
	return &Lock{f: f, path: p}, nil
}

// removeLeftovers deletes partial archives and spools: whoever wrote them held the lock and is
// gone, since we hold it now.
func removeLeftovers(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Release gives the lock up. The file stays (removing it would race with a waiting locker).
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := l.f.Close() // closing releases the flock
	l.f = nil
	return err
}
