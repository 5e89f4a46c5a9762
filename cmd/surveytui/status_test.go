package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/testenv"
)

// TestStatusJSONAndExitCodes runs `status --json` against a real project: warning while a
// service is starting, critical once one is stopped; the JSON keeps its documented shape.
func TestStatusJSONAndExitCodes(t *testing.T) {
	testenv.RequireEngine(t)
	image := testenv.StandinImage(t)
	project := testenv.UniqueName("stt-status")
	file, _ := filepath.Abs("testdata/status.yml")
	testenv.ComposeUp(t, file, project, map[string]string{"STANDIN_IMAGE": image})
	// Not testenv.WaitHealthy: redis is meant to stay "starting".
	deadline := time.Now().Add(60 * time.Second)
	for !surveyHealthy(t, project) {
		if time.Now().After(deadline) {
			t.Fatal("survey-service not healthy after 60 s")
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Setenv("STANDIN_IMAGE", image)
	t.Setenv("XDG_STATE_HOME", t.TempDir())

	args := []string{"--compose", file, "--project", project, "status", "--json"}
	code, stdout, stderr := runCLI(t, args...)
	if code != exitWarning {
		t.Fatalf("redis starting: exit %d, want 1 (warning); stderr %s\n%s", code, stderr, stdout)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	for _, k := range []string{"schema", "project", "time", "level", "engine", "sampler", "services", "volumes", "alerts"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("top-level key %q missing", k)
		}
	}
	if rep["level"] != "warning" || rep["schema"].(float64) != 1 || rep["project"] != project {
		t.Errorf("level/schema/project: %v %v %v", rep["level"], rep["schema"], rep["project"])
	}
	var survey map[string]any
	for _, s := range rep["services"].([]any) {
		if m := s.(map[string]any); m["name"] == "survey-service" {
			survey = m
		}
	}
	for _, k := range []string{"role", "state", "health", "cpu_percent", "cpu_percent_of_limit", "memory_bytes", "memory_limit_bytes",
		"memory_percent_of_limit", "restarts", "uptime_seconds", "probe", "containers", "exit_code", "oom_killed"} {
		if _, ok := survey[k]; !ok {
			t.Errorf("service key %q missing", k)
		}
	}
	if survey["state"] != "healthy" || survey["memory_limit_bytes"].(float64) != 128<<20 {
		t.Errorf("survey-service: %v", survey)
	}
	if p, _ := survey["probe"].(map[string]any); p == nil || p["status"].(float64) != 200 {
		t.Errorf("probe through the published port: %v", survey["probe"])
	}
	if strings.Contains(stdout, "hunter2") {
		t.Error("a secret reached the JSON")
	}
	vols := rep["volumes"].([]any)
	if len(vols) != 1 || vols[0].(map[string]any)["name"] != "survey-uploads" {
		t.Errorf("volumes %v", vols)
	}

	// The table form says the same.
	code, stdout, _ = runCLI(t, "--compose", file, "--project", project, "status", "--no-volumes")
	if code != exitWarning || !strings.Contains(stdout, "survey-service") || !strings.Contains(stdout, "WARNING") {
		t.Errorf("table: exit %d\n%s", code, stdout)
	}

	// Without a compose file, --project alone watches the containers as they are.
	code, stdout, _ = runCLI(t, "--project", project, "status", "--json", "--no-volumes")
	if !strings.Contains(stdout, `"name": "survey-service"`) || !strings.Contains(stdout, `"extra": true`) || code == exitUnreachable {
		t.Errorf("bare project: exit %d\n%s", code, stdout)
	}

	// describe masks secrets in its JSON too.
	code, stdout, _ = runCLI(t, "--compose", file, "--project", project, "describe", "survey-service", "--json")
	if code != 0 || strings.Contains(stdout, "hunter2") || !strings.Contains(stdout, "DB_PASSWORD=********") {
		t.Errorf("describe --json: exit %d\n%s", code, stdout)
	}

	if out, err := exec.Command("docker", "stop", "-t", "1", containerOf(t, project, "survey-service")).CombinedOutput(); err != nil {
		t.Fatalf("docker stop: %v %s", err, out)
	}
	code, stdout, _ = runCLI(t, args...)
	if code != exitCritical || !strings.Contains(stdout, `"level": "critical"`) {
		t.Errorf("stopped service: exit %d, want 2\n%s", code, stdout)
	}

	code, _, stderr = runCLI(t, "--docker-host", "unix:///nonexistent.sock", "--compose", file, "--project", project, "status", "--json")
	if code != exitUnreachable || !strings.Contains(stderr, "cannot reach Docker") {
		t.Errorf("unreachable: exit %d %s", code, stderr)
	}
}

func surveyHealthy(t *testing.T, project string) bool {
	for _, c := range testenv.ProjectContainers(t, project) {
		if c.Service == "survey-service" && c.Health == "healthy" {
			return true
		}
	}
	return false
}

func containerOf(t *testing.T, project, service string) string {
	for _, c := range testenv.ProjectContainers(t, project) {
		if c.Service == service {
			return c.Name
		}
	}
	t.Fatalf("no container of %s", service)
	return ""
}
