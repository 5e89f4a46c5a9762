package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/survey-platform/surveytui/internal/testenv"
)

func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// volumeFiles lists a volume's files through docker cp from a created container.
func volumeFiles(t *testing.T, image, vol string) []string {
	t.Helper()
	id := docker(t, "container", "create", "-v", vol+":/v", image)
	defer exec.Command("docker", "rm", "-f", id).Run()
	dir := t.TempDir()
	docker(t, "cp", id+":/v/.", dir)
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, _ error) error {
		rel, _ := filepath.Rel(dir, p)
		if rel != "." {
			out = append(out, rel)
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// TestBinaryVolumeBackupAndRestore runs the real static binary: its volume helper (the
// binary itself in a FROM-scratch image) empties the volume before the restore refills it.
func TestBinaryVolumeBackupAndRestore(t *testing.T) {
	testenv.RequireEngine(t)
	image := testenv.StandinImage(t)
	bin := filepath.Join(t.TempDir(), "surveytui")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	vol := testenv.UniqueName("stt-backup-e2e")
	docker(t, "volume", "create", vol)
	t.Cleanup(func() {
		exec.Command("docker", "volume", "rm", "-f", vol).Run()
		// only this binary's helper image: another test process may be using its own
		data, _ := os.ReadFile(bin)
		sum := sha256.Sum256(data)
		exec.Command("docker", "rmi", "-f", "surveytui-volume-helper:"+hex.EncodeToString(sum[:])[:16]).Run()
	})
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "answers", "empty"), 0o755)
	os.WriteFile(filepath.Join(src, "answers", "a.json"), []byte(`{"q":1}`), 0o640)
	seedID := docker(t, "container", "create", "-v", vol+":/v", image)
	docker(t, "cp", src+"/.", seedID+":/v/")
	docker(t, "rm", seedID)
	before := volumeFiles(t, image, vol)

	dir := t.TempDir()
	env := append(os.Environ(), "XDG_STATE_HOME="+t.TempDir())
	run := func(args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("surveytui %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return string(out)
	}
	out := run("--project", "stte2e", "backup", "create", "--volumes", vol, "--backup-dir", dir, "--stop-writers=false")
	archive := strings.Fields(out)[0]
	if !strings.HasSuffix(archive, "-volumes.tar.gz") {
		t.Fatalf("create said %q", out)
	}
	extraID := docker(t, "container", "create", "-v", vol+":/v", image)
	docker(t, "cp", bin, extraID+":/v/stray-binary")
	docker(t, "rm", extraID)
	run("--project", "stte2e", "restore", archive, "--volume", vol, "--backup-dir", dir, "--yes")
	if after := volumeFiles(t, image, vol); !slices.Equal(after, before) {
		t.Fatalf("volume after restore %v, want %v", after, before)
	}
}
