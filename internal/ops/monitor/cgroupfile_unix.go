//go:build unix

package monitor

import (
	"errors"
	"io/fs"
	"syscall"
)

// counterFile is one of a container's counter files, kept open between rounds: reading a
// cgroup or /proc file again at offset 0 makes the kernel generate it afresh, so a round costs
// one pread per file instead of open, read, read to EOF and close through os.File (which also
// asks epoll to watch each file). At 50 containers that was half of the console's own CPU.
// Its zero value is a closed file with no path: it never holds descriptor 0 by accident.
type counterFile struct {
	path string
	fd   int
	open bool
}

func newCounterFile(path string) counterFile { return counterFile{path: path} }

// read reads the whole file into buf, growing it when full, and returns the filled part.
func (f *counterFile) read(buf *[]byte) ([]byte, error) {
	if !f.open {
		fd, err := syscall.Open(f.path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: f.path, Err: err}
		}
		f.fd, f.open = fd, true
	}
	for {
		n, err := syscall.Pread(f.fd, *buf, 0)
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: f.path, Err: goneAsNotExist(err)}
		}
		// The kernel fills the buffer as far as the file goes in one read (seq_file); a full
		// buffer may mean more is left, so read again with room to spare.
		if n < len(*buf) {
			return (*buf)[:n], nil
		}
		*buf = make([]byte, 2*len(*buf))
	}
}

func (f *counterFile) close() {
	if f.open {
		_ = syscall.Close(f.fd)
		f.open = false
	}
}

// goneAsNotExist maps what reading a removed cgroup (ENODEV) or an exited process's file
// (ESRCH) returns to fs.ErrNotExist, which the sampler treats as "container gone".
func goneAsNotExist(err error) error {
	if errors.Is(err, syscall.ENODEV) || errors.Is(err, syscall.ESRCH) {
		return fs.ErrNotExist
	}
	return err
}

// readOnce reads a file that must be opened afresh every round (cgroup.procs: its open proves
// the cgroup still exists) without the os.File and poller overhead.
func readOnce(path string, buf *[]byte) ([]byte, error) {
	f := newCounterFile(path)
	defer f.close()
	return f.read(buf)
}
