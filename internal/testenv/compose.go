package testenv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"
)

// composeTimeout bounds one docker-compose command; `up` of the whole demo
// takes well under a minute on a warm engine.
const composeTimeout = 5 * time.Minute

// ComposeUp starts project from composeFile with `docker-compose up -d`, with
// env added to the environment (image tags, host ports). It registers the
// teardown first, so `down -v --remove-orphans` runs even when `up` fails
// half way or the test fails later; on failure it logs the project's recent
// container logs before tearing down, as they are gone afterwards.
func ComposeUp(t testing.TB, composeFile, project string, env map[string]string) {
	t.Helper()
	RequireEngine(t)
	t.Cleanup(func() {
		if t.Failed() {
			if out, err := runCompose(composeFile, project, env, "logs", "--no-color", "--tail", "40"); err == nil {
				t.Logf("docker-compose logs of %s (last 40 lines each):\n%s", project, out)
			}
		}
		if out, err := runCompose(composeFile, project, env, "down", "-v", "--remove-orphans", "--timeout", "2"); err != nil {
			t.Errorf("docker-compose down %s: %v\n%s", project, err, out)
		}
	})
	if out, err := runCompose(composeFile, project, env, "up", "-d"); err != nil {
		t.Fatalf("docker-compose up %s: %v\n%s", project, err, out)
	}
}

// Compose runs any other docker-compose command against project and returns
// its standard output; a failure fails t with the command's output.
func Compose(t testing.TB, composeFile, project string, env map[string]string, args ...string) string {
	t.Helper()
	out, err := runCompose(composeFile, project, env, args...)
	if err != nil {
		t.Fatalf("docker-compose %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func runCompose(composeFile, project string, env map[string]string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), composeTimeout)
	defer cancel()
	full := append([]string{"-p", project, "-f", composeFile}, args...)
	cmd := exec.CommandContext(ctx, "docker-compose", full...)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

// ContainerState is one container's state as WaitHealthy sees it.
type ContainerState struct {
	Name    string // container name without the leading slash
	Service string // com.docker.compose.service label
	Status  string // running, exited, restarting...
	Health  string // healthy, unhealthy, starting, or "" without a healthcheck
}

// Ready reports whether the container counts as up: healthy when it has a
// healthcheck, running when it has none.
func (c ContainerState) Ready() bool {
	if c.Status != "running" {
		return false
	}
	return c.Health == "" || c.Health == "healthy"
}

func (c ContainerState) String() string {
	s := c.Name + " (" + c.Status
	if c.Health != "" {
		s += ", " + c.Health
	}
	return s + ")"
}

// ProjectContainers returns the state of every container (running or not)
// labelled with the compose project, sorted by name.
func ProjectContainers(t testing.TB, project string) []ContainerState {
	t.Helper()
	states, err := projectContainers(project)
	if err != nil {
		t.Fatal(err)
	}
	return states
}

func projectContainers(project string) ([]ContainerState, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids, err := exec.CommandContext(ctx, "docker", "ps", "-aq", "--no-trunc",
		"--filter", "label=com.docker.compose.project="+project).Output()
	if err != nil {
		return nil, fmt.Errorf("docker ps for project %s: %w", project, err)
	}
	fields := strings.Fields(string(ids))
	if len(fields) == 0 {
		return nil, nil
	}
	args := append([]string{"inspect", "--format",
		`{{.Name}}|{{index .Config.Labels "com.docker.compose.service"}}|{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}`},
		fields...)
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		// A container removed between ps and inspect is not an error worth failing on;
		// the next poll sees the new set.
		if !strings.Contains(stderr.String(), "No such") {
			return nil, fmt.Errorf("docker inspect for project %s: %v: %s", project, err, strings.TrimSpace(stderr.String()))
		}
	}
	var states []ContainerState
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.SplitN(line, "|", 4)
		if len(parts) != 4 {
			continue
		}
		states = append(states, ContainerState{
			Name:    strings.TrimPrefix(parts[0], "/"),
			Service: parts[1],
			Status:  parts[2],
			Health:  parts[3],
		})
	}
	sort.Slice(states, func(i, j int) bool { return states[i].Name < states[j].Name })
	return states, nil
}

// WaitHealthy polls until every container of project is healthy (or running,
// where it has no healthcheck) and, when services is not empty, each named
// service has at least one such container. After timeout it fails t naming
// the services and containers that are not ready, with their state.
func WaitHealthy(t testing.TB, project string, services []string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		states, err := projectContainers(project)
		if err != nil {
			t.Fatal(err)
		}
		notReady := notReady(states, services)
		if len(notReady) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("project %s not healthy after %s: %s", project, timeout, strings.Join(notReady, ", "))
		}
		time.Sleep(time.Second)
	}
}

// notReady lists what keeps a project from being up: containers that are not
// ready, and wanted services that have no container at all.
func notReady(states []ContainerState, services []string) []string {
	var bad []string
	seen := map[string]bool{}
	for _, s := range states {
		if s.Ready() {
			seen[s.Service] = true
			continue
		}
		bad = append(bad, s.String())
	}
	if len(states) == 0 && len(services) == 0 {
		return []string{"no containers"}
	}
	for _, svc := range services {
		if !seen[svc] {
			found := false
			for _, s := range states {
				if s.Service == svc {
					found = true
				}
			}
			if !found {
				bad = append(bad, svc+" (no container)")
			}
		}
	}
	return bad
}
