package backup

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/survey-platform/surveytui/internal/ops/engine"
)

// The test binary re-executes itself as a child for what needs a second process: holding the
// lock, or being killed with SIGKILL in the middle of a backup.
const childEnv = "SURVEYTUI_BACKUP_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		code := m.Run()
		if engine.VolumeHelperBinary != "" {
			os.Remove(engine.VolumeHelperBinary) // built by requireEngine for this process
		}
		os.Exit(code)
	case "lock":
		l, err := AcquireLock(os.Getenv("DIR"), "backup")
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		io.Copy(io.Discard, os.Stdin) // hold until the parent closes stdin
		l.Release()
		os.Exit(0)
	case "dump":
		os.Exit(dumpChild())
	case "backup":
		client, err := mongo.Connect(options.Client().ApplyURI(os.Getenv("URI")))
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		l, err := AcquireLock(os.Getenv("DIR"), "backup")
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		defer l.Release()
		_, err = Backup(context.Background(), Options{Dir: os.Getenv("DIR"), Project: "survey", Mongo: client,
			Progress: func(p Progress) {
				if p.Phase == "dump" {
					fmt.Println("progress", p.Item, p.Docs)
					time.Sleep(50 * time.Millisecond) // slow enough to be killed mid-way
				}
			}})
		fmt.Println("done", err)
		os.Exit(0)
	}
}

// child starts this test binary in a child mode and returns it with its stdout lines.
func child(t *testing.T, mode string, env ...string) (*exec.Cmd, io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{childEnv + "=" + mode}, env...)...)
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, stdin, bufio.NewScanner(out)
}

func TestLockContention(t *testing.T) {
	dir := t.TempDir()
	cmd, stdin, out := child(t, "lock", "DIR="+dir)
	if !out.Scan() || out.Text() != "locked" {
		t.Fatalf("child did not lock: %q", out.Text())
	}
	_, err := AcquireLock(dir, "restore")
	if err == nil {
		t.Fatal("a second locker got the lock")
	}
	host, _ := os.Hostname()
	for _, want := range []string{fmt.Sprintf("pid %d", cmd.Process.Pid), "on " + host, "another backup"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// A holder killed with SIGKILL leaves its lock file behind, with its pid in it: the lock is
	// taken over at once.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	stdin.Close()
	data, _ := os.ReadFile(filepath.Join(dir, LockName))
	if !strings.Contains(string(data), fmt.Sprint(cmd.Process.Pid)) {
		t.Fatalf("the dead holder's lock file does not name it: %q", data)
	}
	l, err := AcquireLock(dir, "restore")
	if err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
}

func TestKillMidBackupLeavesNoArchive(t *testing.T) {
	client := startFerret(t)
	seed(t, client, 30000)
	dir := t.TempDir()
	cmd, _, out := child(t, "backup", "DIR="+dir, "URI="+uriOf(t, client))
	for out.Scan() {
		if strings.HasPrefix(out.Text(), "progress survey.responses 10000") {
			break
		}
		if strings.HasPrefix(out.Text(), "done") || strings.HasPrefix(out.Text(), "error") {
			t.Fatalf("child finished before it could be killed: %s", out.Text())
		}
	}
	partials, _ := filepath.Glob(filepath.Join(dir, tmpPrefix+"*"))
	if len(partials) == 0 {
		t.Fatal("no partial file while the backup runs")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if finals, _ := filepath.Glob(filepath.Join(dir, "surveytui-*")); len(finals) != 0 {
		t.Fatalf("a killed backup left files with final names: %v", finals)
	}
	// The next backup takes the dead one's lock, removes its leftovers and succeeds.
	l, err := AcquireLock(dir, "backup")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if left, _ := filepath.Glob(filepath.Join(dir, tmpPrefix+"*")); len(left) != 0 {
		t.Fatalf("leftovers not removed: %v", left)
	}
	res, err := Backup(context.Background(), Options{Dir: dir, Project: "survey", Mongo: client})
	if err != nil {
		t.Fatal(err)
	}
	if got := countOf(res.Manifest, "survey", "responses"); got != 30000 {
		t.Fatalf("next backup holds %d responses, want 30000", got)
	}
}

func countOf(m *Manifest, db, coll string) int64 {
	for _, c := range m.Collections {
		if c.DB == db && c.Name == coll {
			return c.Documents
		}
	}
	return -1
}
