package monitor

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/ops/platform"
	"github.com/survey-platform/surveytui/internal/testenv"
)

// socketProxy stands between the monitor and the real engine socket, so a test can make the
// daemon "go away" and "come back" without stopping the shared engine other tests use: from
// the client's side a stopped proxy is exactly a stopped dockerd (socket refuses, streams
// break).
type socketProxy struct {
	path, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]bool
}

func (p *socketProxy) start(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("unix", p.path)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.conns = ln, map[net.Conn]bool{}
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("unix", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = true, true
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *socketProxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

func TestMonitorRecoversWhenTheDaemonComesBack(t *testing.T) {
	testenv.RequireEngine(t)
	image := testenv.StandinImage(t)
	project := testenv.UniqueName("stt-recover")
	file, _ := filepath.Abs("../platform/testdata/standins.yml")
	testenv.ComposeUp(t, file, project, map[string]string{"STANDIN_IMAGE": image})
	t.Setenv("STANDIN_IMAGE", image)
	decl, err := platform.Load(context.Background(), platform.LoadOptions{Files: []string{file}, Project: project})
	if err != nil {
		t.Fatal(err)
	}

	proxy := &socketProxy{path: filepath.Join(t.TempDir(), "docker.sock"), target: "/var/run/docker.sock"}
	proxy.start(t)
	defer proxy.stop()
	eng, err := engine.New(engine.Options{Host: "unix://" + proxy.path})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()

	before := runtime.NumGoroutine()
	m := New(eng, decl, Options{Interval: 300 * time.Millisecond, RelistInterval: 500 * time.Millisecond, ProbeInterval: time.Hour, VolumeInterval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()

	waitFor(t, m, 30*time.Second, "services found", func(s Snapshot) bool {
		return s.Engine.Reachable && len(s.Services) == 3 && service(s, "redis").State != platform.StateMissing
	})
	proxy.stop()
	down := waitFor(t, m, 10*time.Second, "engine reported unreachable", func(s Snapshot) bool { return !s.Engine.Reachable })
	if down.Engine.Since.IsZero() || down.Engine.Error == "" || Level(down.Alerts) != SeverityCritical {
		t.Errorf("unreachable snapshot: %+v alerts %+v", down.Engine, down.Alerts)
	}
	proxy.start(t)
	waitFor(t, m, 30*time.Second, "recovered", func(s Snapshot) bool {
		return s.Engine.Reachable && service(s, "redis").State == platform.StateHealthy
	})

	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	proxy.stop()
	eng.Close()
	// Every goroutine the monitor started ends with it (allow the HTTP transport a moment).
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
