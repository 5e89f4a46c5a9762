// Package testenv holds the helpers that integration tests use to reach the
// real Docker engine: engine checks, unique resource names, the demo's
// FROM-scratch images, and docker-compose projects that are always torn down.
//
// It is imported only by _test.go files. It depends on nothing but the docker
// CLI and the docker-compose binary (through os/exec), so it never drags the
// product's packages (or FerretDB) into a test binary that does not need them.
package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// SkipDockerEnv is the environment variable that, when set to "1", makes
// RequireEngine skip the test instead of failing it.
const SkipDockerEnv = "SURVEYTUI_SKIP_DOCKER"

// engineTimeout bounds `docker info`: a hung socket must fail the test, not
// hang the whole run.
const engineTimeout = 20 * time.Second

var (
	engineOnce sync.Once
	engineErr  string
)

// RequireEngine skips t only when SURVEYTUI_SKIP_DOCKER=1. Otherwise it checks
// (once per process) that the Docker engine answers and fails t with a clear
// message when it does not: CI always has an engine, so a missing one is an
// error, not a reason to skip.
func RequireEngine(t testing.TB) {
	t.Helper()
	if os.Getenv(SkipDockerEnv) == "1" {
		t.Skipf("%s=1: skipping test that needs the Docker engine", SkipDockerEnv)
	}
	engineOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), engineTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		switch {
		case err != nil:
			engineErr = "Docker engine unreachable (`docker info` failed: " + err.Error() + ": " +
				strings.TrimSpace(stderr.String()) + "); start dockerd or set DOCKER_HOST, or set " +
				SkipDockerEnv + "=1 to skip Docker tests"
		case strings.TrimSpace(string(out)) == "":
			engineErr = "Docker engine unreachable (`docker info` reported no server version); start dockerd or set " +
				SkipDockerEnv + "=1 to skip Docker tests"
		}
	})
	if engineErr != "" {
		t.Fatal(engineErr)
	}
}

// RepoRoot returns the module root: the nearest directory at or above the
// working directory that holds go.mod. Tests run in their package directory,
// so this finds the surveytui checkout from any package.
func RepoRoot(t testing.TB) string {
	t.Helper()
	root, err := findRepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errNoGoMod
		}
		dir = parent
	}
}

type testenvError string

func (e testenvError) Error() string { return string(e) }

const errNoGoMod = testenvError("testenv: no go.mod found at or above the working directory; run tests inside the surveytui module")

// UniqueName returns prefix followed by a short random suffix, lowercased and
// limited to [a-z0-9_-], so the result is valid as a compose project name and
// as a container, volume or network name. Shared engines run several test
// processes at once; random suffixes keep their resources apart.
func UniqueName(prefix string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(prefix) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		}
	}
	name := b.String()
	// Compose v2 requires the first character to be a letter or digit.
	name = strings.TrimLeft(name, "-_")
	if name == "" {
		name = "stt"
	}
	if !strings.HasSuffix(name, "-") && !strings.HasSuffix(name, "_") {
		name += "-"
	}
	var buf [4]byte
	if _, err := rand.Read(buf[:]); err != nil {
		// crypto/rand never fails on supported platforms; fall back to time.
		return name + strconv.FormatInt(time.Now().UnixNano()&0xffffffff, 16)
	}
	return name + hex.EncodeToString(buf[:])
}
