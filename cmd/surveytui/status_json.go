package main

import (
	"encoding/json"
	"io"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

// statusReport is the stable JSON form of `surveytui status --json`, documented in
// docs/STATUS-JSON.md. Fields are only ever added; Schema changes if one is removed or changes
// meaning.
type statusReport struct {
	Schema   int             `json:"schema"`
	Project  string          `json:"project"`
	Time     time.Time       `json:"time"`
	Level    string          `json:"level"`
	Engine   engineReport    `json:"engine"`
	Sampler  string          `json:"sampler"`
	Services []serviceReport `json:"services"`
	Volumes  []volumeReport  `json:"volumes"`
	Alerts   []alertReport   `json:"alerts"`
	Admin    *adminReport    `json:"admin,omitempty"`
}

type engineReport struct {
	Host       string `json:"host"`
	APIVersion string `json:"api_version"`
	Reachable  bool   `json:"reachable"`
	Error      string `json:"error,omitempty"`
}

type serviceReport struct {
	Name              string            `json:"name"`
	Role              string            `json:"role"`
	State             string            `json:"state"`
	Health            string            `json:"health"`
	Extra             bool              `json:"extra"`
	Image             string            `json:"image"`
	CPUPercent        float64           `json:"cpu_percent"`
	CPUPercentOfLimit *float64          `json:"cpu_percent_of_limit"`
	MemoryBytes       uint64            `json:"memory_bytes"`
	MemoryLimitBytes  uint64            `json:"memory_limit_bytes"`
	MemoryPercent     *float64          `json:"memory_percent_of_limit"`
	NetRxBps          float64           `json:"net_rx_bytes_per_second"`
	NetTxBps          float64           `json:"net_tx_bytes_per_second"`
	BlkReadBps        float64           `json:"block_read_bytes_per_second"`
	BlkWriteBps       float64           `json:"block_write_bytes_per_second"`
	Restarts          int               `json:"restarts"`
	StartedAt         *time.Time        `json:"started_at"`
	UptimeSeconds     int64             `json:"uptime_seconds"`
	ExitCode          int               `json:"exit_code"`
	OOMKilled         bool              `json:"oom_killed"`
	Probe             *probeReport      `json:"probe"`
	Containers        []containerReport `json:"containers"`
}

type probeReport struct {
	URL       string `json:"url"`
	Status    int    `json:"status"`
	LatencyMS int64  `json:"latency_ms"`
	Error     string `json:"error,omitempty"`
}

type containerReport struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	State    string `json:"state"`
	Health   string `json:"health"`
	Restarts int    `json:"restarts"`
	ExitCode int    `json:"exit_code"`
}

type volumeReport struct {
	Name        string   `json:"name"`
	EngineName  string   `json:"engine_name"`
	Driver      string   `json:"driver"`
	SizeBytes   int64    `json:"size_bytes"`
	GrowthBytes int64    `json:"growth_bytes"`
	Owners      []string `json:"owners"`
	Missing     bool     `json:"missing"`
}

type alertReport struct {
	Severity string `json:"severity"`
	Kind     string `json:"kind"`
	Service  string `json:"service,omitempty"`
	Message  string `json:"message"`
}

type adminReport struct {
	Health   map[string]any `json:"health,omitempty"`
	Services any            `json:"services,omitempty"`
	Stats    map[string]any `json:"stats,omitempty"`
	Error    string         `json:"error,omitempty"`
}

func buildStatusReport(s monitor.Snapshot) statusReport {
	rep := statusReport{Schema: 1, Project: s.Project, Time: s.Time.UTC(), Level: "ok", Sampler: s.Sampler,
		Engine:   engineReport{Host: s.Engine.Host, APIVersion: s.Engine.APIVersion, Reachable: s.Engine.Reachable, Error: s.Engine.Error},
		Services: []serviceReport{}, Volumes: []volumeReport{}, Alerts: []alertReport{}}
	switch monitor.Level(s.Alerts) {
	case monitor.SeverityWarning:
		rep.Level = "warning"
	case monitor.SeverityCritical:
		rep.Level = "critical"
	}
	for _, svc := range s.Services {
		sr := serviceReport{Name: svc.Name, Role: string(svc.Role), State: string(svc.State), Health: svc.Health, Extra: svc.Extra,
			Image: svc.Image, CPUPercent: round1(svc.CPUPercent), MemoryBytes: svc.MemUsage, MemoryLimitBytes: svc.MemLimit,
			NetRxBps: round1(svc.NetRxRate), NetTxBps: round1(svc.NetTxRate), BlkReadBps: round1(svc.BlkReadRate), BlkWriteBps: round1(svc.BlkWriteRate),
			Restarts: svc.Restarts, ExitCode: svc.ExitCode, OOMKilled: svc.OOMKilled, Containers: []containerReport{},
			UptimeSeconds: int64(svc.Uptime(s.Time).Seconds())}
		if svc.CPULimitPercent >= 0 {
			v := round1(svc.CPULimitPercent)
			sr.CPUPercentOfLimit = &v
		}
		if svc.MemPercent >= 0 {
			v := round1(svc.MemPercent)
			sr.MemoryPercent = &v
		}
		if !svc.StartedAt.IsZero() {
			t := svc.StartedAt.UTC()
			sr.StartedAt = &t
		}
		if p := svc.Probe; p != nil {
			sr.Probe = &probeReport{URL: p.URL, Status: p.Status, LatencyMS: p.Latency.Milliseconds(), Error: p.Error}
		}
		for _, c := range svc.Containers {
			sr.Containers = append(sr.Containers, containerReport{ID: shortID(c.ID), Name: c.Name, State: string(c.State), Health: c.Health, Restarts: c.Restarts, ExitCode: c.ExitCode})
		}
		rep.Services = append(rep.Services, sr)
	}
	for _, v := range s.Volumes {
		owners := v.Owners
		if owners == nil {
			owners = []string{}
		}
		rep.Volumes = append(rep.Volumes, volumeReport{Name: v.Name, EngineName: v.EngineName, Driver: v.Driver, SizeBytes: v.Size, GrowthBytes: v.Growth, Owners: owners, Missing: v.Missing})
	}
	for _, a := range s.Alerts {
		rep.Alerts = append(rep.Alerts, alertReport{Severity: a.Severity.String(), Kind: a.Kind, Service: a.Service, Message: a.Message})
	}
	if a := s.Admin; a != nil {
		rep.Admin = &adminReport{Health: a.Health, Services: a.Services, Stats: a.Stats, Error: a.Error}
	}
	return rep
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

func writeJSON(w io.Writer, v any, indent bool) error {
	enc := json.NewEncoder(w)
	if indent {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
