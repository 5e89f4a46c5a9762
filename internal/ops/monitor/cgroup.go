package monitor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// DefaultCgroupRoot is where the kernel's cgroup filesystems are mounted on every distribution
// Docker supports.
const DefaultCgroupRoot = "/sys/fs/cgroup"

// rediscoverEvery bounds how often a container missing from the usual places makes the sampler
// walk the whole cgroup tree: a stopped container asked for every round must not cost a walk
// every round.
const rediscoverEvery = 10 * time.Second

// walkDepth bounds the discovery walk; Docker's deepest usual place (rootless, systemd driver)
// is user.slice/user-N.slice/user@N.service/docker-ID.scope.
const walkDepth = 6

// CgroupSampler reads the containers' counters straight from their cgroup files, so sampling
// costs the Docker daemon nothing (the engine API makes dockerd and containerd read the same
// files, serialise them to JSON, and for `docker stats` do it every second for every
// container). It needs surveytui to run on the Docker host with the host's /sys/fs/cgroup and
// /proc.
//
// A container's cgroup directory is found once and cached: Docker puts it at docker/<id>
// (cgroupfs driver) or system.slice/docker-<id>.scope (systemd driver), both on v1 (under each
// controller's hierarchy) and v2; anything else (a --cgroup-parent, rootless Docker) is found
// by a bounded walk of the tree. Network counters come from /proc/<pid>/net/dev of a process
// of the container, taken from the cgroup's own cgroup.procs at each round, so the caller need
// not pass PIDs (and a restarted container's new PID is picked up by itself).
//
// The counter files stay open between rounds (see counterFile); cgroup.procs is opened afresh
// each round, which is also how a removed container is noticed. Close releases the files.
type CgroupSampler struct {
	root, proc string
	v2         bool
	// ctrl maps a v1 controller name (memory, cpuacct, blkio, pids) to its hierarchy's mount.
	ctrl       map[string]string
	onlineCPUs int
	now        func() time.Time
	// hostNet is the host's network namespace ("net:[4026531992]"): a container sharing it
	// (--network host) has no network counters of its own, as in the engine's stats.
	hostNet string

	mu       sync.Mutex
	dirs     map[string]*place // container ID -> where its files are
	lastWalk time.Time
	buf      []byte
}

// Close closes every file kept open; the sampler opens them again if it is used afterwards.
func (s *CgroupSampler) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, pl := range s.dirs {
		pl.close()
		delete(s.dirs, id)
	}
	return nil
}

// forget drops a container's place and closes its files.
func (s *CgroupSampler) forget(id string) {
	if pl, ok := s.dirs[id]; ok {
		pl.close()
		delete(s.dirs, id)
	}
}

var _ Sampler = (*CgroupSampler)(nil)

// NewLocalSampler prepares a CgroupSampler on the cgroup tree mounted at root ("" means
// /sys/fs/cgroup). It fails with a one-line error when no cgroup v1 or v2 hierarchy with the
// controllers it needs is readable there, so the caller can fall back to the engine API (see
// ChooseSampler, which also catches a remote engine whose containers are not in this tree).
func NewLocalSampler(root string) (*CgroupSampler, error) {
	if root == "" {
		root = DefaultCgroupRoot
	}
	return newCgroupSampler(root, "/proc")
}

func newCgroupSampler(root, proc string) (*CgroupSampler, error) {
	s := &CgroupSampler{root: root, proc: proc, onlineCPUs: runtime.NumCPU(), now: time.Now,
		dirs: map[string]*place{}, buf: make([]byte, 8192)}
	s.hostNet, _ = os.Readlink(filepath.Join(proc, "1", "ns", "net"))
	if _, err := os.Stat(filepath.Join(root, "cgroup.controllers")); err == nil {
		s.v2 = true
		return s, nil
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("cgroup files are not readable at %s (%v); container stats will go through the engine API", root, errors.Unwrap(err))
	}
	s.ctrl = map[string]string{}
	for _, e := range entries {
		// cpu,cpuacct-style joint mounts and their per-controller symlinks both count.
		for _, c := range strings.Split(e.Name(), ",") {
			if _, seen := s.ctrl[c]; !seen {
				s.ctrl[c] = filepath.Join(root, e.Name())
			}
		}
	}
	for _, need := range []string{"memory", "cpuacct"} {
		if _, ok := s.ctrl[need]; !ok {
			return nil, fmt.Errorf("no cgroup v2 tree nor v1 %q hierarchy under %s; container stats will go through the engine API", need, root)
		}
	}
	return s, nil
}

