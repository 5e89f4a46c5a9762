package backup

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/survey-platform/surveytui/internal/ops/engine"
)

// cutProxy forwards a unix socket to the engine's and can cut every connection, as when the
// engine (or the ssh link to it) goes away.
type cutProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	armed atomic.Bool
	down  atomic.Int64 // bytes engine -> client since armed
	limit int64
}

func newCutProxy(t *testing.T, limit int64) (*cutProxy, string) {
	target := strings.TrimPrefix(os.Getenv("DOCKER_HOST"), "unix://")
	if target == "" || strings.Contains(target, "://") {
		target = "/var/run/docker.sock"
	}
	sock := filepath.Join(t.TempDir(), "e.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, limit: limit}
	t.Cleanup(p.cut)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("unix", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go io.Copy(up, c)
			go p.copyDown(c, up)
		}
	}()
	return p, "unix://" + sock
}

func (p *cutProxy) copyDown(dst io.Writer, src io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if p.armed.Load() && p.down.Add(int64(n)) > p.limit {
				p.cut()
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *cutProxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// TestEngineGoesAwayMidVolumeCopy cuts the engine connection while a 24 MB volume streams
// out: the backup fails with a one-line error naming the volume, and leaves no archive and no
// temporary file; the next copy through a working connection cleans the helper left behind.
func TestEngineGoesAwayMidVolumeCopy(t *testing.T) {
	ctx := context.Background()
	direct := requireEngine(t)
	vol := testVolume(t, direct)
	big := make([]byte, 24<<20)
	rand.Read(big)
	if err := direct.ImportVolume(ctx, vol, bytes.NewReader(tarBytes(t, []entry{{name: "big.bin", body: big}}))); err != nil {
		t.Fatal(err)
	}
	proxy, host := newCutProxy(t, 4<<20)
	eng, err := engine.New(engine.Options{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	dir := t.TempDir()
	_, err = Backup(ctx, Options{Dir: dir, Project: "survey", Engine: eng, Volumes: []string{vol},
		Progress: func(p Progress) {
			if p.Phase == "volume" {
				proxy.armed.Store(true)
			}
		}})
	if err == nil {
		t.Fatal("backup succeeded through a cut connection")
	}
	if !strings.Contains(err.Error(), "volume "+vol) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error %q does not name the volume in one line", err)
	}
	t.Log(err)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
	// The helper container of the cut copy could not be removed; the next copy removes it
	// (otherwise the volume could never be removed).
	var buf bytes.Buffer
	if err := direct.ExportVolume(ctx, vol, &buf); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label="+engine.LabelHelper+"="+vol).Output()
	if len(bytes.TrimSpace(out)) != 0 {
		t.Fatalf("helper containers left: %s", out)
	}
}
