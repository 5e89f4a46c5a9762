package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMongoImage runs the FerretDB stand-in as its image's non-root user on a
// fresh named volume and waits for its own healthcheck (a MongoDB ping) to
// pass, then checks that the SQLite database landed in the volume: the
// FROM-scratch image must bring /tmp and a writable /data/db.
func TestMongoImage(t *testing.T) {
	RequireEngine(t)
	image := MongoImage(t)
	name := UniqueName("stt-testenv-mongo")
	run(t, "docker", "volume", "create", name)
	t.Cleanup(func() { _ = exec.Command("docker", "volume", "rm", "-f", name).Run() })
	run(t, "docker", "run", "-d", "--name", name, "-v", name+":/data/db", image)
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", "-v", name).Run() })

	deadline := time.Now().Add(60 * time.Second)
	for {
		health := strings.TrimSpace(run(t, "docker", "inspect", "--format", "{{.State.Status}} {{.State.Health.Status}}", name))
		if health == "running healthy" {
			break
		}
		if time.Now().After(deadline) || strings.HasPrefix(health, "exited") {
			logs, _ := exec.Command("docker", "logs", "--tail", "30", name).CombinedOutput()
			t.Fatalf("container %s is %q after start:\n%s", name, health, logs)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// The seeder runs right after the listener starts; give it a moment.
	deadline = time.Now().Add(20 * time.Second)
	for {
		logs := run(t, "docker", "logs", name)
		if strings.Contains(logs, `"seeded survey_platform"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no seeding reported in the logs:\n%s", logs)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Stop the container and read the volume through a second container of
	// the same image (it has no shell: use docker cp from a stopped one).
	run(t, "docker", "stop", "-t", "5", name)
	code := strings.TrimSpace(run(t, "docker", "inspect", "--format", "{{.State.ExitCode}}", name))
	if code != "0" {
		t.Errorf("SIGTERM exit code = %s, want 0", code)
	}
	dir := t.TempDir()
	run(t, "docker", "cp", name+":/data/db/.", dir)
	info, err := os.Stat(filepath.Join(dir, "survey_platform.sqlite"))
	if err != nil || info.Size() == 0 {
		t.Fatalf("volume lacks a non-empty survey_platform.sqlite: %v", err)
	}
}
