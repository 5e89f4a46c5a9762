package monitor

import (
	"context"
	"time"
)

// RawSample is one reading of one container's counters. Counters are cumulative since the
// container started; rates come from two samples through Rates.
type RawSample struct {
	// At is when the counters were read (the engine's own read time for the engine sampler), so
	// rates divide by the time between readings, not between requests.
	At time.Time
	// CPUUsageNs is the cumulative CPU time of every process of the container.
	CPUUsageNs uint64
	// OnlineCPUs is how many CPUs the host has online: the ceiling of the CPU percentage is
	// OnlineCPUs*100.
	OnlineCPUs int
	// MemUsage is in bytes, without the page cache, the way `docker stats` counts it: usage
	// minus inactive_file on cgroup v2, usage minus total_inactive_file (or cache, on kernels
	// that lack it) on v1.
	MemUsage uint64
	// MemLimit is the cgroup memory limit in bytes; 0 means no limit (both samplers turn the
	// kernel's "max"/huge value and the engine's "host memory" placeholder into 0).
	MemLimit uint64
	// NetRx, NetTx, BlkRead and BlkWrite are cumulative bytes: network over every interface of
	// the container's network namespace except loopback; block I/O over every device.
	NetRx, NetTx, BlkRead, BlkWrite uint64
	// PIDs is the number of tasks (processes and threads) in the container.
	PIDs uint64
}

// Sampler reads counters for a set of containers, named by full ID. A container that cannot be
// read because it is stopped, removed or unknown is simply absent from the result: one gone
// container never fails the batch. The error is for the whole batch (cancelled context,
// unreachable engine, unreadable cgroup tree).
type Sampler interface {
	Sample(ctx context.Context, ids []string) (map[string]RawSample, error)
	// Name says how the counters are read: "cgroup v1", "cgroup v2" or "engine API".
	Name() string
}

// Rates turns two samples of the same container into CPU % of one core (100 = one full core,
// so up to OnlineCPUs*100) and per-second network and block I/O rates in bytes. The CPU figure
// is the same as `docker stats`' (container CPU delta over host CPU delta times online CPUs),
// which reduces to CPU time over wall time. A counter that went backwards (the container was
// restarted in between) or samples out of order give 0 for that figure, never a negative or
// absurd rate.
func Rates(prev, cur RawSample) (cpuPercent float64, netRx, netTx, blkR, blkW float64) {
	wall := cur.At.Sub(prev.At).Seconds()
	if wall <= 0 || prev.At.IsZero() {
		return 0, 0, 0, 0, 0
	}
	cpuPercent = delta(prev.CPUUsageNs, cur.CPUUsageNs) / 1e9 / wall * 100
	return cpuPercent,
		delta(prev.NetRx, cur.NetRx) / wall,
		delta(prev.NetTx, cur.NetTx) / wall,
		delta(prev.BlkRead, cur.BlkRead) / wall,
		delta(prev.BlkWrite, cur.BlkWrite) / wall
}

// delta is cur-prev as a float, or 0 when the counter was reset.
func delta(prev, cur uint64) float64 {
	if cur < prev {
		return 0
	}
	return float64(cur - prev)
}

// ChooseSampler picks the cheapest sampler that can see the engine's containers: the cgroup
// files under cgroupRoot ("" for /sys/fs/cgroup) when they are readable and hold the running
// containers named in running, otherwise api. The reason says why, for the debug log and the
// status line. Pass the IDs of a few running containers (from a list): with none, a readable
// local tree is trusted, which is wrong for a remote engine, so a caller that knows the engine
// is remote (DOCKER_HOST tcp:// or ssh://) should use api directly.
func ChooseSampler(ctx context.Context, cgroupRoot string, api Sampler, running []string) (Sampler, string) {
	local, err := NewLocalSampler(cgroupRoot)
	if err != nil {
		return api, err.Error()
	}
	if len(running) == 0 {
		return local, "reading " + local.Name() + " files (no running container to check them against)"
	}
	got, err := local.Sample(ctx, running)
	if err != nil {
		return api, err.Error() + "; using the engine API"
	}
	if len(got) == 0 {
		return api, "the engine's containers are not in this host's cgroup tree (remote engine?); using the engine API"
	}
	return local, "reading " + local.Name() + " files directly (no load on the Docker daemon)"
}
