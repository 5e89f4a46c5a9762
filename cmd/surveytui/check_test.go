package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/testenv"
)

// schemaViolation loads without the schema check (compose-go ignores the unknown key) but
// fails the Compose Specification's schema: the case only the full check catches.
const schemaViolation = "services:\n  web:\n    image: web:1\n    healtcheck:\n      test: [\"CMD\", \"true\"]\n"

func writeCompose(t *testing.T, text string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "docker-compose.yml")
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCheckValidFile(t *testing.T) {
	code, stdout, stderr := runCLI(t, "--compose", smallCompose, "--project", "chk", "check")
	if code != exitOK || stderr != "" || !strings.Contains(stdout, "project chk") || !strings.Contains(stdout, ": valid") {
		t.Fatalf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "--compose", smallCompose, "--project", "chk", "check", "--json")
	var rep checkReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != exitOK || !rep.OK || rep.Project != "chk" || rep.Services == 0 {
		t.Fatalf("json: code %d, %+v, %v: %s", code, rep, err, stdout)
	}
}

func TestCheckSchemaViolationIsOneLineAndExit64(t *testing.T) {
	file := writeCompose(t, schemaViolation)
	code, stdout, stderr := runCLI(t, "--compose", file, "check")
	if code != exitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "healtcheck") || !strings.Contains(stderr, file) {
		t.Fatalf("code %d, stdout %q, stderr %q; want 64 and one line naming the file and the key", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "--compose", file, "check", "--json")
	var rep checkReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != exitUsage || rep.OK || !strings.Contains(rep.Error, "healtcheck") {
		t.Fatalf("json: code %d, %+v, %v", code, rep, err)
	}
	// Without the schema check the same file loads: what the console does for its first screen.
	if _, err := (&globals{compose: []string{file}}).load(t.Context(), true); err != nil {
		t.Fatalf("the file should load without the schema check: %v", err)
	}
}

func TestCheckWithoutComposeFile(t *testing.T) {
	t.Chdir(t.TempDir())
	code, _, stderr := runCLI(t, "check")
	if code != exitUsage || !strings.Contains(stderr, "no compose file to check") {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
}

// TestTUIReportsSchemaProblemAndCachesTheModel: the real binary in tmux on a file that only
// the full check rejects shows its services at once and the check's one line in the status bar
// a moment later; the model parsed for the first screen is cached, and a second start uses it.
func TestTUIReportsSchemaProblemAndCachesTheModel(t *testing.T) {
	testenv.RequireEngine(t)
	bin := buildBinary(t)
	file := writeCompose(t, schemaViolation)
	home := t.TempDir()
	env := []string{"HOME=" + home, "XDG_STATE_HOME=" + home, "XDG_CACHE_HOME=" + filepath.Join(home, "cache")}
	project := testenv.UniqueName("stt-chk")
	_, capture, send := tmuxSession(t, 160, 45, env, bin, "--compose", file, "--project", project)
	waitScreen(t, capture, 15*time.Second, "web", "missing")
	waitScreen(t, capture, 15*time.Second, "healtcheck")
	send("q")
	entries, err := os.ReadDir(filepath.Join(home, "cache", "surveytui", "compose"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("compose model cache: %v entries, %v; want 1", len(entries), err)
	}
	// Second start: the cached model shows the same services.
	_, capture, _ = tmuxSession(t, 160, 45, env, bin, "--compose", file, "--project", project)
	waitScreen(t, capture, 15*time.Second, "web", "missing")
	if entries, _ := os.ReadDir(filepath.Join(home, "cache", "surveytui", "compose")); len(entries) != 1 {
		t.Errorf("%d cache entries after a second start on the same files, want 1", len(entries))
	}
}