// Name says which cgroup version is read.
func (s *CgroupSampler) Name() string {
	if s.v2 {
		return "cgroup v2"
	}
	return "cgroup v1"
}

// Sample reads every container of ids. Containers whose cgroup is gone (stopped, removed, never
// started) are absent from the result. The error is non-nil only when ctx is done, or when no
// container at all could be read for a reason other than being gone (permission denied...).
func (s *CgroupSampler) Sample(ctx context.Context, ids []string) (map[string]RawSample, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]RawSample, len(ids))
	var firstErr error
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		_, cached := s.dirs[id]
		pl, ok := s.locate(id)
		if !ok {
			continue
		}
		rs, err := s.read(pl)
		if err != nil && cached && errors.Is(err, fs.ErrNotExist) {
			// The files kept open may belong to the cgroup of a previous run of a restarted
			// container: look for it afresh once.
			s.forget(id)
			if pl, ok = s.locate(id); ok {
				rs, err = s.read(pl)
			}
		}
		if err != nil {
			// Gone between two rounds: forget the place (an ID is never reused, but a stopped
			// container may come back) and report it absent.
			s.forget(id)
			if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, errNoProcess) && firstErr == nil {
				firstErr = err
			}
			continue
		}
		out[id] = rs
	}
	s.forgetOthers(ids)
	if len(out) == 0 && firstErr != nil {
		return out, fmt.Errorf("cannot read container cgroups under %s: %w", s.root, firstErr)
	}
	return out, nil
}

// forgetOthers keeps the cache to the containers asked for, so it never outgrows the project.
func (s *CgroupSampler) forgetOthers(ids []string) {
	if len(s.dirs) <= len(ids) {
		return
	}
	keep := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		keep[id] = struct{}{}
	}
	for id := range s.dirs {
		if _, ok := keep[id]; !ok {
			s.forget(id)
		}
	}
}

// hier is the directory whose layout locates containers: the v2 root, or v1's memory hierarchy.
func (s *CgroupSampler) hier() string {
	if s.v2 {
		return s.root
	}
	return s.ctrl["memory"]
}

// place is where one container's files are: its cgroup path relative to a hierarchy root,
// and the files read every round.
type place struct {
	rel string
	// cpu is cpuacct.usage (v1) or cpu.stat (v2); memUsage memory.usage_in_bytes or
	// memory.current; memLimit memory.limit_in_bytes or memory.max; io the block I/O file and
	// ioAlt the one to try when it is missing (v1's non-recursive variant).
	// A counterFile with no path is a file this kernel does not have.
	cpu, memUsage, memStat, memLimit, io, ioAlt, pids counterFile
	// procs is the cgroup's process list, read afresh every round.
	procs string
	// net is /proc/<netPID>/net/dev, reopened when the cgroup's first process changes;
	// hostNet says that process shares the host's network namespace.
	net     counterFile
	netPID  string
	hostNet bool
}

func (pl *place) close() {
	for _, f := range []*counterFile{&pl.cpu, &pl.memUsage, &pl.memStat, &pl.memLimit, &pl.io, &pl.ioAlt, &pl.pids, &pl.net} {
		f.close()
	}
}

