package monitor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	idA = strings.Repeat("a", 64) // v1, cgroupfs driver
	idB = strings.Repeat("b", 64) // v1, systemd driver, old kernel (cache, no _recursive file)
	idC = strings.Repeat("c", 64) // v1, under a --cgroup-parent: found by the walk
	idD = strings.Repeat("d", 64) // v2, systemd driver
	idE = strings.Repeat("e", 64) // v2, cgroupfs driver, with a memory limit
	idF = strings.Repeat("f", 64) // v1, cgroup left with no process (stopping)
	idZ = strings.Repeat("0", 64) // nowhere
)

var fixedNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// fixtureSampler opens a copy of testdata/<version> so tests may change the tree.
func fixtureSampler(t testing.TB, version string) (*CgroupSampler, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", version))); err != nil {
		t.Fatal(err)
	}
	s, err := newCgroupSampler(filepath.Join(dir, "cgroup"), filepath.Join(dir, "proc"))
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return fixedNow }
	s.onlineCPUs = 2
	return s, dir
}

func TestCgroupSamplerReadsFixtureTrees(t *testing.T) {
	tests := []struct {
		version string
		name    string
		ids     []string
		want    map[string]RawSample
	}{
		{"v1", "cgroup v1", []string{idA, idB, idC, idF, idZ}, map[string]RawSample{
			// usage - total_inactive_file; lo left out of the network; Total lines left out of
			// block I/O, the _recursive file preferred.
			idA: {CPUUsageNs: 2500000000, MemUsage: 107335680 - 4096000, MemLimit: 0,
				NetRx: 1500, NetTx: 700, BlkRead: 4096 + 100, BlkWrite: 8192, PIDs: 7},
			// no total_inactive_file: usage - cache; two interfaces summed.
			idB: {CPUUsageNs: 1000, MemUsage: 52428800 - 10485760, MemLimit: 268435456,
				NetRx: 10 + 30, NetTx: 20 + 40, BlkRead: 500, BlkWrite: 600, PIDs: 3},
			idC: {CPUUsageNs: 42, MemUsage: 2048, MemLimit: 1048576, PIDs: 1},
		}},
		{"v2", "cgroup v2", []string{idD, idE, idZ}, map[string]RawSample{
			idD: {CPUUsageNs: 3500000000, MemUsage: 110100480 - 4194304, MemLimit: 0,
				NetRx: 123456, NetTx: 654321, BlkRead: 1048576 + 1, BlkWrite: 2097152 + 2, PIDs: 12},
			// inactive_file larger than usage: usage kept as is, like the docker CLI.
			idE: {CPUUsageNs: 10000, MemUsage: 1000, MemLimit: 536870912, NetRx: 1, NetTx: 2, PIDs: 1},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.version, func(t *testing.T) {
			s, _ := fixtureSampler(t, tc.version)
			if s.Name() != tc.name {
				t.Errorf("Name() = %q, want %q", s.Name(), tc.name)
			}
			got, err := s.Sample(context.Background(), tc.ids)
			if err != nil {
				t.Fatalf("Sample: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Errorf("got %d containers, want %d (gone or stopping ones absent): %v", len(got), len(tc.want), keys(got))
			}
			for id, want := range tc.want {
				want.At, want.OnlineCPUs = fixedNow, 2
				if got[id] != want {
					t.Errorf("%s…:\n got %+v\nwant %+v", id[:4], got[id], want)
				}
			}
		})
	}
}

func keys(m map[string]RawSample) []string {
	var out []string
	for k := range m {
		out = append(out, k[:4])
	}
	return out
}

func TestCgroupSamplerForgetsRemovedContainer(t *testing.T) {
	s, dir := fixtureSampler(t, "v1")
	ctx := context.Background()
	if got, err := s.Sample(ctx, []string{idA, idB}); err != nil || len(got) != 2 {
		t.Fatalf("first round: %d containers, %v", len(got), err)
	}
	if s.dirs[idA].rel != "docker/"+idA || s.dirs[idB].rel != "system.slice/docker-"+idB+".scope" {
		t.Fatalf("cached places = %v %v", s.dirs[idA], s.dirs[idB])
	}
	for _, c := range []string{"cpu,cpuacct", "memory", "blkio", "pids"} {
		if err := os.RemoveAll(filepath.Join(dir, "cgroup", c, "docker", idA)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Sample(ctx, []string{idA, idB})
	if err != nil {
		t.Fatalf("a removed container failed the batch: %v", err)
	}
	if _, ok := got[idA]; ok || len(got) != 1 {
		t.Fatalf("removed container still reported: %v", keys(got))
	}
	if _, ok := s.dirs[idA]; ok {
		t.Errorf("removed container's place still cached")
	}
	// Containers no longer asked for are dropped from the cache.
	if _, err := s.Sample(ctx, []string{idB}); err != nil {
		t.Fatal(err)
	}
	if len(s.dirs) != 1 {
		t.Errorf("cache holds %d places after asking for one container", len(s.dirs))
	}
}

func TestCgroupSamplerWalksAtMostEveryTenSeconds(t *testing.T) {
	s, dir := fixtureSampler(t, "v2")
	now := fixedNow
	s.now = func() time.Time { return now }
	ctx := context.Background()
	// idZ is nowhere: the first miss walks the tree.
	if got, _ := s.Sample(ctx, []string{idZ}); len(got) != 0 {
		t.Fatalf("got %v", keys(got))
	}
	// It appears in an unusual place: not looked for again until rediscoverEvery has passed.
	z := filepath.Join(dir, "cgroup", "machine.slice", "libpod-"+idZ+".scope")
	if err := os.CopyFS(z, os.DirFS(filepath.Join(dir, "cgroup", "docker", idE))); err != nil {
		t.Fatal(err)
	}
	now = now.Add(rediscoverEvery / 2)
	if got, _ := s.Sample(ctx, []string{idZ}); len(got) != 0 {
		t.Fatalf("walked again after %v", rediscoverEvery/2)
	}
	now = now.Add(rediscoverEvery)
	got, err := s.Sample(ctx, []string{idZ})
	if err != nil || len(got) != 1 || got[idZ].MemLimit != 536870912 {
		t.Fatalf("after %v: %v %v", rediscoverEvery*3/2, got, err)
	}
}

func TestCgroupSamplerBatchErrors(t *testing.T) {
	s, dir := fixtureSampler(t, "v1")
	usage := filepath.Join(dir, "cgroup", "cpu,cpuacct", "docker", idA, "cpuacct.usage")
	if err := os.WriteFile(usage, []byte("garbage\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// One unreadable container among readable ones: absent, batch fine.
	got, err := s.Sample(context.Background(), []string{idA, idB})
	if err != nil || len(got) != 1 {
		t.Fatalf("got %v, %v; want B alone and no error", keys(got), err)
	}
	// Nothing readable, for a reason other than being gone: the batch says why.
	_, err = s.Sample(context.Background(), []string{idA})
	if err == nil || !strings.Contains(err.Error(), "cpuacct.usage: not a number") {
		t.Fatalf("err = %v, want the unreadable file named", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Sample(ctx, []string{idB}); err != context.Canceled {
		t.Fatalf("cancelled context: err = %v", err)
	}
}

func TestNewLocalSamplerRefusesWhatIsNotACgroupTree(t *testing.T) {
	empty := t.TempDir()
	if err := os.Mkdir(filepath.Join(empty, "cpu"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, root := range map[string]string{"missing": filepath.Join(empty, "nope"), "no memory controller": empty} {
		t.Run(name, func(t *testing.T) {
			_, err := NewLocalSampler(root)
			if err == nil || !strings.Contains(err.Error(), "engine API") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line that names the fallback", err)
			}
		})
	}
}

type namedSampler string

func (n namedSampler) Sample(context.Context, []string) (map[string]RawSample, error) {
	return nil, nil
}
func (n namedSampler) Name() string { return string(n) }

func TestChooseSampler(t *testing.T) {
	api := namedSampler("engine API")
	root := filepath.Join("testdata", "v2", "cgroup")
	// ChooseSampler's sampler reads the real /proc, not the fixture's, so the choice is checked
	// where it does not depend on a process: unreadable root, containers elsewhere, no check.
	if s, why := ChooseSampler(context.Background(), filepath.Join(root, "nope"), api, nil); s != Sampler(api) || !strings.Contains(why, "not readable") {
		t.Errorf("unreadable root: chose %s (%s)", s.Name(), why)
	}
	if s, why := ChooseSampler(context.Background(), root, api, []string{idZ}); s != Sampler(api) || !strings.Contains(why, "remote engine") {
		t.Errorf("containers elsewhere: chose %s (%s)", s.Name(), why)
	}
	if s, _ := ChooseSampler(context.Background(), root, api, nil); s.Name() != "cgroup v2" {
		t.Errorf("readable tree, nothing to check: chose %s", s.Name())
	}
}

func TestContainerIDIn(t *testing.T) {
	for name, want := range map[string]string{
		idA:                        idA,
		"docker-" + idA + ".scope": idA,
		"libpod-" + idA + ".scope": idA,
		"docker-" + idA[:12]:       "",
		"system.slice":             "",
		strings.Repeat("g", 64):    "",
		"cri-containerd-" + idB:    idB,
		"docker_" + idC + ".scope": idC,
		"docker-" + idA + ".mount": "",
	} {
		if got := containerIDIn(name); got != want {
			t.Errorf("containerIDIn(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestParsers(t *testing.T) {
	if v, ok := parseUint([]byte(" 123\n")); !ok || v != 123 {
		t.Errorf("parseUint = %d %v", v, ok)
	}
	for _, bad := range []string{"max\n", "", "\n", "-1", "12a"} {
		if _, ok := parseUint([]byte(bad)); ok {
			t.Errorf("parseUint(%q) accepted", bad)
		}
	}
	stat := []byte("cache 1\ntotal_cache 2\ninactive_file 3\ntotal_inactive_file 4")
	for key, want := range map[string]uint64{"cache": 1, "total_cache": 2, "inactive_file": 3, "total_inactive_file": 4} {
		if v, ok := statValue(stat, key); !ok || v != want {
			t.Errorf("statValue(%q) = %d %v, want %d", key, v, ok, want)
		}
	}
	if _, ok := statValue(stat, "inactive"); ok {
		t.Errorf("statValue matched a key prefix")
	}
	if r, w := parseBlkioV1([]byte("8:0 Read 10\n8:0 Write 20\n8:0 Total 30\n8:16 Read 1\nTotal 31\n")); r != 11 || w != 20 {
		t.Errorf("parseBlkioV1 = %d %d", r, w)
	}
	if r, w := parseIOStatV2([]byte("8:0 rbytes=10 wbytes=20 rios=1\n8:16 rbytes=1 wbytes=2 rios=1 wios=1\n")); r != 11 || w != 22 {
		t.Errorf("parseIOStatV2 = %d %d", r, w)
	}
}

func TestCgroupSamplerHostNetworkHasNoCountersOfItsOwn(t *testing.T) {
	_, dir := fixtureSampler(t, "v1")
	proc := filepath.Join(dir, "proc")
	for _, pid := range []string{"1", "4009", "5100"} {
		if err := os.MkdirAll(filepath.Join(proc, pid, "ns"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A (pid 4009) runs with --network host; B (pid 5100) has its own namespace.
	for pid, ns := range map[string]string{"1": "net:[4026531992]", "4009": "net:[4026531992]", "5100": "net:[4026532301]"} {
		if err := os.Symlink(ns, filepath.Join(proc, pid, "ns", "net")); err != nil {
			t.Fatal(err)
		}
	}
	s, err := newCgroupSampler(filepath.Join(dir, "cgroup"), proc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Sample(context.Background(), []string{idA, idB})
	if err != nil {
		t.Fatal(err)
	}
	if a := got[idA]; a.NetRx != 0 || a.NetTx != 0 || a.CPUUsageNs == 0 {
		t.Errorf("host-network container: %+v, want no network counters (the host's are not its own)", a)
	}
	if b := got[idB]; b.NetRx != 40 || b.NetTx != 60 {
		t.Errorf("own-namespace container: net %d/%d, want 40/60", b.NetRx, b.NetTx)
	}
}

// The counter files stay open between rounds: a changed value must still be read (the file is
// read again from its start), and Close must give every descriptor back.
func TestCgroupSamplerRereadsOpenFilesAndClosesThem(t *testing.T) {
	before := openFDs(t)
	s, dir := fixtureSampler(t, "v1")
	ctx := context.Background()
	if got, err := s.Sample(ctx, []string{idA, idB}); err != nil || got[idA].CPUUsageNs != 2500000000 {
		t.Fatalf("first round: %+v, %v", got[idA], err)
	}
	if openFDs(t) <= before {
		t.Fatalf("no file kept open after a round (%d before, %d after)", before, openFDs(t))
	}
	cpu := filepath.Join(dir, "cgroup", "cpu,cpuacct", "docker", idA, "cpuacct.usage")
	if err := os.WriteFile(cpu, []byte("7\n"), 0o644); err != nil { // same file, shorter content
		t.Fatal(err)
	}
	// A memory.stat larger than the read buffer, the figure wanted at its end.
	stat := filepath.Join(dir, "cgroup", "memory", "docker", idA, "memory.stat")
	big := strings.Repeat("padding_counter 1\n", 2000) + "total_inactive_file 1000\n"
	if err := os.WriteFile(stat, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := s.Sample(ctx, []string{idA, idB})
	if err != nil {
		t.Fatal(err)
	}
	if got[idA].CPUUsageNs != 7 {
		t.Errorf("CPU usage %d after the file changed to 7", got[idA].CPUUsageNs)
	}
	if want := uint64(107335680 - 1000); got[idA].MemUsage != want {
		t.Errorf("memory %d with a %d-byte memory.stat, want %d", got[idA].MemUsage, len(big), want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d descriptors open after Close, %d before the sampler", after, before)
	}
	// Used again after Close, it opens what it needs.
	if got, err := s.Sample(ctx, []string{idB}); err != nil || len(got) != 1 {
		t.Fatalf("after Close: %v, %v", keys(got), err)
	}
	_ = s.Close()
}

func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd here")
	}
	return len(entries)
}
