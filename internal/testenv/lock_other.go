//go:build !unix

package testenv

import "sync"

var fallbackLock sync.Mutex

// lockFile serializes builds within this process only: the demo images and
// the Docker engine tests target Unix hosts, where lock_unix.go applies.
func lockFile(string) (func(), error) {
	fallbackLock.Lock()
	return fallbackLock.Unlock, nil
}
