package monitor

import (
	"context"
	"io"
	"sync"
)

// AutoSampler decides on its first round which sampler to use, with the containers of that
// round in hand (ChooseSampler needs running IDs, which a console starting up does not have
// yet): the cgroup files when this host's tree holds them, else the engine API. A remote
// engine (tcp://, ssh://) always uses the API.
type AutoSampler struct {
	api    Sampler
	remote bool
	root   string

	mu     sync.Mutex
	chosen Sampler
	reason string
}

// NewAutoSampler wraps the engine-API sampler; cgroupRoot "" means /sys/fs/cgroup.
func NewAutoSampler(api Sampler, remote bool, cgroupRoot string) *AutoSampler {
	return &AutoSampler{api: api, remote: remote, root: cgroupRoot}
}

var _ Sampler = (*AutoSampler)(nil)

// Sample samples with the chosen sampler, choosing on the first round that has containers.
func (a *AutoSampler) Sample(ctx context.Context, ids []string) (map[string]RawSample, error) {
	a.mu.Lock()
	s := a.chosen
	if s == nil && len(ids) > 0 {
		if a.remote {
			s, a.reason = a.api, "remote engine: using the engine API"
		} else {
			s, a.reason = ChooseSampler(ctx, a.root, a.api, ids)
		}
		a.chosen = s
	}
	a.mu.Unlock()
	if s == nil {
		return map[string]RawSample{}, nil
	}
	return s.Sample(ctx, ids)
}

// Name is the chosen sampler's name ("" before the first round).
func (a *AutoSampler) Name() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.chosen == nil {
		return ""
	}
	return a.chosen.Name()
}

// Reason says why the sampler was chosen.
func (a *AutoSampler) Reason() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reason
}

// Close closes the chosen sampler when it holds resources (the cgroup sampler's open files).
func (a *AutoSampler) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.chosen.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
