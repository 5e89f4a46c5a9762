package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/client"
)

// UnreachableError says the engine could not be reached at all (as opposed to refusing one
// request). Commands turn it into exit code 3.
type UnreachableError struct {
	Host   string
	Reason string
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach Docker at %s: %s; is dockerd running? set --docker-host or DOCKER_HOST", e.Host, e.Reason)
}

// IsUnreachable reports whether err (or one it wraps) is an *UnreachableError.
func IsUnreachable(err error) bool {
	var u *UnreachableError
	return errors.As(err, &u)
}

// NotFoundError says a container, volume or image the caller named does not exist.
type NotFoundError struct{ What string }

func (e *NotFoundError) Error() string { return e.What + " not found" }

// wrap turns transport failures into *UnreachableError with a short reason, and leaves API
// errors (404, 409...) as they are.
func (c *Client) wrap(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	if cerrdefs.IsNotFound(err) {
		return &NotFoundError{What: firstLine(err.Error())}
	}
	if client.IsErrConnectionFailed(err) || isTransport(err) {
		return &UnreachableError{Host: c.host, Reason: c.diagnose(err)}
	}
	return err
}

func isTransport(err error) bool {
	var netErr net.Error
	var opErr *net.OpError
	return errors.As(err, &opErr) || errors.As(err, &netErr) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, fs.ErrNotExist) || errors.Is(err, context.DeadlineExceeded)
}

func reason(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOENT):
		return "no such file"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EACCES):
		return "permission denied (add your user to the docker group)"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	msg := err.Error()
	for _, known := range []string{"no such file or directory", "connection refused", "permission denied", "no such host", "i/o timeout"} {
		if strings.Contains(msg, known) {
			if known == "no such file or directory" {
				return "no such file"
			}
			return known
		}
	}
	return firstLine(msg)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// diagnose finds the real reason a connection failed: the Docker client replaces it with a
// generic "Cannot connect" for unix sockets, so dial the socket once more to learn it.
func (c *Client) diagnose(err error) string {
	if path, ok := strings.CutPrefix(c.host, "unix://"); ok {
		if _, serr := os.Stat(path); serr != nil {
			return reason(serr)
		}
		conn, derr := net.DialTimeout("unix", path, 2*time.Second)
		if derr != nil {
			return reason(derr)
		}
		_ = conn.Close()
	}
	if addr, ok := strings.CutPrefix(c.host, "tcp://"); ok {
		conn, derr := net.DialTimeout("tcp", addr, 2*time.Second)
		if derr != nil {
			return reason(derr)
		}
		_ = conn.Close()
	}
	return reason(err)
}
