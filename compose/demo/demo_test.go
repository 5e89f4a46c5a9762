// Package demo_test brings the whole Survey Platform demo up with Compose
// and checks what the TUI relies on: every service healthy, limits applied,
// correlation IDs crossing services, outages visible in callers' logs.
package demo_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/testenv"
)

// demoServices are the 15 production service names the compose file must define.
var demoServices = []string{
	"survey-service", "geolocation-service", "analytics-service", "analytics-consumer-service",
	"notification-service", "notification-consumer-service", "audit-consumer-service",
	"websocket-service", "project-service", "admin-service",
	"mongodb", "redis", "kafka", "zookeeper", "kafka-ui",
}

var portVars = []string{
	"SURVEY", "GEOLOCATION", "ANALYTICS", "ANALYTICS_CONSUMER", "NOTIFICATION",
	"NOTIFICATION_CONSUMER", "AUDIT_CONSUMER", "WEBSOCKET", "PROJECT", "ADMIN",
	"MONGODB", "REDIS", "KAFKA", "ZOOKEEPER", "KAFKA_UI",
}

func TestDemoStack(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the demo stack takes about 40 s")
	}
	testenv.RequireEngine(t)
	env := map[string]string{
		"SURVEYDEMO_STANDIN_IMAGE": testenv.StandinImage(t),
		"SURVEYDEMO_MONGO_IMAGE":   testenv.MongoImage(t),
		"SURVEYDEMO_BIND":          "127.0.0.1",
	}
	// An empty host port makes Docker pick a free one: tests never clash
	// with a running demo or with each other.
	for _, v := range portVars {
		env["SURVEYDEMO_"+v+"_PORT"] = ""
	}
	file := filepath.Join(testenv.RepoRoot(t), "compose", "demo", "docker-compose.yml")
	project := testenv.UniqueName("stt-demo")
	testenv.ComposeUp(t, file, project, env)
	testenv.WaitHealthy(t, project, demoServices, 120*time.Second)

	containers := map[string]string{} // service -> container name
	for _, c := range testenv.ProjectContainers(t, project) {
		containers[c.Service] = c.Name
	}

	t.Run("limits applied", func(t *testing.T) {
		for svc, want := range map[string]string{
			"survey-service": "500000000 134217728",
			"mongodb":        "1000000000 536870912",
		} {
			got := strings.TrimSpace(docker(t, "inspect", "--format", "{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}", containers[svc]))
			if got != want {
				t.Errorf("%s NanoCpus/Memory = %s, want %s", svc, got, want)
			}
		}
	})

	t.Run("correlation id crosses services", func(t *testing.T) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			cid, services := bestCorrelation(t, containers)
			if len(services) >= 3 {
				t.Logf("correlationId %s seen in %v", cid, services)
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no correlationId in the logs of 3 services; best %q in %v", cid, services)
			}
			time.Sleep(2 * time.Second)
		}
	})

	t.Run("admin health aggregates", func(t *testing.T) {
		hostPort := strings.Split(strings.TrimSpace(docker(t, "port", containers["admin-service"], "3010/tcp")), "\n")[0]
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+hostPort+"/admin/health", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Status   string                     `json:"status"`
			Services map[string]json.RawMessage `json:"services"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		if body.Status != "healthy" || len(body.Services) != 9 {
			t.Fatalf("/admin/health = %s with %d services, want healthy with 9", body.Status, len(body.Services))
		}
	})

	t.Run("volumes hold data", func(t *testing.T) {
		// MongoDB seeded its database on the read-only root's volume...
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(docker(t, "logs", containers["mongodb"]), `"seeded survey_platform"`) {
			if time.Now().After(deadline) {
				t.Fatalf("mongodb did not seed:\n%s", tail(docker(t, "logs", containers["mongodb"]), 10))
			}
			time.Sleep(time.Second)
		}
		// ...and survey-service wrote its 4 MB of uploads (STANDIN_WRITE_MB).
		dir := t.TempDir()
		docker(t, "cp", containers["survey-service"]+":/data/.", dir)
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) != 4 {
			t.Fatalf("survey-uploads holds %d files (%v), want 4", len(entries), err)
		}
	})

	t.Run("wait-healthy.sh", func(t *testing.T) {
		script := filepath.Join(testenv.RepoRoot(t), "compose", "demo", "wait-healthy.sh")
		out, err := exec.Command(script, project, "10", "survey-service", "mongodb").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "healthy") {
			t.Fatalf("wait-healthy.sh on a healthy project: %v\n%s", err, out)
		}
		out, err = exec.Command(script, project, "1", "survey-service", "no-such-service").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "no-such-service (no container)") {
			t.Fatalf("wait-healthy.sh must fail naming the missing service: %v\n%s", err, out)
		}
		out, err = exec.Command(script, project, "soon").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "whole number") {
			t.Fatalf("wait-healthy.sh must reject a bad timeout: %v\n%s", err, out)
		}
	})

	t.Run("outage shows in caller logs", func(t *testing.T) {
		since := time.Now().Add(-time.Second).UTC().Format(time.RFC3339)
		testenv.Compose(t, file, project, env, "stop", "--timeout", "2", "geolocation-service")
		deadline := time.Now().Add(20 * time.Second)
		for {
			logs := docker(t, "logs", "--since", since, containers["survey-service"])
			if strings.Contains(logs, `"message":"Downstream call failed"`) &&
				strings.Contains(logs, `"downstream":"geolocation-service"`) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("survey-service logged no failed call to the stopped geolocation-service:\n%s", tail(logs, 10))
			}
			time.Sleep(time.Second)
		}
	})
}

// bestCorrelation reads survey-service's logs for the correlation IDs of its
// user requests and returns the one found in the most services' logs.
func bestCorrelation(t *testing.T, containers map[string]string) (string, []string) {
	t.Helper()
	logs := map[string]string{}
	for svc, name := range containers {
		logs[svc] = docker(t, "logs", name)
	}
	var best string
	var bestSvcs []string
	sc := bufio.NewScanner(strings.NewReader(logs["survey-service"]))
	for sc.Scan() {
		var line struct {
			Message       string `json:"message"`
			CorrelationID string `json:"correlationId"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.Message != "Incoming request" {
			continue
		}
		var svcs []string
		for svc, l := range logs {
			if strings.Contains(l, `"correlationId":"`+line.CorrelationID+`"`) {
				svcs = append(svcs, svc)
			}
		}
		if len(svcs) > len(bestSvcs) {
			best, bestSvcs = line.CorrelationID, svcs
		}
	}
	return best, bestSvcs
}

func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
