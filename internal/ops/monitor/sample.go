package monitor

import (
	"context"
	"time"
)

// RawSample is one reading of one container's cumulative counters.
type RawSample struct {
	At         time.Time
	CPUUsageNs uint64
	OnlineCPUs int
	// MemUsage is without page cache, as docker stats shows it.
	MemUsage                        uint64
	MemLimit                        uint64
	NetRx, NetTx, BlkRead, BlkWrite uint64
	PIDs                            uint64
}

// Sampler reads counters for a set of containers. A container that vanished is left out of
// the result rather than failing the batch.
type Sampler interface {
	Sample(ctx context.Context, ids []string) (map[string]RawSample, error)
	Name() string
}

// Rates turns two samples of one container into CPU % of one core (100 = one full core) and
// per-second I/O rates.
func Rates(prev, cur RawSample) (cpuPercent, netRx, netTx, blkRead, blkWrite float64) {
	dt := cur.At.Sub(prev.At).Seconds()
	if dt <= 0 || cur.CPUUsageNs < prev.CPUUsageNs {
		return 0, 0, 0, 0, 0
	}
	cpuPercent = float64(cur.CPUUsageNs-prev.CPUUsageNs) / 1e9 / dt * 100
	rate := func(a, b uint64) float64 {
		if b < a {
			return 0
		}
		return float64(b-a) / dt
	}
	return cpuPercent, rate(prev.NetRx, cur.NetRx), rate(prev.NetTx, cur.NetTx), rate(prev.BlkRead, cur.BlkRead), rate(prev.BlkWrite, cur.BlkWrite)
}
