//go:build !unix

package monitor

import "os"

// counterFile is one of a container's counter files; without pread it is read whole each time.
type counterFile struct{ path string }

func newCounterFile(path string) counterFile { return counterFile{path: path} }

func (f *counterFile) read(buf *[]byte) ([]byte, error) {
	b, err := os.ReadFile(f.path)
	if err == nil {
		*buf = b
	}
	return b, err
}

func (f *counterFile) close() {}

func readOnce(path string, buf *[]byte) ([]byte, error) {
	f := newCounterFile(path)
	return f.read(buf)
}
