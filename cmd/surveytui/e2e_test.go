package main

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/testenv"
)

// buildBinary compiles surveytui once for the end-to-end tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "surveytui")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// tmuxSession runs a command in a detached tmux session of the given size and returns a
// function that captures the pane. The session is killed at cleanup.
func tmuxSession(t *testing.T, width, height int, env []string, command ...string) (name string, capture func() string, send func(keys ...string)) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is needed for the end-to-end tests: apt-get install tmux")
	}
	name = testenv.UniqueName("stt-e2e")
	args := []string{"new-session", "-d", "-s", name, "-x", strconv.Itoa(width), "-y", strconv.Itoa(height)}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	args = append(args, command...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "kill-session", "-t", name).Run() })
	capture = func() string {
		out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", name).Output()
		return string(out)
	}
	send = func(keys ...string) {
		_ = exec.Command("tmux", append([]string{"send-keys", "-t", name}, keys...)...).Run()
	}
	return name, capture, send
}

func waitScreen(t *testing.T, capture func() string, timeout time.Duration, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var screen string
	for time.Now().Before(deadline) {
		screen = capture()
		ok := true
		for _, w := range want {
			if !strings.Contains(screen, w) {
				ok = false
			}
		}
		if ok {
			return screen
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("screen never showed %q within %s; last screen:\n%s", want, timeout, screen)
	return ""
}

// TestTUIEndToEnd starts the real binary in tmux against a running stand-in project and reads
// the screen: the services appear with their state, a stopped one turns exited, q quits.
func TestTUIEndToEnd(t *testing.T) {
	testenv.RequireEngine(t)
	image := testenv.StandinImage(t)
	project := testenv.UniqueName("stt-e2e")
	file, _ := filepath.Abs("../../internal/ops/platform/testdata/standins.yml")
	env := map[string]string{"STANDIN_IMAGE": image}
	testenv.ComposeUp(t, file, project, env)
	testenv.WaitHealthy(t, project, []string{"survey-service", "geolocation-service", "redis"}, 60*time.Second)
	bin := buildBinary(t)

	home := t.TempDir()
	session, capture, send := tmuxSession(t, 160, 45, []string{"STANDIN_IMAGE=" + image, "HOME=" + home, "XDG_STATE_HOME=" + home},
		bin, "--compose", file, "--project", project)
	screen := waitScreen(t, capture, 15*time.Second, "survey-service", "geolocation-service", "redis", "healthy", project)
	if strings.Contains(screen, "\x1b") {
		t.Errorf("raw escape on screen")
	}

	for _, c := range testenv.ProjectContainers(t, project) {
		if c.Service == "geolocation-service" {
			if out, err := exec.Command("docker", "stop", "-t", "1", c.Name).CombinedOutput(); err != nil {
				t.Fatalf("docker stop: %v %s", err, out)
			}
		}
	}
	waitScreen(t, capture, 10*time.Second, "exited")

	send("q")
	// The session ends when the program exits.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if err := exec.Command("tmux", "has-session", "-t", "="+session).Run(); err != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("surveytui did not quit on q; screen:\n%s", capture())
}
