package backup

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/engine"
)

var (
	helperOnce sync.Once
	helperErr  error
)

// requireEngine connects to the real engine: skipped only with SURVEYTUI_SKIP_DOCKER=1, a
// failure otherwise. The volume helper is built static from testdata/volumehelper (the test
// binary itself links libc) and its images are removed when the test ends.
func requireEngine(t *testing.T) *engine.Client {
	t.Helper()
	if os.Getenv("SURVEYTUI_SKIP_DOCKER") == "1" {
		t.Skip("SURVEYTUI_SKIP_DOCKER=1")
	}
	c, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("Docker engine needed (set SURVEYTUI_SKIP_DOCKER=1 to skip): %v", err)
	}
	helperOnce.Do(func() {
		bin := filepath.Join(os.TempDir(), fmt.Sprintf("stt-backup-volumehelper-%d", os.Getpid()))
		cmd := exec.Command("go", "build", "-o", bin, "./testdata/volumehelper")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			helperErr = fmt.Errorf("building the volume helper: %v\n%s", err, out)
			return
		}
		engine.VolumeHelperBinary = bin
	})
	if helperErr != nil {
		t.Fatal(helperErr)
	}
	t.Cleanup(func() { c.RemoveVolumeHelperImage(context.Background()); c.Close() })
	return c
}

func testVolume(t *testing.T, c *engine.Client) string {
	t.Helper()
	name := "stt-backup-" + rand.Text()[:10]
	if err := c.CreateVolume(context.Background(), name, map[string]string{"io.surveytui.test": "backup"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.RemoveVolume(context.Background(), name); err != nil {
			t.Errorf("removing test volume %s: %v", name, err)
		}
	})
	return name
}

// volumeTree is what must survive: every entry's type, mode, owner, link target and content.
func volumeTree(t *testing.T, c *engine.Client, name string) []string {
	t.Helper()
	var buf bytes.Buffer
	if err := c.ExportVolume(context.Background(), name, &buf); err != nil {
		t.Fatal(err)
	}
	var out []string
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.New()
		io.Copy(sum, tr)
		out = append(out, fmt.Sprintf("%s type=%c mode=%o uid=%d gid=%d link=%s size=%d sha=%s",
			h.Name, h.Typeflag, h.Mode, h.Uid, h.Gid, h.Linkname, h.Size, hex.EncodeToString(sum.Sum(nil))[:12]))
	}
	slices.Sort(out)
	return out
}

func volumeSample(t *testing.T) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mt := time.Unix(1700000000, 0)
	add := func(h tar.Header, body string) {
		h.ModTime = mt
		h.Size = int64(len(body))
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, body)
	}
	add(tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o750, Uid: 999, Gid: 999}, "")
	add(tar.Header{Name: "data/", Typeflag: tar.TypeDir, Mode: 0o700, Uid: 1000, Gid: 1000}, "")
	add(tar.Header{Name: "data/file.txt", Typeflag: tar.TypeReg, Mode: 0o640, Uid: 1000, Gid: 50}, "answers\n")
	add(tar.Header{Name: "data/run.sh", Typeflag: tar.TypeReg, Mode: 0o755, Uid: 0, Gid: 0}, "#!/bin/sh\necho hi\n")
	add(tar.Header{Name: "shared/", Typeflag: tar.TypeDir, Mode: 0o2775, Uid: 33, Gid: 33}, "")
	add(tar.Header{Name: "empty/", Typeflag: tar.TypeDir, Mode: 0o711, Uid: 1, Gid: 2}, "")
	add(tar.Header{Name: "link", Typeflag: tar.TypeSymlink, Linkname: "data/file.txt", Mode: 0o777, Uid: 1000, Gid: 1000}, "")
	add(tar.Header{Name: "abs", Typeflag: tar.TypeSymlink, Linkname: "/etc/hostname", Mode: 0o777}, "")
	tw.Close()
	return buf.Bytes()
}

func TestVolumeRoundTrip(t *testing.T) {
	ctx := context.Background()
	c := requireEngine(t)
	vol := testVolume(t, c)
	if err := c.ImportVolume(ctx, vol, bytes.NewReader(volumeSample(t))); err != nil {
		t.Fatal(err)
	}
	// Independent of our own export: look at the files where the engine keeps them.
	if mp, err := c.VolumeMountpoint(ctx, vol); err == nil {
		if _, err := os.Stat(mp); err == nil {
			checkHostFile(t, filepath.Join(mp, "data/file.txt"), 0o640, 1000, 50)
			checkHostFile(t, filepath.Join(mp, "shared"), os.ModeDir|os.ModeSetgid|0o775, 33, 33)
			checkHostFile(t, mp, os.ModeDir|0o750, 999, 999)
			if target, _ := os.Readlink(filepath.Join(mp, "link")); target != "data/file.txt" {
				t.Errorf("symlink target %q", target)
			}
		}
	}
	before := volumeTree(t, c, vol)
	if len(before) != 8 {
		t.Fatalf("volume has %d entries, want 8:\n%v", len(before), before)
	}
	dir := t.TempDir()
	res, err := Backup(ctx, Options{Dir: dir, Project: "survey", Engine: c, Volumes: []string{vol}})
	if err != nil {
		t.Fatal(err)
	}
	if v := res.Manifest.Volumes; len(v) != 1 || v[0].Files != 8 || v[0].Bytes != int64(len("answers\n#!/bin/sh\necho hi\n")) {
		t.Fatalf("manifest volumes %+v", v)
	}
	// Replace the content: extra files must disappear on restore, not just be overwritten.
	other := tarBytes(t, []entry{{name: "stray.txt", body: []byte("not in the backup")}, {name: "data", body: []byte("now a file")}})
	if err := c.ImportVolume(ctx, vol, bytes.NewReader(other)); err != nil {
		t.Fatal(err)
	}
	if changed := volumeTree(t, c, vol); slices.Equal(changed, before) {
		t.Fatal("volume did not change")
	}
	src, err := OpenSource(ctx, res.Path, "survey", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := RestoreVolumes(ctx, c, src, nil, nil); err != nil {
		t.Fatal(err)
	}
	if after := volumeTree(t, c, vol); !slices.Equal(after, before) {
		t.Fatalf("volume differs after restore:\nbefore %v\nafter  %v", before, after)
	}
}

func checkHostFile(t *testing.T, p string, mode os.FileMode, uid, gid uint32) {
	t.Helper()
	st, err := os.Lstat(p)
	if err != nil {
		t.Error(err)
		return
	}
	sys := st.Sys().(*syscall.Stat_t)
	if st.Mode() != mode || sys.Uid != uid || sys.Gid != gid {
		t.Errorf("%s: mode %v uid %d gid %d, want %v %d %d", p, st.Mode(), sys.Uid, sys.Gid, mode, uid, gid)
	}
}

func TestDynamicHelperBinaryIsRefused(t *testing.T) {
	c := requireEngine(t)
	saved := engine.VolumeHelperBinary
	t.Cleanup(func() { engine.VolumeHelperBinary = saved })
	engine.VolumeHelperBinary = os.Args[0] // the test binary links libc
	if exe, _ := exec.LookPath("ls"); exe != "" {
		engine.VolumeHelperBinary = exe // a distribution binary surely does
	}
	vol := testVolume(t, c)
	err := c.ImportVolume(context.Background(), vol, bytes.NewReader(volumeSample(t)))
	if err == nil || !strings.Contains(err.Error(), "dynamically linked; build surveytui with CGO_ENABLED=0") {
		t.Fatalf("error %v", err)
	}
}
