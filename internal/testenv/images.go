package testenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// imageSpec describes one of the demo's FROM-scratch images.
type imageSpec struct {
	name       string // binary name inside the image and in the tag
	pkg        string // Go package path relative to the repo root
	dockerfile string // Dockerfile path relative to the repo root
	rootfsDirs []string
}

var (
	standinSpec = imageSpec{
		name:       "standin",
		pkg:        "./compose/demo/standin",
		dockerfile: "compose/demo/standin.Dockerfile",
		rootfsDirs: StandinRootfsDirs,
	}
	mongoSpec = imageSpec{
		name:       "mongo",
		pkg:        "./compose/demo/mongo",
		dockerfile: "compose/demo/mongo.Dockerfile",
		rootfsDirs: MongoRootfsDirs,
	}
)

// StandinRootfsDirs are the directories the stand-in image must contain so a
// non-root process can write to the named volumes mounted there (a fresh named
// volume copies the owner of the image directory it is mounted on). The build
// script creates the same list.
var StandinRootfsDirs = []string{"tmp", "data", "datalog"}

// MongoRootfsDirs are the directories of the MongoDB stand-in image: FerretDB's
// SQLite files live under /data/db, and SQLite needs a writable /tmp.
var MongoRootfsDirs = []string{"tmp", "data/db", "data/configdb"}

// buildTimeout bounds one image build. The first build of the MongoDB stand-in
// compiles FerretDB and SQLite, which takes minutes on two cores.
const buildTimeout = 15 * time.Minute

type imageOnce struct {
	once sync.Once
	tag  string
	err  error
}

var (
	standinOnce imageOnce
	mongoOnce   imageOnce
)

// StandinImage builds (at most once per test process) the FROM-scratch image
// of the app stand-in (compose/demo/standin) and returns its tag,
// surveytui-standin:<hash>. The hash covers the static binary and the
// Dockerfile, so an unchanged stand-in reuses the image already in the engine
// without running docker build at all.
func StandinImage(t testing.TB) string {
	t.Helper()
	return ensureImage(t, &standinOnce, standinSpec)
}

// MongoImage builds (at most once per test process) the FROM-scratch image of
// the MongoDB stand-in (FerretDB, compose/demo/mongo) and returns its tag,
// surveytui-mongo:<hash>.
func MongoImage(t testing.TB) string {
	t.Helper()
	return ensureImage(t, &mongoOnce, mongoSpec)
}

func ensureImage(t testing.TB, o *imageOnce, spec imageSpec) string {
	t.Helper()
	RequireEngine(t)
	o.once.Do(func() {
		root, err := findRepoRoot()
		if err != nil {
			o.err = err
			return
		}
		o.tag, o.err = buildImage(root, spec)
	})
	if o.err != nil {
		t.Fatalf("build %s image: %v", spec.name, o.err)
	}
	return o.tag
}

// buildImage compiles spec's binary statically into a fresh context
// directory and builds the image unless one with the same content tag exists.
// A file lock under os.TempDir() serializes concurrent test processes, so two
// packages testing at once do not compile and build the same image twice.
func buildImage(root string, spec imageSpec) (string, error) {
	unlock, err := lockFile(filepath.Join(os.TempDir(), "surveytui-testenv-"+spec.name+".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()

	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()

	dir, err := os.MkdirTemp("", "surveytui-image-"+spec.name+"-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)

	bin := filepath.Join(dir, spec.name)
	gocmd := exec.CommandContext(ctx, goTool(), "build", "-trimpath", "-ldflags=-s -w", "-o", bin, spec.pkg)
	gocmd.Dir = root
	gocmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := gocmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", spec.pkg, err, out)
	}
	dockerfile, err := os.ReadFile(filepath.Join(root, spec.dockerfile))
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), dockerfile, 0o644); err != nil {
		return "", err
	}
	for _, d := range spec.rootfsDirs {
		p := filepath.Join(dir, "rootfs", filepath.FromSlash(d))
		if err := os.MkdirAll(p, 0o755); err != nil {
			return "", err
		}
	}
	// /tmp must be world-writable with the sticky bit, as on any system.
	if err := os.Chmod(filepath.Join(dir, "rootfs", "tmp"), 0o777|os.ModeSticky); err != nil {
		return "", err
	}

	sum, err := contentHash(bin, dockerfile, spec.rootfsDirs)
	if err != nil {
		return "", err
	}
	tag := "surveytui-" + spec.name + ":" + sum
	if imageExists(ctx, tag) {
		return tag, nil
	}
	build := exec.CommandContext(ctx, "docker", "build", "-q", "-t", tag, dir)
	build.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("docker build %s: %v\n%s", tag, err, out)
	}
	return tag, nil
}

// contentHash is the first 12 hex digits of SHA-256 over everything that
// goes into the image: the binary, the Dockerfile and the directory list.
func contentHash(bin string, dockerfile []byte, dirs []string) (string, error) {
	f, err := os.Open(bin)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	h.Write(dockerfile)
	h.Write([]byte(strings.Join(dirs, "\n")))
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

func imageExists(ctx context.Context, tag string) bool {
	cmd := exec.CommandContext(ctx, "docker", "image", "inspect", "--format", "{{.Id}}", tag)
	var out bytes.Buffer
	cmd.Stdout = &out
	return cmd.Run() == nil && strings.TrimSpace(out.String()) != ""
}

// goTool finds the go command: PATH first, then the toolchain that built
// the test binary (go test sets GOROOT for its children).
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "go"
}
