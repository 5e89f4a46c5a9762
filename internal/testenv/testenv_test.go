package testenv

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestUniqueName(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	tests := []struct {
		prefix, wantPrefix string
	}{
		{"stt-testenv", "stt-testenv-"},
		{"STT_Upper", "stt_upper-"},
		{"weird name!/x", "weirdnamex-"},
		{"--", "stt-"},
		{"", "stt-"},
	}
	for _, tt := range tests {
		a, b := UniqueName(tt.prefix), UniqueName(tt.prefix)
		if a == b {
			t.Errorf("UniqueName(%q) returned %q twice", tt.prefix, a)
		}
		if !strings.HasPrefix(a, tt.wantPrefix) || len(a) != len(tt.wantPrefix)+8 {
			t.Errorf("UniqueName(%q) = %q, want %q + 8 hex digits", tt.prefix, a, tt.wantPrefix)
		}
		if !valid.MatchString(a) {
			t.Errorf("UniqueName(%q) = %q is not a valid compose project name", tt.prefix, a)
		}
	}
}

func TestRepoRoot(t *testing.T) {
	root := RepoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "module github.com/survey-platform/surveytui") {
		t.Fatalf("RepoRoot = %s, whose go.mod is not surveytui's", root)
	}
}

func TestNotReady(t *testing.T) {
	states := []ContainerState{
		{Name: "p-a-1", Service: "a", Status: "running", Health: "healthy"},
		{Name: "p-b-1", Service: "b", Status: "running", Health: "starting"},
		{Name: "p-c-1", Service: "c", Status: "running"},
		{Name: "p-d-1", Service: "d", Status: "exited"},
	}
	got := notReady(states, []string{"a", "c", "e"})
	want := []string{"p-b-1 (running, starting)", "p-d-1 (exited)", "e (no container)"}
	if strings.Join(got, ";") != strings.Join(want, ";") {
		t.Fatalf("notReady = %q, want %q", got, want)
	}
	if got := notReady(nil, nil); len(got) != 1 {
		t.Fatalf("an empty project must not count as healthy, got %q", got)
	}
}

// TestStandinImage builds the stand-in image, runs one container from it
// with a published port, waits for Docker's own healthcheck to report
// healthy, and reads /health from the host.
func TestStandinImage(t *testing.T) {
	RequireEngine(t)
	image := StandinImage(t)
	if again := StandinImage(t); again != image {
		t.Fatalf("StandinImage is not stable within a process: %s then %s", image, again)
	}
	if !regexp.MustCompile(`^surveytui-standin:[0-9a-f]{12}$`).MatchString(image) {
		t.Fatalf("unexpected tag %q", image)
	}
	name := UniqueName("stt-testenv")
	run(t, "docker", "run", "-d", "--name", name, "-p", "127.0.0.1::3000",
		"-e", "STANDIN_SERVICE=survey-service", "-e", "PORT=3000", "-e", "STANDIN_TRAFFIC=off", image)
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", "-v", name).Run() })

	deadline := time.Now().Add(40 * time.Second)
	for {
		health := strings.TrimSpace(run(t, "docker", "inspect", "--format", "{{.State.Health.Status}}", name))
		if health == "healthy" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s still %q after 40s", name, health)
		}
		time.Sleep(500 * time.Millisecond)
	}
	hostPort := strings.TrimSpace(run(t, "docker", "port", name, "3000/tcp"))
	hostPort = strings.Split(hostPort, "\n")[0]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+hostPort+"/health", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status  string `json:"status"`
		Service string `json:"service"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || body.Status != "healthy" || body.Service != "survey-service" {
		t.Fatalf("GET /health = %d %+v", resp.StatusCode, body)
	}
}

// TestComposeUp starts a two-service project, waits until both are ready
// (one by healthcheck, one merely running), and checks that Compose runs
// further commands against it.
func TestComposeUp(t *testing.T) {
	RequireEngine(t)
	image := StandinImage(t)
	file := filepath.Join(RepoRoot(t), "internal", "testenv", "testdata", "standin-compose.yml")
	project := UniqueName("stt-testenv")
	env := map[string]string{"TESTENV_STANDIN_IMAGE": image}
	ComposeUp(t, file, project, env)
	WaitHealthy(t, project, []string{"probe-service", "plain-service"}, 60*time.Second)

	states := ProjectContainers(t, project)
	if len(states) != 2 {
		t.Fatalf("want 2 containers, got %v", states)
	}
	for _, s := range states {
		switch s.Service {
		case "probe-service":
			if s.Health != "healthy" {
				t.Errorf("probe-service: %s, want healthy", s)
			}
		case "plain-service":
			if s.Health != "" {
				t.Errorf("plain-service has healthcheck disabled but reports %q", s.Health)
			}
		}
	}
	services := Compose(t, file, project, env, "ps", "--services")
	if !strings.Contains(services, "probe-service") || !strings.Contains(services, "plain-service") {
		t.Fatalf("docker-compose ps --services = %q", services)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}