func (s *CgroupSampler) newPlace(rel string) *place {
	if s.v2 {
		dir := filepath.Join(s.root, rel)
		f := func(name string) counterFile { return newCounterFile(filepath.Join(dir, name)) }
		return &place{rel: rel, cpu: f("cpu.stat"), memUsage: f("memory.current"), memStat: f("memory.stat"),
			memLimit: f("memory.max"), io: f("io.stat"), pids: f("pids.current"), procs: filepath.Join(dir, "cgroup.procs")}
	}
	mem := filepath.Join(s.ctrl["memory"], rel)
	pl := &place{rel: rel, cpu: newCounterFile(filepath.Join(s.ctrl["cpuacct"], rel, "cpuacct.usage")),
		memUsage: newCounterFile(filepath.Join(mem, "memory.usage_in_bytes")),
		memStat:  newCounterFile(filepath.Join(mem, "memory.stat")),
		memLimit: newCounterFile(filepath.Join(mem, "memory.limit_in_bytes")),
		procs:    filepath.Join(mem, "cgroup.procs")}
	// blkio and pids may be absent (kernel without the controller): those figures stay 0.
	if dir, ok := s.ctrl["blkio"]; ok {
		pl.io = newCounterFile(filepath.Join(dir, rel, "blkio.throttle.io_service_bytes_recursive"))
		pl.ioAlt = newCounterFile(filepath.Join(dir, rel, "blkio.throttle.io_service_bytes"))
	}
	if dir, ok := s.ctrl["pids"]; ok {
		pl.pids = newCounterFile(filepath.Join(dir, rel, "pids.current"))
	}
	return pl
}

// locate returns where the container's files are.
func (s *CgroupSampler) locate(id string) (*place, bool) {
	if pl, ok := s.dirs[id]; ok {
		return pl, true
	}
	if id == "" || strings.ContainsAny(id, "/.") {
		return nil, false
	}
	for _, rel := range [...]string{"docker/" + id, "system.slice/docker-" + id + ".scope"} {
		if isDir(filepath.Join(s.hier(), rel)) {
			s.dirs[id] = s.newPlace(rel)
			return s.dirs[id], true
		}
	}
	if s.now().Sub(s.lastWalk) < rediscoverEvery {
		return nil, false
	}
	s.lastWalk = s.now()
	s.walk()
	pl, ok := s.dirs[id]
	return pl, ok
}

// walk indexes every directory of the tree (to walkDepth) whose name holds a 64-hex container
// ID, so one walk serves every container living in an unusual place.
func (s *CgroupSampler) walk() {
	base := s.hier()
	var visit func(rel string, depth int)
	visit = func(rel string, depth int) {
		entries, err := os.ReadDir(filepath.Join(base, rel))
		if err != nil {
			return
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			child := e.Name()
			if rel != "" {
				child = rel + "/" + e.Name()
			}
			if id := containerIDIn(e.Name()); id != "" {
				s.dirs[id] = s.newPlace(child)
				continue
			}
			if depth < walkDepth {
				visit(child, depth+1)
			}
		}
	}
	visit("", 1)
}

// containerIDIn finds a container ID in a cgroup directory name: "<id>", "docker-<id>.scope",
// "libpod-<id>.scope"...
func containerIDIn(name string) string {
	name = strings.TrimSuffix(name, ".scope")
	if i := strings.LastIndexAny(name, "-_"); i >= 0 {
		name = name[i+1:]
	}
	if len(name) != 64 {
		return ""
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return ""
		}
	}
	return name
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// errNoProcess says the cgroup exists but holds no process: the container is stopping.
var errNoProcess = errors.New("container has no process")

// read takes one sample of the container at pl.
func (s *CgroupSampler) read(pl *place) (RawSample, error) {
	rs := RawSample{At: s.now(), OnlineCPUs: s.onlineCPUs}
	// The process list first: opening it proves the cgroup still exists (the other files are
	// kept open, and an unlinked file stays readable through its descriptor).
	pid, err := s.firstPID(pl.procs)
	if err != nil {
		return rs, err
	}
	if err := s.readCgroup(pl, &rs); err != nil {
		return rs, err
	}
	if pid != pl.netPID {
		pl.net.close()
		pl.net, pl.netPID = newCounterFile(s.proc+"/"+pid+"/net/dev"), pid
		pl.hostNet = false
		if s.hostNet != "" {
			ns, _ := os.Readlink(s.proc + "/" + pid + "/ns/net")
			pl.hostNet = ns == s.hostNet
		}
	}
	if pl.hostNet {
		return rs, nil
	}
	b, err := s.file(&pl.net)
	if err != nil {
		pl.netPID = "" // look again next round
		pl.net.close()
		if errors.Is(err, fs.ErrNotExist) {
			return rs, errNoProcess // the process exited after cgroup.procs was read
		}
		return rs, err
	}
	rs.NetRx, rs.NetTx = parseNetDev(b)
	return rs, nil
}

