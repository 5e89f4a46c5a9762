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
