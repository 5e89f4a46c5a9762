// Package mk_test checks the Makefile fragments under mk/ against the real tools: image.mk
// with make, the Go toolchain and the Docker engine.
package mk_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/survey-platform/surveytui/internal/testenv"
)

// repoRoot is where make runs: mk/image.mk and the Dockerfile use root-relative paths.
const repoRoot = ".."

// run executes a command in dir and returns its combined output and error.
func run(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// image is one `make image` run with its own name, tag and staging directory.
type image struct {
	name, tag, stage string
}

func (i image) ref() string { return i.name + ":" + i.tag }

// makeImage runs `make -f mk/image.mk image` for pkg under a unique name and registers the
// removal of both tags and of the staging directory, whatever the outcome.
func makeImage(t *testing.T, pkg string) (image, string, error) {
	t.Helper()
	id := strings.TrimPrefix(testenv.UniqueName("t-"), "t-")
	img := image{name: "stt-mk-" + id, tag: "v0.0.0-test." + id, stage: "dist/image-stt-" + id}
	t.Cleanup(func() {
		_, _ = run(repoRoot, "docker", "image", "rm", "--force", img.ref(), img.name+":latest")
		_ = os.RemoveAll(filepath.Join(repoRoot, img.stage))
	})
	out, err := run(repoRoot, "make", "--no-print-directory", "-f", "mk/image.mk", "image",
		"IMAGE_PKG="+pkg, "IMAGE_NAME="+img.name, "IMAGE_STAGE="+img.stage,
		"VERSION="+img.tag, "COMMIT=c0ffee"+id)
	return img, out, err
}

// inspect returns a docker inspect template's value for ref.
func inspect(t *testing.T, ref, format string) string {
	t.Helper()
	out, err := run(repoRoot, "docker", "image", "inspect", "--format", format, ref)
	if err != nil {
		t.Fatalf("docker image inspect %s: %v\n%s", ref, err, out)
	}
	return strings.TrimSpace(out)
}

// checkNonRootUser fails unless the image's configured user is a numeric non-zero uid.
func checkNonRootUser(t *testing.T, ref string) {
	t.Helper()
	user := inspect(t, ref, "{{.Config.User}}")
	uid, _, _ := strings.Cut(user, ":")
	if !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(uid) {
		t.Errorf("image %s runs as user %q, want a numeric non-root uid", ref, user)
	}
}

// imageFiles lists the regular files and directories in the image's filesystem, leaving
// out what the engine itself puts in every container.
func imageFiles(t *testing.T, ref string) []string {
	t.Helper()
	out, err := run(repoRoot, "docker", "create", ref)
	if err != nil {
		t.Fatalf("docker create %s: %v\n%s", ref, err, out)
	}
	id := strings.TrimSpace(out)
	t.Cleanup(func() { _, _ = run(repoRoot, "docker", "rm", "--force", id) })
	tarOut, err := exec.Command("sh", "-c", "docker export "+id+" | tar tf -").Output()
	if err != nil {
		t.Fatalf("docker export %s: %v", id, err)
	}
	engine := []string{".dockerenv", "dev/", "proc/", "sys/", "etc/hostname", "etc/hosts", "etc/resolv.conf", "etc/mtab"}
	var files []string
	for _, f := range strings.Fields(string(tarOut)) {
		if slices.ContainsFunc(engine, func(e string) bool { return f == e || strings.HasPrefix(f, e) && strings.HasSuffix(e, "/") }) {
			continue
		}
		files = append(files, f)
	}
	slices.Sort(files)
	return files
}

func TestMakeImageRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing command package", []string{"IMAGE_PKG=./cmd/stt-does-not-exist"},
			"make image: ./cmd/stt-does-not-exist does not exist; the surveytui command must be on this branch (git merge main), or set IMAGE_PKG"},
		{"stage outside the build context", []string{"IMAGE_STAGE=build/elsewhere", "IMAGE_PKG=./mk/testdata/fakecli"},
			"make image: IMAGE_STAGE=build/elsewhere must start with dist/image"},
		{"no CA bundle", []string{"IMAGE_CA_CERTS=/nonexistent/ca.crt", "IMAGE_PKG=./mk/testdata/fakecli"},
			"make image: no CA bundle at /nonexistent/ca.crt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--no-print-directory", "-f", "mk/image.mk", "image", "IMAGE_NAME=stt-mk-never-built"}, tc.args...)
			out, err := run(repoRoot, "make", args...)
			if err == nil {
				t.Fatalf("make image succeeded:\n%s", out)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out)
			}
			if strings.Contains(out, "docker build") || strings.Contains(out, "go build") {
				t.Errorf("make image went on to build after the check failed:\n%s", out)
			}
		})
	}
}

