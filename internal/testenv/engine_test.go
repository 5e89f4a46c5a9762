package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRequireEngineSkipsOnlyWhenAsked(t *testing.T) {
	t.Setenv(SkipDockerEnv, "1")
	var skipped bool
	t.Run("inner", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		RequireEngine(t)
	})
	if !skipped {
		t.Fatalf("%s=1 did not skip", SkipDockerEnv)
	}
}

// TestRequireEngineFailsWhenUnreachable runs this test binary again with
// DOCKER_HOST pointing nowhere: RequireEngine must fail the test (not skip
// it) and say how to fix it.
func TestRequireEngineFailsWhenUnreachable(t *testing.T) {
	if os.Getenv("TESTENV_HELPER") == "unreachable" {
		RequireEngine(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRequireEngineFailsWhenUnreachable$", "-test.v")
	cmd.Env = append(os.Environ(), "TESTENV_HELPER=unreachable", SkipDockerEnv+"=",
		"DOCKER_HOST=unix://"+filepath.Join(t.TempDir(), "no-such.sock"))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("RequireEngine passed with no engine:\n%s", out)
	}
	if !strings.Contains(string(out), "Docker engine unreachable") || !strings.Contains(string(out), "--- FAIL") ||
		strings.Contains(string(out), "--- SKIP") {
		t.Fatalf("want a FAIL saying the engine is unreachable, got:\n%s", out)
	}
}

// TestLockFileSerializes checks the cross-process build lock: a second
// holder (another open file description, as another process would have)
// waits until the first releases it.
func TestLockFileSerializes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "build.lock")
	unlock, err := lockFile(path)
	if err != nil {
		t.Fatal(err)
	}
	acquired := make(chan func())
	go func() {
		u, err := lockFile(path)
		if err != nil {
			t.Error(err)
			close(acquired)
			return
		}
		acquired <- u
	}()
	select {
	case <-acquired:
		t.Fatal("second lock acquired while the first is held")
	case <-time.After(200 * time.Millisecond):
	}
	unlock()
	select {
	case u := <-acquired:
		if u != nil {
			u()
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second lock not acquired after release")
	}
}
