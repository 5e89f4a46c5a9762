package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
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
type CgroupSampler struct {
	root, proc string
	v2         bool
	// ctrl maps a v1 controller name (memory, cpuacct, blkio, pids) to its hierarchy's mount.
	ctrl       map[string]string
	onlineCPUs int
	now        func() time.Time

	mu       sync.Mutex
	dirs     map[string]string // container ID -> cgroup path relative to the hierarchy root
	lastWalk time.Time
	buf      []byte
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
		dirs: map[string]string{}, buf: make([]byte, 8192)}
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
		rel, ok := s.locate(id)
		if !ok {
			continue
		}
		rs, err := s.read(rel)
		if err != nil {
			// Gone between two rounds: forget the place (an ID is never reused, but a stopped
			// container may come back) and report it absent.
			delete(s.dirs, id)
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
			delete(s.dirs, id)
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

// locate returns the container's cgroup path relative to a hierarchy root.
func (s *CgroupSampler) locate(id string) (string, bool) {
	if rel, ok := s.dirs[id]; ok {
		return rel, true
	}
	if id == "" || strings.ContainsAny(id, "/.") {
		return "", false
	}
	for _, rel := range [...]string{"docker/" + id, "system.slice/docker-" + id + ".scope"} {
		if isDir(filepath.Join(s.hier(), rel)) {
			s.dirs[id] = rel
			return rel, true
		}
	}
	if s.now().Sub(s.lastWalk) < rediscoverEvery {
		return "", false
	}
	s.lastWalk = s.now()
	s.walk()
	rel, ok := s.dirs[id]
	return rel, ok
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
				s.dirs[id] = child
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

// read takes one sample of the cgroup at rel.
func (s *CgroupSampler) read(rel string) (RawSample, error) {
	rs := RawSample{At: s.now(), OnlineCPUs: s.onlineCPUs}
	var pid string
	var err error
	if s.v2 {
		pid, err = s.readV2(filepath.Join(s.root, rel), &rs)
	} else {
		pid, err = s.readV1(rel, &rs)
	}
	if err != nil {
		return rs, err
	}
	b, err := s.file(filepath.Join(s.proc, pid, "net", "dev"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return rs, errNoProcess // the process exited after cgroup.procs was read
		}
		return rs, err
	}
	rs.NetRx, rs.NetTx = parseNetDev(b)
	return rs, nil
}

func (s *CgroupSampler) readV1(rel string, rs *RawSample) (pid string, err error) {
	mem := filepath.Join(s.ctrl["memory"], rel)
	if rs.CPUUsageNs, err = s.uintFile(filepath.Join(s.ctrl["cpuacct"], rel, "cpuacct.usage")); err != nil {
		return "", err
	}
	usage, err := s.uintFile(filepath.Join(mem, "memory.usage_in_bytes"))
	if err != nil {
		return "", err
	}
	b, err := s.file(filepath.Join(mem, "memory.stat"))
	if err != nil {
		return "", err
	}
	inactive, ok := statValue(b, "total_inactive_file")
	if !ok {
		inactive, _ = statValue(b, "cache")
	}
	rs.MemUsage = noCache(usage, inactive)
	limit, err := s.uintFile(filepath.Join(mem, "memory.limit_in_bytes"))
	if err != nil {
		return "", err
	}
	if limit < 1<<62 { // the kernel's "no limit" is a page-rounded 2^63-1
		rs.MemLimit = limit
	}
	// blkio and pids may be absent (kernel without the controller): those figures stay 0.
	if dir, ok := s.ctrl["blkio"]; ok {
		b, err := s.file(filepath.Join(dir, rel, "blkio.throttle.io_service_bytes_recursive"))
		if errors.Is(err, fs.ErrNotExist) {
			b, err = s.file(filepath.Join(dir, rel, "blkio.throttle.io_service_bytes"))
		}
		if err == nil {
			rs.BlkRead, rs.BlkWrite = parseBlkioV1(b)
		}
	}
	procsDir := mem
	if dir, ok := s.ctrl["pids"]; ok {
		if n, err := s.uintFile(filepath.Join(dir, rel, "pids.current")); err == nil {
			rs.PIDs = n
		}
	}
	return s.firstPID(procsDir)
}

func (s *CgroupSampler) readV2(dir string, rs *RawSample) (pid string, err error) {
	b, err := s.file(filepath.Join(dir, "cpu.stat"))
	if err != nil {
		return "", err
	}
	usec, _ := statValue(b, "usage_usec")
	rs.CPUUsageNs = usec * 1000
	usage, err := s.uintFile(filepath.Join(dir, "memory.current"))
	if err != nil {
		return "", err
	}
	if b, err = s.file(filepath.Join(dir, "memory.stat")); err != nil {
		return "", err
	}
	inactive, _ := statValue(b, "inactive_file")
	rs.MemUsage = noCache(usage, inactive)
	if b, err = s.file(filepath.Join(dir, "memory.max")); err != nil {
		return "", err
	}
	rs.MemLimit, _ = parseUint(b) // "max" does not parse: no limit, 0
	if b, err = s.file(filepath.Join(dir, "io.stat")); err == nil {
		rs.BlkRead, rs.BlkWrite = parseIOStatV2(b)
	}
	if n, err := s.uintFile(filepath.Join(dir, "pids.current")); err == nil {
		rs.PIDs = n
	}
	return s.firstPID(dir)
}

// firstPID returns a process of the cgroup (as a decimal string), for its network namespace.
func (s *CgroupSampler) firstPID(dir string) (string, error) {
	b, err := s.file(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return "", errNoProcess
	}
	if line == "0" {
		return "", fmt.Errorf("%s: its processes are in a PID namespace this process cannot see; run surveytui with the host's PID namespace or use the engine API", dir)
	}
	if _, ok := parseInt(line); !ok {
		return "", fmt.Errorf("%s: not a process ID: %q", dir, line)
	}
	return line, nil
}

// noCache subtracts the reclaimable file cache the way the docker CLI does: only when smaller.
func noCache(usage, inactive uint64) uint64 {
	if inactive < usage {
		return usage - inactive
	}
	return usage
}

// file reads a whole (small, virtual) file into the sampler's reused buffer. The result is only
// valid until the next call.
func (s *CgroupSampler) file(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	n := 0
	for {
		if n == len(s.buf) {
			s.buf = append(s.buf, make([]byte, len(s.buf))...)
		}
		m, err := f.Read(s.buf[n:])
		n += m
		if err == io.EOF || (err == nil && m == 0) {
			return s.buf[:n], nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (s *CgroupSampler) uintFile(path string) (uint64, error) {
	b, err := s.file(path)
	if err != nil {
		return 0, err
	}
	v, ok := parseUint(b)
	if !ok {
		return 0, fmt.Errorf("%s: not a number: %q", path, strings.TrimSpace(string(b)))
	}
	return v, nil
}

// parseUint reads a decimal number, ignoring surrounding white space.
func parseUint(b []byte) (uint64, bool) {
	var v uint64
	seen := false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			v = v*10 + uint64(c-'0')
			seen = true
		case c == ' ' || c == '\n' || c == '\t':
			if seen {
				return v, true
			}
		default:
			return 0, false
		}
	}
	return v, seen
}

// statValue finds "key value" in a flat-keyed cgroup file (memory.stat, cpu.stat).
func statValue(b []byte, key string) (uint64, bool) {
	for len(b) > 0 {
		line := b
		if i := indexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(line) > len(key) && line[len(key)] == ' ' && string(line[:len(key)]) == key {
			return parseUint(line[len(key)+1:])
		}
	}
	return 0, false
}

func indexByte(b []byte, c byte) int {
	for i := range b {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// fields splits a line on spaces and tabs into dst (reused), without allocating.
func fields(line []byte, dst [][]byte) [][]byte {
	dst = dst[:0]
	start := -1
	for i, c := range line {
		if c == ' ' || c == '\t' {
			if start >= 0 {
				dst = append(dst, line[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		dst = append(dst, line[start:])
	}
	return dst
}

// lines calls fn for every line of b.
func lines(b []byte, fn func(line []byte)) {
	for len(b) > 0 {
		i := indexByte(b, '\n')
		if i < 0 {
			fn(b)
			return
		}
		fn(b[:i])
		b = b[i+1:]
	}
}

// parseBlkioV1 sums "MAJ:MIN Read N" and "MAJ:MIN Write N" over devices (the "Total" lines
// are left out, as the engine does).
func parseBlkioV1(b []byte) (read, write uint64) {
	var f [4][]byte
	lines(b, func(line []byte) {
		fs := fields(line, f[:0])
		if len(fs) != 3 {
			return
		}
		v, ok := parseUint(fs[2])
		if !ok {
			return
		}
		switch string(fs[1]) {
		case "Read":
			read += v
		case "Write":
			write += v
		}
	})
	return read, write
}

// parseIOStatV2 sums rbytes= and wbytes= of io.stat over devices.
func parseIOStatV2(b []byte) (read, write uint64) {
	var f [16][]byte
	lines(b, func(line []byte) {
		for _, kv := range fields(line, f[:0]) {
			if v, ok := cutPrefix(kv, "rbytes="); ok {
				n, _ := parseUint(v)
				read += n
			} else if v, ok := cutPrefix(kv, "wbytes="); ok {
				n, _ := parseUint(v)
				write += n
			}
		}
	})
	return read, write
}

func cutPrefix(b []byte, prefix string) ([]byte, bool) {
	if len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix {
		return b[len(prefix):], true
	}
	return nil, false
}

// parseNetDev sums received and transmitted bytes of /proc/PID/net/dev over every interface
// but loopback (the engine reports the container's endpoints, which never include lo).
func parseNetDev(b []byte) (rx, tx uint64) {
	var f [20][]byte
	lines(b, func(line []byte) {
		colon := indexByte(line, ':')
		if colon < 0 {
			return // the two header lines
		}
		name := fields(line[:colon], f[:0])
		if len(name) != 1 || string(name[0]) == "lo" {
			return
		}
		fs := fields(line[colon+1:], f[:0])
		if len(fs) < 9 {
			return
		}
		r, _ := parseUint(fs[0])
		t, _ := parseUint(fs[8])
		rx += r
		tx += t
	})
	return rx, tx
}

// parseInt is strconv.Atoi for callers that only need to know the text is a positive number.
func parseInt(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}
