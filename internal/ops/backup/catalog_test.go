package backup

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestPrunePolicy(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	names := map[int]string{}
	for _, days := range []int{0, 1, 10, 20, 30} {
		at := now.Add(-time.Duration(days) * 24 * time.Hour)
		res, err := Backup(context.Background(), Options{Dir: dir, Project: "survey", Kind: KindVolumes, Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		names[days] = filepath.Base(res.Path)
	}
	// An archive of another project is never touched by this project's prune.
	if _, err := Backup(context.Background(), Options{Dir: dir, Project: "other", Kind: KindVolumes, Now: func() time.Time { return now.Add(-90 * 24 * time.Hour) }}); err != nil {
		t.Fatal(err)
	}
	// Only the 20-day-old archive stays verified: it is the newest verified one.
	for _, d := range []int{0, 1, 10, 30} {
		os.Remove(filepath.Join(dir, names[d]) + ".verified")
	}
	list, err := List(dir, "survey")
	if err != nil || len(list) != 5 {
		t.Fatalf("list: %v %v", list, err)
	}
	if !list[3].Verified || list[0].Verified || list[0].Name != names[0] {
		t.Fatalf("list order or verified flags wrong: %+v", list)
	}
	policy := PrunePolicy{KeepDays: 7, KeepLast: 1, DryRun: true}
	dry, err := Prune(dir, "survey", policy, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{names[10], names[30]}
	if got := archiveNames(dry.Deleted); !slices.Equal(got, want) {
		t.Fatalf("dry run would delete %v, want %v", got, want)
	}
	if after, _ := List(dir, "survey"); len(after) != 5 {
		t.Fatalf("dry run deleted files: %d left", len(after))
	}
	policy.DryRun = false
	res, err := Prune(dir, "survey", policy, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := archiveNames(res.Deleted); !slices.Equal(got, want) {
		t.Fatalf("deleted %v, want %v", got, want)
	}
	if got := archiveNames(res.Kept); !slices.Equal(got, []string{names[0], names[1], names[20]}) {
		t.Fatalf("kept %v", got)
	}
	for _, n := range want {
		for _, ext := range []string{"", ".sha256", ".verified"} {
			if _, err := os.Stat(filepath.Join(dir, n+ext)); !os.IsNotExist(err) {
				t.Errorf("%s%s still there", n, ext)
			}
		}
	}
	if others, _ := List(dir, "other"); len(others) != 1 {
		t.Fatalf("prune touched another project's archive")
	}
	// The strictest policy still keeps the newest verified archive.
	res, err = Prune(dir, "survey", PrunePolicy{KeepLast: 1}, now.Add(1000*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := archiveNames(res.Kept); !slices.Equal(got, []string{names[0], names[20]}) {
		t.Fatalf("kept %v, want the newest and the newest verified", got)
	}
	if _, err := Prune(dir, "survey", PrunePolicy{}, now); err == nil {
		t.Fatal("prune without a rule accepted")
	}
}

func archiveNames(list []Archive) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.Name)
	}
	return out
}

// TestDiskFull fills a small tmpfs: the backup fails naming the directory, and leaves neither
// a partial file nor a final one.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	client := startFerret(t)
	seed(t, client, 3000) // ~600 KB of BSON: more than the file system holds
	_, err := Backup(context.Background(), Options{Dir: dir, Project: "survey", Mongo: client})
	if err == nil {
		t.Fatal("backup into a full file system succeeded")
	}
	if !strings.Contains(err.Error(), "backup directory "+dir+" is full") {
		t.Fatalf("error does not name the full directory: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("files left behind: %v", entries)
	}
}
