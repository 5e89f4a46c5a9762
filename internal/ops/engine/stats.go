package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
)

// Stats is one reading of a container's counters through the engine API, in plain figures
// (cumulative counters; rates come from two readings).
type Stats struct {
	// Read is the engine's own time of the reading.
	Read time.Time
	// CPUTotalNs is the container's cumulative CPU time; OnlineCPUs the host's online CPUs.
	CPUTotalNs uint64
	OnlineCPUs int
	// MemUsage excludes the page cache the way `docker stats` does. MemLimit is the engine's
	// figure: the host's memory (HostMemory) when the container has no limit.
	MemUsage, MemLimit uint64
	// NetRx and NetTx sum every network endpoint; BlkRead and BlkWrite every device.
	NetRx, NetTx, BlkRead, BlkWrite uint64
	PIDs                            uint64
}

// ContainerStats takes one reading of a container's counters with a one-shot request
// (stream=false, one-shot=true): the engine answers at once from the cgroup files without
// priming a second reading and without starting its per-second collector, which is what makes
// `docker stats` expensive for the daemon. A container that does not exist gives a
// *NotFoundError; one that is not running gives a *NotFoundError too ("not running"), since it
// has no counters to read.
func (c *Client) ContainerStats(ctx context.Context, id string) (Stats, error) {
	resp, err := c.api.ContainerStatsOneShot(ctx, id)
	if err != nil {
		return Stats{}, c.wrap(err)
	}
	defer resp.Body.Close()
	var r container.StatsResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return Stats{}, c.wrap(fmt.Errorf("stats of container %s: %w", statsID(id), err))
	}
	if r.Read.IsZero() {
		// The engine answers a stopped container with an all-zero reading.
		return Stats{}, &NotFoundError{What: "running container " + statsID(id)}
	}
	st := Stats{
		Read:       r.Read,
		CPUTotalNs: r.CPUStats.CPUUsage.TotalUsage,
		OnlineCPUs: int(r.CPUStats.OnlineCPUs),
		MemUsage:   memNoCache(r.MemoryStats),
		MemLimit:   r.MemoryStats.Limit,
		PIDs:       r.PidsStats.Current,
	}
	if st.OnlineCPUs == 0 {
		st.OnlineCPUs = len(r.CPUStats.CPUUsage.PercpuUsage)
	}
	for _, n := range r.Networks {
		st.NetRx += n.RxBytes
		st.NetTx += n.TxBytes
	}
	for _, e := range r.BlkioStats.IoServiceBytesRecursive {
		switch strings.ToLower(e.Op) {
		case "read":
			st.BlkRead += e.Value
		case "write":
			st.BlkWrite += e.Value
		}
	}
	return st, nil
}

// memNoCache is the docker CLI's usage without page cache: usage minus total_inactive_file on
// cgroup v1, minus inactive_file on v2, minus cache on old v1 kernels.
func memNoCache(m container.MemoryStats) uint64 {
	for _, key := range []string{"total_inactive_file", "inactive_file", "cache"} {
		if v, ok := m.Stats[key]; ok {
			if v < m.Usage {
				return m.Usage - v
			}
			return m.Usage
		}
	}
	return m.Usage
}

// HostMemory is the engine host's total memory in bytes: the memory limit the engine reports
// for a container that has none.
func (c *Client) HostMemory(ctx context.Context) (uint64, error) {
	info, err := c.api.Info(ctx)
	if err != nil {
		return 0, c.wrap(err)
	}
	return uint64(info.MemTotal), nil
}

func statsID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
