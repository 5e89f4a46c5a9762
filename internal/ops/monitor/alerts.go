package monitor

import (
	"fmt"
	"sort"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/platform"
)

// Severity of an alert; status exits 1 for warnings and 2 for criticals.
type Severity int

// Alert severities.
const (
	SeverityWarning  Severity = 1
	SeverityCritical Severity = 2
)

func (s Severity) String() string {
	if s == SeverityCritical {
		return "critical"
	}
	return "warning"
}

// Alert is one threshold crossed.
type Alert struct {
	Severity Severity
	Kind     string // cpu, memory, unhealthy, restarts, down, oom, probe, volume-growth, engine
	Service  string
	Message  string
}

// Thresholds are the alert limits; the config file's `thresholds:` section overrides them.
type Thresholds struct {
	CPUPercentOfLimit   float64       `yaml:"cpu_percent_of_limit"`
	CPURounds           int           `yaml:"cpu_rounds"`
	MemPercentOfLimit   float64       `yaml:"memory_percent_of_limit"`
	Restarts            int           `yaml:"restarts"`
	RestartWindow       time.Duration `yaml:"restart_window"`
	ProbeSlow           time.Duration `yaml:"probe_slow"`
	VolumeGrowthPerHour int64         `yaml:"volume_growth_per_hour"`
}

// DefaultThresholds are the defaults.
func DefaultThresholds() Thresholds {
	return Thresholds{
		CPUPercentOfLimit:   80,
		CPURounds:           3,
		MemPercentOfLimit:   90,
		Restarts:            3,
		RestartWindow:       10 * time.Minute,
		ProbeSlow:           time.Second,
		VolumeGrowthPerHour: 1 << 30,
	}
}

// alertState is what alerts need to remember between rounds.
type alertState struct {
	cpuHighRounds map[string]int
	restartTimes  map[string][]time.Time
}

func newAlertState() *alertState {
	return &alertState{cpuHighRounds: map[string]int{}, restartTimes: map[string][]time.Time{}}
}

// noteRestart records a restart event of a service (from the events stream).
func (a *alertState) noteRestart(service string, at time.Time) {
	a.restartTimes[service] = append(a.restartTimes[service], at)
}

// evaluate computes the alerts of a snapshot. newRound says CPU figures are fresh (so the
// consecutive-rounds counter advances only on sampling rounds).
func (a *alertState) evaluate(s *Snapshot, th Thresholds, now time.Time, newRound bool) []Alert {
	var out []Alert
	add := func(sev Severity, kind, svc, format string, args ...any) {
		out = append(out, Alert{Severity: sev, Kind: kind, Service: svc, Message: fmt.Sprintf(format, args...)})
	}
	if !s.Engine.Reachable {
		add(SeverityCritical, "engine", "", "Docker engine unreachable: %s", s.Engine.Error)
	}
	for _, svc := range s.Services {
		switch svc.State {
		case platform.StateMissing:
			add(SeverityCritical, "down", svc.Name, "%s is declared but has no container", svc.Name)
		case platform.StateExited, platform.StateDead:
			add(SeverityCritical, "down", svc.Name, "%s is %s (exit code %d)", svc.Name, svc.State, svc.ExitCode)
		case platform.StateUnhealthy:
			add(SeverityCritical, "unhealthy", svc.Name, "%s is unhealthy", svc.Name)
		case platform.StateRestarting:
			add(SeverityWarning, "restarting", svc.Name, "%s is restarting", svc.Name)
		case platform.StateStarting, platform.StatePaused, platform.StateCreated:
			add(SeverityWarning, "not-ready", svc.Name, "%s is %s", svc.Name, svc.State)
		}
		if svc.OOMKilled {
			add(SeverityCritical, "oom", svc.Name, "%s was OOM-killed", svc.Name)
		}
		if newRound {
			if svc.CPULimitPercent > th.CPUPercentOfLimit {
				a.cpuHighRounds[svc.Name]++
			} else {
				a.cpuHighRounds[svc.Name] = 0
			}
		}
		if n := a.cpuHighRounds[svc.Name]; n >= th.CPURounds && th.CPURounds > 0 {
			add(SeverityWarning, "cpu", svc.Name, "%s CPU at %.0f%% of its limit for %d rounds", svc.Name, svc.CPULimitPercent, n)
		}
		if svc.MemPercent > th.MemPercentOfLimit {
			add(SeverityWarning, "memory", svc.Name, "%s memory at %.0f%% of its limit", svc.Name, svc.MemPercent)
		}
		if n := a.recentRestarts(svc.Name, now, th.RestartWindow); n > th.Restarts {
			add(SeverityWarning, "restarts", svc.Name, "%s restarted %d times in %s", svc.Name, n, th.RestartWindow)
		}
		if p := svc.Probe; p != nil && svc.State != platform.StateMissing && svc.State != platform.StateExited {
			switch {
			case !p.OK():
				reason := p.Error
				if reason == "" {
					reason = fmt.Sprintf("HTTP %d", p.Status)
				}
				add(SeverityWarning, "probe", svc.Name, "%s probe %s failed: %s", svc.Name, p.URL, reason)
			case p.Latency > th.ProbeSlow:
				add(SeverityWarning, "probe", svc.Name, "%s probe took %s", svc.Name, p.Latency.Round(time.Millisecond))
			}
		}
	}
	for _, v := range s.Volumes {
		if th.VolumeGrowthPerHour > 0 && v.GrowthPerHour > float64(th.VolumeGrowthPerHour) {
			add(SeverityWarning, "volume-growth", "", "volume %s grows %s/h", v.Name, HumanBytes(int64(v.GrowthPerHour)))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Severity > out[j].Severity })
	return out
}

func (a *alertState) recentRestarts(svc string, now time.Time, window time.Duration) int {
	times := a.restartTimes[svc]
	keep := times[:0]
	for _, t := range times {
		if now.Sub(t) <= window {
			keep = append(keep, t)
		}
	}
	a.restartTimes[svc] = keep
	return len(keep)
}

// Level is the worst severity among alerts: 0 none, 1 warning, 2 critical.
func Level(alerts []Alert) Severity {
	var worst Severity
	for _, a := range alerts {
		if a.Severity > worst {
			worst = a.Severity
		}
	}
	return worst
}

// HumanBytes formats a byte count the way docker does (1.5GiB, 12MiB).
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
