package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/testenv"
)

// These tests start real containers on the shared engine, from testenv's FROM scratch
// stand-in image. Every container is named stt-scan-<random> and removed even when a test
// fails. They skip only when SURVEYTUI_SKIP_DOCKER=1 (testenv.RequireEngine).

func docker(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("docker", args...)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("docker %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

// runContainer starts a detached container and removes it when the test ends.
func runContainer(t *testing.T, name string, args ...string) {
	t.Helper()
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", "-v", name).Run() })
	docker(t, append([]string{"run", "-d", "--name", name}, args...)...)
}

func waitHealthy(t *testing.T, name string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		status := docker(t, "inspect", "--format", "{{.State.Health.Status}}", name)
		if status == "healthy" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is still %q after 60 s", name, status)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func newEngine(t *testing.T) *engine.Client {
	t.Helper()
	eng, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	return eng
}

// startPair starts one deliberately bad and one hardened container in a fresh compose-labelled
// project and returns the project name.
func startPair(t *testing.T) (project, bad, hardened string, badStarted bool) {
	image := testenv.StandinImage(t)
	project = testenv.UniqueName("stt-scan")
	bad, hardened = project+"-mongodb-1", project+"-api-1"
	badArgs := []string{"--name", bad,
		"--label", "com.docker.compose.project=" + project, "--label", "com.docker.compose.service=mongodb",
		"--privileged", "-v", "/var/run/docker.sock:/var/run/docker.sock",
		"--user", "0", "-e", "STANDIN_SERVICE=survey-service", "-e", "PORT=8080",
		"-e", "DB_PASSWORD=hunter2-s3cret-value", "-p", "0.0.0.0::8080", image}
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", "-v", bad).Run() })
	docker(t, append([]string{"create"}, badArgs...)...)
	// An engine that itself runs in a restricted container cannot start a privileged one
	// ("unable to apply caps"); the created container's inspect data holds the same settings.
	badStarted = true
	out, err := exec.Command("docker", "start", bad).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "operation not permitted") {
		// The engine is shared; one retry absorbs a transient failure (seen once under load).
		t.Logf("docker start %s: %v: %s; retrying once", bad, err, out)
		time.Sleep(time.Second)
		out, err = exec.Command("docker", "start", bad).CombinedOutput()
	}
	if err != nil {
		if !strings.Contains(string(out), "operation not permitted") {
			t.Fatalf("docker start %s: %v: %s", bad, err, out)
		}
		t.Logf("this engine cannot start privileged containers; auditing %s as created", bad)
		badStarted = false
	}
	runContainer(t, hardened,
		"--label", "com.docker.compose.project="+project, "--label", "com.docker.compose.service=api",
		"--user", "10001", "--read-only", "-e", "STANDIN_SERVICE=survey-service", "-e", "PORT=8080", "--memory", "64m", "--cpus", "0.5", "--pids-limit", "64",
		"--security-opt", "no-new-privileges", "--cap-drop", "ALL", "--restart", "on-failure:3",
		"-p", "127.0.0.1::8080", image)
	waitHealthy(t, hardened)
	return project, bad, hardened, badStarted
}

var badChecks = []struct {
	id  string
	sev Severity
}{
	{"5.4", SeverityCritical},  // --privileged
	{"4.1", SeverityMedium},    // root
	{"5.31", SeverityCritical}, // docker.sock
	{"5.10", SeverityMedium},   // no memory limit
	{"5.11", SeverityLow},      // no CPU limit
	{"5.28", SeverityMedium},   // no PIDs limit
	{"4.10", SeverityMedium},   // DB_PASSWORD (runtime: provenance unknown)
	{"5.13", SeverityHigh},     // mongodb on 0.0.0.0
	{"5.12", SeverityMedium},   // writable rootfs
	{"5.25", SeverityMedium},   // no-new-privileges
}

// checkBad asserts every finding of the bad container is there, with its evidence.
func checkBad(t *testing.T, info container.InspectResponse, fs []Finding, privileged bool) {
	t.Helper()
	name := strings.TrimPrefix(info.Name, "/")
	for _, w := range badChecks {
		if w.id == "5.4" && !privileged {
			continue
		}
		if !has(fs, "mongodb", w.id, w.sev) {
			t.Errorf("%s: missing %s %s; got:\n%s", name, w.id, w.sev, dump(fs))
		}
	}
	hostPort := "(random)" // created, not started
	if live := info.NetworkSettings.Ports["8080/tcp"]; len(live) > 0 {
		hostPort = live[0].HostPort
	}
	for _, f := range fs {
		if f.Container != name {
			t.Errorf("finding attributed to %q, want %q", f.Container, name)
		}
		if strings.Contains(f.Evidence, "hunter2") {
			t.Errorf("secret value in evidence: %q", f.Evidence)
		}
		if f.CheckID == "5.13" && f.Evidence != "0.0.0.0:"+hostPort+" -> 8080/tcp" {
			t.Errorf("5.13 evidence = %q, want the binding 0.0.0.0:%s", f.Evidence, hostPort)
		}
		if f.CheckID == "5.31" && !strings.Contains(f.Evidence, "/var/run/docker.sock") {
			t.Errorf("5.31 evidence = %q", f.Evidence)
		}
	}
}

func TestAuditRealContainers(t *testing.T) {
	testenv.RequireEngine(t)
	project, bad, hardened, badStarted := startPair(t)
	eng := newEngine(t)
	ctx := context.Background()

	info, err := eng.Inspect(ctx, bad)
	if err != nil {
		t.Fatal(err)
	}
	fs := AuditContainer(info)
	checkBad(t, info, fs, true)
	if !badStarted {
		// Audit a running bad container too (everything but --privileged), so the live port
		// binding and the running state are exercised on this engine as well.
		running := project + "-mongodb-2"
		runContainer(t, running,
			"--label", "com.docker.compose.project="+project, "--label", "com.docker.compose.service=mongodb",
			"-v", "/var/run/docker.sock:/var/run/docker.sock", "--user", "0",
			"-e", "STANDIN_SERVICE=survey-service", "-e", "PORT=8080",
			"-e", "DB_PASSWORD=hunter2-s3cret-value", "-p", "0.0.0.0::8080", testenv.StandinImage(t))
		rinfo, err := eng.Inspect(ctx, running)
		if err != nil {
			t.Fatal(err)
		}
		if len(rinfo.NetworkSettings.Ports["8080/tcp"]) == 0 {
			t.Fatalf("%s has no live port binding", running)
		}
		checkBad(t, rinfo, AuditContainer(rinfo), false)
	}

	info, err = eng.Inspect(ctx, hardened)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range AuditContainer(info) {
		if f.Severity >= SeverityHigh {
			t.Errorf("hardened container has %s %s: %s [%s]", f.Severity, f.CheckID, f.Title, f.Evidence)
		}
		if f.CheckID == "5.26" || f.CheckID == "4.1" || f.CheckID == "5.12" || f.CheckID == "5.28" {
			t.Errorf("hardened container flagged for %s: %s", f.CheckID, f.Title)
		}
	}

	// The same data read by the docker CLI decodes to the same findings: the audit depends
	// on the inspect JSON only, not on how it was fetched.
	var viaCLI []container.InspectResponse
	if err := json.Unmarshal([]byte(docker(t, "inspect", bad)), &viaCLI); err != nil || len(viaCLI) != 1 {
		t.Fatalf("decode docker inspect: %v", err)
	}
	if a, b := dump(AuditContainer(viaCLI[0])), dump(fs); a != b {
		t.Errorf("CLI inspect gives\n%s\nengine inspect gives\n%s", a, b)
	}
}

func TestRunRealProject(t *testing.T) {
	testenv.RequireEngine(t)
	project, _, _, _ := startPair(t)
	eng := newEngine(t)
	logFile := fakeTrivy(t)
	dir := filepath.Join(t.TempDir(), "security-reports")

	var mu sync.Mutex
	var stages []string
	s, err := Run(context.Background(), eng, Options{
		Project: project, Images: true, Audit: true, ReportsDir: dir,
		Trivy: TrivyOptions{Timeout: 20 * time.Second, SkipDBUpdate: true},
	}, func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		stage := p.Stage
		if p.Image != nil && p.Image.Done {
			stage += ":done"
		}
		stages = append(stages, stage)
	})
	if err != nil {
		t.Fatal(err)
	}
	image := testenv.StandinImage(t)
	if len(s.Images) != 1 || s.Images[0].Image != image {
		t.Fatalf("images = %+v, want the one standin image", s.Images)
	}
	img := s.Images[0]
	if strings.Join(img.Services, ",") != "api,mongodb" || img.Error != "" || img.Counts.Critical != 1 {
		t.Errorf("image summary = %+v", img)
	}
	if s.Trivy != TrivyRan || s.Vulnerabilities != img.Counts {
		t.Errorf("trivy %q, totals %v", s.Trivy, s.Vulnerabilities)
	}
	if got := strings.Join(stages, " "); got != "containers audit image image:done" {
		t.Errorf("progress stages = %q", got)
	}
	if !has(s.Findings, "mongodb", "5.4", SeverityCritical) || s.FindingCounts.Critical < 2 {
		t.Errorf("findings = %v:\n%s", s.FindingCounts, dump(s.Findings))
	}
	if logged, _ := os.ReadFile(logFile); !strings.Contains(string(logged), "--skip-db-update "+image+"\n") {
		t.Errorf("trivy log: %s", logged)
	}
	raw, err := os.ReadFile(filepath.Join(dir, img.ReportFile))
	if err != nil || !bytes.Equal(raw, readFixture(t, "alpine-multi.json")) {
		t.Errorf("raw report %s not saved as trivy printed it (%v)", img.ReportFile, err)
	}
	last, err := LoadLast(dir)
	if err != nil {
		t.Fatal(err)
	}
	if last.Project != project || len(last.Findings) != len(s.Findings) || last.Vulnerabilities != s.Vulnerabilities {
		t.Errorf("LoadLast does not give back the scan: %+v", last)
	}
	if code, _ := Decide(last, SeverityCritical); code != ExitFindings {
		t.Errorf("exit = %d, want %d", code, ExitFindings)
	}

	// Without Trivy the audit still runs and the summary says how to install it.
	t.Setenv("PATH", t.TempDir())
	s, err = Run(context.Background(), eng, Options{Project: project, Images: true, Audit: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Trivy, "not installed") || len(s.Images) != 0 || !has(s.Findings, "mongodb", "5.31", SeverityCritical) {
		t.Errorf("without trivy: trivy=%q images=%d findings=%d", s.Trivy, len(s.Images), len(s.Findings))
	}
}

func TestRunEngineUnreachable(t *testing.T) {
	eng, err := engine.New(engine.Options{Host: "unix://" + filepath.Join(t.TempDir(), "no-docker.sock")})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	s, err := Run(context.Background(), eng, Options{Project: "x", Audit: true}, nil)
	if s != nil || !engine.IsUnreachable(err) {
		t.Fatalf("Run = %v, %v; want an unreachable error", s, err)
	}
}
