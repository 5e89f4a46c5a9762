package backup

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/testenv"
)

func dockerCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestBackupStopsWritersAroundVolumeCopy runs the demo's stand-in (a real service with a
// Docker healthcheck) on a volume: during the copy it is stopped, afterwards it runs and is
// healthy again, and the manifest says the copy was taken with writers stopped.
func TestBackupStopsWritersAroundVolumeCopy(t *testing.T) {
	ctx := context.Background()
	eng := requireEngine(t)
	image := testenv.StandinImage(t)
	vol := testVolume(t, eng)
	name := testenv.UniqueName("stt-backup-writer")
	dockerCLI(t, "run", "-d", "--name", name, "-e", "STANDIN_SERVICE=redis", "-v", vol+":/data", image)
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run() })
	if err := WaitHealthy(ctx, eng, []string{name}, time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	var during string
	around := StopWritersAround(eng, 10*time.Second, time.Minute, nil)
	res, err := Backup(ctx, Options{Dir: t.TempDir(), Project: "survey", Engine: eng, Volumes: []string{vol}, WritersStopped: true,
		AroundVolume: func(ctx context.Context, volume string, copy func() error) error {
			return around(ctx, volume, func() error {
				during = dockerCLI(t, "inspect", "--format", "{{.State.Status}}", name)
				return copy()
			})
		}})
	if err != nil {
		t.Fatal(err)
	}
	if during != "exited" {
		t.Errorf("writer was %q during the copy, want exited", during)
	}
	if state := dockerCLI(t, "inspect", "--format", "{{.State.Status}} {{.State.Health.Status}}", name); state != "running healthy" {
		t.Errorf("writer is %q after the backup, want running healthy", state)
	}
	if !res.Manifest.WritersStopped {
		t.Error("manifest does not say writers were stopped")
	}
}

// TestGuidedRestoreStopsAndStartsWriters restores a volume under a running, healthchecked
// service: the plan names it, it is stopped while the volume is replaced (and while the safety
// copy is taken), and it runs healthy again afterwards.
func TestGuidedRestoreStopsAndStartsWriters(t *testing.T) {
	ctx := context.Background()
	eng := requireEngine(t)
	image := testenv.StandinImage(t)
	vol := testVolume(t, eng)
	name := testenv.UniqueName("stt-backup-writer")
	dockerCLI(t, "run", "-d", "--name", name, "-e", "STANDIN_SERVICE=redis", "-v", vol+":/data", image)
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run() })
	dir := t.TempDir()
	res, err := Backup(ctx, Options{Dir: dir, Project: "survey", Engine: eng, Volumes: []string{vol}})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	req := RestoreRequest{Source: res.Path, Project: "survey", Dir: dir, Engine: eng, Volumes: []string{vol}, HealthTimeout: time.Minute,
		Progress: func(p Progress) {
			if p.Phase == "safety" || (p.Phase == "restore" && p.Item == vol) {
				states[p.Phase] = dockerCLI(t, "inspect", "--format", "{{.State.Status}}", name)
			}
		}}
	plan, err := PrepareRestore(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Writers) != 1 || plan.Writers[0] != name {
		t.Fatalf("plan writers %v, want [%s]", plan.Writers, name)
	}
	out, err := ExecuteRestore(ctx, req, plan)
	if err != nil {
		t.Fatal(err)
	}
	if states["safety"] != "exited" || states["restore"] != "exited" {
		t.Errorf("writer states during safety backup and restore: %v, want exited", states)
	}
	if state := dockerCLI(t, "inspect", "--format", "{{.State.Status}} {{.State.Health.Status}}", name); state != "running healthy" {
		t.Errorf("writer is %q after the restore", state)
	}
	if m, err := Verify(ctx, out.Safety, "survey", nil); err != nil || !m.WritersStopped {
		t.Errorf("safety archive: writers stopped %v, err %v", m != nil && m.WritersStopped, err)
	}
}
