package monitor

import (
	"context"
	"errors"
	"sync"

	"github.com/survey-platform/surveytui/internal/ops/engine"
)

// StatsReader is the part of *engine.Client the engine sampler needs.
type StatsReader interface {
	ContainerStats(ctx context.Context, id string) (engine.Stats, error)
	HostMemory(ctx context.Context) (uint64, error)
}

var _ StatsReader = (*engine.Client)(nil)

// DefaultStatsConcurrency bounds the one-shot stats requests in flight. It is high on purpose:
// engines before 25 answer a one-shot request only at the next tick of their once-a-second
// stats collector (measured: ~1 s per request on 20.10, however idle the daemon), and one
// tick serves every request waiting on it. So a round costs about one second of waiting
// whatever the count as long as all its requests are in flight together, and a project of
// up to this many containers is read in one tick instead of one tick per few containers.
const DefaultStatsConcurrency = 64

// EngineSampler reads counters through the engine API, one one-shot request per container
// (never the streaming endpoint, which makes the daemon sample every container every second).
// It works against any engine, local or remote; it is the fallback when the cgroup files are
// not visible.
type EngineSampler struct {
	api         StatsReader
	concurrency int

	mu      sync.Mutex
	hostMem uint64 // the engine's "no limit" figure, learnt once
}

var _ Sampler = (*EngineSampler)(nil)

// NewEngineSampler wraps api; concurrency <= 0 means DefaultStatsConcurrency.
func NewEngineSampler(api StatsReader, concurrency int) *EngineSampler {
	if concurrency <= 0 {
		concurrency = DefaultStatsConcurrency
	}
	return &EngineSampler{api: api, concurrency: concurrency}
}

// Name is "engine API".
func (e *EngineSampler) Name() string { return "engine API" }

// Sample reads every container of ids with at most concurrency requests at once. Containers
// the engine does not know or that are not running are absent from the result. The error is
// non-nil when ctx is done or when the engine cannot be reached (an *engine.UnreachableError),
// or when every container failed for another reason.
func (e *EngineSampler) Sample(ctx context.Context, ids []string) (map[string]RawSample, error) {
	hostMem := e.learnHostMemory(ctx)
	type result struct {
		id  string
		st  engine.Stats
		err error
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan string)
	results := make(chan result, len(ids))
	var wg sync.WaitGroup
	for w := 0; w < min(e.concurrency, len(ids)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				if ctx.Err() != nil {
					continue // cancelled or the engine is gone: drain without asking
				}
				st, err := e.api.ContainerStats(ctx, id)
				if engine.IsUnreachable(err) {
					cancel() // no point asking the others
				}
				results <- result{id, st, err}
			}
		}()
	}
feed:
	for _, id := range ids {
		select {
		case jobs <- id:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	close(results)

	out := make(map[string]RawSample, len(ids))
	var unreachable, other error
	for r := range results {
		var nf *engine.NotFoundError
		switch {
		case r.err == nil:
			out[r.id] = toRaw(r.st, hostMem)
		case errors.As(r.err, &nf):
		case engine.IsUnreachable(r.err):
			unreachable = r.err
		case other == nil:
			other = r.err
		}
	}
	switch {
	case unreachable != nil:
		return out, unreachable
	case parent.Err() != nil:
		return out, parent.Err()
	case len(out) == 0 && other != nil:
		return out, other
	}
	return out, nil
}

// learnHostMemory asks the engine once for its host's memory (the limit it reports for a
// container without one); until it is known, limits are passed on as the engine gives them.
func (e *EngineSampler) learnHostMemory(ctx context.Context) uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.hostMem == 0 {
		if m, err := e.api.HostMemory(ctx); err == nil {
			e.hostMem = m
		}
	}
	return e.hostMem
}

func toRaw(st engine.Stats, hostMem uint64) RawSample {
	limit := st.MemLimit
	if hostMem > 0 && limit >= hostMem {
		limit = 0
	}
	return RawSample{At: st.Read, CPUUsageNs: st.CPUTotalNs, OnlineCPUs: st.OnlineCPUs,
		MemUsage: st.MemUsage, MemLimit: limit, NetRx: st.NetRx, NetTx: st.NetTx,
		BlkRead: st.BlkRead, BlkWrite: st.BlkWrite, PIDs: st.PIDs}
}
