package engine

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os/exec"
	"time"
)

// sshDialer returns a dialer that reaches a remote engine the way the Docker CLI does for
// ssh:// hosts: it runs `docker system dial-stdio` on the remote host over the user's own ssh,
// so keys, agents and ~/.ssh/config work as they do for `docker -H ssh://...`.
func sshDialer(host string) (func(ctx context.Context, network, addr string) (net.Conn, error), error) {
	u, err := url.Parse(host)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("docker host %q is not a valid ssh URL; write it as ssh://USER@HOST[:PORT]", host)
	}
	args := []string{"-o", "ConnectTimeout=10"}
	if u.User != nil {
		args = append(args, "-l", u.User.Username())
	}
	if p := u.Port(); p != "" {
		args = append(args, "-p", p)
	}
	args = append(args, "--", u.Hostname(), "docker", "system", "dial-stdio")
	return func(ctx context.Context, _, _ string) (net.Conn, error) {
		cmd := exec.Command("ssh", args...)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("starting ssh for %s: %w", host, err)
		}
		return &cmdConn{cmd: cmd, r: stdout, w: stdin}, nil
	}, nil
}

// cmdConn is a net.Conn over a child process's stdio.
type cmdConn struct {
	cmd *exec.Cmd
	r   io.ReadCloser
	w   io.WriteCloser
}

func (c *cmdConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *cmdConn) Write(p []byte) (int, error) { return c.w.Write(p) }
func (c *cmdConn) Close() error {
	_ = c.w.Close()
	_ = c.r.Close()
	if c.cmd.Process != nil {
		_ = c.cmd.Process.Kill()
	}
	_ = c.cmd.Wait()
	return nil
}
func (c *cmdConn) LocalAddr() net.Addr              { return stdioAddr{} }
func (c *cmdConn) RemoteAddr() net.Addr             { return stdioAddr{} }
func (c *cmdConn) SetDeadline(time.Time) error      { return nil }
func (c *cmdConn) SetReadDeadline(time.Time) error  { return nil }
func (c *cmdConn) SetWriteDeadline(time.Time) error { return nil }

type stdioAddr struct{}

func (stdioAddr) Network() string { return "stdio" }
func (stdioAddr) String() string  { return "ssh" }

var _ net.Conn = (*cmdConn)(nil)
