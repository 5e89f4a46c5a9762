package ui

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/monitor"
	"github.com/survey-platform/surveytui/internal/ops/platform"
)

// updating reports -update, the flag teatest already defines for its golden files.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

var fixedNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// fixtureSnapshot is a fixed platform: 15 services, some in trouble, and two volumes.
func fixtureSnapshot() monitor.Snapshot {
	svc := func(name string, role platform.Role, state platform.State, cpu float64, mem, limit uint64, restarts int) monitor.ServiceStatus {
		s := monitor.ServiceStatus{Name: name, Role: role, State: state, CPUPercent: cpu, MemUsage: mem, MemLimit: limit,
			Restarts: restarts, StartedAt: fixedNow.Add(-3 * time.Hour), CPULimitPercent: -1, MemPercent: -1,
			CPUHistory: []float64{1, 5, 10, 20, cpu}, MemHistory: []float64{float64(mem) / 2, float64(mem)}}
		if role == platform.RoleApp && state.OK() {
			s.Probe = &monitor.ProbeResult{URL: "http://127.0.0.1:3001/health", Status: 200, Latency: 12 * time.Millisecond}
		}
		return s
	}
	const mb = 1 << 20
	services := []monitor.ServiceStatus{
		svc("admin-service", platform.RoleApp, platform.StateHealthy, 1.2, 20*mb, 128*mb, 0),
		svc("analytics-consumer-service", platform.RoleApp, platform.StateHealthy, 0.4, 18*mb, 128*mb, 0),
		svc("analytics-service", platform.RoleApp, platform.StateHealthy, 3.5, 22*mb, 128*mb, 0),
		svc("audit-consumer-service", platform.RoleApp, platform.StateHealthy, 0.3, 17*mb, 128*mb, 0),
		svc("geolocation-service", platform.RoleApp, platform.StateUnhealthy, 0.1, 16*mb, 128*mb, 2),
		svc("notification-consumer-service", platform.RoleApp, platform.StateHealthy, 0.2, 15*mb, 128*mb, 0),
		svc("notification-service", platform.RoleApp, platform.StateHealthy, 0.9, 19*mb, 128*mb, 0),
		svc("project-service", platform.RoleApp, platform.StateExited, 0, 0, 0, 1),
		svc("survey-service", platform.RoleApp, platform.StateHealthy, 48.7, 64*mb, 128*mb, 0),
		svc("websocket-service", platform.RoleApp, platform.StateHealthy, 0.8, 21*mb, 128*mb, 0),
		svc("kafka", platform.RoleInfrastructure, platform.StateHealthy, 0.5, 12*mb, 512*mb, 0),
		svc("kafka-ui", platform.RoleInfrastructure, platform.StateMissing, 0, 0, 0, 0),
		svc("mongodb", platform.RoleInfrastructure, platform.StateHealthy, 2.1, 80*mb, 1024*mb, 0),
		svc("redis", platform.RoleInfrastructure, platform.StateHealthy, 0.2, 9*mb, 256*mb, 0),
		svc("zookeeper", platform.RoleInfrastructure, platform.StateHealthy, 0.3, 11*mb, 256*mb, 0),
	}
	services[4].Probe = &monitor.ProbeResult{URL: "http://127.0.0.1:3002/health", Status: 503, Latency: 3 * time.Millisecond}
	return monitor.Snapshot{
		Seq: 1, Time: fixedNow, Project: "surveydemo", Sampler: "cgroup v1",
		Engine:   monitor.EngineStatus{Host: "unix:///var/run/docker.sock", APIVersion: "1.41", Reachable: true},
		Services: services,
		Volumes: []monitor.VolumeStatus{
			{Name: "mongodb-data", EngineName: "surveydemo_mongodb-data", Driver: "local", Size: 150 * mb, Growth: 2 * mb, Owners: []string{"mongodb"}},
			{Name: "survey-uploads", EngineName: "surveydemo_survey-uploads", Driver: "local", Size: 50 * mb, Owners: []string{"survey-service"}},
		},
		VolumesAt: fixedNow.Add(-20 * time.Second),
		Admin: &monitor.AdminFigures{At: fixedNow, Health: map[string]any{"status": "degraded", "services": map[string]any{"healthy": 13.0, "total": 15.0}},
			Stats: map[string]any{"requests": 1234.0, "errors": 7.0}},
		Alerts: []monitor.Alert{
			{Severity: monitor.SeverityCritical, Kind: "down", Service: "project-service", Message: "project-service is exited (exit code 1)"},
			{Severity: monitor.SeverityCritical, Kind: "unhealthy", Service: "geolocation-service", Message: "geolocation-service is unhealthy"},
			{Severity: monitor.SeverityCritical, Kind: "down", Service: "kafka-ui", Message: "kafka-ui is declared but has no container"},
		},
	}
}

// fakeOps records what the UI asked for.
type fakeOps struct {
	mu        sync.Mutex
	restarted []string
	fail      error
	infos     []monitor.ContainerInfo
	refreshes int
}

func (f *fakeOps) Restart(_ context.Context, service string, progress func(string)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.restarted = append(f.restarted, service)
	return f.fail
}

func (f *fakeOps) Describe(_ context.Context, service string) ([]monitor.ContainerInfo, error) {
	if f.infos == nil {
		return nil, errors.New("no such service")
	}
	return f.infos, nil
}

func (f *fakeOps) RefreshVolumes() { f.refreshes++ }

func (f *fakeOps) restarts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.restarted...)
}

// newTestApp builds an App with plain styles (no escape sequences at all, so a frame can be
// checked for leaked control bytes) and a fixed clock.
func newTestApp(ops Operations, readOnly bool) *App {
	a := New(Deps{Project: "surveydemo", Version: "v1.0.0", EngineHost: "unix:///var/run/docker.sock",
		Ops: ops, ReadOnly: readOnly, Keys: DefaultKeyMap(), Styles: Styles{}, Now: func() time.Time { return fixedNow }})
	a.now = fixedNow
	return a
}

// golden compares got with testdata/NAME.golden (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("frame %s differs from %s (run go test ./internal/ui -update to accept):\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}
