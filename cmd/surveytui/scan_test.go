package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/survey-platform/surveytui/internal/ops/scan"
)

// scanEnv isolates the test from the user's config and puts a fake trivy first on PATH.
func scanEnv(t *testing.T) {
	t.Helper()
	if os.Getenv("SURVEYTUI_SKIP_DOCKER") == "1" {
		t.Skip("SURVEYTUI_SKIP_DOCKER=1")
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	bin := t.TempDir()
	script, err := os.ReadFile(filepath.Join("..", "..", "internal", "ops", "scan", "testdata", "faketrivy.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "trivy"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	fixtures, _ := filepath.Abs(filepath.Join("..", "..", "internal", "ops", "scan", "testdata", "trivy"))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_TRIVY_LOG", filepath.Join(bin, "log"))
	t.Setenv("FAKE_TRIVY_FIXTURES", fixtures)
}

func TestScanExitCodes(t *testing.T) {
	scanEnv(t)
	// A project name no container carries: only the compose file and the images are judged.
	project := "stt-scan-cli-exit"
	file := func(name string) string { return filepath.Join("testdata", "scan", name) }
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"privileged fails default CRITICAL", []string{"--audit", "--compose", file("bad.yml")}, exitWarning},
		{"HIGH passes default CRITICAL", []string{"--audit", "--compose", file("high.yml")}, exitOK},
		{"HIGH fails --fail-on HIGH", []string{"--audit", "--fail-on", "high", "--compose", file("high.yml")}, exitWarning},
		{"hardened passes --fail-on MEDIUM", []string{"--audit", "--fail-on", "MEDIUM", "--compose", file("hardened.yml")}, exitOK},
		{"hardened passes even --fail-on LOW", []string{"--audit", "--fail-on", "LOW", "--compose", file("hardened.yml")}, exitOK},
		{"clean image passes", []string{"--images", "--compose", file("hardened.yml")}, exitOK},
		{"critical vulnerability fails", []string{"--images", "--compose", file("bad.yml")}, exitWarning},
		{"bad --fail-on is a usage error", []string{"--fail-on", "SEVERE", "--compose", file("bad.yml")}, exitUsage},
		{"bad --severity is a usage error", []string{"--severity", "CRITICAL,nope", "--compose", file("bad.yml")}, exitUsage},
		{"engine unreachable", []string{"--docker-host", "unix://" + filepath.Join(t.TempDir(), "none.sock"), "--compose", file("hardened.yml")}, exitUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"scan", "--project", project, "--reports-dir", t.TempDir()}, tt.args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != tt.want {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.want, stdout, stderr)
			}
			if tt.want == exitWarning && !strings.Contains(stderr, "or above (--fail-on") {
				t.Errorf("no reason on stderr: %q", stderr)
			}
		})
	}
}

func TestScanJSON(t *testing.T) {
	scanEnv(t)
	reports := t.TempDir()
	code, stdout, stderr := runCLI(t, "scan", "--json", "--severity", "CRITICAL", "--project", "stt-scan-cli-json",
		"--reports-dir", reports, "--compose", filepath.Join("testdata", "scan", "bad.yml"))
	if code != exitWarning {
		t.Fatalf("exit %d, want 1; stderr: %s", code, stderr)
	}
	var s scan.Summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("stdout is not the summary JSON: %v\n%s", err, stdout)
	}
	if len(s.Images) != 1 || s.Images[0].Image != "survey/api:1" || s.Images[0].Counts.Critical != 1 {
		t.Errorf("images = %+v", s.Images)
	}
	if len(s.Images[0].Vulnerabilities) != 1 || s.Images[0].Vulnerabilities[0].VulnerabilityID != "CVE-2021-44906" {
		t.Errorf("--severity CRITICAL kept %+v", s.Images[0].Vulnerabilities)
	}
	if len(s.Findings) == 0 || s.FindingCounts.Medium == 0 {
		t.Errorf("findings %d, counts %v (counts must stay whole under --severity)", len(s.Findings), s.FindingCounts)
	}
	for _, f := range s.Findings {
		if f.Severity != scan.SeverityCritical {
			t.Errorf("--severity CRITICAL printed a %s finding", f.Severity)
		}
	}
	last, err := scan.LoadLast(reports)
	if err != nil || last.FindingCounts != s.FindingCounts {
		t.Errorf("summary not saved in %s: %v", reports, err)
	}
	if !strings.Contains(stderr, "[1/1] scanning survey/api:1") {
		t.Errorf("no progress on stderr: %q", stderr)
	}
}

func TestScanTrivyMissingStillAudits(t *testing.T) {
	scanEnv(t)
	t.Setenv("PATH", t.TempDir())
	code, stdout, stderr := runCLI(t, "scan", "--project", "stt-scan-cli-notrivy", "--reports-dir", t.TempDir(),
		"--compose", filepath.Join("testdata", "scan", "bad.yml"))
	if code != exitWarning || !strings.Contains(stdout, "5.4") {
		t.Errorf("exit %d; the audit must still run and fail on privileged:\n%s", code, stdout)
	}
	if !strings.Contains(stderr, "trivy is not installed") || !strings.Contains(stderr, "trivy.dev") {
		t.Errorf("stderr lacks the install hint: %q", stderr)
	}
}
