package monitor

import (
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/platform"
)

func kinds(alerts []Alert) map[string]Severity {
	m := map[string]Severity{}
	for _, a := range alerts {
		m[a.Service+"/"+a.Kind] = a.Severity
	}
	return m
}

func TestAlertRules(t *testing.T) {
	th := DefaultThresholds()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	ok := func(name string) ServiceStatus {
		return ServiceStatus{Name: name, State: platform.StateHealthy, CPULimitPercent: -1, MemPercent: -1}
	}
	snap := Snapshot{Engine: EngineStatus{Reachable: true}, Services: []ServiceStatus{
		ok("fine"),
		{Name: "hot", State: platform.StateHealthy, CPULimitPercent: 95, MemPercent: 10},
		{Name: "fat", State: platform.StateHealthy, CPULimitPercent: 10, MemPercent: 93},
		{Name: "sick", State: platform.StateUnhealthy, CPULimitPercent: -1, MemPercent: -1},
		{Name: "gone", State: platform.StateMissing, CPULimitPercent: -1, MemPercent: -1},
		{Name: "dead", State: platform.StateExited, ExitCode: 137, OOMKilled: true, CPULimitPercent: -1, MemPercent: -1},
		{Name: "slow", State: platform.StateHealthy, CPULimitPercent: -1, MemPercent: -1, Probe: &ProbeResult{Status: 200, Latency: 1500 * time.Millisecond}},
		{Name: "failing", State: platform.StateHealthy, CPULimitPercent: -1, MemPercent: -1, Probe: &ProbeResult{Status: 503}},
		ok("flappy"),
	}, Volumes: []VolumeStatus{{Name: "grows", GrowthPerHour: 2 << 30}, {Name: "steady", GrowthPerHour: 1 << 20}}}

	a := newAlertState()
	for i := 0; i < 4; i++ {
		a.noteRestart("flappy", now.Add(-time.Duration(i)*time.Minute))
	}
	a.noteRestart("flappy", now.Add(-time.Hour)) // outside the 10 min window

	got := kinds(a.evaluate(&snap, th, now, true))
	if _, ok := got["hot/cpu"]; ok {
		t.Error("CPU alert after one round; it needs 3")
	}
	a.evaluate(&snap, th, now, true)
	got = kinds(a.evaluate(&snap, th, now, true))
	want := map[string]Severity{
		"hot/cpu": SeverityWarning, "fat/memory": SeverityWarning, "sick/unhealthy": SeverityCritical,
		"gone/down": SeverityCritical, "dead/down": SeverityCritical, "dead/oom": SeverityCritical,
		"slow/probe": SeverityWarning, "failing/probe": SeverityWarning, "flappy/restarts": SeverityWarning,
		"/volume-growth": SeverityWarning,
	}
	for k, sev := range want {
		if got[k] != sev {
			t.Errorf("%s: severity %v, want %v", k, got[k], sev)
		}
	}
	if len(got) != len(want) {
		t.Errorf("unexpected alerts: got %v", got)
	}

	// One cool round resets the CPU counter.
	snap.Services[1].CPULimitPercent = 10
	if _, ok := kinds(a.evaluate(&snap, th, now, true))["hot/cpu"]; ok {
		t.Error("CPU alert should clear when the service cools down")
	}
	if Level(a.evaluate(&snap, th, now, false)) != SeverityCritical {
		t.Error("level should be critical")
	}
}

func TestEngineUnreachableIsCritical(t *testing.T) {
	snap := Snapshot{Engine: EngineStatus{Reachable: false, Error: "cannot reach Docker"}}
	got := newAlertState().evaluate(&snap, DefaultThresholds(), time.Now(), false)
	if len(got) != 1 || got[0].Kind != "engine" || got[0].Severity != SeverityCritical {
		t.Errorf("got %+v", got)
	}
}

func TestMaskEnv(t *testing.T) {
	in := []string{"DB_PASSWORD=hunter2", "JWT_SECRET=s", "API_TOKEN=t", "AWS_ACCESS_KEY_ID=k", "GCP_CREDENTIALS=c",
		"MONGODB_URI=mongodb://u:p@h", "PORT=3001", "CALLBACK=https://user:pw@example.com/x", "EMPTY", "NODE_ENV=production"}
	want := []string{"DB_PASSWORD=********", "JWT_SECRET=********", "API_TOKEN=********", "AWS_ACCESS_KEY_ID=********",
		"GCP_CREDENTIALS=********", "MONGODB_URI=********", "PORT=3001", "CALLBACK=https://user:********@example.com/x", "EMPTY", "NODE_ENV=production"}
	got := MaskEnv(in)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%q -> %q, want %q", in[i], got[i], want[i])
		}
	}
}
