package monitor

import (
	"context"
	"time"
)

// CollectOptions tune a one-shot collection.
type CollectOptions struct {
	// CPUWindow is the time between the two samples CPU % is computed from (default 1 s).
	CPUWindow time.Duration
	// Volumes measures volume sizes too (expensive on large volumes).
	Volumes bool
}

// Collect builds one complete snapshot synchronously, for `surveytui status` and scripts: the
// same figures the live monitor shows, with CPU from two samples CPUWindow apart. An
// unreachable engine is returned as the error (and in the snapshot).
func (m *Monitor) Collect(ctx context.Context, co CollectOptions) (Snapshot, error) {
	if co.CPUWindow <= 0 {
		co.CPUWindow = time.Second
	}
	st := newState(m.eng.Host())
	if err := m.list(ctx, st); err != nil {
		return m.snapshot(st, false), err
	}
	probes := make(chan map[string]*ProbeResult, 1)
	go func(targets []probeTarget) { probes <- m.probeAll(ctx, targets) }(m.probeTargets(st))
	admin := make(chan *AdminFigures, 1)
	go func() { admin <- m.adminFigures(ctx, st.containers) }()
	if m.opts.Sampler != nil {
		targets := m.sampleTargets(st)
		if first, err := m.opts.Sampler.Sample(ctx, targets); err == nil {
			m.applySamples(st, first)
			select {
			case <-ctx.Done():
				return Snapshot{}, ctx.Err()
			case <-time.After(co.CPUWindow):
			}
			if second, err := m.opts.Sampler.Sample(ctx, targets); err == nil {
				m.applySamples(st, second)
			}
		}
	}
	if co.Volumes {
		if vs, err := m.eng.VolumeUsages(ctx); err == nil {
			m.applyVolumes(st, vs)
		}
	}
	st.probes = <-probes
	st.admin = <-admin
	return m.snapshot(st, true), nil
}
