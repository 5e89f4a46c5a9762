package monitor

import (
	"sort"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/platform"
)

// snapshot assembles an immutable Snapshot from the state: every slice is freshly allocated
// so the next round cannot change what readers hold.
func (m *Monitor) snapshot(st *state, newRound bool) Snapshot {
	now := m.opts.Now()
	st.seq++
	topo := platform.Merge(m.decl, st.containers)
	s := Snapshot{Seq: st.seq, Time: now, Project: m.decl.Project, Engine: st.engine, VolumesAt: st.volumesAt, Admin: st.admin}
	if m.opts.Sampler != nil {
		s.Sampler = m.opts.Sampler.Name()
	}
	for _, svc := range topo.Services {
		s.Services = append(s.Services, m.serviceStatus(st, svc))
	}
	s.Volumes = append([]VolumeStatus(nil), st.volumes...)
	s.Alerts = st.alerts.evaluate(&s, m.opts.Thresholds, now, newRound)
	return s
}

func (m *Monitor) serviceStatus(st *state, svc platform.Service) ServiceStatus {
	out := ServiceStatus{Name: svc.Name, Role: svc.Role, State: svc.State, Extra: svc.Extra, Spec: svc.Spec, CPULimitPercent: -1, MemPercent: -1}
	if svc.Spec != nil {
		out.Image = svc.Spec.Image
	}
	var cpuLimit float64
	if svc.Spec != nil {
		cpuLimit = svc.Spec.CPULimit
	}
	var memLimit uint64
	for _, c := range svc.Containers {
		d := st.details[c.ID]
		r := st.rates[c.ID]
		cs := ContainerStatus{ID: c.ID, Name: c.Name, State: platform.ContainerState(c), Health: c.Health,
			Restarts: d.Restarts, StartedAt: d.StartedAt, ExitCode: d.ExitCode, OOMKilled: d.OOMKilled,
			Events: append([]Event(nil), st.events[c.ID]...)}
		for _, h := range lastN(d.HealthLog, 5) {
			cs.HealthLog = append(cs.HealthLog, HealthCheckRun{Start: h.Start, ExitCode: h.ExitCode, Output: h.Output})
		}
		out.Containers = append(out.Containers, cs)
		if out.Image == "" {
			out.Image = c.Image
		}
		out.CPUPercent += r.cpu
		out.MemUsage += r.mem
		out.NetRxRate += r.netRx
		out.NetTxRate += r.netTx
		out.BlkReadRate += r.blkR
		out.BlkWriteRate += r.blkW
		if r.memLimit > 0 && r.memLimit < 1<<60 {
			memLimit += r.memLimit
		}
		out.Restarts += d.Restarts
		out.OOMKilled = out.OOMKilled || d.OOMKilled
		if c.Health == "unhealthy" || out.Health == "" {
			out.Health = c.Health
		}
		if d.StartedAt.After(out.StartedAt) {
			out.StartedAt = d.StartedAt
		}
		if c.State != "running" {
			out.ExitCode = d.ExitCode
		}
	}
	if memLimit == 0 && svc.Spec != nil && svc.Spec.MemLimit > 0 {
		memLimit = uint64(svc.Spec.MemLimit) * uint64(max(1, len(svc.Containers)))
	}
	out.MemLimit = memLimit
	if memLimit > 0 {
		out.MemPercent = float64(out.MemUsage) / float64(memLimit) * 100
	}
	if cpuLimit > 0 {
		out.CPULimitPercent = out.CPUPercent / (cpuLimit * float64(max(1, len(svc.Containers))))
	}
	out.CPUHistory = append([]float64(nil), st.cpuHist[svc.Name]...)
	out.MemHistory = append([]float64(nil), st.memHist[svc.Name]...)
	if p := st.probes[svc.Name]; p != nil {
		cp := *p
		out.Probe = &cp
	}
	return out
}

func lastN[T any](s []T, n int) []T {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Uptime is how long the service's newest container has run, zero when it is not running.
func (s ServiceStatus) Uptime(now time.Time) time.Duration {
	if s.StartedAt.IsZero() || !s.State.OK() && s.State != platform.StateUnhealthy && s.State != platform.StateStarting {
		return 0
	}
	return now.Sub(s.StartedAt)
}
