package compose_test

import (
	"bytes"
	"github.com/survey-platform/surveytui/internal/testenv"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// dockerCompose runs the docker-compose binary (1.29 on these machines; Compose v2's
// standalone binary takes the same arguments) in dir and returns stdout, failing the test
// with stderr when it exits non-zero.
func dockerCompose(t *testing.T, dir string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("docker-compose", args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("docker-compose %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if s := stderr.String(); strings.Contains(s, "WARNING") {
		t.Errorf("docker-compose %s warns:\n%s", strings.Join(args, " "), s)
	}
	return stdout.String()
}

// lines splits command output into sorted non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

func TestDockerComposeConfigAcceptsEachFile(t *testing.T) {
	testenv.RequireEngine(t)
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Fatal("docker-compose is not installed: apt-get install docker-compose (.ci/run does)")
	}
	dir := stage(t)
	for _, tc := range []struct {
		files    []string
		services []string
		volumes  []string
	}{
		{[]string{productionFile}, append(sortedKeys(appPorts), infraServices...), sortedKeys(productionVolumes)},
		{[]string{loggingFile}, loggingServices, loggingVolumes},
		{[]string{productionFile, loggingFile},
			append(append(sortedKeys(appPorts), infraServices...), loggingServices...),
			append(sortedKeys(productionVolumes), loggingVolumes...)},
	} {
		t.Run(strings.Join(tc.files, "+"), func(t *testing.T) {
			args := []string{"--env-file", filepath.Join(dir, ".env.production")}
			for _, f := range tc.files {
				args = append(args, "-f", f)
			}
			dockerCompose(t, dir, append(args, "config", "--quiet")...)
			if got, want := lines(dockerCompose(t, dir, append(args, "config", "--services")...)), slices.Sorted(slices.Values(tc.services)); !slices.Equal(got, want) {
				t.Errorf("docker-compose sees services %v, want %v", got, want)
			}
			if got, want := lines(dockerCompose(t, dir, append(args, "config", "--volumes")...)), slices.Sorted(slices.Values(tc.volumes)); !slices.Equal(got, want) {
				t.Errorf("docker-compose sees volumes %v, want %v", got, want)
			}
			// The resolved file names the project's images with the VERSION of the env file.
			out := dockerCompose(t, dir, append(args, "config")...)
			if slices.Contains(tc.files, productionFile) && !strings.Contains(out, "image: survey-platform/survey-service:1.0.0") {
				t.Errorf("resolved config lacks image survey-platform/survey-service:1.0.0")
			}
		})
	}
}

func TestDockerComposeRefusesAMissingSecret(t *testing.T) {
	testenv.RequireEngine(t)
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Fatal("docker-compose is not installed: apt-get install docker-compose (.ci/run does)")
	}
	dir := stage(t)
	// An env file without MONGO_ROOT_PASSWORD: the deployment must stop, naming the variable.
	env := filepath.Join(dir, "incomplete.env")
	writeFile(t, env, "COMPOSE_PROJECT_NAME=survey-platform\nVERSION=1.0.0\n")
	cmd := exec.Command("docker-compose", "--env-file", env, "-f", productionFile, "config", "--quiet")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("docker-compose config accepted an env file without the MongoDB passwords")
	}
	if !strings.Contains(string(out), "in .env.production") {
		t.Errorf("error does not say where to set the variable:\n%s", out)
	}
}
