// Package monitor watches the platform and produces one immutable Snapshot per round: state
// and health from Docker events, CPU/memory from sampled counters, HTTP /health probes,
// volume sizes, admin-service figures, and the alerts computed from thresholds. The UI and the
// status command read snapshots; they never call Docker themselves.
package monitor

import (
	"time"

	"github.com/survey-platform/surveytui/internal/ops/platform"
)

// Snapshot is the platform at one moment. Once published it is never modified: the monitor
// builds a new one each round, so readers need no locks.
type Snapshot struct {
	Seq      uint64
	Time     time.Time
	Project  string
	Engine   EngineStatus
	Sampler  string
	Services []ServiceStatus
	Volumes  []VolumeStatus
	// VolumesAt is when volume sizes were last measured (zero: not yet).
	VolumesAt time.Time
	Alerts    []Alert
	Admin     *AdminFigures
}

// EngineStatus says whether the engine answers.
type EngineStatus struct {
	Host       string
	APIVersion string
	Version    string
	Reachable  bool
	Error      string
	// Since is when the engine stopped answering (zero while reachable).
	Since time.Time
}

// ServiceStatus is one service with its live figures (sums over its containers).
type ServiceStatus struct {
	Name  string
	Role  platform.Role
	State platform.State
	Extra bool
	Image string
	// Health is the worst Docker health of its containers ("" without a healthcheck).
	Health string

	// CPUPercent is of one core (100 = one full core). CPULimitPercent is of the compose CPU
	// limit, -1 when there is none.
	CPUPercent      float64
	CPULimitPercent float64
	MemUsage        uint64
	MemLimit        uint64
	// MemPercent is of the limit, -1 when there is none.
	MemPercent                float64
	NetRxRate, NetTxRate      float64
	BlkReadRate, BlkWriteRate float64
	CPUHistory, MemHistory    []float64

	Restarts  int
	StartedAt time.Time
	ExitCode  int
	OOMKilled bool

	Probe      *ProbeResult
	Containers []ContainerStatus
	Spec       *platform.ServiceSpec
}

// ContainerStatus is one container of a service.
type ContainerStatus struct {
	ID        string
	Name      string
	State     platform.State
	Health    string
	Restarts  int
	StartedAt time.Time
	ExitCode  int
	OOMKilled bool
	HealthLog []HealthCheckRun
	Events    []Event
}

// HealthCheckRun is one Docker healthcheck execution from inspect.
type HealthCheckRun struct {
	Start    time.Time
	ExitCode int
	Output   string
}

// Event is a container event the monitor saw.
type Event struct {
	Time   time.Time
	Action string
}

// ProbeResult is one HTTP health probe through a published port.
type ProbeResult struct {
	URL     string
	Status  int
	Latency time.Duration
	Body    string
	Error   string
	At      time.Time
}

// OK reports a 2xx answer.
func (p *ProbeResult) OK() bool {
	return p != nil && p.Error == "" && p.Status >= 200 && p.Status < 300
}

// VolumeStatus is one named volume of the project.
type VolumeStatus struct {
	Name       string // compose name
	EngineName string
	Driver     string
	Mountpoint string
	Size       int64 // bytes, -1 when unknown
	// Growth is bytes gained since the monitor started, GrowthPerHour the rate.
	Growth        int64
	GrowthPerHour float64
	Owners        []string
	Missing       bool
}

// AdminFigures are what admin-service's own endpoints say, when they answer.
type AdminFigures struct {
	At       time.Time
	Health   map[string]any
	Services any
	Stats    map[string]any
	Error    string
}