func (s *CgroupSampler) readCgroup(pl *place, rs *RawSample) error {
	if s.v2 {
		b, err := s.file(&pl.cpu)
		if err != nil {
			return err
		}
		usec, _ := statValue(b, "usage_usec")
		rs.CPUUsageNs = usec * 1000
	} else {
		var err error
		if rs.CPUUsageNs, err = s.uintFile(&pl.cpu); err != nil {
			return err
		}
	}
	usage, err := s.uintFile(&pl.memUsage)
	if err != nil {
		return err
	}
	b, err := s.file(&pl.memStat)
	if err != nil {
		return err
	}
	var inactive uint64
	if s.v2 {
		inactive, _ = statValue(b, "inactive_file")
	} else if v, ok := statValue(b, "total_inactive_file"); ok {
		inactive = v
	} else {
		inactive, _ = statValue(b, "cache") // old kernels have no total_inactive_file
	}
	rs.MemUsage = noCache(usage, inactive)
	if b, err = s.file(&pl.memLimit); err != nil {
		return err
	}
	// v2 says "max" (does not parse: 0); v1 a page-rounded 2^63-1.
	if limit, _ := parseUint(b); limit < 1<<62 {
		rs.MemLimit = limit
	}
	if pl.io.path != "" {
		b, err := s.file(&pl.io)
		if errors.Is(err, fs.ErrNotExist) && pl.ioAlt.path != "" {
			b, err = s.file(&pl.ioAlt)
		}
		if err == nil && s.v2 {
			rs.BlkRead, rs.BlkWrite = parseIOStatV2(b)
		} else if err == nil {
			rs.BlkRead, rs.BlkWrite = parseBlkioV1(b)
		}
	}
	if pl.pids.path != "" {
		if n, err := s.uintFile(&pl.pids); err == nil {
			rs.PIDs = n
		}
	}
	return nil
}

// firstPID returns a process of the cgroup (as a decimal string) from its cgroup.procs file,
// for its network namespace.
func (s *CgroupSampler) firstPID(procs string) (string, error) {
	dir := filepath.Dir(procs)
	b, err := readOnce(procs, &s.buf)
	if err != nil {
		return "", err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return "", errNoProcess
	}
	if string(line) == "0" {
		return "", fmt.Errorf("%s: its processes are in a PID namespace this process cannot see; run surveytui with the host's PID namespace or use the engine API", dir)
	}
	if _, ok := parseInt(string(line)); !ok {
		return "", fmt.Errorf("%s: not a process ID: %q", dir, line)
	}
	return string(line), nil
}

// noCache subtracts the reclaimable file cache the way the docker CLI does: only when smaller.
func noCache(usage, inactive uint64) uint64 {
	if inactive < usage {
		return usage - inactive
	}
	return usage
}

// file reads a whole (small, virtual) counter file into the sampler's reused buffer. The
// result is only valid until the next call.
func (s *CgroupSampler) file(f *counterFile) ([]byte, error) {
	return f.read(&s.buf)
}

func (s *CgroupSampler) uintFile(f *counterFile) (uint64, error) {
	b, err := s.file(f)
	if err != nil {
		return 0, err
	}
	v, ok := parseUint(b)
	if !ok {
		return 0, fmt.Errorf("%s: not a number: %q", f.path, strings.TrimSpace(string(b)))
	}
	return v, nil
}
