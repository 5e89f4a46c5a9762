package monitor

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/ops/platform"
	"github.com/survey-platform/surveytui/internal/testenv"
)

// knobsProject starts testdata/knobs.yml under a unique project and returns its declaration.
func knobsProject(t *testing.T) (*platform.Declared, *engine.Client) {
	t.Helper()
	testenv.RequireEngine(t)
	image := testenv.StandinImage(t)
	project := testenv.UniqueName("stt-mon")
	file, _ := filepath.Abs("testdata/knobs.yml")
	env := map[string]string{"STANDIN_IMAGE": image}
	testenv.ComposeUp(t, file, project, env)
	t.Setenv("STANDIN_IMAGE", image)
	decl, err := platform.Load(context.Background(), platform.LoadOptions{Files: []string{file}, Project: project})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return decl, eng
}

// waitFor reads snapshots until cond holds or the timeout passes, returning the last one.
func waitFor(t *testing.T, m *Monitor, timeout time.Duration, what string, cond func(Snapshot) bool) Snapshot {
	t.Helper()
	deadline := time.After(timeout)
	var last Snapshot
	for {
		select {
		case s := <-m.Updates():
			last = s
			if cond(s) {
				return s
			}
		case <-deadline:
			t.Fatalf("%s: not within %s; last snapshot: %s", what, timeout, describe(last))
			return last
		}
	}
}

func describe(s Snapshot) string {
	var parts []string
	for _, svc := range s.Services {
		parts = append(parts, svc.Name+"="+string(svc.State))
	}
	return strings.Join(parts, " ") + " engine=" + s.Engine.Error
}

func service(s Snapshot, name string) ServiceStatus {
	for _, svc := range s.Services {
		if svc.Name == name {
			return svc
		}
	}
	return ServiceStatus{}
}

func TestMonitorFollowsTheEngine(t *testing.T) {
	decl, eng := knobsProject(t)
	sampler := NewAutoSampler(NewEngineSampler(eng, 0), false, "")
	m := New(eng, decl, Options{Interval: 2 * time.Second, ProbeInterval: time.Second, VolumeInterval: time.Hour, Sampler: sampler})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.Run(ctx)

	waitFor(t, m, 30*time.Second, "survey-service healthy", func(s Snapshot) bool {
		return service(s, "survey-service").State == platform.StateHealthy
	})

	t.Run("unhealthy raises an alert", func(t *testing.T) {
		waitFor(t, m, 30*time.Second, "geolocation-service unhealthy with an alert", func(s Snapshot) bool {
			if service(s, "geolocation-service").State != platform.StateUnhealthy {
				return false
			}
			for _, a := range s.Alerts {
				if a.Service == "geolocation-service" && a.Kind == "unhealthy" && a.Severity == SeverityCritical {
					return true
				}
			}
			return false
		})
	})

	t.Run("probe through the published port", func(t *testing.T) {
		s := waitFor(t, m, 15*time.Second, "survey-service probed", func(s Snapshot) bool {
			return service(s, "survey-service").Probe.OK()
		})
		p := service(s, "survey-service").Probe
		if !strings.HasPrefix(p.URL, "http://127.0.0.1:") || !strings.Contains(p.Body, "survey-service") {
			t.Errorf("probe %+v", p)
		}
	})

	t.Run("half a core burnt reads 30-70 %", func(t *testing.T) {
		// CPU % comes from the difference of two samples, so wait for a few rounds.
		s := waitFor(t, m, 30*time.Second, "analytics-service CPU in 30-70 %", func(s Snapshot) bool {
			cpu := service(s, "analytics-service").CPUPercent
			return cpu >= 30 && cpu <= 70
		})
		svc := service(s, "analytics-service")
		t.Logf("analytics-service %.1f %% of a core (%.1f %% of its 1-core limit), sampler %s (%s)", svc.CPUPercent, svc.CPULimitPercent, s.Sampler, sampler.Reason())
		if svc.CPULimitPercent < 30 || svc.CPULimitPercent > 70 {
			t.Errorf("CPU of limit %.1f", svc.CPULimitPercent)
		}
	})

	t.Run("100 MB held reads 100 MB or more", func(t *testing.T) {
		s := waitFor(t, m, 20*time.Second, "notification-service memory >= 100 MiB", func(s Snapshot) bool {
			return service(s, "notification-service").MemUsage >= 100<<20
		})
		svc := service(s, "notification-service")
		if svc.MemLimit != 256<<20 || svc.MemPercent < 39 {
			t.Errorf("memory %d of %d (%.1f %%)", svc.MemUsage, svc.MemLimit, svc.MemPercent)
		}
	})

	t.Run("kill shows exited within 2 s", func(t *testing.T) {
		id := service(m.Latest(), "notification-service").Containers[0].ID
		killed := time.Now()
		if out, err := exec.Command("docker", "kill", id).CombinedOutput(); err != nil {
			t.Fatalf("docker kill: %v %s", err, out)
		}
		s := waitFor(t, m, 2*time.Second, "notification-service exited", func(s Snapshot) bool {
			return service(s, "notification-service").State == platform.StateExited
		})
		t.Logf("exited seen %s after the kill", time.Since(killed).Round(time.Millisecond))
		found := false
		for _, a := range s.Alerts {
			found = found || a.Service == "notification-service" && a.Kind == "down"
		}
		if !found {
			t.Errorf("no down alert: %+v", s.Alerts)
		}
	})
}

func TestVolumeGrowthAfterRefresh(t *testing.T) {
	testenv.RequireEngine(t)
	image := testenv.StandinImage(t)
	project := testenv.UniqueName("stt-grow")
	file, _ := filepath.Abs("testdata/writer.yml")
	env := map[string]string{"STANDIN_IMAGE": image}
	// Scale 0: the project's volume exists (empty) before anything writes to it.
	t.Cleanup(func() { testenv.Compose(t, file, project, env, "down", "-v", "--remove-orphans", "--timeout", "2") })
	testenv.Compose(t, file, project, env, "up", "-d", "--scale", "survey-service=0")
	t.Setenv("STANDIN_IMAGE", image)
	decl, err := platform.Load(context.Background(), platform.LoadOptions{Files: []string{file}, Project: project})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	m := New(eng, decl, Options{VolumeInterval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.Run(ctx)
	base := waitFor(t, m, 30*time.Second, "the empty volume measured", func(s Snapshot) bool {
		return len(s.Volumes) == 1 && s.Volumes[0].Size >= 0
	})
	if base.Volumes[0].Size > 1<<20 {
		t.Fatalf("the volume should start empty: %d bytes", base.Volumes[0].Size)
	}

	testenv.Compose(t, file, project, env, "up", "-d", "--scale", "survey-service=1")
	s := waitFor(t, m, 60*time.Second, "survey-uploads grown by 50 MB after a refresh", func(s Snapshot) bool {
		if v := s.Volumes[0]; v.Growth >= 50<<20 {
			return true
		}
		m.RefreshVolumes() // the v key's way: measure now rather than at the next slow round
		return false
	})
	v := s.Volumes[0]
	t.Logf("grew %d bytes (%.0f MB/h)", v.Growth, v.GrowthPerHour/(1<<20))
	if len(v.Owners) != 1 || v.Owners[0] != "survey-service" || v.Driver != "local" || v.EngineName != project+"_survey-uploads" {
		t.Errorf("volume %+v", v)
	}
}
