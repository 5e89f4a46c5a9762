package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const smallCompose = "../../internal/ops/platform/testdata/small.yml"

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUnreachableDaemonIsOneLineAndExitCode3(t *testing.T) {
	for _, args := range [][]string{
		{"--docker-host", "unix:///nonexistent.sock", "status", "--compose", smallCompose},
		{"status", "--compose", smallCompose, "--json"},
	} {
		if args[0] != "--docker-host" {
			t.Setenv("DOCKER_HOST", "unix:///nonexistent.sock")
		}
		code, stdout, stderr := runCLI(t, args...)
		want := "surveytui: cannot reach Docker at unix:///nonexistent.sock: no such file; is dockerd running? set --docker-host or DOCKER_HOST\n"
		if code != exitUnreachable || stderr != want || stdout != "" {
			t.Errorf("%v: code %d, stderr %q, stdout %q; want 3 and %q", args, code, stderr, stdout, want)
		}
	}
}

func TestBrokenComposeFileIsAUsageErrorWithFileAndLine(t *testing.T) {
	code, _, stderr := runCLI(t, "status", "--compose", "../../internal/ops/platform/testdata/syntax-error.yml")
	if code != exitUsage || !strings.Contains(stderr, "syntax-error.yml:3") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("code %d stderr %q", code, stderr)
	}
}

func TestSettingsPrecedenceFlagEnvFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("docker_host: unix:///from-file.sock\ncompose: ["+smallCompose+"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_HOST", "")
	cases := []struct {
		env, flag, want string
	}{
		{"", "", "unix:///from-file.sock"},
		{"unix:///from-env.sock", "", "unix:///from-env.sock"},
		{"unix:///from-env.sock", "unix:///from-flag.sock", "unix:///from-flag.sock"},
	}
	for _, c := range cases {
		t.Setenv("SURVEYTUI_DOCKER_HOST", c.env)
		if c.env == "" {
			os.Unsetenv("SURVEYTUI_DOCKER_HOST")
		}
		args := []string{"--config", cfg, "status"}
		if c.flag != "" {
			args = append(args, "--docker-host", c.flag)
		}
		code, _, stderr := runCLI(t, args...)
		if code != exitUnreachable || !strings.Contains(stderr, c.want) {
			t.Errorf("env %q flag %q: code %d stderr %q, want the engine looked for at %s", c.env, c.flag, code, stderr, c.want)
		}
	}
}

func TestBadConfigFileNamesTheFile(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("compose: [unclosed\n"), 0o600)
	code, _, stderr := runCLI(t, "--config", cfg, "version")
	if code != exitUsage || !strings.Contains(stderr, cfg) {
		t.Errorf("code %d stderr %q", code, stderr)
	}
}

func TestVersionWorksWithoutAnEngine(t *testing.T) {
	code, stdout, _ := runCLI(t, "--docker-host", "unix:///nonexistent.sock", "version", "--json")
	var info versionInfo
	if err := json.Unmarshal([]byte(stdout), &info); err != nil || code != 0 {
		t.Fatalf("code %d, %v: %s", code, err, stdout)
	}
	if info.Version == "" || !strings.HasPrefix(info.Go, "go") || !strings.Contains(info.EngineError, "no such file") {
		t.Errorf("version info %+v", info)
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, stdout, stderr := runCLI(t, "completion", sh)
		if code != 0 || !strings.Contains(stdout, "surveytui") {
			t.Errorf("%s: code %d stderr %q", sh, code, stderr)
		}
	}
}