// TestMakeImageMechanics builds the image around a stand-in command (mk/testdata/fakecli),
// stamped, staged and wrapped exactly as the real one, which reports from inside the
// container what the image provides. It needs no cmd/surveytui.
func TestMakeImageMechanics(t *testing.T) {
	testenv.RequireEngine(t)
	img, out, err := makeImage(t, "./mk/testdata/fakecli")
	if err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
	if m := regexp.MustCompile(`Sending build context to Docker daemon\s+([0-9.]+)([kMG]?B)`).FindStringSubmatch(out); m == nil {
		t.Errorf("no build context size in the output (classic builder expected):\n%s", out)
	} else if m[2] == "GB" || (m[2] == "MB" && len(strings.Split(m[1], ".")[0]) > 2) {
		t.Errorf("build context is %s%s: .dockerignore lets more than the staged files in", m[1], m[2])
	}
	for _, ref := range []string{img.ref(), img.name + ":latest"} {
		if got := inspect(t, ref, "{{.Id}}"); got != inspect(t, img.ref(), "{{.Id}}") {
			t.Errorf("%s is %s, not the image just built", ref, got)
		}
	}
	checkNonRootUser(t, img.ref())
	if got := inspect(t, img.ref(), `{{index .Config.Labels "org.opencontainers.image.version"}}`); got != img.tag {
		t.Errorf("version label %q, want %q", got, img.tag)
	}
	wantFiles := []string{
		"etc/", "etc/group", "etc/passwd", "etc/ssl/", "etc/ssl/certs/", "etc/ssl/certs/ca-certificates.crt",
		"home/", "home/nonroot/", "tmp/", "usr/", "usr/local/", "usr/local/bin/", "usr/local/bin/surveytui",
	}
	if got := imageFiles(t, img.ref()); !slices.Equal(got, wantFiles) {
		t.Errorf("image holds %v, want exactly %v", got, wantFiles)
	}

	// Hardened as an operator would run it: read-only root, no capabilities.
	out, err = run(repoRoot, "docker", "run", "--rm", "--read-only", "--cap-drop", "ALL",
		"--security-opt", "no-new-privileges", img.ref(), "version")
	if err != nil {
		t.Fatalf("docker run %s version: %v\n%s", img.ref(), err, out)
	}
	for _, want := range []string{"version " + img.tag, "commit c0ffee", "uid 65532", "gid 65532", "certs true"} {
		if !strings.Contains(out, want) {
			t.Errorf("container output lacks %q:\n%s", want, out)
		}
	}
	// Without --read-only the home directory (config, journal, backups) and /tmp are writable.
	out, err = run(repoRoot, "docker", "run", "--rm", img.ref(), "version")
	if err != nil {
		t.Fatalf("docker run: %v\n%s", err, out)
	}
	for _, want := range []string{"writable /home/nonroot true", "writable /tmp true"} {
		if !strings.Contains(out, want) {
			t.Errorf("container output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("image %s: %s bytes", img.ref(), inspect(t, img.ref(), "{{.Size}}"))
}

// TestMakeImageRunsSurveytuiVersion is the real thing: `make image` of cmd/surveytui, then
// `surveytui version` in the container as a non-root user, talking to the host's engine
// through the socket the way docs/OPERATIONS.md shows.
func TestMakeImageRunsSurveytuiVersion(t *testing.T) {
	testenv.RequireEngine(t)
	img, out, err := makeImage(t, "./cmd/surveytui")
	if err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
	checkNonRootUser(t, img.ref())

	args := []string{"run", "--rm", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"}
	const sock = "/var/run/docker.sock"
	socketMounted := false
	if _, err := os.Stat(sock); err == nil && os.Getenv("DOCKER_HOST") == "" {
		socketMounted = true
		gid, err := run("", "stat", "-c", "%g", sock)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, "-v", sock+":"+sock, "--group-add", strings.TrimSpace(gid))
	}
	out, err = run(repoRoot, "docker", append(args, img.ref(), "version")...)
	if err != nil {
		t.Fatalf("docker run %s version: %v\n%s", img.ref(), err, out)
	}
	for _, want := range []string{img.tag, "c0ffee"} {
		if !strings.Contains(out, want) {
			t.Errorf("`surveytui version` in the image lacks %q:\n%s", want, out)
		}
	}
	t.Logf("surveytui version in %s (%s bytes):\n%s", img.ref(), inspect(t, img.ref(), "{{.Size}}"), out)

	// docs/OPERATIONS.md's way of running the image on the production files: compose dir
	// mounted read-only, variables from the env file. Nothing of the project runs, so every
	// service is missing: exit code 2 (critical), and the JSON lists all 15 with their roles.
	if !socketMounted {
		t.Skip("no local Docker socket to mount (DOCKER_HOST is set): skipping status through the socket")
	}
	compose := stageCompose(t)
	project := testenv.UniqueName("stt-mk-status-")
	statusArgs := append(append([]string{}, args...), "-v", compose+":/compose:ro",
		"--env-file", filepath.Join(compose, ".env.production"),
		img.ref(), "--compose", "/compose/docker-compose.production.yml", "--project", project, "status", "--json")
	cmd := exec.Command("docker", statusArgs...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 {
		t.Fatalf("status on a project with nothing running: %v, want exit code 2\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	var rep struct {
		Project  string
		Level    string
		Services []struct{ Name, Role, State string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("status --json: %v\n%s", err, stdout.String())
	}
	roles := map[string]int{}
	for _, s := range rep.Services {
		roles[s.Role]++
		if s.State != "missing" {
			t.Errorf("%s is %s, want missing", s.Name, s.State)
		}
	}
	if rep.Project != project || rep.Level != "critical" || len(rep.Services) != 15 || roles["app"] != 10 || roles["infrastructure"] != 5 {
		t.Errorf("status: project %q level %q, %d services, roles %v; want %s, critical, 15 = 10 app + 5 infrastructure",
			rep.Project, rep.Level, len(rep.Services), roles, project)
	}
}

// stageCompose copies compose/ (without the demo) to a temporary directory readable by the
// image's unprivileged user, with every env example turned into the file it documents.
func stageCompose(t *testing.T) string {
	t.Helper()
	src := filepath.Join(repoRoot, "compose")
	dst := t.TempDir()
	if err := os.Chmod(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		switch {
		case d.IsDir() && rel == "demo":
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case strings.HasSuffix(rel, ".go"):
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// Placeholders only: world-readable is fine for the test's copy.
		if err := os.WriteFile(filepath.Join(dst, rel), data, 0o644); err != nil {
			return err
		}
		if strings.HasSuffix(rel, ".example") {
			return os.WriteFile(filepath.Join(dst, strings.TrimSuffix(rel, ".example")), data, 0o644)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("staging compose/: %v", err)
	}
	return dst
}
